"""The declared data contract of a model package: ``<package>/contract.json``.

    {"id": "customer_id", "label": "churned", "event_time": "event_time",
     "request_columns": ["tenure_months", ...],
     "numeric": ["tenure_months", ...],
     "categorical": {"contract": ["month-to-month", "one-year", "two-year"], ...}}

``request_columns`` are the raw columns of a request, in the order of a headerless CSV request
(never the id or the label); every numeric and categorical column is one of them, and every request
column is numeric or categorical. ``event_time`` is optional. The vocabularies are the values the
model expects; its features.py decides whether the fitted spec takes them from here or from the
training data. The CDK synth reads this file too (monitored features must be request columns).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Optional, Tuple, Union

CONTRACT_FILE = "contract.json"


@dataclass(frozen=True)
class Contract:
    """The columns of one model."""

    id: str
    label: str
    request_columns: Tuple[str, ...]
    numeric: Tuple[str, ...]
    categorical: Dict[str, Tuple[str, ...]]
    event_time: Optional[str] = None

    @classmethod
    def from_dict(cls, data: dict) -> "Contract":
        """Validate and build; a ValueError says what is wrong."""
        required = ("id", "label", "request_columns", "numeric", "categorical")
        missing = [k for k in required if k not in data]
        if missing:
            raise ValueError(f"contract: missing keys {missing}")
        unknown = sorted(set(data) - set(required) - {"event_time", "description"})
        if unknown:
            raise ValueError(f"contract: unknown keys {unknown}")
        contract = cls(
            id=str(data["id"]),
            label=str(data["label"]),
            request_columns=tuple(str(c) for c in data["request_columns"]),
            numeric=tuple(str(c) for c in data["numeric"]),
            categorical={str(c): tuple(str(v) for v in values) for c, values in data["categorical"].items()},
            event_time=None if data.get("event_time") in (None, "") else str(data["event_time"]),
        )
        contract.check()
        return contract

    def check(self) -> None:
        """Every request column is numeric or categorical, once, and never the id, label or event time."""
        columns = list(self.request_columns)
        if not columns:
            raise ValueError("contract: request_columns is empty")
        duplicated = sorted({c for c in columns if columns.count(c) > 1})
        if duplicated:
            raise ValueError(f"contract: request_columns repeats {duplicated}")
        reserved = [c for c in (self.id, self.label, self.event_time) if c and c in columns]
        if reserved:
            raise ValueError(f"contract: request_columns must not hold the id, label or event time: {reserved}")
        both = sorted(set(self.numeric) & set(self.categorical))
        if both:
            raise ValueError(f"contract: columns both numeric and categorical: {both}")
        typed = list(self.numeric) + list(self.categorical)
        if sorted(typed) != sorted(columns):
            raise ValueError(
                f"contract: numeric + categorical {sorted(typed)} must be exactly the request_columns {sorted(columns)}"
            )

    @property
    def training_columns(self) -> Tuple[str, ...]:
        """What a training row must carry: the id, the request columns and the label."""
        return (self.id,) + self.request_columns + (self.label,)


def load_contract(path: Union[str, Path]) -> Contract:
    """The contract in a contract.json file, or in the contract.json of a package directory."""
    path = Path(path)
    if path.is_dir():
        path = path / CONTRACT_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise ValueError(f"{path}: cannot read the data contract: {error}") from None
    try:
        return Contract.from_dict(data)
    except ValueError as error:
        raise ValueError(f"{path}: {error}") from None
