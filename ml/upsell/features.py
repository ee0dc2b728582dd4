"""The one feature transform of this model, used by training (prepare.py) and serving (inference.py).

The columns come from contract.json beside this file (``CONTRACT``), the single source of the
model's columns. Raw record (a dict or a CSV row; extra keys such as the id and the label are
ignored): ``seats``, ``monthly_spend``, ``usage_ratio`` (share of the plan's quota used; may be
blank), ``months_active``, ``plan``, ``region``, ``billing_cycle``.

Output column order (``FeatureSpec.feature_names()`` is authoritative; it is also stored in the
spec JSON and checked on load):

1. the scaled numeric columns, in ``NUMERIC_COLUMNS`` order: seats, monthly_spend, usage_ratio,
   months_active;
2. the scaled derived columns, in ``DERIVED_COLUMNS`` order: spend_per_seat;
3. for each categorical column of the contract (plan, region, billing_cycle): one 0/1 column per
   value of the contract's vocabulary, in the contract's order, named ``<column>_<value>`` with
   non-alphanumerics as ``_``, then the ``<column>_unknown`` indicator.

That is 16 columns: the 5 scaled numerics, then plan_basic, plan_standard, plan_pro, plan_unknown,
region_amer, region_apac, region_emea, region_unknown, billing_cycle_annual, billing_cycle_monthly,
billing_cycle_unknown.

Unlike a vocabulary learnt from the training rows, the vocabularies here are the contract's: a
value the contract does not declare (or a missing one) gives all zeros in its one-hot block and 1 in
``<column>_unknown``, even when it occurs in training. Missing numerics take the training median;
the derived column is computed after imputation; numerics and derived columns are standardized with
the training mean and standard deviation (a constant column is divided by 1).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Iterable, List, Mapping, Tuple

import numpy as np

from mlops_shared.contract import load_contract
from mlops_shared.tabular import (  # noqa: F401  (re-exported: the serving code reads them from here)
    category_feature_name,
    format_number,
    normalize_category,
    parse_binary_label,
    parse_number,
    to_csv,
)

CONTRACT = load_contract(Path(__file__).resolve().parent)
"""The declared columns of this model (contract.json beside this file): the single source of names."""
NUMERIC_COLUMNS: Tuple[str, ...] = CONTRACT.numeric
DERIVED_COLUMNS: Tuple[str, ...] = ("spend_per_seat",)
CATEGORICAL_COLUMNS: Tuple[str, ...] = tuple(CONTRACT.categorical)
VOCABULARIES: Dict[str, Tuple[str, ...]] = {
    column: tuple(normalize_category(v) for v in values) for column, values in CONTRACT.categorical.items()
}
RAW_FEATURE_COLUMNS: Tuple[str, ...] = CONTRACT.request_columns
"""The raw columns a request carries, in the order of a headerless CSV request."""
ID_COLUMN = CONTRACT.id
LABEL_COLUMN = CONTRACT.label
SPEC_FORMAT_VERSION = 1
SCALED_COLUMNS: Tuple[str, ...] = NUMERIC_COLUMNS + DERIVED_COLUMNS

Row = Mapping[str, Any]


def derive(numerics: Mapping[str, np.ndarray]) -> Dict[str, np.ndarray]:
    """Derived columns from imputed numeric columns; zero seats never divide."""
    return {"spend_per_seat": numerics["monthly_spend"] / np.maximum(numerics["seats"], 1.0)}


def _imputed(rows: List[Row], medians: Mapping[str, float]) -> np.ndarray:
    """Rows x (numerics + derived), imputed but not scaled."""
    columns = {}
    for column in NUMERIC_COLUMNS:
        values = [parse_number(r.get(column), column) for r in rows]
        columns[column] = np.array([medians[column] if v is None else v for v in values], dtype=np.float64)
    columns.update(derive(columns))
    return np.column_stack([columns[c] for c in SCALED_COLUMNS]).reshape(len(rows), len(SCALED_COLUMNS))


@dataclass(frozen=True)
class FeatureSpec:
    """The fitted state of the transform: medians, means and standard deviations (vocabularies are declared)."""

    medians: Dict[str, float]
    means: Dict[str, float]
    stds: Dict[str, float]

    @classmethod
    def fit(cls, rows: Iterable[Row]) -> "FeatureSpec":
        """Fit on training rows (never on validation or test rows)."""
        rows = list(rows)
        if not rows:
            raise ValueError("cannot fit a feature spec on zero rows")
        medians = {}
        for column in NUMERIC_COLUMNS:
            present = [v for v in (parse_number(r.get(column), column) for r in rows) if v is not None]
            if not present:
                raise ValueError(f"{column}: every training value is missing")
            medians[column] = float(np.median(present))
        # sorted per column, so that the floating-point sums do not depend on row order
        dense = np.sort(_imputed(rows, medians), axis=0)
        means, stds = dense.mean(axis=0), dense.std(axis=0)
        return cls(
            medians=medians,
            means={c: float(m) for c, m in zip(SCALED_COLUMNS, means)},
            stds={c: float(s) if s > 0 else 1.0 for c, s in zip(SCALED_COLUMNS, stds)},
        )

    @staticmethod
    def feature_names() -> List[str]:
        """The output columns, in order."""
        names = list(SCALED_COLUMNS)
        for column in CATEGORICAL_COLUMNS:
            names += [category_feature_name(column, v) for v in VOCABULARIES[column]]
            names.append(f"{column}_unknown")
        return names

    def transform(self, rows: Iterable[Row]) -> np.ndarray:
        """Raw rows to a float64 matrix with the ``feature_names()`` columns."""
        rows = list(rows)
        dense = _imputed(rows, self.medians)
        mean = np.array([self.means[c] for c in SCALED_COLUMNS])
        std = np.array([self.stds[c] for c in SCALED_COLUMNS])
        blocks = [(dense - mean) / std]
        for column in CATEGORICAL_COLUMNS:
            vocabulary = VOCABULARIES[column]
            index = {v: i for i, v in enumerate(vocabulary)}
            block = np.zeros((len(rows), len(vocabulary) + 1))
            for i, row in enumerate(rows):
                block[i, index.get(normalize_category(row.get(column)), len(vocabulary))] = 1.0
            blocks.append(block)
        return np.hstack(blocks)

    def to_json(self) -> str:
        """The spec as JSON, with the feature names for readers and for the load-time check."""
        return json.dumps(
            {
                "format_version": SPEC_FORMAT_VERSION,
                "feature_names": self.feature_names(),
                "medians": self.medians,
                "means": self.means,
                "stds": self.stds,
            },
            indent=2,
            sort_keys=True,
        )

    @classmethod
    def from_json(cls, text: str) -> "FeatureSpec":
        """Load a spec; fails when it was written by a features.py (or contract) with other columns."""
        data = json.loads(text)
        if data.get("format_version") != SPEC_FORMAT_VERSION:
            raise ValueError(f"unsupported feature spec format_version {data.get('format_version')!r}")
        if data.get("feature_names") != cls.feature_names():
            raise ValueError(
                "feature spec columns differ from this features.py: "
                f"spec has {data.get('feature_names')}, code gives {cls.feature_names()}"
            )
        return cls(
            medians={c: float(data["medians"][c]) for c in NUMERIC_COLUMNS},
            means={c: float(data["means"][c]) for c in SCALED_COLUMNS},
            stds={c: float(data["stds"][c]) for c in SCALED_COLUMNS},
        )


def parse_label(value: Any) -> int:
    """The label as 0 or 1."""
    return parse_binary_label(value, LABEL_COLUMN)
