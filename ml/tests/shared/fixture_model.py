"""A test-only model for the tests of ``mlops_shared``: its contract, feature group, synthetic rows and transform.

The shared code must not depend on any model package of ``ml/`` (a fork deletes the samples and
scaffolds its own), so its tests bring their own model, built from ``mlops_shared`` alone:

- ``CONTRACT``: the columns, as a ``contract.json`` would declare them (an id, an event time, four
  numerics of which one may be blank, three categorical columns with hyphenated values, a 0/1 label);
- ``FEATURES``: the feature group's definitions (``name:type``) as the pipeline passes them to ingest.py;
- ``generate_rows``: deterministic synthetic raw rows with a planted signal;
- this module itself is a ``features`` module as ``mlops_shared.preparation.prepare`` takes it:
  ``CONTRACT``, ``FeatureSpec`` (``fit`` / ``transform`` / ``to_json``), ``parse_label`` and ``to_csv``.

The transform is the samples' kind, reduced to what every value of a row can change: a missing
numeric takes the training median, numerics are standardized with the training mean and standard
deviation, and each categorical column is a one-hot block over the values seen in training (compared
lower case, trimmed, with spaces and underscores as hyphens) followed by ``<column>_unknown``. So two
inputs give the same prepare.py output only when they hold the same records (ids, the split key) with
the same numbers, the same missing cells and the same categories; how a number is written ("49.90"
or "49.9") does not matter, as for the real models.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Dict, Iterable, List, Mapping, Tuple

import numpy as np

from mlops_shared.contract import Contract
from mlops_shared.tabular import (  # noqa: F401  (to_csv: part of the features-module interface)
    category_feature_name,
    normalize_category,
    parse_binary_label,
    parse_number,
    to_csv,
)

CONTRACT = Contract.from_dict({
    "description": "test-only: accounts that renew their subscription",
    "id": "account_id",
    "label": "renewed",
    "event_time": "event_time",
    "request_columns": ["tenure_months", "monthly_fee", "balance", "plan", "channel", "region", "tickets"],
    "numeric": ["tenure_months", "monthly_fee", "balance", "tickets"],
    "categorical": {
        "plan": ["basic", "standard", "pro-annual"],
        "channel": ["web", "call-center", "partner", "in-store"],
        "region": ["amer", "apac", "emea"],
    },
})
FEATURE_GROUP = "mlops-dev-fixture-accounts"
"""The feature group name the ingest tests write to (only a string to the fake store)."""
FEATURES: List[str] = [
    "account_id:string",
    "event_time:string",
    "tenure_months:integral",
    "monthly_fee:fractional",
    "balance:fractional",
    "plan:string",
    "channel:string",
    "region:string",
    "tickets:integral",
    "renewed:integral",
]
"""The group's features in definition order: id, event time, the request columns, the label."""
FEATURE_NAMES: List[str] = [spec.split(":")[0] for spec in FEATURES]
assert FEATURE_NAMES == [CONTRACT.id, CONTRACT.event_time, *CONTRACT.request_columns, CONTRACT.label]

Row = Mapping[str, Any]


