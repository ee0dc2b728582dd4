"""The champion/challenger gate (stage 5, ADR 0023): the ChampionChallenger step of the model-building pipeline.

    python3 mlops_shared/promotion.py --package-arn <registered version> --test /opt/ml/processing/test \
        --predictions /opt/ml/processing/predictions

It runs after RegisterModel, with the gate's own role, and:

1. scores the challenger (the version just registered) from the pipeline's batch predictions of the held-out
   test split;
2. finds the champion, the version the environment serves: the approved-version SSM parameter (``none`` when
   nothing is served yet), and scores it on the same test split through a batch transform of its package;
3. where the model has ground truth (``PROMOTION_CAPTURE_URI`` set: served in real time with data capture and
   stage 4 monitoring), reads the most recent labelled window of captured traffic (mlops_shared/capture.py, the
   drift job's readers: captured requests joined with their labels by event id; requests without a label are
   dropped) and, with at least ``minSamples`` rows, scores both models on those same rows by batch transform: the
   champion through a temporary model of its package, the challenger through the pipeline's candidate model;
4. decides (:func:`decide_windows`, a pure function): approve, reject with a reason, or wait for a ModelApprover.
   The challenger must beat the champion by the policy's margins on every window scored;
5. writes the verdict on the challenger's package: the scores of each window, the windows, the sample count, the
   decision and its reason in ``CustomerMetadataProperties`` (keys ``promotion-*``), a ``ModelLifeCycle`` stage,
   and the approval status when the gate may act; and publishes a ``Promotion Verdict`` event (source
   ``mlops.platform``).

The policy arrives in the job's environment (PROMOTION_* variables, written by lib/pipeline/promotion-step.ts from
``models[].promotion``). Every AWS client is injected, so the tests replay each branch without an account.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import sys
import time
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple

if __package__ in (None, ""):  # run as a script: make mlops_shared importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from mlops_shared.capture import LabelledWindow, read_labelled_window  # noqa: E402
from mlops_shared.metrics import classification_metrics, read_labels, read_scores  # noqa: E402

MODES = ("enabled", "dryRun", "off")
NO_CHAMPION = "none"
"""The approved-version parameter's value before any version is approved (lib/naming.ts NO_APPROVED_MODEL)."""

EVENT_SOURCE = "mlops.platform"
EVENT_TYPE = "Promotion Verdict"
"""PLATFORM_EVENT_SOURCE and PLATFORM_EVENT_TYPES.promotionVerdict of lib/vocabulary.ts."""

METADATA_PREFIX = "promotion-"
"""Prefix of every CustomerMetadataProperties key the gate writes; the rollout rule matches on promotion-decision."""

WINDOW_TEST_SPLIT = "test-split"
WINDOW_CAPTURED = "captured"
"""The most recent labelled window of the endpoint's captured traffic (stage 4 ground truth), beside the test split."""

# Decisions: what the verdict says. Actions: what the gate does about it.
APPROVE, REJECT = "approve", "reject"
ACT_APPROVE, ACT_REJECT, ACT_AWAIT, ACT_RECORD = "approved", "rejected", "awaiting-approver", "recorded-only"

LIFECYCLE_STAGE = "Staging"
"""The ModelLifeCycle stage of a judged challenger; the rollout moves it to Production (or back)."""


@dataclass(frozen=True)
class PromotionPolicy:
    """``models[].promotion`` of one environment, resolved (lib/config/promotion.ts)."""

    metric: str
    min_absolute_improvement: float
    min_relative_improvement: float
    min_samples: int
    mode: str
    manual_approval: bool
    threshold: float
    """The training threshold of the metric (``models[].training.threshold``): it decides when there is no champion."""

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ValueError(f"promotion mode must be one of {', '.join(MODES)}, got {self.mode!r}")
        if self.min_samples < 1:
            raise ValueError(f"promotion minSamples must be at least 1, got {self.min_samples}")


@dataclass(frozen=True)
class WindowScore:
    """Both models' scores on one window of labelled rows: the test split, or the captured traffic of a span."""

    name: str
    challenger_score: float
    champion_score: Optional[float]
    samples: int
    span: str = ""
    """``<from>/<to>`` of a captured window (ISO 8601, UTC); empty for the test split."""

    @property
    def label(self) -> str:
        return f"{self.name}:{self.span}" if self.span else self.name


