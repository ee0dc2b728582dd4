"""Model data with its own serving code: deterministic model.tar.gz files and SageMaker model directories.

A serving container runs ``code/<entry point>`` (SAGEMAKER_SUBMIT_DIRECTORY=/opt/ml/model/code), so
the model data carries the package files its entry point imports and the ``mlops_shared`` modules in
``SERVING_SHARED_FILES``: a registered model version serves with the code it was trained with,
whatever ``ml/`` holds later.
"""

from __future__ import annotations

import gzip
import io
import tarfile
from pathlib import Path
from typing import List, Sequence, Tuple

SHARED_DIR = Path(__file__).resolve().parent
SHARED_PACKAGE = SHARED_DIR.name
SERVING_SHARED_FILES = ("__init__.py", "contract.py", "serving.py", "tabular.py")
"""The mlops_shared modules any serving entry point may import (numpy only)."""

Entry = Tuple[str, bytes]


def serving_code(package_dir: Path, entry_point: str, package_files: Sequence[str]) -> List[Entry]:
    """``code/<entry point>``, ``code/<package>/<file>`` and ``code/mlops_shared/<file>`` entries.

    The entry point is the top-level shim beside the package directory (``<package>_inference.py``).
    """
    package_dir = Path(package_dir).resolve()
    entries = [("code/" + entry_point, (package_dir.parent / entry_point).read_bytes())]
    entries += [(f"code/{package_dir.name}/{name}", (package_dir / name).read_bytes()) for name in package_files]
    entries += [(f"code/{SHARED_PACKAGE}/{name}", (SHARED_DIR / name).read_bytes()) for name in SERVING_SHARED_FILES]
    return entries


def write_model_tarball(path: Path, entries: Sequence[Entry]) -> None:
    """A gzipped USTAR tar of the entries in the given order, reproducible byte for byte (no times, owners)."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        for name, data in entries:
            info = tarfile.TarInfo(name)
            info.size, info.mtime, info.mode = len(data), 0, 0o644
            tar.addfile(info, io.BytesIO(data))
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as gz:
        gz.write(buffer.getvalue())


def write_model_dir(model_dir: Path, entries: Sequence[Entry]) -> None:
    """The entries as files under model_dir (a training job's /opt/ml/model, which SageMaker tars)."""
    for name, data in entries:
        target = Path(model_dir) / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
