"""The code archive of a model, as the platform ships it: ``<pkg>/``, ``<pkg>_inference.py``,
``<pkg>_predictor.py`` (scikit-learn models only) and ``mlops_shared/``, nothing else.

Each processing or training job unpacks the zip (``python3 -m zipfile -e``) and runs a script by path.
"""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ML_DIR = Path(__file__).resolve().parents[2]
MODEL_PACKAGES = sorted(p.parent.name for p in ML_DIR.glob("*/contract.json"))
SHARED_SCRIPTS = ("mlops_shared/ingest.py", "mlops_shared/offline_store.py")


def package_files(package: str):
    """Every file of a package directory of ml/, no caches."""
    return [p for p in sorted((ML_DIR / package).rglob("*")) if p.is_file() and "__pycache__" not in p.parts]


def archive_members(package: str):
    """What the zip of one model holds: its package, entry points and mlops_shared, no caches."""
    files = package_files(package) + package_files("mlops_shared")
    files += [ML_DIR / name for name in (f"{package}_inference.py", f"{package}_predictor.py") if (ML_DIR / name).is_file()]
    return [(str(p.relative_to(ML_DIR)), p) for p in files]


def unpacked(tmp_path: Path, members) -> Path:
    """The members zipped, then unpacked as the jobs unpack the code archive; returns the unpacked root."""
    with zipfile.ZipFile(tmp_path / "code.zip", "w") as archive:
        for name, path in members:
            archive.write(path, name)
    subprocess.run([sys.executable, "-m", "zipfile", "-e", str(tmp_path / "code.zip"), str(tmp_path / "source")],
                   check=True)
    return tmp_path / "source"


def test_the_shared_entry_points_run_from_an_archive_of_mlops_shared_alone(tmp_path):
    # GIVEN mlops_shared alone, zipped and unpacked (whatever models ml/ holds, none of them included)
    source = unpacked(tmp_path, [(str(p.relative_to(ML_DIR)), p) for p in package_files("mlops_shared")])

    for script in SHARED_SCRIPTS:
        # WHEN each feature store job's script runs by path in an isolated interpreter
        result = subprocess.run([sys.executable, "-I", str(source / script), "--help"], capture_output=True,
                                text=True, cwd=tmp_path)

        # THEN it needs nothing but mlops_shared
        assert result.returncode == 0, (script, result.stderr)
        assert result.stdout.startswith("usage:"), script


@pytest.mark.parametrize("package", MODEL_PACKAGES)
def test_every_entry_point_runs_from_the_unpacked_archive_alone(tmp_path, package):
    # GIVEN the model's code archive unpacked as the jobs unpack it
    source = unpacked(tmp_path, archive_members(package))
    scripts = [f"{package}/prepare.py", f"{package}/evaluate.py", *SHARED_SCRIPTS]
    scripts += [f"{package}/train.py"] if (source / package / "train.py").is_file() else []

    for script in scripts:
        # WHEN each job's script runs by path in an isolated interpreter (-I: nothing of ml/ on the path)
        result = subprocess.run([sys.executable, "-I", str(source / script), "--help"], capture_output=True,
                                text=True, cwd=tmp_path)

        # THEN it imports everything it needs from the archive
        assert result.returncode == 0, (script, result.stderr)
        assert result.stdout.startswith("usage:"), script
    # and every serving entry point imports from the archive too
    for entry in (f"{package}_inference", f"{package}_predictor"):
        if (source / f"{entry}.py").is_file():
            subprocess.run([sys.executable, "-I", "-c", f"import sys; sys.path.insert(0, sys.argv[1]); import {entry}",
                            str(source)], check=True, cwd=tmp_path)