@dataclass(frozen=True)
class Verdict:
    decision: str
    reason: str
    action: str
    metric: str
    challenger_score: float
    champion_score: Optional[float]
    champion_arn: Optional[str]
    samples: int
    window: str = WINDOW_TEST_SPLIT
    mode: str = "enabled"
    extra: Mapping[str, str] = field(default_factory=dict)
    windows: Tuple[WindowScore, ...] = ()
    """Every window the verdict scored, the test split first; empty for a verdict of :func:`decide` alone."""

    @property
    def passed(self) -> bool:
        return self.decision == APPROVE


def _fmt(value: float) -> str:
    return f"{value:.6f}"


def decide(
    policy: PromotionPolicy,
    challenger_score: float,
    champion_score: Optional[float],
    samples: int,
    champion_arn: Optional[str] = None,
) -> Verdict:
    """The gate's pure decision. Higher metric values are better (every metric of mlops_shared.metrics is).

    - fewer than ``min_samples`` scored rows: reject, the comparison would be noise;
    - no champion: the training threshold decides (the pipeline registers only above it, so this re-checks it);
    - otherwise the challenger must beat the champion by at least ``min_absolute_improvement`` and by at least
      ``min_relative_improvement`` (a fraction of the champion's score).

    The action follows the decision and the mode: ``off`` and ``dryRun`` only record; a passing verdict waits for
    a ModelApprover where the environment is listed in ``manualApprovalIn``.
    """
    decision, reason = _judge(policy, challenger_score, champion_score, samples)
    action, reason = _act(policy, decision, reason)
    return Verdict(
        decision=decision,
        reason=reason,
        action=action,
        metric=policy.metric,
        challenger_score=challenger_score,
        champion_score=champion_score,
        champion_arn=champion_arn,
        samples=samples,
        mode=policy.mode,
    )


def _judge(policy: PromotionPolicy, challenger_score: float, champion_score: Optional[float], samples: int) -> Tuple[str, str]:
    """The decision on one window of scored rows, and its reason."""
    metric = policy.metric
    if samples < policy.min_samples:
        return REJECT, f"too few samples: {samples} scored rows, at least {policy.min_samples} needed (promotion.minSamples)"
    if champion_score is None:
        if challenger_score >= policy.threshold:
            return APPROVE, f"no champion yet: {metric} {_fmt(challenger_score)} meets the training threshold {_fmt(policy.threshold)}"
        return REJECT, f"no champion yet: {metric} {_fmt(challenger_score)} is below the training threshold {_fmt(policy.threshold)}"
    gain = challenger_score - champion_score
    relative = gain / abs(champion_score) if champion_score != 0 else (float("inf") if gain > 0 else 0.0)
    compared = f"{metric} {_fmt(challenger_score)} against the champion's {_fmt(champion_score)} (gain {gain:+.6f}, {relative:+.2%})"
    if gain < policy.min_absolute_improvement:
        return REJECT, f"{compared}: below the minimum absolute improvement {policy.min_absolute_improvement}"
    if relative < policy.min_relative_improvement:
        return REJECT, f"{compared}: below the minimum relative improvement {policy.min_relative_improvement:.2%}"
    return APPROVE, f"{compared}: better than the champion by the required margins"


def _act(policy: PromotionPolicy, decision: str, reason: str) -> Tuple[str, str]:
    """What the gate does about a decision, and the reason as recorded."""
    if policy.mode != "enabled":
        return ACT_RECORD, f"{reason} [mode {policy.mode}: recorded, not acted on]"
    if decision == REJECT:
        return ACT_REJECT, reason
    return (ACT_AWAIT if policy.manual_approval else ACT_APPROVE), reason


