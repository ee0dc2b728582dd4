"""Serving side of the model: the first container of the SageMaker inference pipeline.

It runs in the SageMaker scikit-learn container (only numpy is used) in front of the algorithm's
container. It turns raw records into the headerless numeric CSV the algorithm reads with the same
``features`` code that prepared the training data, and the FeatureSpec fitted then:

    model_fn(model_dir)                 loads model_dir/feature_spec.json
    input_fn(body, content_type)        parses raw records (text/csv or application/json)
    predict_fn(rows, spec)              spec.transform(rows)
    output_fn(matrix, accept)           headerless numeric CSV, content type text/csv

CSV requests are either headerless, with the ``features.RAW_FEATURE_COLUMNS`` (the contract's
request_columns) in that order, or carry a header line naming the columns (any order; extra columns
such as the id are ignored). JSON requests are one record, a list of records, or
``{"instances": [...]}``.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, List, Mapping, Tuple, Union

import numpy as np

if __package__ in (None, ""):  # loaded as a top-level module: make the model package importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from upsell.features import CONTRACT, RAW_FEATURE_COLUMNS, FeatureSpec, to_csv  # noqa: E402
from mlops_shared.serving import CSV_TYPE, JSON_TYPE, parse_csv, parse_json, parse_records  # noqa: E402,F401

SPEC_FILE = "feature_spec.json"
_KNOWN_COLUMNS = set(RAW_FEATURE_COLUMNS) | {CONTRACT.id, CONTRACT.label}


def model_fn(model_dir: str) -> FeatureSpec:
    """The FeatureSpec fitted at training time, from the model data of this container."""
    return FeatureSpec.from_json((Path(model_dir) / SPEC_FILE).read_text(encoding="utf-8"))


def input_fn(request_body: Union[str, bytes], content_type: str) -> List[Mapping[str, Any]]:
    """Raw records from the request body."""
    return parse_records(request_body, content_type, RAW_FEATURE_COLUMNS, _KNOWN_COLUMNS)


def predict_fn(records: List[Mapping[str, Any]], spec: FeatureSpec) -> np.ndarray:
    """The feature matrix, by the same transform that prepared the training data."""
    return spec.transform(records)


def output_fn(matrix: np.ndarray, accept: str) -> Tuple[str, str]:
    """Headerless numeric CSV for the algorithm's container, whatever the client accepts."""
    return to_csv(matrix), CSV_TYPE
