"""The shared readers of data capture and ground truth: the labelled window the promotion gate scores."""

from __future__ import annotations

import json
from datetime import datetime, timezone

from mlops_shared import capture
from tests.shared.test_promotion import FakeS3, capture_record, label_record


def test_the_join_keeps_only_captured_requests_with_a_label():
    rows = {"a": ["1", "x"], "b": ["2", "y"], "c": ["3", "z"]}
    assert capture.join_labels(rows, {"a": 1, "c": 0, "unknown": 1}) == [(1, ["1", "x"]), (0, ["3", "z"])]


def test_requests_are_keyed_by_inference_id_and_multi_record_ones_left_out():
    multi = json.dumps(
        {
            "captureData": {"endpointInput": {"observedContentType": "text/csv", "data": "1,2\n3,4", "encoding": "CSV"}},
            "eventMetadata": {"eventId": "m"},
        }
    )
    inference = json.loads(capture_record("event-1", ["5", "6"]))
    inference["eventMetadata"]["inferenceId"] = "inference-1"
    lines = ["{broken", "", multi, json.dumps(inference), capture_record("e2", ["7", "8"])]
    assert capture.capture_rows_by_event(lines) == {"inference-1": ["5", "6"], "e2": ["7", "8"]}


def test_the_window_reads_the_delayed_hours_and_labels_up_to_its_end():
    objects = {
        ("raw", "data-capture/churn/ep/AllTraffic/2026/12/08/07/a.jsonl"): "\n".join(
            [capture_record("in", ["1", "2"]), capture_record("unlabelled", ["3", "4"])]
        ).encode(),
        # captured after the delayed window's end
        ("raw", "data-capture/churn/ep/AllTraffic/2026/12/08/09/b.jsonl"): capture_record("late", ["5", "6"]).encode(),
        ("raw", "ground-truth/churn/2026/12/08/10/g.jsonl"): "\n".join(
            [label_record("in", 1), label_record("late", 0)]
        ).encode(),
    }
    window = capture.read_labelled_window(
        FakeS3(objects), "s3://raw/data-capture/churn", "s3://raw/ground-truth/churn/",
        datetime(2026, 12, 8, 11, tzinfo=timezone.utc), hours=2, delay_hours=2,
    )
    assert (window.start, window.end) == (
        datetime(2026, 12, 8, 7, tzinfo=timezone.utc),
        datetime(2026, 12, 8, 9, tzinfo=timezone.utc),
    )
    assert window.rows == [(1, ["1", "2"])] and window.captured == 2


def test_the_gates_own_rows_below_the_capture_prefix_are_not_read_as_traffic():
    objects = {
        ("raw", "data-capture/churn/ep/AllTraffic/2026/12/08/07/a.jsonl"): capture_record("in", ["1", "2"]).encode(),
        # an earlier run's joined rows, written beside the capture (lib/stacks/model/promotion.ts)
        ("raw", "data-capture/churn/promotion-windows/run-1/window.csv"): b"1,1,2\n",
        ("raw", "ground-truth/churn/2026/12/08/07/g.jsonl"): label_record("in", 1).encode(),
    }
    window = capture.read_labelled_window(
        FakeS3(objects), "s3://raw/data-capture/churn/", "s3://raw/ground-truth/churn/",
        datetime(2026, 12, 8, 8, tzinfo=timezone.utc), hours=1,
    )
    assert window.rows == [(1, ["1", "2"])] and window.captured == 1