def decide_windows(
    policy: PromotionPolicy,
    windows: Sequence[WindowScore],
    champion_arn: Optional[str] = None,
    note: str = "",
) -> Verdict:
    """The decision over the test split and, where the model has ground truth, the captured labelled window.

    The rule: every window scored is judged by :func:`decide`'s rule on its own rows, and the challenger passes only
    if it passes on each of them (the test split and the captured window alike): a challenger that wins offline
    but loses on the traffic the champion actually serves is rejected, and the reason names the window. A captured
    window enters only with at least ``min_samples`` labelled rows (``run_gate`` leaves it out otherwise and says so
    in ``note``, appended to the reason); ``samples`` is the rows scored over every window. The headline scores
    (``challenger_score``, ``champion_score``) stay the test split's; each window's are in ``extra`` and
    ``windows``.
    """
    if not windows:
        raise ValueError("the gate needs at least the test split to decide")
    judged = [(w, *_judge(policy, w.challenger_score, w.champion_score, w.samples)) for w in windows]
    rejected = [(w, reason) for w, decision, reason in judged if decision == REJECT]
    if rejected:
        decision = REJECT
        reason = "; ".join(f"{w.label}: {why}" for w, why in rejected)
    else:
        decision = APPROVE
        reason = "; ".join(f"{w.label}: {why}" for w, _, why in judged) if len(windows) > 1 else judged[0][2]
    if note:
        reason = f"{reason}; {note}"
    action, reason = _act(policy, decision, reason)
    first = windows[0]
    extra: Dict[str, str] = {}
    if len(windows) > 1:
        for w in windows:
            extra[f"{w.name}-challenger-score"] = _fmt(w.challenger_score)
            extra[f"{w.name}-champion-score"] = NO_CHAMPION if w.champion_score is None else _fmt(w.champion_score)
            extra[f"{w.name}-samples"] = str(w.samples)
    return Verdict(
        decision=decision,
        reason=reason,
        action=action,
        metric=policy.metric,
        challenger_score=first.challenger_score,
        champion_score=first.champion_score,
        champion_arn=champion_arn,
        samples=sum(w.samples for w in windows),
        window="+".join(w.label for w in windows),
        mode=policy.mode,
        extra=extra,
        windows=tuple(windows),
    )


def score(labels: Sequence[int], scores: Sequence[float], metric: str) -> float:
    """One metric of :func:`mlops_shared.metrics.classification_metrics`."""
    if len(labels) != len(scores):
        raise ValueError(f"{len(labels)} labels but {len(scores)} scores")
    metrics = classification_metrics(labels, scores)
    if metric not in metrics:
        raise ValueError(f"unknown promotion metric {metric!r}; one of {', '.join(sorted(metrics))}")
    return metrics[metric]


def verdict_metadata(verdict: Verdict, evaluated_at: str) -> Dict[str, str]:
    """The verdict as CustomerMetadataProperties (string values, at most 256 characters each)."""
    values = {
        "decision": verdict.decision,
        "action": verdict.action,
        "mode": verdict.mode,
        "metric": verdict.metric,
        "challenger-score": _fmt(verdict.challenger_score),
        "champion-score": NO_CHAMPION if verdict.champion_score is None else _fmt(verdict.champion_score),
        "champion-arn": verdict.champion_arn or NO_CHAMPION,
        "window": verdict.window,
        "samples": str(verdict.samples),
        "reason": verdict.reason,
        "evaluated-at": evaluated_at,
        **verdict.extra,
    }
    return {METADATA_PREFIX + key: value[:256] for key, value in values.items()}


def lifecycle(verdict: Verdict) -> Dict[str, str]:
    """The ModelLifeCycle the verdict leaves on the challenger."""
    status = {
        ACT_APPROVE: "Approved",
        ACT_REJECT: "Rejected",
        ACT_AWAIT: "PendingApproval",
        ACT_RECORD: "PendingApproval" if verdict.passed else "Rejected",
    }[verdict.action]
    return {
        "Stage": LIFECYCLE_STAGE,
        "StageStatus": status,
        "StageDescription": verdict.reason[:1024],
    }


def card_status_with(package: Mapping[str, Any], approval: str) -> Optional[str]:
    """The model card status that goes with the gate's approval, as lambda/shared/model-card.ts decides it.

    Approved with the version, Archived when it is rejected; None when the version has no card (registered below
    stage 5), when the card already has that status, or when it is archived (SageMaker refuses to change one).
    """
    current = (package.get("ModelCard") or {}).get("ModelCardStatus")
    if not current or current == "Archived":
        return None
    wanted = "Approved" if approval == "Approved" else "Archived"
    return None if wanted == current else wanted


@dataclass(frozen=True)
class GateContext:
    project: str
    environment: str
    model: str
    package_arn: str
    pipeline_execution_arn: str = ""
    """The pipeline execution that produced the version; the retraining loop joins the verdict on it."""


