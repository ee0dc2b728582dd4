"""Serving side of the scikit-learn model: the second container of the inference pipeline.

It runs in the SageMaker scikit-learn serving image behind the preprocessing container
(``<package>_inference.py``), and alone for the test-set batch transform:

    model_fn(model_dir)                 loads model_dir/model.joblib (written by train.py)
    input_fn(body, content_type)        headerless numeric CSV (text/csv): what the preprocessing
                                        container emits, or test.csv without its label column
    predict_fn(matrix, model)           the positive-class probability per row
    output_fn(probabilities, accept)    one probability per line, content type text/csv

Only numpy and mlops_shared are imported at module level; joblib (shipped with scikit-learn) is
imported by model_fn, so this module imports where scikit-learn is not installed.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, Tuple, Union

import numpy as np

if __package__ in (None, ""):  # loaded as a top-level module: make mlops_shared importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from mlops_shared.serving import CSV_TYPE, parse_numeric_rows  # noqa: E402
from mlops_shared.tabular import format_number  # noqa: E402

MODEL_FILE = "model.joblib"
POSITIVE_CLASS = 1


def model_fn(model_dir: str) -> Any:
    """The fitted estimator that train.py saved in the model data."""
    import joblib

    return joblib.load(Path(model_dir) / MODEL_FILE)


def input_fn(request_body: Union[str, bytes], content_type: str) -> np.ndarray:
    """The feature matrix from headerless numeric CSV."""
    return parse_numeric_rows(request_body, content_type)


def positive_probability(model: Any, matrix: np.ndarray) -> np.ndarray:
    """The probability of the positive class (label 1) per row; no rows gives no probabilities."""
    matrix = np.asarray(matrix, dtype=np.float64)
    if matrix.shape[0] == 0:
        return np.zeros(0)
    expected = getattr(model, "n_features_in_", None)
    if expected is not None and matrix.shape[1] != expected:
        raise ValueError(f"the model takes {expected} features per row, the request has {matrix.shape[1]}")
    classes = [int(c) for c in model.classes_]
    if POSITIVE_CLASS not in classes:
        raise ValueError(f"the model was trained without the positive class: classes {classes}")
    return np.asarray(model.predict_proba(matrix))[:, classes.index(POSITIVE_CLASS)]


def predict_fn(matrix: np.ndarray, model: Any) -> np.ndarray:
    """The positive-class probability per row."""
    return positive_probability(model, matrix)


def output_fn(probabilities: np.ndarray, accept: str) -> Tuple[str, str]:
    """One probability per line (text/csv, whatever the client accepts): evaluate.py reads the last column."""
    return "".join(format_number(p) + "\n" for p in np.asarray(probabilities).reshape(-1)), CSV_TYPE
