"""Metrics of a binary classifier's test-set predictions, and the evaluate.py Processing job of every model.

    python3 <package>/evaluate.py --test /opt/ml/processing/test --predictions /opt/ml/processing/predictions \
        --output /opt/ml/processing/evaluation

--test is test.csv from prepare.py (label first, no header) or a directory holding it.
--predictions is one line per test row, its last column the positive-class probability: the output
of a batch transform of test.csv (a file, or a directory such as the transform's output prefix
whose files are read in sorted name order).

Writes evaluation.json, ``{"metrics": {"auc": {"value": ...}, "accuracy": ..., "precision": ...,
"recall": ..., "f1": ...}, ...}`` (the pipeline's condition reads metrics.auc.value), and
model_quality.csv (probability, prediction, label with a header) for a model-quality baseline.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path
from typing import Dict, List, Optional, Sequence

import numpy as np

METRIC_NAMES = ("auc", "accuracy", "precision", "recall", "f1")


def average_ranks(values: np.ndarray) -> np.ndarray:
    """1-based ranks, tied values sharing the mean of their ranks."""
    _, inverse, counts = np.unique(values, return_inverse=True, return_counts=True)
    ends = np.cumsum(counts)
    return (ends - (counts - 1) / 2.0)[inverse.reshape(-1)]


def auc(labels: Sequence[int], scores: Sequence[float]) -> float:
    """ROC AUC by the rank-sum (Mann-Whitney U) formula; ties count one half."""
    y = np.asarray(labels, dtype=np.int64)
    s = np.asarray(scores, dtype=np.float64)
    if y.shape != s.shape:
        raise ValueError(f"{y.size} labels but {s.size} scores")
    positives = int(y.sum())
    negatives = y.size - positives
    if positives == 0 or negatives == 0:
        raise ValueError("AUC needs at least one positive and one negative label")
    rank_sum = average_ranks(s)[y == 1].sum()
    return float((rank_sum - positives * (positives + 1) / 2.0) / (positives * negatives))


def confusion(labels: Sequence[int], scores: Sequence[float], threshold: float = 0.5) -> Dict[str, int]:
    """True/false positives/negatives, predicting churn when score >= threshold."""
    y = np.asarray(labels, dtype=np.int64) == 1
    p = np.asarray(scores, dtype=np.float64) >= threshold
    return {
        "tp": int(np.sum(p & y)),
        "fp": int(np.sum(p & ~y)),
        "tn": int(np.sum(~p & ~y)),
        "fn": int(np.sum(~p & y)),
    }


def _ratio(numerator: float, denominator: float) -> float:
    return float(numerator / denominator) if denominator else 0.0


def classification_metrics(labels: Sequence[int], scores: Sequence[float], threshold: float = 0.5) -> Dict[str, float]:
    """AUC, and accuracy, precision, recall and F1 at the threshold (0 where undefined)."""
    c = confusion(labels, scores, threshold)
    precision = _ratio(c["tp"], c["tp"] + c["fp"])
    recall = _ratio(c["tp"], c["tp"] + c["fn"])
    return {
        "auc": auc(labels, scores),
        "accuracy": _ratio(c["tp"] + c["tn"], sum(c.values())),
        "precision": precision,
        "recall": recall,
        "f1": _ratio(2 * precision * recall, precision + recall),
    }


def evaluation_report(labels: Sequence[int], scores: Sequence[float], threshold: float = 0.5) -> Dict[str, object]:
    """The evaluation.json document."""
    metrics = classification_metrics(labels, scores, threshold)
    return {
        "metrics": {name: {"value": metrics[name]} for name in METRIC_NAMES},
        "threshold": threshold,
        "rows": len(labels),
        "confusion_matrix": confusion(labels, scores, threshold),
    }


def _csv_files(path: Path, preferred: str) -> List[Path]:
    if path.is_file():
        return [path]
    if (path / preferred).is_file():
        return [path / preferred]
    files = sorted(p for p in path.iterdir() if p.is_file() and not p.name.startswith("."))
    if not files:
        raise SystemExit(f"no files in {path}")
    return files


def _rows(files: Sequence[Path]) -> List[List[str]]:
    rows: List[List[str]] = []
    for path in files:
        with path.open(newline="", encoding="utf-8") as handle:
            rows.extend(r for r in csv.reader(handle) if r and any(cell.strip() for cell in r))
    return rows


def read_labels(path: Path) -> List[int]:
    """First column of test.csv."""
    return [int(float(r[0])) for r in _rows(_csv_files(path, "test.csv"))]


def read_scores(path: Path) -> List[float]:
    """Last column of each predictions line."""
    return [float(r[-1]) for r in _rows(_csv_files(path, "test.csv.out"))]


def evaluate(test: Path, predictions: Path, output_dir: Path, threshold: float = 0.5) -> Dict[str, object]:
    """Read labels and scores, write evaluation.json and model_quality.csv, return the report."""
    labels, scores = read_labels(test), read_scores(predictions)
    if len(labels) != len(scores):
        raise SystemExit(f"{len(labels)} test rows but {len(scores)} predictions")
    report = evaluation_report(labels, scores, threshold)
    output_dir.mkdir(parents=True, exist_ok=True)
    (output_dir / "evaluation.json").write_text(json.dumps(report, indent=2), encoding="utf-8")
    with (output_dir / "model_quality.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["probability", "prediction", "label"])
        for label, score in zip(labels, scores):
            writer.writerow([repr(score), int(score >= threshold), label])
    return report


def main(argv: Optional[Sequence[str]] = None) -> None:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--test", type=Path, default=Path("/opt/ml/processing/test"))
    parser.add_argument("--predictions", type=Path, default=Path("/opt/ml/processing/predictions"))
    parser.add_argument("--output", type=Path, default=Path("/opt/ml/processing/evaluation"))
    parser.add_argument("--threshold", type=float, default=0.5)
    args = parser.parse_args(argv)
    report = evaluate(args.test, args.predictions, args.output, args.threshold)
    json.dump(report["metrics"], sys.stdout)
    print()


if __name__ == "__main__":
    main()
