"""The model's test data: synthetic raw rows with a known signal (CSV writing is in tests/conftest.py)."""

from __future__ import annotations

from typing import Callable, Dict, List

import numpy as np
import pytest

def generate_rows(n: int, seed: int = 7) -> List[Dict[str, str]]:
    """Raw churn rows as CSV strings; churn rises with month-to-month contracts, fiber,
    electronic checks and support calls, and falls with tenure and two-year contracts."""
    rng = np.random.default_rng(seed)
    contract = rng.choice(["month-to-month", "one-year", "two-year"], size=n, p=[0.5, 0.25, 0.25])
    payment = rng.choice(["electronic-check", "mailed-check", "bank-transfer", "credit-card"], size=n)
    internet = rng.choice(["dsl", "fiber", "none"], size=n, p=[0.35, 0.45, 0.2])
    tenure = rng.integers(0, 73, size=n)
    base = np.select([internet == "fiber", internet == "dsl"], [85.0, 50.0], 20.0)
    monthly = np.round(base + rng.normal(0, 8, size=n), 2)
    total = np.round(monthly * tenure * rng.uniform(0.95, 1.05, size=n), 2)
    support = rng.poisson(np.where(internet == "fiber", 2.0, 1.0))
    logit = (
        -1.0
        + 2.0 * (contract == "month-to-month")
        - 2.0 * (contract == "two-year")
        - 0.05 * tenure
        + 1.0 * (internet == "fiber")
        + 0.6 * (payment == "electronic-check")
        + 0.5 * support
    )
    churned = rng.random(n) < 1.0 / (1.0 + np.exp(-logit))
    blank_total = (tenure == 0) | (rng.random(n) < 0.02)
    return [
        {
            "customer_id": f"C{seed:03d}-{i:06d}",
            "tenure_months": str(tenure[i]),
            "monthly_charges": f"{monthly[i]:.2f}",
            "total_charges": "" if blank_total[i] else f"{total[i]:.2f}",
            "contract": str(contract[i]),
            "payment_method": str(payment[i]),
            "internet_service": str(internet[i]),
            "support_calls": str(support[i]),
            "churned": str(int(churned[i])),
        }
        for i in range(n)
    ]


@pytest.fixture
def synthetic_rows() -> Callable[..., List[Dict[str, str]]]:
    """The synthetic data generator."""
    return generate_rows
