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
import base64
import csv
import html
import io
import json
import sys
from datetime import datetime, timedelta, timezone
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple
from urllib.parse import urlparse

from . import drift, metrics

QUALITY_FUNCTIONS = {
    "auc": metrics.auc,
    **{name: (lambda n: lambda labels, scores: metrics.classification_metrics(labels, scores)[n])(name)
       for name in ("accuracy", "precision", "recall", "f1")},
}


# ---------------------------------------------------------------------------------------------------------------
# Capture records (pure)
# ---------------------------------------------------------------------------------------------------------------


def _decode(section: Dict[str, Any]) -> str:
    data = section.get("data", "")
    if section.get("encoding") == "BASE64":
        return base64.b64decode(data).decode("utf-8")
    return data if isinstance(data, str) else json.dumps(data)


def _csv_rows(text: str) -> List[List[str]]:
    return [row for row in csv.reader(io.StringIO(text)) if row]


def _json_rows(text: str) -> List[List[str]]:
    document = json.loads(text)
    if isinstance(document, dict):
        document = document.get("instances", [document])
    rows = []
    for item in document if isinstance(document, list) else [document]:
        if isinstance(item, dict):
            item = item.get("features", list(item.values()))
        rows.append(["" if v is None else str(v) for v in (item if isinstance(item, list) else [item])])
    return rows


def _rows_of(section: Dict[str, Any]) -> List[List[str]]:
    text = _decode(section)
    kind = section.get("observedContentType", "")
    return _json_rows(text) if "json" in kind else _csv_rows(text)


def parse_capture(lines: Iterable[str]) -> Tuple[List[List[str]], List[float], Dict[str, float], int]:
    """Rows of request cells, their scores, score by event id (single-record requests), unreadable lines."""
    rows: List[List[str]] = []
    scores: List[float] = []
    by_event: Dict[str, float] = {}
    unreadable = 0
    for line in lines:
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            capture = record["captureData"]
            inputs = _rows_of(capture["endpointInput"])
            outputs = _rows_of(capture["endpointOutput"]) if "endpointOutput" in capture else []
        except (ValueError, KeyError, TypeError):
            unreadable += 1
            continue
        rows.extend(inputs)
        if len(outputs) == len(inputs):
            try:
                values = [float(row[-1]) for row in outputs]
            except (ValueError, IndexError):
                values = []
            scores.extend(values)
            metadata = record.get("eventMetadata", {})
            event_id = metadata.get("inferenceId") or metadata.get("eventId")
            if event_id and len(values) == 1:
                by_event[str(event_id)] = values[0]
    return rows, scores, by_event, unreadable


def parse_ground_truth(lines: Iterable[str]) -> Dict[str, int]:
    """Label by event id from ground-truth records (``groundTruthData.data``, ``eventMetadata.eventId``)."""
    labels: Dict[str, int] = {}
    for line in lines:
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            label = int(float(_decode(record["groundTruthData"]).strip()))
            labels[str(record["eventMetadata"]["eventId"])] = label
        except (ValueError, KeyError, TypeError):
            continue
    return labels


def hour_prefixes(end: datetime, hours: int) -> List[str]:
    """``YYYY/MM/DD/HH/`` of each hour of the window [end - hours, end)."""
    last = (end - timedelta(microseconds=1)).replace(minute=0, second=0, microsecond=0)
    start = last - timedelta(hours=hours - 1)
    return [(start + timedelta(hours=h)).strftime("%Y/%m/%d/%H/") for h in range(hours)]


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
        bucket, prefix = _split(args.ground_truth)
        keys = [(bucket, key) for hour in label_hours for key in _list(s3, bucket, prefix + hour)]
        labels = parse_ground_truth(_lines(s3, keys))
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


# ---------------------------------------------------------------------------------------------------------------
# S3 helpers
# ---------------------------------------------------------------------------------------------------------------


def _split(uri: str) -> Tuple[str, str]:
    parsed = urlparse(uri)
    if parsed.scheme != "s3" or not parsed.netloc:
        raise ValueError(f"expected an s3:// URI, got {uri!r}")
    prefix = parsed.path.lstrip("/")
    return parsed.netloc, prefix


def _read(s3: Any, uri: str) -> str:
    bucket, key = _split(uri)
    return s3.get_object(Bucket=bucket, Key=key)["Body"].read().decode("utf-8")


def _list(s3: Any, bucket: str, prefix: str, delimiter: Optional[str] = None) -> List[str]:
    """Keys (or, with a delimiter, sub-folders) under a prefix, every page."""
    found: List[str] = []
    token = None
    while True:
        kwargs: Dict[str, Any] = {"Bucket": bucket, "Prefix": prefix}
        if delimiter:
            kwargs["Delimiter"] = delimiter
        if token:
            kwargs["ContinuationToken"] = token
        page = s3.list_objects_v2(**kwargs)
        if delimiter:
            found.extend(p["Prefix"] for p in page.get("CommonPrefixes", []))
        else:
            found.extend(o["Key"] for o in page.get("Contents", []))
        token = page.get("NextContinuationToken")
        if not page.get("IsTruncated") or not token:
            return found


def _capture_keys(s3: Any, uri: str, hours: Sequence[str]) -> List[Tuple[str, str]]:
    bucket, prefix = _split(uri if uri.endswith("/") else uri + "/")
    keys = []
    for endpoint in _list(s3, bucket, prefix, "/"):
        for variant in _list(s3, bucket, endpoint, "/"):
            for hour in hours:
                keys.extend((bucket, key) for key in _list(s3, bucket, variant + hour))
    return keys


def _lines(s3: Any, keys: Sequence[Tuple[str, str]]) -> Iterable[str]:
    for bucket, key in keys:
        body = s3.get_object(Bucket=bucket, Key=key)["Body"].read().decode("utf-8")
        yield from body.splitlines()


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
