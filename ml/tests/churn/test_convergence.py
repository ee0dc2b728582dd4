"""The features carry the signal: a reference model trained on them ranks held-out churners well."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np

from churn import evaluate, prepare, train_reference
from churn.evaluate import auc
from churn.features import FeatureSpec, parse_label
from churn.train_reference import fit_logistic_regression


def test_reference_model_on_the_features_beats_auc_0_8_on_held_out_data(synthetic_rows):
    # GIVEN 2,000 synthetic customers with a known churn signal, split 75/25
    rows = synthetic_rows(2000, seed=7)
    train, held_out = rows[:1500], rows[1500:]

    # WHEN the spec is fitted on the training rows and a logistic regression on their features
    spec = FeatureSpec.fit(train)
    model = fit_logistic_regression(spec.transform(train), np.array([parse_label(r["churned"]) for r in train]))

    # THEN the held-out AUC is above 0.8
    scores = model.predict_proba(spec.transform(held_out))
    assert auc([parse_label(r["churned"]) for r in held_out], scores) > 0.8
    # and the model learned the planted directions: month-to-month raises churn, two-year lowers it
    weights = dict(zip(spec.feature_names(), model.weights))
    assert weights["contract_month_to_month"] > 0 > weights["contract_two_year"]


def test_the_command_lines_chain_like_the_pipeline(tmp_path, synthetic_rows, raw_csv):
    # GIVEN raw data in a Processing input directory
    raw_csv(synthetic_rows(2000, seed=8))
    out = tmp_path / "out"

    def run(module, *args):
        subprocess.run([sys.executable, str(Path(module.__file__)), *map(str, args)], check=True, capture_output=True)

    # WHEN prepare, the reference trainer (standing in for XGBoost) and evaluate run one after another
    run(prepare, "--input", tmp_path / "input", "--output", out, "--seed", 42)
    run(train_reference, "--train", out / "train" / "train.csv", "--test", out / "test" / "test.csv",
        "--predictions", out / "predictions" / "test.csv.out")
    run(evaluate, "--test", out / "test", "--predictions", out / "predictions", "--output", out / "evaluation")

    # THEN evaluation.json reports a held-out AUC above 0.8 where the pipeline's condition reads it
    report = json.loads((out / "evaluation" / "evaluation.json").read_text())
    assert report["metrics"]["auc"]["value"] > 0.8
    assert report["rows"] == len((out / "test" / "test.csv").read_text().splitlines())
