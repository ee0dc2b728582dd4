"""The champion/challenger gate: its decision replayed on fixture scores, and the job on small generated data."""

from __future__ import annotations

import io
import json
from datetime import datetime, timezone

import numpy as np
import pytest

from mlops_shared import promotion
from mlops_shared.promotion import (
    ACT_APPROVE,
    ACT_AWAIT,
    ACT_RECORD,
    ACT_REJECT,
    APPROVE,
    REJECT,
    PromotionPolicy,
    decide,
)

CHAMPION = "arn:aws:sagemaker:eu-west-1:111111111111:model-package/mlops-dev-churn/3"
CHALLENGER = "arn:aws:sagemaker:eu-west-1:111111111111:model-package/mlops-dev-churn/4"


def policy(**overrides) -> PromotionPolicy:
    values = dict(
        metric="auc",
        min_absolute_improvement=0.01,
        min_relative_improvement=0.0,
        min_samples=100,
        mode="enabled",
        manual_approval=False,
        threshold=0.7,
    )
    values.update(overrides)
    return PromotionPolicy(**values)


# --- the decision, replayed ------------------------------------------------------------------------------------


def test_a_better_challenger_is_approved():
    verdict = decide(policy(), challenger_score=0.86, champion_score=0.82, samples=500, champion_arn=CHAMPION)
    assert (verdict.decision, verdict.action) == (APPROVE, ACT_APPROVE)
    assert "0.860000 against the champion's 0.820000" in verdict.reason


def test_a_worse_challenger_is_rejected_with_the_reason():
    verdict = decide(policy(), challenger_score=0.80, champion_score=0.82, samples=500, champion_arn=CHAMPION)
    assert (verdict.decision, verdict.action) == (REJECT, ACT_REJECT)
    assert "below the minimum absolute improvement 0.01" in verdict.reason


def test_a_gain_under_the_relative_minimum_is_rejected():
    verdict = decide(
        policy(min_absolute_improvement=0.0, min_relative_improvement=0.05), 0.84, 0.82, 500, CHAMPION
    )
    assert verdict.decision == REJECT
    assert "minimum relative improvement 5.00%" in verdict.reason


def test_too_few_samples_are_rejected_whatever_the_scores():
    verdict = decide(policy(min_samples=100), challenger_score=0.99, champion_score=0.5, samples=99)
    assert (verdict.decision, verdict.action) == (REJECT, ACT_REJECT)
    assert "too few samples: 99 scored rows, at least 100" in verdict.reason


def test_without_a_champion_the_training_threshold_decides():
    above = decide(policy(threshold=0.7), challenger_score=0.71, champion_score=None, samples=500)
    below = decide(policy(threshold=0.7), challenger_score=0.69, champion_score=None, samples=500)
    assert (above.decision, above.action) == (APPROVE, ACT_APPROVE)
    assert "no champion yet" in above.reason and "meets the training threshold" in above.reason
    assert (below.decision, below.action) == (REJECT, ACT_REJECT)


def test_a_dry_run_records_the_verdict_and_does_not_act():
    better = decide(policy(mode="dryRun"), 0.9, 0.8, 500, CHAMPION)
    worse = decide(policy(mode="dryRun"), 0.7, 0.8, 500, CHAMPION)
    assert (better.decision, better.action) == (APPROVE, ACT_RECORD)
    assert (worse.decision, worse.action) == (REJECT, ACT_RECORD)
    assert "[mode dryRun: recorded, not acted on]" in better.reason


def test_a_passing_verdict_waits_for_the_approver_where_approval_is_manual():
    verdict = decide(policy(manual_approval=True), 0.9, 0.8, 500, CHAMPION)
    assert (verdict.decision, verdict.action) == (APPROVE, ACT_AWAIT)
    rejected = decide(policy(manual_approval=True), 0.7, 0.8, 500, CHAMPION)
    assert rejected.action == ACT_REJECT


def test_a_policy_with_an_unknown_mode_is_refused():
    with pytest.raises(ValueError, match="mode must be one of enabled, dryRun, off, got 'sometimes'"):
        policy(mode="sometimes")


