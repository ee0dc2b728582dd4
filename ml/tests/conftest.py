"""Helpers for every test folder: raw rows written as CSV files."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Callable, Dict, Optional, Sequence

import pytest


def write_csv(path: Path, rows: Sequence[Dict[str, str]], columns: Optional[Sequence[str]] = None) -> Path:
    """Rows as a CSV file with a header; the columns default to the first row's keys, in order."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fieldnames = list(columns) if columns is not None else list(rows[0]) if rows else []
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=fieldnames, extrasaction="ignore", lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return path


@pytest.fixture
def raw_csv(tmp_path: Path) -> Callable[..., Path]:
    """Writes rows as a CSV file under tmp_path (default input/data.csv)."""
    return lambda rows, name="input/data.csv", columns=None: write_csv(tmp_path / name, rows, columns)