def apply_verdict(sagemaker: Any, events: Any, context: GateContext, verdict: Verdict, now: str) -> Dict[str, Any]:
    """Writes the verdict on the package and publishes it. Changes the approval status only when the action says so.

    Two calls, in this order: the verdict first (metadata and lifecycle), then the approval status. The
    ``Approved`` state change starts the rollout, whose first step reads the verdict: it must already be there.
    """
    request: Dict[str, Any] = {
        "ModelPackageArn": context.package_arn,
        "CustomerMetadataProperties": {
            **verdict_metadata(verdict, now),
            **(
                {METADATA_PREFIX + "pipeline-execution-arn": context.pipeline_execution_arn[:256]}
                if context.pipeline_execution_arn
                else {}
            ),
        },
        "ModelLifeCycle": lifecycle(verdict),
    }
    sagemaker.update_model_package(**request)
    status = {ACT_APPROVE: "Approved", ACT_REJECT: "Rejected"}.get(verdict.action)
    if status is not None:
        approval: Dict[str, Any] = {
            "ModelPackageArn": context.package_arn,
            "ModelApprovalStatus": status,
            "ApprovalDescription": f"champion/challenger gate: {verdict.reason}"[:1024],
        }
        card = card_status_with(sagemaker.describe_model_package(ModelPackageName=context.package_arn), status)
        if card is not None:
            approval["ModelCard"] = {"ModelCardStatus": card}
        sagemaker.update_model_package(**approval)
        request = {**request, "ModelApprovalStatus": status}
    detail = {
        "project": context.project,
        "environment": context.environment,
        "model": context.model,
        "eventTime": now,
        "modelPackageArn": context.package_arn,
        "pipelineExecutionArn": context.pipeline_execution_arn or None,
        "decision": verdict.decision,
        "action": verdict.action,
        "mode": verdict.mode,
        "reason": verdict.reason,
        "metric": verdict.metric,
        "challengerScore": verdict.challenger_score,
        "championScore": verdict.champion_score,
        "championArn": verdict.champion_arn,
        "window": verdict.window,
        "samples": verdict.samples,
        "windows": [
            {
                "window": w.name,
                "span": w.span or None,
                "challengerScore": w.challenger_score,
                "championScore": w.champion_score,
                "samples": w.samples,
            }
            for w in verdict.windows
        ],
    }
    out = events.put_events(
        Entries=[{"Source": EVENT_SOURCE, "DetailType": EVENT_TYPE, "Detail": json.dumps(detail)}]
    )
    if out.get("FailedEntryCount", 0):
        raise RuntimeError(f"the Promotion Verdict event was not published: {out.get('Entries')}")
    return request


# ---------------------------------------------------------------------------------------------------------------
# The champion's scores on the same split


@dataclass(frozen=True)
class TransformSettings:
    """How the champion's batch transform runs: like the pipeline's PredictTestSet step."""

    role_arn: str
    instance_type: str
    output_uri: str
    kms_key_arn: str
    subnets: Sequence[str]
    security_groups: Sequence[str]
    test_uri: str
    job_name: str


def read_champion(ssm: Any, parameter: str) -> Optional[str]:
    """The served version's ARN, or None before any approval."""
    value = ssm.get_parameter(Name=parameter)["Parameter"]["Value"]
    return None if value == NO_CHAMPION else value


def champion_scores(
    sagemaker: Any,
    s3: Any,
    champion_arn: str,
    settings: TransformSettings,
    sleep: Callable[[float], None] = time.sleep,
    poll_seconds: float = 30.0,
    max_polls: int = 240,
) -> List[float]:
    """Runs a batch transform of the champion's package over ``settings.test_uri``; returns its scores in row order.

    The champion is served from its package, so the gate makes a temporary model of it and deletes it after.
    """
    model_name = settings.job_name
    sagemaker.create_model(
        ModelName=model_name,
        Containers=[{"ModelPackageName": champion_arn}],
        ExecutionRoleArn=settings.role_arn,
        EnableNetworkIsolation=True,
        VpcConfig={"Subnets": list(settings.subnets), "SecurityGroupIds": list(settings.security_groups)},
    )
    try:
        _transform(sagemaker, model_name, settings, "champion", sleep, poll_seconds, max_polls)
    finally:
        sagemaker.delete_model(ModelName=model_name)
    return _read_s3_scores(s3, settings.output_uri)