# --- the verdict on the package ----------------------------------------------------------------------------------


class Recorder:
    """A fake boto3 client: records each call, answers from a table."""

    def __init__(self, answers=None):
        self.calls = []
        self.answers = answers or {}

    def __getattr__(self, name):
        def call(**kwargs):
            self.calls.append((name, kwargs))
            answer = self.answers.get(name, {})
            return answer(**kwargs) if callable(answer) else answer

        return call

    def named(self, name):
        return [kwargs for called, kwargs in self.calls if called == name]


CONTEXT = promotion.GateContext("mlops", "dev", "churn", CHALLENGER)
NOW = "2026-12-07T21:00:00+00:00"


def test_an_approving_verdict_sets_the_status_metadata_lifecycle_and_publishes_the_event():
    sagemaker, events = Recorder(), Recorder({"put_events": {"FailedEntryCount": 0}})
    verdict = decide(policy(), 0.86, 0.82, 500, CHAMPION)
    promotion.apply_verdict(sagemaker, events, CONTEXT, verdict, NOW)
    verdict_update, approval = sagemaker.named("update_model_package")
    # the verdict is on the version before its approval starts the rollout, which reads it
    assert "ModelApprovalStatus" not in verdict_update
    assert approval["ModelApprovalStatus"] == "Approved"
    update = verdict_update
    metadata = update["CustomerMetadataProperties"]
    assert metadata["promotion-decision"] == "approve"
    assert metadata["promotion-challenger-score"] == "0.860000"
    assert metadata["promotion-champion-score"] == "0.820000"
    assert metadata["promotion-champion-arn"] == CHAMPION
    assert metadata["promotion-samples"] == "500"
    assert metadata["promotion-window"] == "test-split"
    assert update["ModelLifeCycle"]["StageStatus"] == "Approved"
    (put,) = events.named("put_events")
    entry = put["Entries"][0]
    assert (entry["Source"], entry["DetailType"]) == ("mlops.platform", "Promotion Verdict")
    detail = json.loads(entry["Detail"])
    assert {k: detail[k] for k in ("project", "environment", "model", "eventTime")} == {
        "project": "mlops",
        "environment": "dev",
        "model": "churn",
        "eventTime": NOW,
    }


def test_the_gate_moves_the_model_card_with_the_approval():
    # GIVEN a version registered at stage 5, whose card waits for review
    card = {"ModelCard": {"ModelCardStatus": "PendingReview", "ModelCardContent": "{}"}}
    for verdict, status in ((decide(policy(), 0.86, 0.82, 500, CHAMPION), "Approved"), (decide(policy(), 0.7, 0.82, 500, CHAMPION), "Archived")):
        sagemaker, events = Recorder({"describe_model_package": card}), Recorder({"put_events": {"FailedEntryCount": 0}})
        # WHEN the gate approves or rejects it
        promotion.apply_verdict(sagemaker, events, CONTEXT, verdict, NOW)
        # THEN the card follows the approval in the same call
        assert sagemaker.named("update_model_package")[-1]["ModelCard"] == {"ModelCardStatus": status}


def test_a_version_without_a_card_or_with_an_archived_one_keeps_it_as_it_is():
    assert promotion.card_status_with({}, "Approved") is None
    assert promotion.card_status_with({"ModelCard": {"ModelCardStatus": "Archived"}}, "Approved") is None
    assert promotion.card_status_with({"ModelCard": {"ModelCardStatus": "Approved"}}, "Approved") is None


def test_a_dry_run_verdict_leaves_the_approval_status_alone():
    sagemaker, events = Recorder(), Recorder({"put_events": {"FailedEntryCount": 0}})
    promotion.apply_verdict(sagemaker, events, CONTEXT, decide(policy(mode="dryRun"), 0.9, 0.8, 500, CHAMPION), NOW)
    (update,) = sagemaker.named("update_model_package")
    assert "ModelApprovalStatus" not in update
    assert update["CustomerMetadataProperties"]["promotion-action"] == "recorded-only"


