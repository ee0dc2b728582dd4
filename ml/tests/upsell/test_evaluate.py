"""evaluate.py: the model's evaluation job is the shared one (mlops_shared.metrics), run by path."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from upsell import evaluate
from mlops_shared import metrics


def test_evaluate_is_the_shared_metrics_code():
    # GIVEN / WHEN the model's evaluate module is imported
    # THEN its functions are the very objects of mlops_shared.metrics (no second copy to drift)
    for name in ("auc", "classification_metrics", "evaluation_report", "evaluate", "main"):
        assert getattr(evaluate, name) is getattr(metrics, name), name


def test_runs_by_path_as_the_processing_job_runs_it(tmp_path):
    # GIVEN test.csv from prepare.py and batch-transform output in a directory
    (tmp_path / "test").mkdir()
    (tmp_path / "test" / "test.csv").write_text("1,0.5,2\n0,0.1,1\n1,0.3,0\n0,0.2,2\n")
    (tmp_path / "predictions").mkdir()
    (tmp_path / "predictions" / "test.csv.out").write_text("0.9\n0.2\n0.6\n0.7\n")

    # WHEN <package>/evaluate.py runs by path from another directory, with an isolated interpreter
    result = subprocess.run(
        [sys.executable, "-I", str(Path(evaluate.__file__)), "--test", str(tmp_path / "test"),
         "--predictions", str(tmp_path / "predictions"), "--output", str(tmp_path / "evaluation")],
        check=True, capture_output=True, text=True, cwd=tmp_path,
    )

    # THEN evaluation.json holds metrics.auc.value and stdout the metrics
    report = json.loads((tmp_path / "evaluation" / "evaluation.json").read_text())
    assert report["metrics"]["auc"]["value"] == pytest.approx(0.75)
    assert json.loads(result.stdout)["auc"]["value"] == pytest.approx(0.75)
