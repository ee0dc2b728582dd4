"""Readers of an endpoint's data capture and its ground truth, shared by the drift job and the promotion gate.

Data capture lands as ``<capture>/<endpoint>/<variant>/YYYY/MM/DD/HH/*.jsonl`` (one JSON record per request: the
request and response bodies and ``eventMetadata``); ground truth as ``<ground-truth>/YYYY/MM/DD/HH/*.jsonl`` (one
record per labelled request: ``groundTruthData`` and ``eventMetadata.eventId``, the request's inference id). Both
are joined by that id. ``mlops_shared/drift_job.py`` judges drift and live quality from them;
``mlops_shared/promotion.py`` scores champion and challenger on the most recent labelled window.
"""

from __future__ import annotations

import base64
import csv
import io
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple
from urllib.parse import urlparse


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


def read_ground_truth(s3: Any, uri: str, hours: Sequence[str]) -> Dict[str, int]:
    """Label by event id of every ground-truth record of the hours (``YYYY/MM/DD/HH/`` under the prefix)."""
    bucket, prefix = _split(uri if uri.endswith("/") else uri + "/")
    keys = [(bucket, key) for hour in hours for key in _list(s3, bucket, prefix + hour)]
    return parse_ground_truth(_lines(s3, keys))


# ---------------------------------------------------------------------------------------------------------------
# The labelled window: captured requests joined with their labels
# ---------------------------------------------------------------------------------------------------------------


def capture_rows_by_event(lines: Iterable[str]) -> Dict[str, List[str]]:
    """The request cells of each single-record request, by its inference id (or event id).

    Only a request of one record can be joined with a label: ground truth names one record per event id, as for
    the scores of :func:`parse_capture`. Unreadable lines and multi-record requests are left out.
    """
    rows: Dict[str, List[str]] = {}
    for line in lines:
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            inputs = _rows_of(record["captureData"]["endpointInput"])
        except (ValueError, KeyError, TypeError):
            continue
        metadata = record.get("eventMetadata", {})
        event_id = metadata.get("inferenceId") or metadata.get("eventId")
        if event_id and len(inputs) == 1:
            rows[str(event_id)] = inputs[0]
    return rows


@dataclass(frozen=True)
class LabelledWindow:
    """The captured requests of ``[start, end)`` that have a label, in the order they were captured."""

    start: datetime
    end: datetime
    rows: List[Tuple[int, List[str]]]
    """(label, request cells) of each joined request."""
    captured: int
    """Single-record requests captured in the window, labelled or not: ``captured - len(rows)`` had no label."""


def join_labels(rows_by_event: Dict[str, List[str]], labels: Dict[str, int]) -> List[Tuple[int, List[str]]]:
    """(label, cells) of each captured request with a label; requests without one are dropped."""
    return [(labels[event], cells) for event, cells in rows_by_event.items() if event in labels]


def read_labelled_window(
    s3: Any, capture_uri: str, ground_truth_uri: str, end: datetime, hours: int, delay_hours: int = 0
) -> LabelledWindow:
    """The most recent labelled window, as the drift job's quality check reads it.

    Labels arrive ``delay_hours`` late: the window holds the requests captured in the ``hours`` before
    ``end - delay_hours``, joined with the labels that landed from the window's start up to ``end``.
    """
    window_end = end - timedelta(hours=delay_hours)
    captured = capture_rows_by_event(_lines(s3, _capture_keys(s3, capture_uri, hour_prefixes(window_end, hours))))
    labels = read_ground_truth(s3, ground_truth_uri, hour_prefixes(end, hours + delay_hours))
    return LabelledWindow(
        start=window_end - timedelta(hours=hours),
        end=window_end,
        rows=join_labels(captured, labels),
        captured=len(captured),
    )
