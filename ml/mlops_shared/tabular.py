"""Cell parsing and the headerless numeric CSV every model writes and serves.

numpy only, Python 3.8+: imported by prepare.py, the serving containers and train.py alike.
"""

from __future__ import annotations

import csv
import io
import math
import re
from pathlib import Path
from typing import Any, List, Optional, Sequence, Tuple, Union

import numpy as np


def parse_number(value: Any, column: str) -> Optional[float]:
    """A float, or None when blank, None or NaN; a ValueError naming the column otherwise."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError(f"{column}: expected a number, got {value!r}")
    if isinstance(value, (int, float)):
        number = float(value)
    else:
        text = str(value).strip()
        if text == "" or text.lower() in ("nan", "na", "null", "none"):
            return None
        try:
            number = float(text)
        except ValueError:
            raise ValueError(f"{column}: expected a number, got {value!r}") from None
    if math.isnan(number):
        return None
    if math.isinf(number):
        raise ValueError(f"{column}: expected a finite number, got {value!r}")
    return number


def normalize_category(value: Any) -> Optional[str]:
    """Lower case, trimmed, spaces and underscores as hyphens; None when missing."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    text = re.sub(r"[\s_]+", "-", str(value).strip().lower())
    return text or None


def category_feature_name(column: str, value: str) -> str:
    """The one-hot column name of a category value, e.g. ``contract_month_to_month``."""
    return f"{column}_{re.sub(r'[^a-z0-9]+', '_', value).strip('_')}"


def parse_binary_label(value: Any, column: str) -> int:
    """A 0/1 label; a ValueError naming the column otherwise."""
    number = parse_number(value, column)
    if number not in (0.0, 1.0):
        raise ValueError(f"{column}: expected 0 or 1, got {value!r}")
    return int(number)


def format_number(value: float) -> str:
    """Shortest text that reads back as the same float; integers without a decimal point."""
    value = float(value)
    return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)


def to_csv(matrix: np.ndarray, labels: Optional[Sequence[int]] = None) -> str:
    """Headerless numeric CSV (what the algorithm containers read), the label first when given."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for i, row in enumerate(matrix):
        cells = [format_number(v) for v in row]
        writer.writerow(cells if labels is None else [str(int(labels[i]))] + cells)
    return out.getvalue()


def parse_numeric_csv(text: str) -> np.ndarray:
    """Headerless numeric CSV to a float64 matrix (rows x columns); blank lines are skipped."""
    lines = [r for r in csv.reader(io.StringIO(text)) if r and any(c.strip() for c in r)]
    if not lines:
        return np.zeros((0, 0))
    widths = {len(r) for r in lines}
    if len(widths) != 1:
        raise ValueError(f"numeric CSV rows differ in width: {sorted(widths)}")
    try:
        return np.array([[float(c) for c in r] for r in lines], dtype=np.float64)
    except ValueError as error:
        raise ValueError(f"expected headerless numeric CSV: {error}") from None


def csv_files(path: Path, preferred: Optional[str] = None) -> List[Path]:
    """``path`` itself when a file; else ``path/preferred`` when present; else every file in it, sorted."""
    path = Path(path)
    if path.is_file():
        return [path]
    if preferred and (path / preferred).is_file():
        return [path / preferred]
    if not path.is_dir():
        raise SystemExit(f"no such file or directory: {path}")
    files = sorted(p for p in path.iterdir() if p.is_file() and not p.name.startswith("."))
    if not files:
        raise SystemExit(f"no files in {path}")
    return files


def read_labelled_csv(path: Union[str, Path], preferred: Optional[str] = None) -> Tuple[np.ndarray, np.ndarray]:
    """Features and labels of label-first headerless CSV (prepare.py's train/validation/test files)."""
    text = "\n".join(p.read_text(encoding="utf-8") for p in csv_files(Path(path), preferred))
    data = parse_numeric_csv(text)
    if data.size == 0:
        raise SystemExit(f"no rows in {path}")
    return data[:, 1:], data[:, 0]