def model_scores(
    sagemaker: Any,
    s3: Any,
    model_name: str,
    settings: TransformSettings,
    sleep: Callable[[float], None] = time.sleep,
    poll_seconds: float = 30.0,
    max_polls: int = 240,
) -> List[float]:
    """Runs a batch transform of an existing model over ``settings.test_uri``: the challenger, through the pipeline's
    ``CreateCandidateModel`` model, the one whose predictions of the test split the gate already scored."""
    _transform(sagemaker, model_name, settings, "challenger", sleep, poll_seconds, max_polls)
    return _read_s3_scores(s3, settings.output_uri)


def _transform(
    sagemaker: Any,
    model_name: str,
    settings: TransformSettings,
    who: str,
    sleep: Callable[[float], None],
    poll_seconds: float,
    max_polls: int,
) -> None:
    """One batch transform like the pipeline's PredictTestSet: label-first CSV in, ``label,score`` lines out."""
    sagemaker.create_transform_job(
        TransformJobName=settings.job_name,
        ModelName=model_name,
        TransformInput={
            "ContentType": "text/csv",
            "SplitType": "Line",
            "DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": settings.test_uri}},
        },
        DataProcessing={"InputFilter": "$[1:]", "JoinSource": "Input", "OutputFilter": "$[0,-1]"},
        TransformOutput={
            "S3OutputPath": settings.output_uri,
            "AssembleWith": "Line",
            "Accept": "text/csv",
            "KmsKeyId": settings.kms_key_arn,
        },
        TransformResources={
            "InstanceCount": 1,
            "InstanceType": settings.instance_type,
            "VolumeKmsKeyId": settings.kms_key_arn,
        },
    )
    for _ in range(max_polls):
        job = sagemaker.describe_transform_job(TransformJobName=settings.job_name)
        status = job["TransformJobStatus"]
        if status == "Completed":
            return
        if status in ("Failed", "Stopped"):
            raise RuntimeError(f"the {who}'s batch transform {status}: {job.get('FailureReason', 'no reason')}")
        sleep(poll_seconds)
    raise RuntimeError(f"the {who}'s batch transform did not finish in {max_polls} polls")


def _split_uri(uri: str) -> tuple:
    if not uri.startswith("s3://"):
        raise ValueError(f"not an S3 URI: {uri!r}")
    bucket, _, key = uri[len("s3://") :].partition("/")
    return bucket, key


def _read_s3_scores(s3: Any, prefix_uri: str) -> List[float]:
    bucket, prefix = _split_uri(prefix_uri.rstrip("/") + "/")
    keys = sorted(
        item["Key"]
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
        for item in page.get("Contents", [])
    )
    scores: List[float] = []
    for key in keys:
        body = s3.get_object(Bucket=bucket, Key=key)["Body"].read().decode("utf-8")
        scores.extend(float(row[-1]) for row in csv.reader(io.StringIO(body)) if row and any(c.strip() for c in row))
    return scores


# ---------------------------------------------------------------------------------------------------------------
# The job


def policy_from_environment(environ: Mapping[str, str]) -> PromotionPolicy:
    return PromotionPolicy(
        metric=environ["PROMOTION_METRIC"],
        min_absolute_improvement=float(environ["PROMOTION_MIN_ABSOLUTE_IMPROVEMENT"]),
        min_relative_improvement=float(environ["PROMOTION_MIN_RELATIVE_IMPROVEMENT"]),
        min_samples=int(environ["PROMOTION_MIN_SAMPLES"]),
        mode=environ["PROMOTION_MODE"],
        manual_approval=environ["PROMOTION_MANUAL_APPROVAL"] == "true",
        threshold=float(environ["PROMOTION_THRESHOLD"]),
    )


@dataclass(frozen=True)
class CapturedWindowSettings:
    """Where the gate reads the most recent labelled window (set only for a model served with ground truth)."""

    capture_uri: str
    ground_truth_uri: str
    hours: int
    delay_hours: int
    input_uri: str
    """Where the gate writes the window's rows, label first: below the capture prefix, so the joined rows keep the
    captured data's key and readers (``data-capture/<model>/promotion-windows/<execution>``)."""
    input_kms_key_arn: str
    """The capture's key (the data key): the rows are encrypted as the captured requests they come from are."""
    prefix_uri: str
    """Where both models' predictions of the window go (under the pipeline run's prefix)."""
    challenger_model: str
    """The pipeline's candidate model of the challenger's artifacts."""