def test_a_waiting_verdict_leaves_the_approval_to_the_approver():
    sagemaker, events = Recorder(), Recorder({"put_events": {"FailedEntryCount": 0}})
    verdict = decide(policy(manual_approval=True), 0.9, 0.8, 500, CHAMPION)
    promotion.apply_verdict(sagemaker, events, CONTEXT, verdict, NOW)
    (update,) = sagemaker.named("update_model_package")
    assert "ModelApprovalStatus" not in update
    assert update["ModelLifeCycle"]["StageStatus"] == "PendingApproval"


def test_an_unpublished_event_fails_the_step():
    events = Recorder({"put_events": {"FailedEntryCount": 1, "Entries": [{"ErrorCode": "AccessDenied"}]}})
    with pytest.raises(RuntimeError, match="not published"):
        promotion.apply_verdict(Recorder(), events, CONTEXT, decide(policy(), 0.9, 0.8, 500, CHAMPION), NOW)


def test_metadata_values_fit_the_registry_limit():
    verdict = decide(policy(), 0.9, 0.8, 500, CHAMPION)
    long = promotion.Verdict(**{**verdict.__dict__, "reason": "x" * 1000})
    assert all(len(v) <= 256 for v in promotion.verdict_metadata(long, NOW).values())


# --- the job on generated data -----------------------------------------------------------------------------------


