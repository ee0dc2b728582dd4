"""The one feature transform of this model, used by training (prepare.py) and serving (inference.py).

The column names come from contract.json beside this file (``CONTRACT``), the single source of the
model's columns. Raw record (a dict or a CSV row; extra keys such as the id and the label are ignored):
``tenure_months``, ``monthly_charges``, ``total_charges`` (may be blank), ``contract``,
``payment_method``, ``internet_service``, ``support_calls``.

Output column order (``FeatureSpec.feature_names()`` is authoritative; it is also stored in the
spec JSON and checked on load):

1. the scaled numeric columns, in ``NUMERIC_COLUMNS`` order: tenure_months, monthly_charges,
   total_charges, support_calls;
2. the scaled derived columns, in ``DERIVED_COLUMNS`` order: charges_per_month_of_tenure,
   support_calls_per_year;
3. for each column of ``CATEGORICAL_COLUMNS`` (contract, payment_method, internet_service):
   one 0/1 column per vocabulary value in sorted order, named ``<column>_<value>`` with
   non-alphanumerics as ``_``, then the ``<column>_unknown`` indicator.

With the usual vocabularies that is 19 columns: the 6 scaled numerics, then
contract_month_to_month, contract_one_year, contract_two_year, contract_unknown,
payment_method_bank_transfer, payment_method_credit_card, payment_method_electronic_check,
payment_method_mailed_check, payment_method_unknown, internet_service_dsl,
internet_service_fiber, internet_service_none, internet_service_unknown.

Missing numerics take the training median; derived columns are computed after imputation;
numerics and derived columns are standardized with the training mean and standard deviation
(a constant column is divided by 1). A category never seen in training, or a missing one,
gives all zeros in its one-hot block and 1 in ``<column>_unknown``.
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
DERIVED_COLUMNS: Tuple[str, ...] = ("charges_per_month_of_tenure", "support_calls_per_year")
CATEGORICAL_COLUMNS: Tuple[str, ...] = tuple(CONTRACT.categorical)
RAW_FEATURE_COLUMNS: Tuple[str, ...] = CONTRACT.request_columns
"""The raw columns a request carries, in the order of a headerless CSV request."""
ID_COLUMN = CONTRACT.id
LABEL_COLUMN = CONTRACT.label
SPEC_FORMAT_VERSION = 1

Row = Mapping[str, Any]


def derive(numerics: Mapping[str, np.ndarray]) -> Dict[str, np.ndarray]:
    """Derived columns from imputed numeric columns; a zero tenure never divides."""
    tenure = numerics["tenure_months"]
    months = np.maximum(tenure, 1.0)
    return {
        # average monthly spend so far; a brand-new customer has paid the current monthly charge
        "charges_per_month_of_tenure": np.where(
            tenure > 0, numerics["total_charges"] / months, numerics["monthly_charges"]
        ),
        # support calls scaled to a year, a first partial month counting as one month
        "support_calls_per_year": 12.0 * numerics["support_calls"] / months,
    }


def _imputed(rows: Sequence[Row], medians: Mapping[str, float]) -> np.ndarray:
    """Rows x (numerics + derived), imputed but not scaled."""
    columns = {}
    for column in NUMERIC_COLUMNS:
        values = [parse_number(r.get(column), column) for r in rows]
        columns[column] = np.array([medians[column] if v is None else v for v in values], dtype=np.float64)
    columns.update(derive(columns))
    return np.column_stack([columns[c] for c in NUMERIC_COLUMNS + DERIVED_COLUMNS])


@dataclass(frozen=True)
class FeatureSpec:
    """The fitted state of the transform: medians, means, standard deviations and vocabularies."""

    medians: Dict[str, float]
    means: Dict[str, float]
    stds: Dict[str, float]
    vocabularies: Dict[str, Tuple[str, ...]]

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
        means = dense.mean(axis=0)
        stds = dense.std(axis=0)
        scaled_columns = NUMERIC_COLUMNS + DERIVED_COLUMNS
        vocabularies = {}
        for column in CATEGORICAL_COLUMNS:
            seen = {normalize_category(r.get(column)) for r in rows}
            # "unknown" is the indicator's own name, so a literal "unknown" value counts as unknown
            vocabularies[column] = tuple(sorted(v for v in seen if v is not None and v != "unknown"))
        spec = cls(
            medians=medians,
            means={c: float(m) for c, m in zip(scaled_columns, means)},
            stds={c: float(s) if s > 0 else 1.0 for c, s in zip(scaled_columns, stds)},
            vocabularies=vocabularies,
        )
        names = spec.feature_names()
        if len(set(names)) != len(names):
            raise ValueError(f"category values collide after naming: {names}")
        return spec

    def feature_names(self) -> List[str]:
        """The output columns, in order."""
        names = list(NUMERIC_COLUMNS + DERIVED_COLUMNS)
        for column in CATEGORICAL_COLUMNS:
            names += [category_feature_name(column, v) for v in self.vocabularies[column]]
            names.append(f"{column}_unknown")
        return names

    def transform(self, rows: Iterable[Row]) -> np.ndarray:
        """Raw rows to a float64 matrix with the ``feature_names()`` columns."""
        rows = list(rows)
        scaled_columns = NUMERIC_COLUMNS + DERIVED_COLUMNS
        dense = _imputed(rows, self.medians)
        mean = np.array([self.means[c] for c in scaled_columns])
        std = np.array([self.stds[c] for c in scaled_columns])
        blocks = [(dense - mean) / std]
        for column in CATEGORICAL_COLUMNS:
            vocabulary = self.vocabularies[column]
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
                "vocabularies": {c: list(v) for c, v in self.vocabularies.items()},
            },
            indent=2,
            sort_keys=True,
        )

    @classmethod
    def from_json(cls, text: str) -> "FeatureSpec":
        """Load a spec; fails when it was written by a features.py with other columns."""
        data = json.loads(text)
        if data.get("format_version") != SPEC_FORMAT_VERSION:
            raise ValueError(f"unsupported feature spec format_version {data.get('format_version')!r}")
        spec = cls(
            medians={c: float(data["medians"][c]) for c in NUMERIC_COLUMNS},
            means={c: float(data["means"][c]) for c in NUMERIC_COLUMNS + DERIVED_COLUMNS},
            stds={c: float(data["stds"][c]) for c in NUMERIC_COLUMNS + DERIVED_COLUMNS},
            vocabularies={c: tuple(data["vocabularies"][c]) for c in CATEGORICAL_COLUMNS},
        )
        if data.get("feature_names") != spec.feature_names():
            raise ValueError(
                "feature spec columns differ from this features.py: "
                f"spec has {data.get('feature_names')}, code gives {spec.feature_names()}"
            )
        return spec


def parse_label(value: Any) -> int:
    """The label as 0 or 1."""
    return parse_binary_label(value, LABEL_COLUMN)
