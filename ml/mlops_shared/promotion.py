"""The champion/challenger gate (stage 5, ADR 0023): the ChampionChallenger step of the model-building pipeline.

    python3 mlops_shared/promotion.py --package-arn <registered version> --test /opt/ml/processing/test \
        --predictions /opt/ml/processing/predictions

It runs after RegisterModel, with the gate's own role, and:

1. scores the challenger (the version just registered) from the pipeline's batch predictions of the held-out
   test split;
2. finds the champion, the version the environment serves: the approved-version SSM parameter (``none`` when
   nothing is served yet), and scores it on the same test split through a batch transform of its package;
3. decides (:func:`decide`, a pure function): approve, reject with a reason, or wait for a ModelApprover;
4. writes the verdict on the challenger's package: both scores, the window, the sample count, the decision and its
   reason in ``CustomerMetadataProperties`` (keys ``promotion-*``), a ``ModelLifeCycle`` stage, and the approval
   status when the gate may act; and publishes a ``Promotion Verdict`` event (source ``mlops.platform``).

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
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence

if __package__ in (None, ""):  # run as a script: make mlops_shared importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

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
    metric = policy.metric
    base = dict(
        metric=metric,
        challenger_score=challenger_score,
        champion_score=champion_score,
        champion_arn=champion_arn,
        samples=samples,
        mode=policy.mode,
    )
    if samples < policy.min_samples:
        decision = REJECT
        reason = f"too few samples: {samples} scored rows, at least {policy.min_samples} needed (promotion.minSamples)"
    elif champion_score is None:
        if challenger_score >= policy.threshold:
            decision = APPROVE
            reason = f"no champion yet: {metric} {_fmt(challenger_score)} meets the training threshold {_fmt(policy.threshold)}"
        else:
            decision = REJECT
            reason = f"no champion yet: {metric} {_fmt(challenger_score)} is below the training threshold {_fmt(policy.threshold)}"
    else:
        gain = challenger_score - champion_score
        relative = gain / abs(champion_score) if champion_score != 0 else (float("inf") if gain > 0 else 0.0)
        compared = f"{metric} {_fmt(challenger_score)} against the champion's {_fmt(champion_score)} (gain {gain:+.6f}, {relative:+.2%})"
        if gain < policy.min_absolute_improvement:
            decision = REJECT
            reason = f"{compared}: below the minimum absolute improvement {policy.min_absolute_improvement}"
        elif relative < policy.min_relative_improvement:
            decision = REJECT
            reason = f"{compared}: below the minimum relative improvement {policy.min_relative_improvement:.2%}"
        else:
            decision = APPROVE
            reason = f"{compared}: better than the champion by the required margins"

    if policy.mode != "enabled":
        action = ACT_RECORD
        reason = f"{reason} [mode {policy.mode}: recorded, not acted on]"
    elif decision == REJECT:
        action = ACT_REJECT
    elif policy.manual_approval:
        action = ACT_AWAIT
    else:
        action = ACT_APPROVE
    return Verdict(decision=decision, reason=reason, action=action, **base)


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
    """Runs a batch transform of the champion's package over the test split; returns its scores in row order."""
    model_name = settings.job_name
    sagemaker.create_model(
        ModelName=model_name,
        Containers=[{"ModelPackageName": champion_arn}],
        ExecutionRoleArn=settings.role_arn,
        EnableNetworkIsolation=True,
        VpcConfig={"Subnets": list(settings.subnets), "SecurityGroupIds": list(settings.security_groups)},
    )
    try:
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
                break
            if status in ("Failed", "Stopped"):
                raise RuntimeError(f"the champion's batch transform {status}: {job.get('FailureReason', 'no reason')}")
            sleep(poll_seconds)
        else:
            raise RuntimeError(f"the champion's batch transform did not finish in {max_polls} polls")
    finally:
        sagemaker.delete_model(ModelName=model_name)
    return _read_s3_scores(s3, settings.output_uri)


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


def run_gate(
    clients: Mapping[str, Any],
    environ: Mapping[str, str],
    package_arn: str,
    test: Path,
    predictions: Path,
    now: Optional[str] = None,
    sleep: Callable[[float], None] = time.sleep,
) -> Verdict:
    """Scores, decides and applies; returns the verdict."""
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
    verdict = decide(policy, challenger, champion, len(labels), champion_arn)
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
    args = parser.parse_args(argv)
    import boto3  # the processing image has it; the tests inject fakes instead

    clients = {name: boto3.client(name) for name in ("sagemaker", "ssm", "s3", "events")}
    environ = {
        **os.environ,
        "PROMOTION_TEST_URI": args.test_uri,
        "PROMOTION_OUTPUT_URI": args.champion_output,
        "PROMOTION_PIPELINE_EXECUTION_ARN": args.pipeline_execution_arn,
    }
    verdict = run_gate(clients, environ, args.package_arn, args.test, args.predictions)
    print(json.dumps({"decision": verdict.decision, "action": verdict.action, "reason": verdict.reason}))


if __name__ == "__main__":
    main()
