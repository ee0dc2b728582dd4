"""The platform's drift and quality job (stage 5): a scheduled SageMaker Processing job of every monitored model.

    python3 -m mlops_shared.drift_job --environment prod --model churn \
        --data-statistics s3://.../data-quality/statistics.json \
        --model-statistics s3://.../model-quality/statistics.json \
        --capture s3://raw/data-capture/churn/ --ground-truth s3://raw/ground-truth/churn/ \
        --report s3://artifacts/drift/churn/ --window-hours 24 --min-samples 100 --psi-threshold 0.2 \
        --quality-metric auc --quality-minimum 0.75

Reads the endpoint's data capture of the last window (``<capture>/<endpoint>/<variant>/YYYY/MM/DD/HH/*.jsonl``)
and the ground truth of the same hours (``<ground-truth>/YYYY/MM/DD/HH/*.jsonl``, joined by event id), compares
them with the approved version's baselines (drift.py), publishes the metric contract to CloudWatch and writes
``<report>/YYYY/MM/DD/HHMM/report.json`` and ``report.html``. boto3 comes with the SageMaker scikit-learn image.
"""

from __future__ import annotations

import argparse
import html
import json
import sys
from datetime import datetime, timedelta, timezone
from typing import Any, Dict, List, Optional, Sequence, Tuple

from . import drift, metrics
from .capture import (  # the readers the champion/challenger gate shares (mlops_shared/promotion.py)
    _capture_keys,
    _lines,
    _read,
    _split,
    hour_prefixes,
    parse_capture,
    read_ground_truth,
)

QUALITY_FUNCTIONS = {
    "auc": metrics.auc,
    **{name: (lambda n: lambda labels, scores: metrics.classification_metrics(labels, scores)[n])(name)
       for name in ("accuracy", "precision", "recall", "f1")},
}


def report_html(report: Dict[str, Any]) -> str:
    """A self-contained HTML page of one run's report."""
    result = report["result"]
    verdict = (
        "insufficient data"
        if result["insufficient_data"]
        else ("DRIFT" if result["data_drift"] else "no drift")
    )
    rows = "".join(
        "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{:.3f}</td><td>{}</td></tr>".format(
            html.escape(f["name"]),
            f["kind"],
            "" if f["psi"] is None else f"{f['psi']:.4f}",
            "" if f["ks"] is None else f"{f['ks']:.4f}",
            f["missing_rate"],
            "yes" if f["drifted"] else "",
        )
        for f in result["features"]
    )
    quality = "" if result["live_quality"] is None else f"{result['live_quality']:.4f}"
    return (
        "<!doctype html><html><head><meta charset='utf-8'><title>Drift report {model} {env}</title></head><body>"
        "<h1>Drift report: {model} in {env}</h1>"
        "<p>Window {start} to {end}: <strong>{verdict}</strong>; {samples} records, {schema} schema violations, "
        "prediction PSI {pred}; live {metric} {quality} on {gt} labelled records.</p>"
        "<table border='1'><tr><th>feature</th><th>kind</th><th>PSI</th><th>KS</th><th>missing</th>"
        "<th>drifted</th></tr>{rows}</table></body></html>"
    ).format(
        model=html.escape(report["model"]),
        env=html.escape(report["environment"]),
        start=report["window"]["start"],
        end=report["window"]["end"],
        verdict=verdict,
        samples=result["samples"],
        schema=result["schema_violations"],
        pred="" if result["prediction_psi"] is None else f"{result['prediction_psi']:.4f}",
        metric=html.escape(report.get("quality_metric") or "metric"),
        quality=quality or "n/a",
        gt=result["ground_truth_samples"],
        rows=rows,
    )