def window_from_environment(environ: Mapping[str, str]) -> Optional[CapturedWindowSettings]:
    if not environ.get("PROMOTION_CAPTURE_URI"):
        return None
    hours = int(environ["PROMOTION_WINDOW_HOURS"])
    if hours < 1:
        raise ValueError(f"PROMOTION_WINDOW_HOURS must be at least 1, got {hours}")
    return CapturedWindowSettings(
        capture_uri=environ["PROMOTION_CAPTURE_URI"],
        ground_truth_uri=environ["PROMOTION_GROUND_TRUTH_URI"],
        hours=hours,
        delay_hours=int(environ.get("PROMOTION_GROUND_TRUTH_DELAY_HOURS", "0")),
        input_uri=environ["PROMOTION_WINDOW_INPUT_URI"].rstrip("/"),
        input_kms_key_arn=environ["PROMOTION_WINDOW_KMS_KEY_ARN"],
        prefix_uri=environ["PROMOTION_WINDOW_URI"].rstrip("/"),
        challenger_model=environ["PROMOTION_CHALLENGER_MODEL"],
    )


def _iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def window_span(window: LabelledWindow) -> str:
    return f"{_iso(window.start)}/{_iso(window.end)}"


def window_csv(window: LabelledWindow) -> str:
    """The window's rows as the test split's format: the label first, then the request's cells."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for label, cells in window.rows:
        writer.writerow([label, *cells])
    return out.getvalue()


def usable_window(window: LabelledWindow, policy: PromotionPolicy) -> Optional[str]:
    """None when the window can be scored; otherwise why the gate judges on the test split only."""
    rows = len(window.rows)
    where = f"captured window {window_span(window)}"
    if rows < policy.min_samples:
        unlabelled = window.captured - rows
        return (
            f"{where}: {rows} labelled rows ({unlabelled} captured without a label), at least {policy.min_samples} "
            "needed (promotion.minSamples): test split only"
        )
    classes = {label for label, _ in window.rows}
    if policy.metric == "auc" and len(classes) < 2:
        return f"{where}: every label is {classes.pop()}, auc needs both classes: test split only"
    return None


def score_captured_window(
    clients: Mapping[str, Any],
    window: LabelledWindow,
    settings: CapturedWindowSettings,
    transform: TransformSettings,
    champion_arn: str,
    metric: str,
    sleep: Callable[[float], None] = time.sleep,
) -> WindowScore:
    """Writes the window's rows beside the capture and scores both models on them by batch transform."""
    bucket, key = _split_uri(f"{settings.input_uri}/window.csv")
    clients["s3"].put_object(
        Bucket=bucket,
        Key=key,
        Body=window_csv(window).encode("utf-8"),
        ContentType="text/csv",
        ServerSideEncryption="aws:kms",
        SSEKMSKeyId=settings.input_kms_key_arn,
    )
    labels = [label for label, _ in window.rows]
    base = replace(transform, test_uri=f"{settings.input_uri}/")
    champion_job = replace(base, output_uri=f"{settings.prefix_uri}/champion", job_name=_job_name(transform.job_name, "wc"))
    challenger_job = replace(base, output_uri=f"{settings.prefix_uri}/challenger", job_name=_job_name(transform.job_name, "wx"))
    challenger = model_scores(clients["sagemaker"], clients["s3"], settings.challenger_model, challenger_job, sleep)
    champion = champion_scores(clients["sagemaker"], clients["s3"], champion_arn, champion_job, sleep)
    return WindowScore(
        name=WINDOW_CAPTURED,
        challenger_score=score(labels, challenger, metric),
        champion_score=score(labels, champion, metric),
        samples=len(labels),
        span=window_span(window),
    )


def _job_name(base: str, tag: str) -> str:
    """A sibling of the test split's job name: same prefix and run, the window's tag after the version."""
    head, _, stamp = base.rpartition("-")
    return f"{head}{tag}-{stamp}"[:63]


