"""SageMaker training entry point (scikit-learn image): fit the model on prepare.py's train split.

    python3 /opt/ml/code-src/<package>/train.py --train /opt/ml/input/data/train \
        --validation /opt/ml/input/data/validation --model-dir /opt/ml/model [--c 1.0 --max-iter 1000]

--train and --validation are the label-first headerless CSVs prepare.py writes (a file, or a channel
directory holding train.csv / validation.csv or other files read in sorted name order). Without the
options, SageMaker's SM_CHANNEL_TRAIN, SM_CHANNEL_VALIDATION and SM_MODEL_DIR apply, then the paths above.

Fits an L2-regularized logistic regression (scikit-learn, lbfgs; --c is the inverse regularization
strength) on the features prepare.py wrote, reports the validation AUC on stdout as
``validation_auc=<value>`` (metric definition regex ``validation_auc=([0-9.]+)``), and writes into
--model-dir, which SageMaker packs into the model's model.tar.gz:

    model.joblib                        the fitted estimator
    metrics.json                        validation AUC, rows, hyperparameters
    code/<package>_predictor.py         SAGEMAKER_PROGRAM of the predictor container
    code/<package>/{__init__.py,contract.json,predictor.py}
    code/mlops_shared/...               the shared modules predictor.py imports

so the version registered from this training job serves with the code it was trained with.
scikit-learn and joblib are imported inside the functions that need them: the module imports (and
--help works) without scikit-learn.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any, Dict, Optional, Sequence

import numpy as np

if __package__ in (None, ""):  # run as a script: make the model package and mlops_shared importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from mlops_shared import modeldata  # noqa: E402
from mlops_shared.metrics import auc  # noqa: E402
from mlops_shared.tabular import read_labelled_csv  # noqa: E402
from upsell import predictor  # noqa: E402

PACKAGE_DIR = Path(predictor.__file__).resolve().parent
PREDICTOR_ENTRY_POINT = f"{PACKAGE_DIR.name}_predictor.py"
PREDICTOR_FILES = ("__init__.py", "contract.json", "predictor.py")
METRIC_REGEX = r"validation_auc=([0-9.]+)"


def fit(features: np.ndarray, labels: np.ndarray, c: float = 1.0, max_iter: int = 1000) -> Any:
    """A fitted scikit-learn LogisticRegression."""
    from sklearn.linear_model import LogisticRegression

    y = np.asarray(labels).astype(np.int64)
    if set(np.unique(y).tolist()) != {0, 1}:
        raise SystemExit(f"training labels must hold both 0 and 1, got {sorted(set(np.unique(y).tolist()))}")
    return LogisticRegression(C=c, max_iter=max_iter).fit(np.asarray(features, dtype=np.float64), y)


def serving_code() -> list:
    """The code/ entries of the predictor container's model data."""
    return modeldata.serving_code(PACKAGE_DIR, PREDICTOR_ENTRY_POINT, PREDICTOR_FILES)


def train(train: Path, validation: Path, model_dir: Path, c: float = 1.0, max_iter: int = 1000) -> Dict[str, Any]:
    """Fit, score the validation split, write model.joblib, metrics.json and code/; returns the metrics."""
    import joblib

    x_train, y_train = read_labelled_csv(train, "train.csv")
    x_validation, y_validation = read_labelled_csv(validation, "validation.csv")
    model = fit(x_train, y_train, c, max_iter)
    metrics = {
        "validation_auc": auc(y_validation.astype(np.int64), predictor.positive_probability(model, x_validation)),
        "train_rows": int(y_train.size),
        "validation_rows": int(y_validation.size),
        "features": int(x_train.shape[1]),
        "hyperparameters": {"c": c, "max_iter": max_iter},
    }
    model_dir.mkdir(parents=True, exist_ok=True)
    joblib.dump(model, model_dir / predictor.MODEL_FILE)
    (model_dir / "metrics.json").write_text(json.dumps(metrics, indent=2, sort_keys=True), encoding="utf-8")
    modeldata.write_model_dir(model_dir, serving_code())
    return metrics


def main(argv: Optional[Sequence[str]] = None) -> None:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    env = os.environ.get
    parser.add_argument("--train", type=Path, default=Path(env("SM_CHANNEL_TRAIN", "/opt/ml/input/data/train")))
    parser.add_argument(
        "--validation", type=Path, default=Path(env("SM_CHANNEL_VALIDATION", "/opt/ml/input/data/validation"))
    )
    parser.add_argument("--model-dir", type=Path, default=Path(env("SM_MODEL_DIR", "/opt/ml/model")))
    parser.add_argument("--c", type=float, default=1.0, help="inverse L2 regularization strength")
    parser.add_argument("--max-iter", "--max_iter", dest="max_iter", type=int, default=1000)
    args, unknown = parser.parse_known_args(argv)
    if unknown:
        print(f"ignoring unknown arguments {unknown}", file=sys.stderr)
    metrics = train(args.train, args.validation, args.model_dir, args.c, args.max_iter)
    print(f"validation_auc={metrics['validation_auc']:.6f}")
    print(json.dumps(metrics, sort_keys=True))


if __name__ == "__main__":
    main()
