"""The body of every model's prepare.py (SageMaker Processing): raw CSV in, model-ready splits and model data out.

A model's prepare.py binds its ``features`` module and serving files and calls ``prepare``. The
features module provides ``CONTRACT`` (ID/label/request columns), ``FeatureSpec`` (``fit(rows)``,
``transform(rows)``, ``to_json()``), ``parse_label`` and ``to_csv``.

Writes under --output:
  train/train.csv, validation/validation.csv, test/test.csv
      label first, then the features, no header (the XGBoost built-in algorithm's CSV, also what
      a scikit-learn train.py reads)
  baseline/baseline.csv
      the training split's raw request columns with a header: what the endpoint receives and data
      capture records, so the data-quality baseline compares like with like
  spec/feature_spec.json
      the fitted FeatureSpec
  spec/model.tar.gz
      the model data of the inference pipeline's preprocessing container: feature_spec.json and,
      under code/, the serving code of this very run (byte-for-byte reproducible)

Rows go to a split by a hash of the seed and the contract's id column, so a record stays in its
split when new data arrives and the result does not depend on file or row order. The spec is fitted
on the training split only.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any, Callable, Dict, Optional, Sequence

from mlops_shared import datasets, modeldata

SPEC_FILE = "feature_spec.json"


def prepare(
    features: Any,
    serving_code: Sequence[modeldata.Entry],
    input_dir: Path,
    output_dir: Path,
    seed: int = 42,
    validation_fraction: float = 0.15,
    test_fraction: float = 0.15,
) -> Dict[str, int]:
    """Read, split, fit on train, transform every split, write the outputs; returns rows per split."""
    contract = features.CONTRACT
    rows = datasets.read_rows(input_dir, contract.training_columns)
    splits = datasets.split_rows(rows, contract.id, seed, validation_fraction, test_fraction)
    spec = features.FeatureSpec.fit(splits["train"])
    for name in datasets.SPLITS:
        part = splits[name]
        labels = [features.parse_label(r.get(contract.label)) for r in part]
        datasets.write_text(output_dir / name / f"{name}.csv", features.to_csv(spec.transform(part), labels))
    datasets.write_text(
        output_dir / "baseline" / "baseline.csv", datasets.baseline_csv(splits["train"], contract.request_columns)
    )
    spec_json = spec.to_json()
    datasets.write_text(output_dir / "spec" / SPEC_FILE, spec_json)
    entries = [(SPEC_FILE, spec_json.encode("utf-8"))] + list(serving_code)
    modeldata.write_model_tarball(output_dir / "spec" / "model.tar.gz", entries)
    return {name: len(splits[name]) for name in datasets.SPLITS}


def main(prepare_fn: Callable[..., Dict[str, int]], description: str, argv: Optional[Sequence[str]] = None) -> None:
    """The command line: --input, --output, --seed, --validation-fraction, --test-fraction."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--input", type=Path, default=Path("/opt/ml/processing/input"))
    parser.add_argument("--output", type=Path, default=Path("/opt/ml/processing/output"))
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--validation-fraction", type=float, default=0.15)
    parser.add_argument("--test-fraction", type=float, default=0.15)
    args = parser.parse_args(argv)
    counts = prepare_fn(args.input, args.output, args.seed, args.validation_fraction, args.test_fraction)
    print("rows per split: " + ", ".join(f"{k}={v}" for k, v in counts.items()))
