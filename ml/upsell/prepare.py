"""SageMaker Processing entry point: raw CSV files in, model-ready splits and the fitted spec out.

    python3 prepare.py --input /opt/ml/processing/input --output /opt/ml/processing/output [--seed 42]

Writes under --output (details in ``mlops_shared.preparation``):
  train/train.csv, validation/validation.csv, test/test.csv
      label first, then features.FeatureSpec.feature_names(), no header
  baseline/baseline.csv
      the training split's raw request columns (features.RAW_FEATURE_COLUMNS) with a header
  spec/feature_spec.json
      the fitted FeatureSpec
  spec/model.tar.gz
      the model data of the inference pipeline's preprocessing container: feature_spec.json and,
      under code/, the serving code of this very run (SERVING_ENTRY_POINT, the package's
      SERVING_FILES, contract.json among them, and the mlops_shared modules serving imports), so a
      model version always serves with the transform it was trained with

Rows go to a split by a hash of seed and the contract's id column, so a record stays in its split
when new data arrives and the result does not depend on file or row order.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Dict, List, Optional, Sequence

if __package__ in (None, ""):  # run as a script: make the model package and mlops_shared importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from upsell import features  # noqa: E402
from mlops_shared import datasets, modeldata, preparation  # noqa: E402
from mlops_shared.datasets import SPLITS  # noqa: E402,F401

PACKAGE_DIR = Path(features.__file__).resolve().parent
SERVING_ENTRY_POINT = f"{PACKAGE_DIR.name}_inference.py"
SERVING_FILES = ("__init__.py", "contract.json", "features.py", "inference.py")
REQUIRED_COLUMNS = features.CONTRACT.training_columns


def read_rows(input_dir: Path) -> List[Dict[str, str]]:
    """Every row of every *.csv under input_dir, files in sorted path order."""
    return datasets.read_rows(input_dir, REQUIRED_COLUMNS)


def split_rows(
    rows: Sequence[Dict[str, str]], seed: int, validation_fraction: float, test_fraction: float
) -> Dict[str, List[Dict[str, str]]]:
    """Rows by split (keyed on the contract's id column); fails when a split is empty."""
    return datasets.split_rows(rows, features.ID_COLUMN, seed, validation_fraction, test_fraction)


def serving_code() -> List[modeldata.Entry]:
    """The code/ entries of the preprocessing container's model data."""
    return modeldata.serving_code(PACKAGE_DIR, SERVING_ENTRY_POINT, SERVING_FILES)


def prepare(
    input_dir: Path, output_dir: Path, seed: int = 42, validation_fraction: float = 0.15, test_fraction: float = 0.15
) -> Dict[str, int]:
    """Read, split, fit on train, transform every split, write the outputs; returns rows per split."""
    return preparation.prepare(
        features, serving_code(), input_dir, output_dir, seed, validation_fraction, test_fraction
    )


def main(argv: Optional[Sequence[str]] = None) -> None:
    """Command line entry point."""
    preparation.main(prepare, __doc__.splitlines()[0], argv)


if __name__ == "__main__":
    main()
