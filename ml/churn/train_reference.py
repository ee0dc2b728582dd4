"""A small L2-regularized logistic regression in numpy and scipy, for tests and local experiments only.

SageMaker trains this model with the built-in XGBoost algorithm; this stands in for it where
XGBoost is not installed. Its command line reads and writes the same files as the pipeline:

    python3 train_reference.py --train out/train/train.csv --test out/test/test.csv \
        --predictions out/predictions/test.csv.out
    python3 evaluate.py --test out/test/test.csv --predictions out/predictions/test.csv.out --output out/evaluation
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Sequence, Tuple

import numpy as np
from scipy.optimize import minimize
from scipy.special import expit


@dataclass(frozen=True)
class LogisticModel:
    """Weights and intercept of a fitted model."""

    weights: np.ndarray
    intercept: float

    def predict_proba(self, features: np.ndarray) -> np.ndarray:
        """Probability of the positive label per row."""
        return expit(features @ self.weights + self.intercept)


def _loss_and_gradient(params: np.ndarray, x: np.ndarray, y: np.ndarray, l2: float) -> Tuple[float, np.ndarray]:
    """Mean log loss plus l2/2 * |w|^2 (intercept not penalized), and its gradient."""
    w, b = params[:-1], params[-1]
    z = x @ w + b
    loss = np.mean(np.logaddexp(0.0, z) - y * z) + 0.5 * l2 * np.dot(w, w)
    residual = (expit(z) - y) / y.size
    return float(loss), np.append(x.T @ residual + l2 * w, residual.sum())


def fit_logistic_regression(features: np.ndarray, labels: np.ndarray, l2: float = 1e-3) -> LogisticModel:
    """Fit by L-BFGS; raises when the optimizer does not converge."""
    x = np.asarray(features, dtype=np.float64)
    y = np.asarray(labels, dtype=np.float64)
    result = minimize(
        _loss_and_gradient, np.zeros(x.shape[1] + 1), args=(x, y, l2), jac=True, method="L-BFGS-B"
    )
    if not result.success:
        raise RuntimeError(f"logistic regression did not converge: {result.message}")
    return LogisticModel(weights=result.x[:-1], intercept=float(result.x[-1]))


def read_xgboost_csv(path: Path) -> Tuple[np.ndarray, np.ndarray]:
    """Labels and features of a label-first headerless CSV."""
    data = np.loadtxt(path, delimiter=",", ndmin=2)
    return data[:, 1:], data[:, 0]


def main(argv: Optional[Sequence[str]] = None) -> None:
    """Train on --train, write one probability per --test row to --predictions."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train", type=Path, required=True)
    parser.add_argument("--test", type=Path, required=True)
    parser.add_argument("--predictions", type=Path, required=True)
    parser.add_argument("--l2", type=float, default=1e-3)
    args = parser.parse_args(argv)
    model = fit_logistic_regression(*read_xgboost_csv(args.train), l2=args.l2)
    test_features, _ = read_xgboost_csv(args.test)
    args.predictions.parent.mkdir(parents=True, exist_ok=True)
    args.predictions.write_text("".join(f"{p!r}\n" for p in model.predict_proba(test_features).tolist()))


if __name__ == "__main__":
    main()