def generate_rows(n: int, seed: int = 7) -> List[Dict[str, str]]:
    """Raw rows as CSV strings (id, request columns, label; no event time). Renewal rises with tenure,
    annual plans and partner sales, falls with support tickets. ``balance`` is blank for brand-new
    accounts and about 3% of the others, and values carry trailing zeros ("49.90") that ingestion
    normalizes ("49.9")."""
    rng = np.random.default_rng(seed)
    plan = rng.choice(["basic", "standard", "pro-annual"], size=n, p=[0.45, 0.35, 0.2])
    channel = rng.choice(["web", "call-center", "partner", "in-store"], size=n)
    region = rng.choice(["amer", "apac", "emea"], size=n, p=[0.4, 0.25, 0.35])
    tenure = rng.integers(0, 61, size=n)
    base = np.select([plan == "pro-annual", plan == "standard"], [99.0, 49.0], 19.0)
    fee = np.round(base + rng.normal(0, 4, size=n), 1)
    balance = np.round(fee * rng.uniform(-0.5, 1.5, size=n), 2)
    tickets = rng.poisson(np.where(channel == "web", 1.5, 0.8))
    logit = (
        -0.5
        + 0.04 * tenure
        + 1.2 * (plan == "pro-annual")
        + 0.7 * (channel == "partner")
        - 0.6 * tickets
    )
    renewed = rng.random(n) < 1.0 / (1.0 + np.exp(-logit))
    blank_balance = (tenure == 0) | (rng.random(n) < 0.03)
    return [
        {
            "account_id": f"A{seed:03d}-{i:06d}",
            "tenure_months": str(tenure[i]),
            "monthly_fee": f"{fee[i]:.2f}",
            "balance": "" if blank_balance[i] else f"{balance[i]:.2f}",
            "plan": str(plan[i]),
            "channel": str(channel[i]),
            "region": str(region[i]),
            "tickets": str(tickets[i]),
            "renewed": str(int(renewed[i])),
        }
        for i in range(n)
    ]


def _numerics(rows: List[Row], medians: Mapping[str, float]) -> np.ndarray:
    """Rows x numeric columns, missing values imputed with the medians."""
    columns = []
    for column in CONTRACT.numeric:
        values = [parse_number(r.get(column), column) for r in rows]
        columns.append(np.array([medians[column] if v is None else v for v in values], dtype=np.float64))
    return np.column_stack(columns)


@dataclass(frozen=True)
class FeatureSpec:
    """The fitted state: medians, means, standard deviations and the vocabularies seen in training."""

    medians: Dict[str, float]
    means: Dict[str, float]
    stds: Dict[str, float]
    vocabularies: Dict[str, Tuple[str, ...]]

    @classmethod
    def fit(cls, rows: Iterable[Row]) -> "FeatureSpec":
        rows = list(rows)
        medians = {}
        for column in CONTRACT.numeric:
            present = [v for v in (parse_number(r.get(column), column) for r in rows) if v is not None]
            medians[column] = float(np.median(present))
        # sorted per column, so that the floating-point sums do not depend on row order
        dense = np.sort(_numerics(rows, medians), axis=0)
        vocabularies = {}
        for column in CONTRACT.categorical:
            seen = {normalize_category(r.get(column)) for r in rows}
            vocabularies[column] = tuple(sorted(v for v in seen if v is not None and v != "unknown"))
        return cls(
            medians=medians,
            means={c: float(m) for c, m in zip(CONTRACT.numeric, dense.mean(axis=0))},
            stds={c: float(s) if s > 0 else 1.0 for c, s in zip(CONTRACT.numeric, dense.std(axis=0))},
            vocabularies=vocabularies,
        )

    def feature_names(self) -> List[str]:
        names = list(CONTRACT.numeric)
        for column, vocabulary in self.vocabularies.items():
            names += [category_feature_name(column, v) for v in vocabulary] + [f"{column}_unknown"]
        return names

    def transform(self, rows: Iterable[Row]) -> np.ndarray:
        rows = list(rows)
        mean = np.array([self.means[c] for c in CONTRACT.numeric])
        std = np.array([self.stds[c] for c in CONTRACT.numeric])
        blocks = [(_numerics(rows, self.medians) - mean) / std]
        for column, vocabulary in self.vocabularies.items():
            index = {v: i for i, v in enumerate(vocabulary)}
            block = np.zeros((len(rows), len(vocabulary) + 1))
            for i, row in enumerate(rows):
                block[i, index.get(normalize_category(row.get(column)), len(vocabulary))] = 1.0
            blocks.append(block)
        return np.hstack(blocks)

    def to_json(self) -> str:
        return json.dumps(
            {
                "feature_names": self.feature_names(),
                "medians": self.medians,
                "means": self.means,
                "stds": self.stds,
                "vocabularies": {c: list(v) for c, v in self.vocabularies.items()},
            },
            indent=2,
            sort_keys=True,
        )


def parse_label(value: Any) -> int:
    """The label as 0 or 1."""
    return parse_binary_label(value, CONTRACT.label)
