"""Raw training data: reading CSV files, the split by hash of the record id, the baseline file."""

from __future__ import annotations

import csv
import hashlib
import io
from pathlib import Path
from typing import Dict, List, Sequence

SPLITS = ("train", "validation", "test")


def read_rows(input_dir: Path, required_columns: Sequence[str]) -> List[Dict[str, str]]:
    """Every row of every *.csv under input_dir (recursively), files in sorted path order."""
    files = sorted(p for p in Path(input_dir).rglob("*.csv") if p.is_file())
    if not files:
        raise SystemExit(f"no .csv files under {input_dir}")
    rows: List[Dict[str, str]] = []
    for path in files:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            missing = [c for c in required_columns if c not in (reader.fieldnames or [])]
            if missing:
                raise SystemExit(f"{path}: missing columns {missing}")
            rows.extend(reader)
    return rows


def split_of(record_id: str, seed: int, validation_fraction: float, test_fraction: float) -> str:
    """The split of one record: a deterministic, uniform draw from a hash of seed and id."""
    digest = hashlib.sha256(f"{seed}:{record_id}".encode("utf-8")).digest()
    draw = int.from_bytes(digest[:8], "big") / 2**64
    if draw < test_fraction:
        return "test"
    if draw < test_fraction + validation_fraction:
        return "validation"
    return "train"


def split_rows(
    rows: Sequence[Dict[str, str]], id_column: str, seed: int, validation_fraction: float, test_fraction: float
) -> Dict[str, List[Dict[str, str]]]:
    """Rows by split, keyed on the id column (a row without an id on its position); fails when a split is empty."""
    if not (0 < validation_fraction and 0 < test_fraction and validation_fraction + test_fraction < 1):
        raise ValueError("fractions must be positive and leave rows for training")
    splits: Dict[str, List[Dict[str, str]]] = {s: [] for s in SPLITS}
    for index, row in enumerate(rows):
        key = (row.get(id_column) or "").strip() or f"row-{index}"
        splits[split_of(key, seed, validation_fraction, test_fraction)].append(row)
    empty = [s for s in SPLITS if not splits[s]]
    if empty:
        raise ValueError(f"splits {empty} are empty: {len(rows)} rows are too few")
    return splits


def write_text(path: Path, text: str) -> None:
    """Write text, creating the parent directory."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def baseline_csv(rows: Sequence[Dict[str, str]], columns: Sequence[str]) -> str:
    """The given raw columns with a header (the data-quality baseline: raw requests, not features)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([row.get(c, "") for c in columns])
    return out.getvalue()
