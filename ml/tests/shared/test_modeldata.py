"""modeldata.py: model.tar.gz byte for byte reproducible, and the serving code it carries."""

from __future__ import annotations

import gzip
import tarfile
from pathlib import Path

from mlops_shared import modeldata


def test_the_tarball_is_reproducible_and_keeps_the_entry_order(tmp_path):
    # GIVEN entries in a chosen order
    entries = [("spec.json", b"{}"), ("code/b.py", b"print(1)\n"), ("code/a.py", b"")]

    # WHEN written twice, a moment apart
    modeldata.write_model_tarball(tmp_path / "one" / "model.tar.gz", entries)
    modeldata.write_model_tarball(tmp_path / "two" / "model.tar.gz", entries)

    # THEN the bytes are identical, gzip carries no time or name, and every member is a plain 0644 file at time 0
    one = (tmp_path / "one" / "model.tar.gz").read_bytes()
    assert one == (tmp_path / "two" / "model.tar.gz").read_bytes()
    assert one[4:8] == b"\0\0\0\0"  # gzip MTIME
    with tarfile.open(tmp_path / "one" / "model.tar.gz") as tar:
        assert tar.getnames() == ["spec.json", "code/b.py", "code/a.py"]
        assert {(m.mtime, m.mode, m.uid, m.gid, m.uname) for m in tar.getmembers()} == {(0, 0o644, 0, 0, "")}
        assert tar.extractfile("code/b.py").read() == b"print(1)\n"
    assert gzip.decompress(one)[:9] == b"spec.json"


def test_serving_code_lists_the_entry_point_the_package_files_and_the_shared_modules(tmp_path):
    # GIVEN a package directory with its top-level entry point beside it
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg_inference.py").write_text("from pkg.x import f\n")
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (tmp_path / "pkg" / "contract.json").write_text("{}")

    # WHEN the code entries are listed
    entries = modeldata.serving_code(tmp_path / "pkg", "pkg_inference.py", ("__init__.py", "contract.json"))

    # THEN they are code/<entry point>, code/<package>/<file> and the shared modules serving imports
    assert [name for name, _ in entries] == [
        "code/pkg_inference.py", "code/pkg/__init__.py", "code/pkg/contract.json",
        *(f"code/mlops_shared/{name}" for name in modeldata.SERVING_SHARED_FILES),
    ]
    assert dict(entries)["code/mlops_shared/tabular.py"] == (modeldata.SHARED_DIR / "tabular.py").read_bytes()
    # and a model directory receives the same files
    modeldata.write_model_dir(tmp_path / "model", entries)
    assert (tmp_path / "model" / "code" / "pkg_inference.py").read_text() == "from pkg.x import f\n"


def test_the_shared_serving_modules_import_only_each_other_and_numpy():
    # GIVEN the shared modules a serving tarball carries
    import ast

    shipped = {Path(name).stem for name in modeldata.SERVING_SHARED_FILES}
    for name in modeldata.SERVING_SHARED_FILES:
        tree = ast.parse((modeldata.SHARED_DIR / name).read_text(encoding="utf-8"))
        # WHEN their imports are read
        imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
        imported |= {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        # THEN every mlops_shared import is itself shipped (nothing else from ml/ is needed to serve)
        shared = {m.split(".")[1] for m in imported if m.startswith("mlops_shared.")}
        assert shared <= shipped, (name, shared - shipped)
        assert not {m.split(".")[0] for m in imported} & {"scipy", "sklearn", "boto3", "pandas"}, name