def generated_split(tmp_path, rows=400, seed=7):
    """A test split and two models' predictions: the challenger separates the classes better than the champion."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 2, rows)
    challenger = np.clip(labels * 0.6 + rng.normal(0.2, 0.2, rows), 0, 1)
    champion = np.clip(labels * 0.2 + rng.normal(0.4, 0.25, rows), 0, 1)
    test = tmp_path / "test"
    test.mkdir()
    (test / "test.csv").write_text("".join(f"{y},1.0,2.0\n" for y in labels))
    predictions = tmp_path / "predictions"
    predictions.mkdir()
    (predictions / "test.csv.out").write_text("".join(f"{y},{float(s)!r}\n" for y, s in zip(labels, challenger)))
    champion_csv = "".join(f"{y},{float(s)!r}\n" for y, s in zip(labels, champion))
    return test, predictions, champion_csv


ENVIRON = {
    "PROMOTION_METRIC": "auc",
    "PROMOTION_MIN_ABSOLUTE_IMPROVEMENT": "0.01",
    "PROMOTION_MIN_RELATIVE_IMPROVEMENT": "0",
    "PROMOTION_MIN_SAMPLES": "100",
    "PROMOTION_MODE": "enabled",
    "PROMOTION_MANUAL_APPROVAL": "false",
    "PROMOTION_THRESHOLD": "0.6",
    "PROMOTION_PROJECT": "mlops",
    "PROMOTION_ENVIRONMENT": "dev",
    "PROMOTION_MODEL": "churn",
    "PROMOTION_CHAMPION_PARAMETER": "/mlops/dev/churn/approved-model-package",
    "PROMOTION_MODEL_ROLE_ARN": "arn:aws:iam::111111111111:role/mlops-dev-churn-training",
    "PROMOTION_INSTANCE_TYPE": "ml.m5.large",
    "PROMOTION_OUTPUT_URI": "s3://artifacts/pipelines/churn/run/champion",
    "PROMOTION_KMS_KEY_ARN": "arn:aws:kms:eu-west-1:111111111111:key/abc",
    "PROMOTION_SUBNETS": "subnet-1,subnet-2",
    "PROMOTION_SECURITY_GROUPS": "sg-1",
    "PROMOTION_TEST_URI": "s3://artifacts/pipelines/churn/run/preprocess/test",
    "PROMOTION_JOB_PREFIX": "mlops-dev-churn-champion",
}


class Paginator:
    def __init__(self, pages):
        self.pages = pages

    def paginate(self, **_):
        return self.pages


def clients_with_champion(champion_value, champion_csv="", transform_status="Completed"):
    s3 = Recorder(
        {
            "get_object": lambda **_: {"Body": io.BytesIO(champion_csv.encode())},
        }
    )
    s3.get_paginator = lambda _name: Paginator([{"Contents": [{"Key": "pipelines/churn/run/champion/test.csv.out"}]}])
    return {
        "ssm": Recorder({"get_parameter": {"Parameter": {"Value": champion_value}}}),
        "sagemaker": Recorder(
            {"describe_transform_job": {"TransformJobStatus": transform_status, "FailureReason": "out of memory"}}
        ),
        "s3": s3,
        "events": Recorder({"put_events": {"FailedEntryCount": 0}}),
    }


def test_the_gate_scores_both_models_on_the_same_split_and_approves_the_better(tmp_path):
    test, predictions, champion_csv = generated_split(tmp_path)
    clients = clients_with_champion(CHAMPION, champion_csv)
    verdict = promotion.run_gate(clients, ENVIRON, CHALLENGER, test, predictions, NOW, sleep=lambda _: None)
    assert verdict.decision == APPROVE
    assert verdict.champion_score is not None and verdict.challenger_score > verdict.champion_score
    (model,) = clients["sagemaker"].named("create_model")
    assert model["Containers"] == [{"ModelPackageName": CHAMPION}]
    (job,) = clients["sagemaker"].named("create_transform_job")
    assert job["TransformInput"]["DataSource"]["S3DataSource"]["S3Uri"] == ENVIRON["PROMOTION_TEST_URI"]
    assert clients["sagemaker"].named("delete_model"), "the temporary champion model is removed"
    assert clients["sagemaker"].named("update_model_package")[-1]["ModelApprovalStatus"] == "Approved"


def test_without_a_champion_no_transform_runs_and_the_threshold_decides(tmp_path):
    test, predictions, _ = generated_split(tmp_path)
    clients = clients_with_champion("none")
    verdict = promotion.run_gate(clients, ENVIRON, CHALLENGER, test, predictions, NOW)
    assert verdict.champion_score is None and verdict.decision == APPROVE
    assert clients["sagemaker"].named("create_transform_job") == []


def test_a_failed_champion_transform_fails_the_step_and_writes_no_verdict(tmp_path):
    test, predictions, _ = generated_split(tmp_path)
    clients = clients_with_champion(CHAMPION, transform_status="Failed")
    with pytest.raises(RuntimeError, match="batch transform Failed: out of memory"):
        promotion.run_gate(clients, ENVIRON, CHALLENGER, test, predictions, NOW)
    assert clients["sagemaker"].named("update_model_package") == []
    assert clients["sagemaker"].named("delete_model"), "the temporary champion model is removed"


def test_the_gate_reads_the_verdict_rows_it_scored(tmp_path):
    test, predictions, _ = generated_split(tmp_path, rows=50)
    clients = clients_with_champion("none")
    verdict = promotion.run_gate(clients, ENVIRON, CHALLENGER, test, predictions, NOW)
    assert (verdict.samples, verdict.decision) == (50, REJECT)


def test_a_rejecting_verdict_rejects_the_version_with_its_reason():
    sagemaker, events = Recorder(), Recorder({"put_events": {"FailedEntryCount": 0}})
    verdict = decide(policy(), 0.80, 0.82, 500, CHAMPION)
    promotion.apply_verdict(sagemaker, events, CONTEXT, verdict, NOW)
    verdict_update, rejection = sagemaker.named("update_model_package")
    assert verdict_update["ModelLifeCycle"]["StageStatus"] == "Rejected"
    assert rejection["ModelApprovalStatus"] == "Rejected"
    assert "below the minimum absolute improvement" in rejection["ApprovalDescription"]
    detail = json.loads(events.named("put_events")[0]["Entries"][0]["Detail"])
    assert (detail["decision"], detail["action"]) == ("reject", "rejected")


# --- the execution that produced the version ---------------------------------------------------------------------

EXECUTION = "arn:aws:sagemaker:eu-west-1:111111111111:pipeline/mlops-dev-churn-training/execution/abc123"


def test_the_verdict_names_the_pipeline_execution_that_produced_the_version(tmp_path):
    test, predictions, _ = generated_split(tmp_path)
    clients = clients_with_champion("none")
    environ = {**ENVIRON, "PROMOTION_PIPELINE_EXECUTION_ARN": EXECUTION}
    promotion.run_gate(clients, environ, CHALLENGER, test, predictions, NOW)
    (put,) = clients["events"].named("put_events")
    detail = json.loads(put["Entries"][0]["Detail"])
    assert (detail["pipelineExecutionArn"], detail["modelPackageArn"]) == (EXECUTION, CHALLENGER)
    verdict_update = clients["sagemaker"].named("update_model_package")[0]
    assert verdict_update["CustomerMetadataProperties"]["promotion-pipeline-execution-arn"] == EXECUTION


def test_without_an_execution_the_verdict_says_none_and_writes_no_empty_metadata():
    sagemaker, events = Recorder(), Recorder({"put_events": {"FailedEntryCount": 0}})
    promotion.apply_verdict(sagemaker, events, CONTEXT, decide(policy(), 0.86, 0.82, 500, CHAMPION), NOW)
    detail = json.loads(events.named("put_events")[0]["Entries"][0]["Detail"])
    assert detail["pipelineExecutionArn"] is None
    assert "promotion-pipeline-execution-arn" not in sagemaker.named("update_model_package")[0]["CustomerMetadataProperties"]


def test_the_job_takes_the_execution_from_its_arguments(monkeypatch, tmp_path):
    seen = {}

    def fake_gate(_clients, environ, package_arn, _test, _predictions):
        seen.update(environ=environ, package_arn=package_arn)
        return decide(policy(), 0.86, 0.82, 500, CHAMPION)

    class FakeBoto3:
        @staticmethod
        def client(name):
            return Recorder()

    monkeypatch.setattr(promotion, "run_gate", fake_gate)
    monkeypatch.setitem(__import__("sys").modules, "boto3", FakeBoto3)
    promotion.main(
        [
            "--package-arn", CHALLENGER,
            "--test-uri", "s3://artifacts/test",
            "--champion-output", "s3://artifacts/champion",
            "--pipeline-execution-arn", EXECUTION,
            "--test", str(tmp_path),
            "--predictions", str(tmp_path),
        ]
    )
    assert seen["package_arn"] == CHALLENGER
    assert seen["environ"]["PROMOTION_PIPELINE_EXECUTION_ARN"] == EXECUTION


# --- the captured labelled window (stage 4 ground truth) ------------------------------------------------------

WINDOW_ENVIRON = {
    **ENVIRON,
    "PROMOTION_CAPTURE_URI": "s3://raw/data-capture/churn/",
    "PROMOTION_GROUND_TRUTH_URI": "s3://raw/ground-truth/churn/",
    "PROMOTION_WINDOW_HOURS": "24",
    "PROMOTION_GROUND_TRUTH_DELAY_HOURS": "2",
    "PROMOTION_WINDOW_URI": "s3://artifacts/pipelines/churn/run/captured-window",
    "PROMOTION_WINDOW_INPUT_URI": "s3://raw/data-capture/churn/promotion-windows/run",
    "PROMOTION_WINDOW_KMS_KEY_ARN": "arn:aws:kms:eu-west-1:111111111111:key/data",
    "PROMOTION_CHALLENGER_MODEL": "pipelines-run-CreateCandidateModel-abc",
}
WINDOW_END = datetime(2026, 12, 8, 11, 40, tzinfo=timezone.utc)
"""The gate runs at 11:40: the window is the 24 hours before 09:00 (the last full hour less the 2-hour delay)."""


class FakeS3:
    """In-memory S3: listing (with delimiters and paginators), reads and writes."""

    def __init__(self, objects):
        self.objects = dict(objects)
        self.puts = []

    def get_object(self, Bucket, Key):
        return {"Body": io.BytesIO(self.objects[(Bucket, Key)])}

    def put_object(self, Bucket, Key, Body, **kwargs):
        self.puts.append((Bucket, Key, kwargs))
        self.objects[(Bucket, Key)] = Body

    def list_objects_v2(self, Bucket, Prefix, Delimiter=None, ContinuationToken=None):
        keys = sorted(k for b, k in self.objects if b == Bucket and k.startswith(Prefix))
        if Delimiter:
            rest = [k[len(Prefix):] for k in keys if Delimiter in k[len(Prefix):]]
            folders = sorted({Prefix + r.split(Delimiter)[0] + Delimiter for r in rest})
            return {"CommonPrefixes": [{"Prefix": f} for f in folders], "IsTruncated": False}
        return {"Contents": [{"Key": k} for k in keys], "IsTruncated": False}

    def get_paginator(self, _name):
        return Paginator_(self)


class Paginator_:
    def __init__(self, s3):
        self.s3 = s3

    def paginate(self, Bucket, Prefix):
        return [self.s3.list_objects_v2(Bucket=Bucket, Prefix=Prefix)]


class FakeSageMaker(Recorder):
    """Runs each batch transform for real on the fake S3: the model's scoring function over the input's cells."""

    def __init__(self, s3, scorers):
        super().__init__({"describe_transform_job": {"TransformJobStatus": "Completed"}})
        self.s3, self.scorers, self.models = s3, scorers, {}

    def create_model(self, **kwargs):
        self.calls.append(("create_model", kwargs))
        self.models[kwargs["ModelName"]] = kwargs["Containers"][0]["ModelPackageName"]

    def create_transform_job(self, **kwargs):
        self.calls.append(("create_transform_job", kwargs))
        scorer = self.scorers[self.models.get(kwargs["ModelName"], kwargs["ModelName"])]
        source = kwargs["TransformInput"]["DataSource"]["S3DataSource"]["S3Uri"]
        bucket, prefix = promotion._split_uri(source.rstrip("/") + "/")
        for (b, key), body in list(self.s3.objects.items()):
            if b != bucket or not key.startswith(prefix):
                continue
            rows = [line.split(",") for line in body.decode().splitlines() if line]
            out = "".join(f"{row[0]},{scorer(row[1:])!r}\n" for row in rows)
            target, out_prefix = promotion._split_uri(kwargs["TransformOutput"]["S3OutputPath"].rstrip("/") + "/")
            self.s3.objects[(target, out_prefix + key.rsplit("/", 1)[-1] + ".out")] = out.encode()


def capture_record(event_id, cells, score=0.5):
    return json.dumps(
        {
            "captureData": {
                "endpointInput": {"observedContentType": "text/csv", "mode": "INPUT", "data": ",".join(cells), "encoding": "CSV"},
                "endpointOutput": {"observedContentType": "text/csv", "mode": "OUTPUT", "data": str(score), "encoding": "CSV"},
            },
            "eventMetadata": {"eventId": event_id, "inferenceId": event_id, "inferenceTime": "2026-12-07T10:00:00Z"},
            "eventVersion": "0",
        }
    )


def label_record(event_id, label):
    return json.dumps({"groundTruthData": {"data": str(label), "encoding": "CSV"}, "eventMetadata": {"eventId": event_id}})


def captured_traffic(labelled=300, unlabelled=40, seed=11):
    """Captured requests of the window (cells x, z; x tells the label apart, z is noise) and the labels of some."""
    rng = np.random.default_rng(seed)
    objects = {}
    captures, labels = [], []
    for i in range(labelled + unlabelled):
        y = int(rng.integers(0, 2))
        x, z = y + rng.normal(0, 0.5), rng.normal(0, 1)
        captures.append(capture_record(f"e{i}", [f"{x:.4f}", f"{z:.4f}"]))
        if i < labelled:
            labels.append(label_record(f"e{i}", y))
    half = len(captures) // 2
    objects[("raw", "data-capture/churn/ep/AllTraffic/2026/12/08/08/a.jsonl")] = "\n".join(captures[:half]).encode()
    objects[("raw", "data-capture/churn/ep/AllTraffic/2026/12/07/10/b.jsonl")] = "\n".join(captures[half:]).encode()
    # labels land up to the gate's run, later than the requests
    objects[("raw", "ground-truth/churn/2026/12/08/10/g.jsonl")] = "\n".join(labels).encode()
    # outside the window: captured after 09:00, labelled, and must not count
    objects[("raw", "data-capture/churn/ep/AllTraffic/2026/12/08/09/late.jsonl")] = capture_record("late", ["9", "9"]).encode()
    objects[("raw", "ground-truth/churn/2026/12/08/10/late.jsonl")] = label_record("late", 1).encode()
    return objects


def good(cells):
    return float(cells[0])


def poor(cells):
    return 0.3 * float(cells[0]) + float(cells[1])


def window_clients(tmp_path, objects, champion_scorer=poor, challenger_scorer=good):
    test, predictions, champion_csv = generated_split(tmp_path)
    s3 = FakeS3(objects)
    # the champion's test-split predictions: already what a transform of the test split would write
    s3.objects[("artifacts", "pipelines/churn/run/preprocess/test/test.csv")] = b""
    sagemaker = FakeSageMaker(s3, {CHAMPION: champion_scorer, WINDOW_ENVIRON["PROMOTION_CHALLENGER_MODEL"]: challenger_scorer})
    # the test split's transform of the champion: answer with the fixture's predictions
    original = sagemaker.create_transform_job

    def transform(**kwargs):
        if kwargs["TransformInput"]["DataSource"]["S3DataSource"]["S3Uri"] == ENVIRON["PROMOTION_TEST_URI"]:
            sagemaker.calls.append(("create_transform_job", kwargs))
            s3.objects[("artifacts", "pipelines/churn/run/champion/test.csv.out")] = champion_csv.encode()
            return
        original(**kwargs)

    sagemaker.create_transform_job = transform
    clients = {
        "ssm": Recorder({"get_parameter": {"Parameter": {"Value": CHAMPION}}}),
        "sagemaker": sagemaker,
        "s3": s3,
        "events": Recorder({"put_events": {"FailedEntryCount": 0}}),
    }
    return clients, test, predictions


def run_window_gate(clients, test, predictions, environ=WINDOW_ENVIRON):
    return promotion.run_gate(clients, environ, CHALLENGER, test, predictions, NOW, sleep=lambda _: None, window_end=WINDOW_END)


def test_with_a_labelled_window_both_models_are_scored_on_it_and_it_counts(tmp_path):
    clients, test, predictions = window_clients(tmp_path, captured_traffic())

    verdict = run_window_gate(clients, test, predictions)

    assert verdict.decision == APPROVE and verdict.action == ACT_APPROVE
    assert verdict.window == "test-split+captured:2026-12-07T09:00:00Z/2026-12-08T09:00:00Z"
    test_split, captured = verdict.windows
    assert (test_split.samples, captured.samples, verdict.samples) == (400, 300, 700)
    assert captured.challenger_score > captured.champion_score
    # the window's rows went up once, label first, beside the capture and under its key; both models scored them
    ((bucket, key, options),) = clients["s3"].puts
    assert (bucket, key) == ("raw", "data-capture/churn/promotion-windows/run/window.csv")
    assert options["SSEKMSKeyId"] == WINDOW_ENVIRON["PROMOTION_WINDOW_KMS_KEY_ARN"]
    assert len(clients["s3"].objects[(bucket, key)].decode().splitlines()) == 300
    jobs = clients["sagemaker"].named("create_transform_job")
    window_jobs = {
        j["TransformOutput"]["S3OutputPath"].rsplit("/", 1)[-1]: j
        for j in jobs
        if j["TransformInput"]["DataSource"]["S3DataSource"]["S3Uri"] == "s3://raw/data-capture/churn/promotion-windows/run/"
    }
    assert window_jobs["challenger"]["ModelName"] == WINDOW_ENVIRON["PROMOTION_CHALLENGER_MODEL"]
    assert clients["sagemaker"].models[window_jobs["champion"]["ModelName"]] == CHAMPION
    names = {j["TransformJobName"] for j in jobs}
    assert len(names) == 3 and all(n.startswith("mlops-dev-churn-champion-") for n in names)
    created = clients["sagemaker"].named("create_model")
    assert [m["Containers"] for m in created] == [[{"ModelPackageName": CHAMPION}]] * 2, "the challenger needs no new model"
    metadata = clients["sagemaker"].named("update_model_package")[0]["CustomerMetadataProperties"]
    assert metadata["promotion-window"] == verdict.window
    assert metadata["promotion-captured-samples"] == "300" and metadata["promotion-test-split-samples"] == "400"
    assert metadata["promotion-captured-challenger-score"] == f"{captured.challenger_score:.6f}"
    detail = json.loads(clients["events"].named("put_events")[0]["Entries"][0]["Detail"])
    assert [w["window"] for w in detail["windows"]] == ["test-split", "captured"]
    assert detail["windows"][1]["span"] == "2026-12-07T09:00:00Z/2026-12-08T09:00:00Z"
    assert detail["samples"] == 700


def test_a_challenger_that_wins_offline_but_loses_on_captured_traffic_is_rejected(tmp_path):
    clients, test, predictions = window_clients(tmp_path, captured_traffic(), champion_scorer=good, challenger_scorer=poor)

    verdict = run_window_gate(clients, test, predictions)

    assert verdict.decision == REJECT and verdict.action == ACT_REJECT
    assert verdict.windows[0].challenger_score > verdict.windows[0].champion_score, "it wins on the test split"
    assert verdict.reason.startswith("captured:2026-12-07T09:00:00Z/2026-12-08T09:00:00Z: auc")
    assert "test-split" not in verdict.reason


def test_without_captured_traffic_the_test_split_decides_and_the_reason_says_so(tmp_path):
    clients, test, predictions = window_clients(tmp_path, {})

    verdict = run_window_gate(clients, test, predictions)

    assert verdict.decision == APPROVE and verdict.window == "test-split" and verdict.samples == 400
    assert "captured window 2026-12-07T09:00:00Z/2026-12-08T09:00:00Z: 0 labelled rows" in verdict.reason
    assert verdict.reason.endswith("test split only")
    assert clients["s3"].puts == [] and len(clients["sagemaker"].named("create_transform_job")) == 1


def test_a_window_below_the_minimum_rows_is_left_out(tmp_path):
    clients, test, predictions = window_clients(tmp_path, captured_traffic(labelled=60, unlabelled=200))

    verdict = run_window_gate(clients, test, predictions)

    assert verdict.window == "test-split" and verdict.samples == 400
    assert "60 labelled rows (200 captured without a label), at least 100 needed" in verdict.reason
    assert clients["s3"].puts == []


def test_a_window_of_one_class_cannot_be_scored_by_auc_and_is_left_out(tmp_path):
    objects = captured_traffic()
    objects[("raw", "ground-truth/churn/2026/12/08/10/g.jsonl")] = "\n".join(label_record(f"e{i}", 1) for i in range(300)).encode()
    clients, test, predictions = window_clients(tmp_path, objects)

    verdict = run_window_gate(clients, test, predictions)

    assert verdict.window == "test-split" and "every label is 1, auc needs both classes" in verdict.reason


def test_without_a_champion_the_window_is_not_read(tmp_path):
    clients, test, predictions = window_clients(tmp_path, captured_traffic())
    clients["ssm"] = Recorder({"get_parameter": {"Parameter": {"Value": "none"}}})

    verdict = run_window_gate(clients, test, predictions)

    assert verdict.window == "test-split" and clients["sagemaker"].named("create_transform_job") == []


def test_the_rule_needs_a_win_on_every_window():
    passing = promotion.WindowScore("test-split", 0.86, 0.82, 400)
    losing = promotion.WindowScore("captured", 0.70, 0.75, 150, "a/b")
    winning = promotion.WindowScore("captured", 0.80, 0.75, 150, "a/b")
    assert promotion.decide_windows(policy(), [passing, losing], CHAMPION).decision == REJECT
    both = promotion.decide_windows(policy(), [passing, winning], CHAMPION)
    assert (both.decision, both.samples, both.window) == (APPROVE, 550, "test-split+captured:a/b")
    assert both.reason.startswith("test-split: auc 0.860000") and "captured:a/b: auc 0.800000" in both.reason
    alone = promotion.decide_windows(policy(), [passing], CHAMPION)
    assert alone.reason == decide(policy(), 0.86, 0.82, 400, CHAMPION).reason and alone.extra == {}