def run(args: argparse.Namespace, s3: Any, cloudwatch: Any, end: datetime) -> Dict[str, Any]:
    """One run against S3 and CloudWatch clients (boto3 in the job, stubs in tests); returns the report."""
    data_statistics = json.loads(_read(s3, args.data_statistics))
    baseline = drift.parse_data_statistics(data_statistics)
    positive_rate = (
        drift.predicted_positive_rate(json.loads(_read(s3, args.model_statistics))) if args.model_statistics else None
    )
    hours = hour_prefixes(end, args.window_hours)
    capture_lines = _lines(s3, _capture_keys(s3, args.capture, hours))
    rows, scores, by_event, unreadable = parse_capture(capture_lines)
    labelled: List[Tuple[int, float]] = []
    if args.ground_truth:
        # labels arrive late: the quality check judges the requests of the window that ended `delay` hours ago
        delay = args.ground_truth_delay_hours
        if delay:
            quality_hours = hour_prefixes(end - timedelta(hours=delay), args.window_hours)
            _, _, by_event, _ = parse_capture(_lines(s3, _capture_keys(s3, args.capture, quality_hours)))
        label_hours = hour_prefixes(end, args.window_hours + delay)
        labels = read_ground_truth(s3, args.ground_truth, label_hours)
        labelled = [(label, by_event[event]) for event, label in labels.items() if event in by_event]
    thresholds = drift.Thresholds(
        psi=args.psi_threshold,
        min_samples=args.min_samples,
        missing_tolerance=args.missing_tolerance,
        quality_metric=args.quality_metric,
        quality_minimum=args.quality_minimum,
    )
    result = drift.analyse_window(
        rows,
        baseline,
        thresholds,
        predictions=scores if len(scores) == len(rows) else None,
        baseline_positive_rate=positive_rate,
        labelled=labelled,
        quality=QUALITY_FUNCTIONS.get(args.quality_metric or ""),
    )
    result.schema_violations += unreadable
    data = drift.metric_data(result, args.environment, args.model, args.quality_metric)
    for datum in data:
        datum["Timestamp"] = end
    for i in range(0, len(data), 500):
        cloudwatch.put_metric_data(Namespace=args.namespace, MetricData=data[i : i + 500])
    report = {
        "environment": args.environment,
        "model": args.model,
        "window": {"start": (end - timedelta(hours=args.window_hours)).isoformat(), "end": end.isoformat()},
        "thresholds": vars(thresholds),
        "quality_metric": args.quality_metric,
        "baseline": {"data_statistics": args.data_statistics, "model_statistics": args.model_statistics},
        "result": result.to_dict(),
        "metrics": {"namespace": args.namespace, "published": len(data)},
    }
    bucket, prefix = _split(args.report)
    folder = f"{prefix}{end.strftime('%Y/%m/%d/%H%M')}/"
    s3.put_object(Bucket=bucket, Key=folder + "report.json", Body=json.dumps(report, indent=2, default=str).encode(),
                  ContentType="application/json")
    s3.put_object(Bucket=bucket, Key=folder + "report.html", Body=report_html(report).encode(), ContentType="text/html")
    return report


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--environment", required=True)
    parser.add_argument("--model", required=True)
    parser.add_argument("--data-statistics", required=True)
    parser.add_argument("--model-statistics", default="")
    parser.add_argument("--capture", required=True)
    parser.add_argument("--ground-truth", default="")
    parser.add_argument("--report", required=True)
    parser.add_argument("--namespace", default=drift.NAMESPACE)
    parser.add_argument("--window-hours", type=int, default=24)
    parser.add_argument("--min-samples", type=int, default=drift.DEFAULT_MIN_SAMPLES)
    parser.add_argument("--psi-threshold", type=float, default=drift.DEFAULT_PSI_THRESHOLD)
    parser.add_argument("--missing-tolerance", type=float, default=drift.DEFAULT_MISSING_TOLERANCE)
    parser.add_argument("--quality-metric", default="")
    parser.add_argument("--quality-minimum", type=float, default=None)
    parser.add_argument("--ground-truth-delay-hours", type=int, default=0)
    parser.add_argument("--end", default="", help="end of the window, ISO 8601 (default: now)")
    args = parser.parse_args(argv)
    if args.window_hours < 1 or args.min_samples < 1:
        parser.error("--window-hours and --min-samples must be at least 1")
    if args.report and not args.report.endswith("/"):
        args.report += "/"
    return args


def main(argv: Optional[Sequence[str]] = None) -> None:
    import boto3  # in the SageMaker image; imported here so the maths needs only numpy and scipy

    args = parse_args(argv)
    # without --end, the window ends on the last full hour, so runs one window apart tile without gaps
    end = (
        datetime.fromisoformat(args.end)
        if args.end
        else datetime.now(timezone.utc).replace(minute=0, second=0, microsecond=0)
    )
    if end.tzinfo is None:
        end = end.replace(tzinfo=timezone.utc)
    report = run(args, boto3.client("s3"), boto3.client("cloudwatch"), end)
    result = report["result"]
    print(json.dumps({k: result[k] for k in ("samples", "insufficient_data", "data_drift", "quality_violation")}))


if __name__ == "__main__":
    main(sys.argv[1:])
