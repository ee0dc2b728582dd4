"""ml/conftest.py: tests marked sklearn are deselected with a note where scikit-learn is missing, an error on demand."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ML_DIR = Path(__file__).resolve().parents[2]


def run_suite(tmp_path: Path, sklearn_source: str, require: bool) -> subprocess.CompletedProcess:
    """pytest over a suite of one plain and two sklearn-marked tests, with a stand-in sklearn module first on the path."""
    suite = tmp_path / "suite"
    (suite / "tests").mkdir(parents=True)
    shutil.copy(ML_DIR / "conftest.py", suite / "conftest.py")
    shutil.copy(ML_DIR / "pytest.ini", suite / "pytest.ini")
    (suite / "tests" / "test_it.py").write_text(
        "import pytest\n\n"
        "def test_plain():\n    pass\n\n"
        "@pytest.mark.sklearn\ndef test_fit():\n    pass\n\n"
        "@pytest.mark.sklearn\ndef test_serve():\n    pass\n"
    )
    (tmp_path / "stand_in" / "sklearn").mkdir(parents=True)
    (tmp_path / "stand_in" / "sklearn" / "__init__.py").write_text(sklearn_source)
    env = {k: v for k, v in os.environ.items() if k not in ("ML_REQUIRE_SKLEARN", "PYTHONPATH")}
    env["PYTHONPATH"] = str(tmp_path / "stand_in")
    if require:
        env["ML_REQUIRE_SKLEARN"] = "1"
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(suite)],
                          capture_output=True, text=True, cwd=suite, env=env)


def test_without_scikit_learn_the_marked_tests_are_deselected_and_counted(tmp_path):
    # GIVEN an interpreter where import sklearn fails
    # WHEN the suite runs
    result = run_suite(tmp_path, "raise ImportError('no scikit-learn here')\n", require=False)

    # THEN the plain test runs, the two marked ones are deselected, and one line says so and where CI runs them
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed, 2 deselected" in result.stdout
    notes = [line for line in result.stdout.splitlines() if line.startswith("sklearn: ")]
    assert len(notes) == 1 and "2 tests deselected" in notes[0] and "python3-sklearn" in notes[0]


def test_with_ml_require_sklearn_a_missing_scikit_learn_is_an_error(tmp_path):
    # GIVEN the same interpreter and ML_REQUIRE_SKLEARN=1
    # WHEN the suite runs
    result = run_suite(tmp_path, "raise ImportError('no scikit-learn here')\n", require=True)

    # THEN it stops with a usage error naming the fix, running nothing
    assert result.returncode == 4, result.stdout + result.stderr
    assert "ML_REQUIRE_SKLEARN=1 but scikit-learn cannot be imported" in result.stderr
    assert "passed" not in result.stdout


def test_with_scikit_learn_every_test_runs(tmp_path):
    # GIVEN an interpreter where import sklearn works, with and without ML_REQUIRE_SKLEARN=1
    for require in (False, True):
        # WHEN the suite runs
        result = run_suite(tmp_path / str(require), "", require=require)

        # THEN all three run and nothing is deselected or noted
        assert result.returncode == 0, result.stdout + result.stderr
        assert "3 passed" in result.stdout and "deselected" not in result.stdout
