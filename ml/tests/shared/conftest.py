"""The shared code is exercised with a test-only model (tests/shared/fixture_model.py), never a model package
of ml/: a fork may delete the samples."""

from __future__ import annotations

from typing import Callable, Dict, List

import pytest

from tests.shared.fixture_model import generate_rows


@pytest.fixture
def synthetic_rows() -> Callable[..., List[Dict[str, str]]]:
    """The test-only model's synthetic data generator."""
    return generate_rows
