"""Serving side of the churn model: the first container of the SageMaker inference pipeline.

It runs in the SageMaker scikit-learn container (only numpy is used) in front of the built-in
XGBoost container. It turns raw records into the numeric CSV XGBoost expects with the same
``churn.features`` code that prepared the training data, and the FeatureSpec fitted then:

    model_fn(model_dir)                 loads model_dir/feature_spec.json
    input_fn(body, content_type)        parses raw records (text/csv or application/json)
    predict_fn(rows, spec)              spec.transform(rows)
    output_fn(matrix, accept)           headerless numeric CSV, content type text/csv

CSV requests are either headerless, with the ``features.RAW_FEATURE_COLUMNS`` in that order, or
carry a header line naming the columns (any order; extra columns such as customer_id are
ignored). JSON requests are one record, a list of records, or ``{"instances": [...]}``.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from pathlib import Path
from typing import Any, Dict, List, Mapping, Tuple, Union

import numpy as np

if __package__ in (None, ""):  # loaded as a top-level module: make the churn package importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from churn.features import RAW_FEATURE_COLUMNS, FeatureSpec, to_csv  # noqa: E402

SPEC_FILE = "feature_spec.json"
CSV_TYPE = "text/csv"
JSON_TYPE = "application/json"
_KNOWN_COLUMNS = set(RAW_FEATURE_COLUMNS) | {"customer_id", "churned"}


def model_fn(model_dir: str) -> FeatureSpec:
    """The FeatureSpec fitted at training time, from the model data of this container."""
    return FeatureSpec.from_json((Path(model_dir) / SPEC_FILE).read_text(encoding="utf-8"))


def _text(body: Union[str, bytes, bytearray]) -> str:
    return body.decode("utf-8-sig") if isinstance(body, (bytes, bytearray)) else body


def parse_csv(text: str) -> List[Dict[str, str]]:
    """CSV records, with or without a header line."""
    lines = [r for r in csv.reader(io.StringIO(text)) if r and any(c.strip() for c in r)]
    if not lines:
        return []
    if any(c.strip() in _KNOWN_COLUMNS for c in lines[0]):
        header = [c.strip() for c in lines[0]]
        return [dict(zip(header, r)) for r in lines[1:]]
    bad = [i for i, r in enumerate(lines) if len(r) != len(RAW_FEATURE_COLUMNS)]
    if bad:
        raise ValueError(
            f"headerless CSV rows need {len(RAW_FEATURE_COLUMNS)} columns {list(RAW_FEATURE_COLUMNS)}; "
            f"row {bad[0]} has {len(lines[bad[0]])}"
        )
    return [dict(zip(RAW_FEATURE_COLUMNS, r)) for r in lines]


def parse_json(text: str) -> List[Mapping[str, Any]]:
    """JSON records: one object, a list of objects, or {"instances": [...]}."""
    data = json.loads(text)
    if isinstance(data, dict) and "instances" in data:
        data = data["instances"]
    records = data if isinstance(data, list) else [data]
    if not all(isinstance(r, dict) for r in records):
        raise ValueError("JSON records must be objects keyed by column name")
    return records


def input_fn(request_body: Union[str, bytes], content_type: str) -> List[Mapping[str, Any]]:
    """Raw records from the request body."""
    media_type = (content_type or CSV_TYPE).split(";")[0].strip().lower()
    if media_type == CSV_TYPE:
        return parse_csv(_text(request_body))
    if media_type == JSON_TYPE:
        return parse_json(_text(request_body))
    raise ValueError(f"unsupported content type {content_type!r}: use {CSV_TYPE} or {JSON_TYPE}")


def predict_fn(records: List[Mapping[str, Any]], spec: FeatureSpec) -> np.ndarray:
    """The feature matrix, by the same transform that prepared the training data."""
    return spec.transform(records)


def output_fn(matrix: np.ndarray, accept: str) -> Tuple[str, str]:
    """Headerless numeric CSV for the XGBoost container, whatever the client accepts."""
    return to_csv(matrix), CSV_TYPE
