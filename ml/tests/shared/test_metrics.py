"""mlops_shared/metrics.py (every model's evaluate.py): metrics of the test-set predictions and the evaluation.json the pipeline reads."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from mlops_shared import metrics
from mlops_shared.metrics import auc, average_ranks, classification_metrics

LABELS = [0, 0, 1, 1, 0, 1]


def test_auc_of_perfect_inverted_and_constant_rankings():
    # GIVEN labels and scores that rank positives above, below, or level with negatives
    perfect = [0.1, 0.2, 0.8, 0.9, 0.3, 0.7]
    inverted = [1 - s for s in perfect]

    # WHEN / THEN AUC is 1, 0 and one half
    assert auc(LABELS, perfect) == 1.0
    assert auc(LABELS, inverted) == 0.0
    assert auc(LABELS, [0.5] * 6) == 0.5


def test_auc_counts_ties_between_classes_as_one_half():
    # GIVEN one positive tied with one negative, and otherwise perfect ranking
    labels = [0, 0, 1, 1]
    scores = [0.1, 0.6, 0.6, 0.9]

    # WHEN / THEN of the 4 positive-negative pairs 3 are ordered and 1 tied: (3 + 0.5) / 4
    assert auc(labels, scores) == pytest.approx(3.5 / 4)
    # and by hand, pair by pair
    pairs = [(p, n) for p in (0.6, 0.9) for n in (0.1, 0.6)]
    assert auc(labels, scores) == pytest.approx(sum(1.0 if p > n else 0.5 if p == n else 0.0 for p, n in pairs) / 4)


def test_auc_matches_the_pairwise_definition_on_random_scores():
    # GIVEN random labels and scores with many ties
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 2, size=500)
    scores = rng.integers(0, 20, size=500) / 20

    # WHEN AUC is computed by ranks and by comparing every pair
    pos, neg = scores[labels == 1], scores[labels == 0]
    pairwise = ((pos[:, None] > neg[None, :]).sum() + 0.5 * (pos[:, None] == neg[None, :]).sum()) / (pos.size * neg.size)

    # THEN they agree, and an uninformative score is near one half
    assert auc(labels, scores) == pytest.approx(pairwise, abs=1e-12)
    assert abs(auc(labels, rng.random(500)) - 0.5) < 0.07


def test_average_ranks_share_ties():
    # GIVEN / WHEN / THEN tied values get the mean of their ranks
    np.testing.assert_array_equal(average_ranks(np.array([3.0, 1.0, 3.0, 2.0, 3.0])), [4.0, 1.0, 4.0, 2.0, 4.0])


def test_auc_needs_both_classes_and_matching_lengths():
    with pytest.raises(ValueError, match="at least one positive and one negative"):
        auc([1, 1], [0.2, 0.3])
    with pytest.raises(ValueError, match="3 labels but 2 scores"):
        auc([0, 1, 1], [0.2, 0.3])


def test_threshold_metrics_on_known_vectors():
    # GIVEN predictions at 0.5: tp=2 (0.9, 0.5), fn=1 (0.2), fp=1 (0.7), tn=2 (0.1, 0.4)
    labels = [1, 1, 1, 0, 0, 0]
    scores = [0.9, 0.5, 0.2, 0.7, 0.1, 0.4]

    # WHEN the metrics are computed
    metrics = classification_metrics(labels, scores)

    # THEN they are the textbook values
    assert metrics["accuracy"] == pytest.approx(4 / 6)
    assert metrics["precision"] == pytest.approx(2 / 3)
    assert metrics["recall"] == pytest.approx(2 / 3)
    assert metrics["f1"] == pytest.approx(2 / 3)
    assert metrics["auc"] == pytest.approx(6 / 9)  # pairs won of 9: 0.9 beats 3, 0.5 beats 2, 0.2 beats 1
    # and nothing predicted positive gives precision and F1 of 0, not a division error
    none = classification_metrics(labels, [0.1] * 6)
    assert (none["precision"], none["recall"], none["f1"]) == (0.0, 0.0, 0.0)


def test_writes_evaluation_json_for_the_pipeline_condition(tmp_path):
    # GIVEN test.csv from prepare.py and batch-transform output in a directory
    (tmp_path / "test").mkdir()
    (tmp_path / "test" / "test.csv").write_text("1,0.5,2\n0,0.1,1\n1,0.3,0\n0,0.2,2\n")
    (tmp_path / "predictions").mkdir()
    (tmp_path / "predictions" / "test.csv.out").write_text("0.9\n0.2\n0.6\n0.7\n")

    # WHEN evaluate.py runs as the Processing job runs it
    subprocess.run(
        [sys.executable, str(Path(metrics.__file__)), "--test", str(tmp_path / "test"),
         "--predictions", str(tmp_path / "predictions"), "--output", str(tmp_path / "evaluation")],
        check=True, capture_output=True,
    )

    # THEN evaluation.json has metrics.<name>.value, as JsonGet reads metrics.auc.value
    report = json.loads((tmp_path / "evaluation" / "evaluation.json").read_text())
    assert set(report["metrics"]) == {"auc", "accuracy", "precision", "recall", "f1"}
    assert report["metrics"]["auc"]["value"] == pytest.approx(0.75)
    assert report["metrics"]["accuracy"]["value"] == pytest.approx(0.75)
    assert report["confusion_matrix"] == {"tp": 2, "fp": 1, "tn": 1, "fn": 0}
    # and the model-quality CSV pairs each probability with its prediction and label
    lines = (tmp_path / "evaluation" / "model_quality.csv").read_text().splitlines()
    assert lines[0] == "probability,prediction,label"
    assert lines[1:] == ["0.9,1,1", "0.2,0,0", "0.6,1,1", "0.7,1,0"]


def test_joined_predictions_use_the_last_column_and_counts_must_match(tmp_path):
    # GIVEN predictions joined with their input (label,probability), and a short file
    (tmp_path / "test.csv").write_text("1,0.5\n0,0.1\n")
    (tmp_path / "joined.csv").write_text("1,0.8\n0,0.3\n")
    (tmp_path / "short.csv").write_text("0.8\n")

    # WHEN / THEN the last column is the score, and a row-count mismatch fails
    report = metrics.evaluate(tmp_path / "test.csv", tmp_path / "joined.csv", tmp_path / "out")
    assert report["metrics"]["auc"]["value"] == 1.0
    with pytest.raises(SystemExit, match="2 test rows but 1 predictions"):
        metrics.evaluate(tmp_path / "test.csv", tmp_path / "short.csv", tmp_path / "out")