def run_gate(
    clients: Mapping[str, Any],
    environ: Mapping[str, str],
    package_arn: str,
    test: Path,
    predictions: Path,
    now: Optional[str] = None,
    sleep: Callable[[float], None] = time.sleep,
    window_end: Optional[datetime] = None,
) -> Verdict:
    """Scores, decides and applies; returns the verdict.

    Both models are scored on the test split; where the model has ground truth (``PROMOTION_CAPTURE_URI`` set) and
    a champion serves, also on the most recent labelled window of captured traffic that ends on the last full hour
    before ``window_end`` (default now), less the ground-truth delay.
    """
    policy = policy_from_environment(environ)
    now = now or datetime.now(timezone.utc).isoformat(timespec="seconds")
    context = GateContext(
        environ["PROMOTION_PROJECT"],
        environ["PROMOTION_ENVIRONMENT"],
        environ["PROMOTION_MODEL"],
        package_arn,
        environ.get("PROMOTION_PIPELINE_EXECUTION_ARN", ""),
    )
    labels = read_labels(test)
    challenger = score(labels, read_scores(predictions), policy.metric)
    champion_arn = read_champion(clients["ssm"], environ["PROMOTION_CHAMPION_PARAMETER"])
    champion: Optional[float] = None
    windows: List[WindowScore] = []
    note = ""
    if champion_arn is not None and policy.mode != "off":
        version = package_arn.rsplit("/", 1)[-1]
        settings = TransformSettings(
            role_arn=environ["PROMOTION_MODEL_ROLE_ARN"],
            instance_type=environ["PROMOTION_INSTANCE_TYPE"],
            output_uri=environ["PROMOTION_OUTPUT_URI"],
            kms_key_arn=environ["PROMOTION_KMS_KEY_ARN"],
            subnets=[s for s in environ["PROMOTION_SUBNETS"].split(",") if s],
            security_groups=[s for s in environ["PROMOTION_SECURITY_GROUPS"].split(",") if s],
            test_uri=environ["PROMOTION_TEST_URI"],
            job_name=f"{environ['PROMOTION_JOB_PREFIX']}-v{version}-{int(time.time())}"[:63],
        )
        champion = score(labels, champion_scores(clients["sagemaker"], clients["s3"], champion_arn, settings, sleep), policy.metric)
        captured = window_from_environment(environ)
        if captured is not None:
            end = (window_end or datetime.now(timezone.utc)).replace(minute=0, second=0, microsecond=0)
            window = read_labelled_window(
                clients["s3"], captured.capture_uri, captured.ground_truth_uri, end, captured.hours, captured.delay_hours
            )
            note = usable_window(window, policy) or ""
            if not note:
                windows.append(
                    score_captured_window(clients, window, captured, settings, champion_arn, policy.metric, sleep)
                )
    test_split = WindowScore(WINDOW_TEST_SPLIT, challenger, champion, len(labels))
    verdict = decide_windows(policy, [test_split, *windows], champion_arn, note)
    apply_verdict(clients["sagemaker"], clients["events"], context, verdict, now)
    return verdict


def main(argv: Optional[Sequence[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--package-arn", required=True)
    parser.add_argument("--test", type=Path, default=Path("/opt/ml/processing/test"))
    parser.add_argument("--predictions", type=Path, default=Path("/opt/ml/processing/predictions"))
    parser.add_argument("--test-uri", required=True, help="S3 prefix of the test split, for the champion's transform")
    parser.add_argument("--champion-output", required=True, help="S3 prefix the champion's predictions go to")
    parser.add_argument(
        "--pipeline-execution-arn", default="", help="the execution that produced the version (Execution.PipelineExecutionArn)"
    )
    parser.add_argument("--challenger-model", default="", help="the pipeline's candidate model, for the captured window")
    parser.add_argument("--window-input", default="", help="S3 prefix the captured window's rows are written to")
    parser.add_argument("--window-output", default="", help="S3 prefix of both models' predictions of the window")
    args = parser.parse_args(argv)
    import boto3  # the processing image has it; the tests inject fakes instead

    clients = {name: boto3.client(name) for name in ("sagemaker", "ssm", "s3", "events")}
    environ = {
        **os.environ,
        "PROMOTION_TEST_URI": args.test_uri,
        "PROMOTION_OUTPUT_URI": args.champion_output,
        "PROMOTION_PIPELINE_EXECUTION_ARN": args.pipeline_execution_arn,
    }
    if args.challenger_model and args.window_output and args.window_input:
        environ.update(
            PROMOTION_CHALLENGER_MODEL=args.challenger_model,
            PROMOTION_WINDOW_URI=args.window_output,
            PROMOTION_WINDOW_INPUT_URI=args.window_input,
        )
    verdict = run_gate(clients, environ, args.package_arn, args.test, args.predictions)
    print(json.dumps({"decision": verdict.decision, "action": verdict.action, "reason": verdict.reason}))


if __name__ == "__main__":
    main()
