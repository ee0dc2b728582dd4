"""The model's test data: synthetic accounts with a planted upgrade signal (CSV writing is in tests/conftest.py)."""

from __future__ import annotations

from typing import Callable, Dict, List

import numpy as np
import pytest


def generate_rows(n: int, seed: int = 7) -> List[Dict[str, str]]:
    """Raw rows as CSV strings. Accepting the upgrade rises with quota usage, seats, annual billing
    and a basic plan, and falls on the pro plan (little left to upgrade to); region carries nothing."""
    rng = np.random.default_rng(seed)
    plan = rng.choice(["basic", "standard", "pro"], size=n, p=[0.45, 0.35, 0.2])
    region = rng.choice(["amer", "apac", "emea"], size=n)
    billing = rng.choice(["annual", "monthly"], size=n, p=[0.4, 0.6])
    seats = rng.integers(1, 60, size=n)
    per_seat = np.select([plan == "basic", plan == "standard"], [8.0, 15.0], 30.0)
    spend = np.round(seats * per_seat * rng.uniform(0.9, 1.1, size=n), 2)
    usage = np.clip(rng.beta(2.0, 2.0, size=n), 0.0, 1.0)
    months = rng.integers(0, 48, size=n)
    logit = (
        -1.2
        + 6.5 * (usage - 0.5)
        + 0.04 * seats
        + 1.2 * (plan == "basic")
        - 1.8 * (plan == "pro")
        + 0.8 * (billing == "annual")
        + 0.01 * months
    )
    accepted = rng.random(n) < 1.0 / (1.0 + np.exp(-logit))
    blank_usage = rng.random(n) < 0.03
    return [
        {
            "account_id": f"A{seed:03d}-{i:06d}",
            "seats": str(seats[i]),
            "monthly_spend": f"{spend[i]:.2f}",
            "usage_ratio": "" if blank_usage[i] else f"{usage[i]:.4f}",
            "months_active": str(months[i]),
            "plan": str(plan[i]),
            "region": str(region[i]),
            "billing_cycle": str(billing[i]),
            "accepted_upgrade": str(int(accepted[i])),
        }
        for i in range(n)
    ]


@pytest.fixture
def synthetic_rows() -> Callable[..., List[Dict[str, str]]]:
    """The synthetic data generator."""
    return generate_rows
