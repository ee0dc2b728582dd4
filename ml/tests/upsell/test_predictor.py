"""predictor.py: the scikit-learn serving container's functions, with a stand-in estimator (no scikit-learn needed)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import upsell_predictor as entry_point
from upsell import predictor

ML_DIR = Path(predictor.__file__).resolve().parents[1]
PACKAGE = predictor.__package__


class StandInModel:
    """Shaped like a fitted scikit-learn classifier: classes_, n_features_in_, predict_proba."""

    def __init__(self, classes=(0, 1), width=3):
        self.classes_ = np.array(classes)
        self.n_features_in_ = width

    def predict_proba(self, matrix):
        positive = 1.0 / (1.0 + np.exp(-matrix.sum(axis=1)))
        columns = {1: positive, 0: 1.0 - positive}
        return np.column_stack([columns[int(c)] for c in self.classes_])


def serve(body, model, content_type="text/csv", accept="text/csv"):
    return predictor.output_fn(predictor.predict_fn(predictor.input_fn(body, content_type), model), accept)


def test_the_entry_point_re_exports_the_serving_functions():
    # GIVEN / WHEN / THEN SAGEMAKER_PROGRAM=<package>_predictor.py serves predictor.py's functions
    assert (entry_point.model_fn, entry_point.input_fn, entry_point.predict_fn, entry_point.output_fn) == (
        predictor.model_fn, predictor.input_fn, predictor.predict_fn, predictor.output_fn)


def test_numeric_csv_in_one_positive_probability_per_line_out():
    # GIVEN the preprocessing container's output: headerless numeric CSV, three features per row
    body = b"0,0,0\n1,1,0.5\n-2,0,-1\n"

    # WHEN it is served, for a CSV and a JSON client alike
    text, content_type = serve(body, StandInModel())

    # THEN each line is the positive-class probability of its row, as text/csv
    assert content_type == "text/csv"
    assert serve(body, StandInModel(), accept="application/json") == (text, content_type)
    expected = 1.0 / (1.0 + np.exp(-np.array([0.0, 2.5, -3.0])))
    np.testing.assert_array_equal(np.array([float(line) for line in text.splitlines()]), expected)
    assert text.splitlines()[0] == "0.5"


def test_the_positive_class_is_found_whatever_the_class_order():
    # GIVEN an estimator whose classes_ are (1, 0)
    matrix = np.array([[1.0, 1.0, 0.5]])

    # WHEN / THEN the probability is still that of label 1
    assert predictor.predict_fn(matrix, StandInModel(classes=(1, 0)))[0] == pytest.approx(1 / (1 + np.exp(-2.5)))


def test_test_csv_without_its_label_is_what_batch_transform_sends():
    # GIVEN test.csv lines (label first) and the batch transform's InputFilter $[1:]
    test_csv = "1,0.5,2,0\n0,-1,0,0.25\n"
    filtered = "".join(",".join(line.split(",")[1:]) + "\n" for line in test_csv.splitlines())

    # WHEN / THEN the predictor scores the filtered lines
    assert len(serve(filtered, StandInModel())[0].splitlines()) == 2


def test_bad_requests_fail_with_a_message():
    # GIVEN / WHEN / THEN raw records, JSON, ragged rows and a wrong width fail clearly
    with pytest.raises(ValueError, match="expected headerless numeric CSV"):
        predictor.input_fn("12,180.5,,3,basic,emea,annual\n", "text/csv")
    with pytest.raises(ValueError, match="unsupported content type 'application/json'"):
        predictor.input_fn("[[1, 2, 3]]", "application/json")
    with pytest.raises(ValueError, match="differ in width"):
        predictor.input_fn("1,2,3\n1,2\n", "text/csv")
    with pytest.raises(ValueError, match="takes 3 features per row, the request has 2"):
        predictor.predict_fn(np.array([[1.0, 2.0]]), StandInModel())
    with pytest.raises(ValueError, match="without the positive class"):
        predictor.predict_fn(np.zeros((1, 3)), StandInModel(classes=(0, 2)))
    # and an empty request is no rows, not an error
    assert serve(b"", StandInModel()) == ("", "text/csv")


def test_predictor_and_train_import_without_scikit_learn(tmp_path):
    # GIVEN an interpreter where importing sklearn or joblib fails
    script = (
        "import sys, importlib, importlib.abc\n"
        "class Block(importlib.abc.MetaPathFinder):\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] in ('sklearn', 'joblib'): raise ImportError('blocked ' + name)\n"
        "sys.meta_path.insert(0, Block()); sys.path.insert(0, sys.argv[1])\n"
        f"importlib.import_module('{PACKAGE}.predictor'); importlib.import_module('{PACKAGE}.train')\n"
        f"importlib.import_module('{PACKAGE}_predictor')\n"
        "print('ok')\n"
    )

    # WHEN the serving and training modules are imported
    result = subprocess.run([sys.executable, "-I", "-c", script, str(ML_DIR)], capture_output=True, text=True,
                            cwd=tmp_path)

    # THEN they import: scikit-learn is only needed to fit and to load a model
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"
