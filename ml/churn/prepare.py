"""SageMaker Processing entry point: raw churn CSV files in, model-ready splits and the fitted spec out.

    python3 prepare.py --input /opt/ml/processing/input --output /opt/ml/processing/output [--seed 42]

Writes under --output:
  train/train.csv, validation/validation.csv, test/test.csv
      the XGBoost built-in algorithm's CSV: label first, then features.feature_names(), no header
  baseline/baseline.csv
      the training split's raw request columns (features.RAW_FEATURE_COLUMNS) with a header: what
      the endpoint receives and data capture records, so the data-quality baseline compares like
      with like
  spec/feature_spec.json
      the fitted FeatureSpec
  spec/model.tar.gz
      the model data of the inference pipeline's preprocessing container: feature_spec.json and,
      under code/, the serving code of this very run (churn_inference.py and the churn files in
      SERVING_FILES), so a model version always serves with the transform it was trained with

Rows go to a split by a hash of seed and customer_id, so a customer stays in its split when new
data arrives and the result does not depend on file or row order.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import hashlib
import io
import sys
import tarfile
from pathlib import Path
from typing import Dict, List, Optional, Sequence

if __package__ in (None, ""):  # run as a script: make the churn package importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from churn import features  # noqa: E402

SPLITS = ("train", "validation", "test")
SERVING_ENTRY_POINT = "churn_inference.py"
SERVING_FILES = ("__init__.py", "features.py", "inference.py")
REQUIRED_COLUMNS = (features.ID_COLUMN,) + features.RAW_FEATURE_COLUMNS + (features.LABEL_COLUMN,)


def read_rows(input_dir: Path) -> List[Dict[str, str]]:
    """Every row of every *.csv under input_dir, files in sorted path order."""
    files = sorted(p for p in input_dir.rglob("*.csv") if p.is_file())
    if not files:
        raise SystemExit(f"no .csv files under {input_dir}")
    rows: List[Dict[str, str]] = []
    for path in files:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            missing = [c for c in REQUIRED_COLUMNS if c not in (reader.fieldnames or [])]
            if missing:
                raise SystemExit(f"{path}: missing columns {missing}")
            rows.extend(reader)
    return rows


def split_of(customer_id: str, seed: int, validation_fraction: float, test_fraction: float) -> str:
    """The split of one customer: a deterministic, uniform draw from a hash of seed and id."""
    digest = hashlib.sha256(f"{seed}:{customer_id}".encode("utf-8")).digest()
    draw = int.from_bytes(digest[:8], "big") / 2**64
    if draw < test_fraction:
        return "test"
    if draw < test_fraction + validation_fraction:
        return "validation"
    return "train"


def split_rows(
    rows: Sequence[Dict[str, str]], seed: int, validation_fraction: float, test_fraction: float
) -> Dict[str, List[Dict[str, str]]]:
    """Rows by split; fails when a split is empty."""
    if not (0 < validation_fraction and 0 < test_fraction and validation_fraction + test_fraction < 1):
        raise ValueError("fractions must be positive and leave rows for training")
    splits: Dict[str, List[Dict[str, str]]] = {s: [] for s in SPLITS}
    for index, row in enumerate(rows):
        key = (row.get(features.ID_COLUMN) or "").strip() or f"row-{index}"
        splits[split_of(key, seed, validation_fraction, test_fraction)].append(row)
    empty = [s for s in SPLITS if not splits[s]]
    if empty:
        raise ValueError(f"splits {empty} are empty: {len(rows)} rows are too few")
    return splits


def write_text(path: Path, text: str) -> None:
    """Write text, creating the parent directory."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def baseline_csv(rows: Sequence[Dict[str, str]]) -> str:
    """Raw request columns with a header."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(features.RAW_FEATURE_COLUMNS)
    for row in rows:
        writer.writerow([row.get(c, "") for c in features.RAW_FEATURE_COLUMNS])
    return out.getvalue()


def write_model_tarball(path: Path, spec_json: str) -> None:
    """model.tar.gz: feature_spec.json and the serving code, reproducible byte for byte."""
    package_dir = Path(features.__file__).resolve().parent
    entries = [("feature_spec.json", spec_json.encode("utf-8"))]
    entries.append(("code/" + SERVING_ENTRY_POINT, (package_dir.parent / SERVING_ENTRY_POINT).read_bytes()))
    entries += [(f"code/churn/{name}", (package_dir / name).read_bytes()) for name in SERVING_FILES]
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        for name, data in entries:
            info = tarfile.TarInfo(name)
            info.size, info.mtime, info.mode = len(data), 0, 0o644
            tar.addfile(info, io.BytesIO(data))
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as gz:
        gz.write(buffer.getvalue())


def prepare(
    input_dir: Path, output_dir: Path, seed: int = 42, validation_fraction: float = 0.15, test_fraction: float = 0.15
) -> Dict[str, int]:
    """Read, split, fit on train, transform every split, write the outputs; returns rows per split."""
    splits = split_rows(read_rows(input_dir), seed, validation_fraction, test_fraction)
    spec = features.FeatureSpec.fit(splits["train"])
    for name in SPLITS:
        rows = splits[name]
        labels = [features.parse_label(r.get(features.LABEL_COLUMN)) for r in rows]
        write_text(output_dir / name / f"{name}.csv", features.to_csv(spec.transform(rows), labels))
    write_text(output_dir / "baseline" / "baseline.csv", baseline_csv(splits["train"]))
    spec_json = spec.to_json()
    write_text(output_dir / "spec" / "feature_spec.json", spec_json)
    write_model_tarball(output_dir / "spec" / "model.tar.gz", spec_json)
    return {name: len(splits[name]) for name in SPLITS}


def main(argv: Optional[Sequence[str]] = None) -> None:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--input", type=Path, default=Path("/opt/ml/processing/input"))
    parser.add_argument("--output", type=Path, default=Path("/opt/ml/processing/output"))
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--validation-fraction", type=float, default=0.15)
    parser.add_argument("--test-fraction", type=float, default=0.15)
    args = parser.parse_args(argv)
    counts = prepare(args.input, args.output, args.seed, args.validation_fraction, args.test_fraction)
    print("rows per split: " + ", ".join(f"{k}={v}" for k, v in counts.items()))


if __name__ == "__main__":
    main()
