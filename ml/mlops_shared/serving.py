"""Request parsing for the serving containers (SageMaker framework containers' input_fn).

Raw records for a preprocessing container: headerless CSV in the contract's request_columns order,
CSV with a header line naming the columns (any order, extra columns ignored), or JSON (one object,
a list, or ``{"instances": [...]}``). Numeric rows for a predictor container: headerless numeric CSV.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any, Collection, Dict, List, Mapping, Sequence, Union

import numpy as np

from mlops_shared.tabular import parse_numeric_csv

CSV_TYPE = "text/csv"
JSON_TYPE = "application/json"

Body = Union[str, bytes, bytearray]


def body_text(body: Body) -> str:
    """The request body as text (a UTF-8 byte order mark dropped)."""
    return body.decode("utf-8-sig") if isinstance(body, (bytes, bytearray)) else body


def media_type(content_type: str) -> str:
    """``text/csv; charset=utf-8`` -> ``text/csv``; no content type means CSV."""
    return (content_type or CSV_TYPE).split(";")[0].strip().lower()


def parse_csv(text: str, columns: Sequence[str], known_columns: Collection[str]) -> List[Dict[str, str]]:
    """CSV records, with a header line (recognized by any cell naming a known column) or headerless."""
    lines = [r for r in csv.reader(io.StringIO(text)) if r and any(c.strip() for c in r)]
    if not lines:
        return []
    if any(c.strip() in known_columns for c in lines[0]):
        header = [c.strip() for c in lines[0]]
        return [dict(zip(header, r)) for r in lines[1:]]
    bad = [i for i, r in enumerate(lines) if len(r) != len(columns)]
    if bad:
        raise ValueError(
            f"headerless CSV rows need {len(columns)} columns {list(columns)}; row {bad[0]} has {len(lines[bad[0]])}"
        )
    return [dict(zip(columns, r)) for r in lines]


def parse_json(text: str) -> List[Mapping[str, Any]]:
    """JSON records: one object, a list of objects, or {"instances": [...]}."""
    data = json.loads(text)
    if isinstance(data, dict) and "instances" in data:
        data = data["instances"]
    records = data if isinstance(data, list) else [data]
    if not all(isinstance(r, dict) for r in records):
        raise ValueError("JSON records must be objects keyed by column name")
    return records


def parse_records(
    body: Body, content_type: str, columns: Sequence[str], known_columns: Collection[str]
) -> List[Mapping[str, Any]]:
    """Raw records from a request body of type text/csv or application/json."""
    kind = media_type(content_type)
    if kind == CSV_TYPE:
        return parse_csv(body_text(body), columns, known_columns)
    if kind == JSON_TYPE:
        return parse_json(body_text(body))
    raise ValueError(f"unsupported content type {content_type!r}: use {CSV_TYPE} or {JSON_TYPE}")


def parse_numeric_rows(body: Body, content_type: str) -> np.ndarray:
    """Headerless numeric CSV (what a preprocessing container emits) to a float64 matrix."""
    if media_type(content_type) != CSV_TYPE:
        raise ValueError(f"unsupported content type {content_type!r}: send headerless numeric {CSV_TYPE}")
    return parse_numeric_csv(body_text(body))
