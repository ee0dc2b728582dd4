"""The shared feature store jobs are exercised with the churn sample's customer rows."""

from __future__ import annotations

from typing import Callable, Dict, List

import pytest

from tests.churn.conftest import generate_rows


@pytest.fixture
def synthetic_rows() -> Callable[..., List[Dict[str, str]]]:
    """The churn sample's synthetic data generator."""
    return generate_rows
