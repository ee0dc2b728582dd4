"""train.py and the predictor container with scikit-learn: as SageMaker runs them, end to end.

Marked ``sklearn``: deselected (with a note) where scikit-learn cannot be imported; CI runs them
under Debian's python3 with python3-sklearn.
"""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import tarfile
from pathlib import Path

import numpy as np
import pytest

from mlops_shared.metrics import auc
from upsell import evaluate, inference, predictor, prepare, train

pytestmark = pytest.mark.sklearn

PACKAGE = predictor.__package__


def run(script: Path, *args, cwd: Path) -> subprocess.CompletedProcess:
    """A script by path in an isolated interpreter (-I), as a SageMaker job runs it."""
    return subprocess.run([sys.executable, "-I", str(script), *map(str, args)], check=True, capture_output=True,
                          text=True, cwd=cwd)


def without_label(test_csv: Path) -> str:
    """test.csv after the batch transform's InputFilter $[1:]."""
    return "".join(line.split(",", 1)[1] + "\n" for line in test_csv.read_text().splitlines())


def labels_of(test_csv: Path) -> list:
    return [int(line.split(",", 1)[0]) for line in test_csv.read_text().splitlines()]


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """2,000 synthetic accounts prepared by prepare.py, then trained by train.py, both run by path."""
    from tests.upsell.conftest import generate_rows
    from tests.conftest import write_csv

    root = tmp_path_factory.mktemp("pipeline")
    write_csv(root / "raw" / "data.csv", generate_rows(2000, seed=11))
    run(Path(prepare.__file__), "--input", root / "raw", "--output", root / "out", "--seed", 42, cwd=root)
    # SageMaker puts each channel in /opt/ml/input/data/<channel> and packs /opt/ml/model afterwards
    result = run(Path(train.__file__), "--train", root / "out" / "train", "--validation", root / "out" / "validation",
                 "--model-dir", root / "model", "--c", 1.0, "--max-iter", 1000, cwd=root)
    return root, result


def test_train_py_fits_reports_validation_auc_and_writes_the_model_data(trained):
    root, result = trained
    model_dir = root / "model"

    # GIVEN / WHEN train.py has run as SageMaker runs it
    # THEN stdout carries the validation AUC in the metric definition's format, above 0.8
    lines = result.stdout.splitlines()
    value = float(next(line for line in lines if line.startswith("validation_auc=")).split("=", 1)[1])
    assert value > 0.8
    metrics = json.loads((model_dir / "metrics.json").read_text())
    assert metrics["validation_auc"] == pytest.approx(value, abs=1e-6)
    assert metrics["hyperparameters"] == {"c": 1.0, "max_iter": 1000}
    # and the model directory holds the estimator and the predictor's code, nothing else
    files = sorted(str(p.relative_to(model_dir)) for p in model_dir.rglob("*") if p.is_file())
    assert files == sorted([
        "model.joblib", "metrics.json", f"code/{PACKAGE}_predictor.py",
        f"code/{PACKAGE}/__init__.py", f"code/{PACKAGE}/contract.json", f"code/{PACKAGE}/predictor.py",
        "code/mlops_shared/__init__.py", "code/mlops_shared/contract.py",
        "code/mlops_shared/serving.py", "code/mlops_shared/tabular.py",
    ])
    assert (model_dir / "code" / PACKAGE / "predictor.py").read_bytes() == Path(predictor.__file__).read_bytes()
    # and the held-out test split, scored with the saved model, has an AUC above 0.8
    model = predictor.model_fn(str(model_dir))
    test_csv = root / "out" / "test" / "test.csv"
    scores = predictor.predict_fn(predictor.input_fn(without_label(test_csv), "text/csv"), model)
    assert auc(labels_of(test_csv), scores) > 0.8


