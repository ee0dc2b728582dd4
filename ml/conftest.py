"""Tests marked ``sklearn`` need scikit-learn (the upsell model trains and serves with it).

Where scikit-learn cannot be imported (the pyenv interpreter here, a plain numpy/scipy CI image),
they are deselected and one line after collection says how many. CI runs them under Debian's
python3 with python3-sklearn; with ML_REQUIRE_SKLEARN=1 a missing scikit-learn is an error instead,
so that run cannot pass by running fewer tests. There is no pytest.skip anywhere in this suite.
"""

from __future__ import annotations

import os
import sys

import pytest

SKLEARN_MARK = "sklearn"


def _sklearn_available() -> bool:
    try:
        import sklearn  # noqa: F401
    except ImportError:
        return False
    return True


def pytest_configure(config):
    config._ml_sklearn = _sklearn_available()
    config._ml_sklearn_deselected = 0
    if not config._ml_sklearn and os.environ.get("ML_REQUIRE_SKLEARN") == "1":
        raise pytest.UsageError(
            f"ML_REQUIRE_SKLEARN=1 but scikit-learn cannot be imported by {sys.executable}: install it "
            "(Debian: apt-get install python3-sklearn) or unset ML_REQUIRE_SKLEARN"
        )


def pytest_collection_modifyitems(config, items):
    if config._ml_sklearn:
        return
    deselected = [item for item in items if item.get_closest_marker(SKLEARN_MARK)]
    if deselected:
        config._ml_sklearn_deselected = len(deselected)
        items[:] = [item for item in items if not item.get_closest_marker(SKLEARN_MARK)]
        config.hook.pytest_deselected(items=deselected)


def pytest_report_collectionfinish(config, start_path, items):
    count = config._ml_sklearn_deselected
    if count:
        return [
            f"sklearn: {count} tests deselected, scikit-learn is not importable here; "
            "CI runs them under Debian's python3 with python3-sklearn (ML_REQUIRE_SKLEARN=1)"
        ]
    return []
