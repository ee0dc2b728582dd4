"""The drift job end to end against in-memory S3 and CloudWatch stubs."""

from __future__ import annotations

import io
import json
from datetime import datetime, timezone

import numpy as np

from mlops_shared import drift_job
from tests.shared.test_drift import statistics_document


class FakeS3:
    def __init__(self, objects):
        self.objects = dict(objects)

    def get_object(self, Bucket, Key):
        return {"Body": io.BytesIO(self.objects[(Bucket, Key)])}

    def put_object(self, Bucket, Key, Body, ContentType):
        self.objects[(Bucket, Key)] = Body

    def list_objects_v2(self, Bucket, Prefix, Delimiter=None, ContinuationToken=None):
        keys = sorted(k for b, k in self.objects if b == Bucket and k.startswith(Prefix))
        if Delimiter:
            folders = sorted({Prefix + k[len(Prefix):].split(Delimiter)[0] + Delimiter for k in keys if Delimiter in k[len(Prefix):]})
            return {"CommonPrefixes": [{"Prefix": f} for f in folders], "IsTruncated": False}
        return {"Contents": [{"Key": k} for k in keys], "IsTruncated": False}


class FakeCloudWatch:
    def __init__(self):
        self.calls = []

    def put_metric_data(self, Namespace, MetricData):
        self.calls.append((Namespace, MetricData))


def capture_line(values, score, event_id):
    return json.dumps(
        {
            "captureData": {
                "endpointInput": {"observedContentType": "text/csv", "mode": "INPUT", "data": ",".join(values), "encoding": "CSV"},
                "endpointOutput": {"observedContentType": "text/csv", "mode": "OUTPUT", "data": str(score), "encoding": "CSV"},
            },
            "eventMetadata": {"eventId": event_id, "inferenceTime": "2026-12-07T10:00:00Z"},
            "eventVersion": "0",
        }
    )


def test_one_run_reads_the_window_publishes_the_contract_and_writes_both_reports():
    rng = np.random.default_rng(7)
    baseline = rng.normal(50, 10, 5000)
    lines = [capture_line([f"{v:.3f}", "monthly"], 0.8, f"e{i}") for i, v in enumerate(rng.normal(65, 10, 300))]
    objects = {
        ("artifacts", "baselines/statistics.json"): json.dumps(statistics_document(baseline, {"monthly": 1})).encode(),
        ("raw", "data-capture/churn/ep/AllTraffic/2026/12/07/12/a.jsonl"): "\n".join(lines[:150]).encode(),
        ("raw", "data-capture/churn/ep/AllTraffic/2026/12/07/11/b.jsonl"): "\n".join(lines[150:]).encode(),
        # outside the window: an hour too early
        ("raw", "data-capture/churn/ep/AllTraffic/2026/12/07/10/old.jsonl"): "\n".join(lines).encode(),
        ("raw", "ground-truth/churn/2026/12/07/11/g.jsonl"): "\n".join(
            json.dumps({"groundTruthData": {"data": str(i % 2), "encoding": "CSV"}, "eventMetadata": {"eventId": f"e{i}"}})
            for i in range(300)
        ).encode(),
    }
    s3, cloudwatch = FakeS3(objects), FakeCloudWatch()
    args = drift_job.parse_args(
        ["--environment", "dev", "--model", "churn", "--data-statistics", "s3://artifacts/baselines/statistics.json",
         "--capture", "s3://raw/data-capture/churn/", "--ground-truth", "s3://raw/ground-truth/churn/",
         "--report", "s3://artifacts/drift/churn", "--window-hours", "24", "--quality-metric", "accuracy",
         "--quality-minimum", "0.9"]
    )

    report = drift_job.run(args, s3, cloudwatch, datetime(2026, 12, 8, 11, 0, tzinfo=timezone.utc))

    assert report["result"]["samples"] == 300 and report["result"]["data_drift"]
    assert report["result"]["ground_truth_samples"] == 300
    assert report["result"]["quality_violation"]  # every score is 0.8: accuracy 0.5
    [(namespace, data)] = cloudwatch.calls
    assert namespace == "MLOps/ModelDrift"
    values = {d["MetricName"]: d["Value"] for d in data if len(d["Dimensions"]) == 2}
    assert values["DataDrift"] == 1 and values["Samples"] == 300 and values["InsufficientData"] == 0
    assert ("artifacts", "drift/churn/2026/12/08/1100/report.json") in s3.objects
    assert b"DRIFT" in s3.objects[("artifacts", "drift/churn/2026/12/08/1100/report.html")]


def test_the_window_lists_the_hours_before_its_end():
    end = datetime(2026, 12, 8, 0, 0, tzinfo=timezone.utc)
    assert drift_job.hour_prefixes(end, 2) == ["2026/12/07/22/", "2026/12/07/23/"]
    assert drift_job.hour_prefixes(datetime(2026, 12, 8, 0, 30, tzinfo=timezone.utc), 1) == ["2026/12/08/00/"]


def test_unreadable_capture_lines_are_counted_not_fatal():
    rows, scores, by_event, unreadable = drift_job.parse_capture(["{not json", capture_line(["1", "a"], 0.2, "x"), ""])
    assert rows == [["1", "a"]] and scores == [0.2] and by_event == {"x": 0.2} and unreadable == 1