def test_the_predictor_container_serves_from_the_model_data_alone(trained, tmp_path):
    root, _ = trained
    model_dir = root / "model"
    body = without_label(root / "out" / "test" / "test.csv")

    # WHEN an isolated interpreter imports SAGEMAKER_PROGRAM=<package>_predictor from model/code
    # (SAGEMAKER_SUBMIT_DIRECTORY=/opt/ml/model/code) and runs model_fn, input_fn, predict_fn, output_fn
    script = (
        "import sys, importlib; sys.path.insert(0, sys.argv[1])\n"
        f"m = importlib.import_module('{PACKAGE}_predictor')\n"
        "for name, module in list(sys.modules.items()):\n"
        f"    if name.split('.')[0] in ('{PACKAGE}', 'mlops_shared', '{PACKAGE}_predictor'):\n"
        "        assert module.__file__.startswith(sys.argv[1]), module.__file__\n"
        "model = m.model_fn(sys.argv[2])\n"
        "body = sys.stdin.read()\n"
        "text, kind = m.output_fn(m.predict_fn(m.input_fn(body, 'text/csv'), model), 'application/json')\n"
        "assert kind == 'text/csv', kind\n"
        "print(text, end='')\n"
    )
    result = subprocess.run([sys.executable, "-I", "-c", script, str(model_dir / "code"), str(model_dir)],
                            input=body, check=True, capture_output=True, text=True, cwd=tmp_path)

    # THEN it serves one probability per row, the very ones of the in-repo code
    model = predictor.model_fn(str(model_dir))
    expected = predictor.output_fn(predictor.predict_fn(predictor.input_fn(body, "text/csv"), model), "text/csv")[0]
    assert result.stdout == expected
    probabilities = np.array([float(v) for v in result.stdout.splitlines()])
    assert probabilities.size == len(body.splitlines()) and np.all((0 <= probabilities) & (probabilities <= 1))


def test_the_whole_chain_prepare_train_batch_transform_evaluate_and_the_two_container_endpoint(trained, tmp_path):
    root, _ = trained
    test_csv = root / "out" / "test" / "test.csv"
    model = predictor.model_fn(str(root / "model"))

    # WHEN the test-set batch transform runs the predictor on test.csv without labels, one line per row
    served, _ = predictor.output_fn(predictor.predict_fn(predictor.input_fn(without_label(test_csv), "text/csv"),
                                                         model), "text/csv")
    (tmp_path / "predictions").mkdir()
    (tmp_path / "predictions" / "test.csv.out").write_text(served)
    # and evaluate.py scores it as the Processing job does
    run(Path(evaluate.__file__), "--test", root / "out" / "test", "--predictions", tmp_path / "predictions",
        "--output", tmp_path / "evaluation", cwd=tmp_path)

    # THEN evaluation.json reports a held-out AUC above 0.8 where the pipeline's condition reads it
    report = json.loads((tmp_path / "evaluation" / "evaluation.json").read_text())
    assert report["metrics"]["auc"]["value"] > 0.8
    assert report["rows"] == len(test_csv.read_text().splitlines())

    # WHEN the raw test rows go through the endpoint's two containers: the preprocessing container from
    # spec/model.tar.gz, then the predictor from the training job's model data
    with tarfile.open(root / "out" / "spec" / "model.tar.gz") as tar:
        tar.extractall(tmp_path / "pre", **({"filter": "data"} if hasattr(tarfile, "data_filter") else {}))
    spec = inference.model_fn(str(tmp_path / "pre"))
    with (root / "raw" / "data.csv").open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    test_rows = prepare.split_rows(rows, 42, 0.15, 0.15)["test"]
    request = io.StringIO()
    for row in test_rows:
        request.write(",".join(row[c] for c in inference.RAW_FEATURE_COLUMNS) + "\n")
    features_csv, content_type = inference.output_fn(
        inference.predict_fn(inference.input_fn(request.getvalue(), "text/csv"), spec), "text/csv")
    endpoint, _ = predictor.output_fn(predictor.predict_fn(predictor.input_fn(features_csv, content_type), model),
                                      "text/csv")

    # THEN the endpoint answers exactly what the batch transform scored for those rows
    assert endpoint == served

