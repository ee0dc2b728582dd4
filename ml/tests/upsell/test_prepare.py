"""prepare.py: the Processing step that splits the data, fits the spec and writes model-ready CSVs."""

from __future__ import annotations

import csv
import io
import re
import subprocess
import sys
import tarfile
from pathlib import Path

import numpy as np
import pytest

from upsell import features, prepare
from upsell.features import FeatureSpec

PREPARE_SCRIPT = Path(prepare.__file__)


def read_lines(path: Path) -> list:
    return path.read_text(encoding="utf-8").splitlines()


def test_writes_the_expected_files_and_formats(tmp_path, synthetic_rows, raw_csv):
    # GIVEN raw data split over two files in the input directory
    rows = synthetic_rows(400)
    raw_csv(rows[:250], "input/part-1.csv")
    raw_csv(rows[250:], "input/more/part-2.csv")
    out = tmp_path / "output"

    # WHEN prepare.py runs as SageMaker runs it: a script by path with --input and --output
    subprocess.run(
        [sys.executable, "-I", str(PREPARE_SCRIPT), "--input", str(tmp_path / "input"), "--output", str(out),
         "--seed", "3"],
        check=True, cwd=tmp_path, capture_output=True,
    )

    # THEN the splits are label-first headerless numeric CSV with the spec's width
    width = len(FeatureSpec.from_json((out / "spec" / "feature_spec.json").read_text()).feature_names())
    counts = {}
    for split in ("train", "validation", "test"):
        lines = read_lines(out / split / f"{split}.csv")
        data = np.loadtxt(lines, delimiter=",", ndmin=2)
        assert data.shape[1] == 1 + width
        assert all(cell in ("0", "1") for cell in (line.split(",")[0] for line in lines))
        counts[split] = len(lines)
    assert sum(counts.values()) == 400
    assert 0.6 < counts["train"] / 400 < 0.8 and counts["validation"] > 20 and counts["test"] > 20
    # and the baseline is the training split's raw request columns (the contract's) with a header
    baseline = list(csv.reader(io.StringIO((out / "baseline" / "baseline.csv").read_text())))
    assert baseline[0] == list(features.CONTRACT.request_columns)
    assert len(baseline) == 1 + counts["train"]
    # and model.tar.gz holds feature_spec.json and this run's serving code, contract.json and the
    # mlops_shared modules it imports included
    package = features.__package__
    with tarfile.open(out / "spec" / "model.tar.gz") as tar:
        assert tar.getnames() == [
            "feature_spec.json", f"code/{package}_inference.py",
            f"code/{package}/__init__.py", f"code/{package}/contract.json",
            f"code/{package}/features.py", f"code/{package}/inference.py",
            "code/mlops_shared/__init__.py", "code/mlops_shared/contract.py",
            "code/mlops_shared/serving.py", "code/mlops_shared/tabular.py",
        ]
        assert tar.extractfile(f"code/{package}/contract.json").read() == (
            Path(features.__file__).parent / "contract.json").read_bytes()


def test_spec_is_fitted_on_the_training_split_only(tmp_path, synthetic_rows, raw_csv):
    # GIVEN raw data
    rows = synthetic_rows(300)
    raw_csv(rows)

    # WHEN prepared
    prepare.prepare(tmp_path / "input", tmp_path / "out", seed=11)

    # THEN the saved spec equals one fitted on the training rows alone
    train = prepare.split_rows(rows, 11, 0.15, 0.15)["train"]
    saved = FeatureSpec.from_json((tmp_path / "out" / "spec" / "feature_spec.json").read_text())
    assert saved == FeatureSpec.fit(train)
    assert saved != FeatureSpec.fit(rows)


def test_outputs_are_reproducible_and_the_split_follows_the_id(tmp_path, synthetic_rows, raw_csv):
    # GIVEN the same rows in two orders
    rows = synthetic_rows(300)
    raw_csv(rows, "a/data.csv")
    raw_csv(rows[::-1], "b/data.csv")

    # WHEN prepared twice with one seed
    prepare.prepare(tmp_path / "a", tmp_path / "out-a", seed=5)
    prepare.prepare(tmp_path / "a", tmp_path / "out-a2", seed=5)
    prepare.prepare(tmp_path / "b", tmp_path / "out-b", seed=5)

    # THEN the files are identical byte for byte, model.tar.gz included
    for name in ("train/train.csv", "test/test.csv", "spec/feature_spec.json", "spec/model.tar.gz"):
        assert (tmp_path / "out-a" / name).read_bytes() == (tmp_path / "out-a2" / name).read_bytes()
    # and every record keeps its split (by the contract's id) whatever the row order
    ids = [{s: sorted(r[features.ID_COLUMN] for r in prepare.split_rows(order, 5, 0.15, 0.15)[s])
            for s in prepare.SPLITS} for order in (rows, rows[::-1])]
    assert ids[0] == ids[1]
    assert sorted(read_lines(tmp_path / "out-a" / "test" / "test.csv")) == sorted(
        read_lines(tmp_path / "out-b" / "test" / "test.csv"))


def test_a_file_without_the_label_fails_clearly(tmp_path, synthetic_rows, raw_csv):
    # GIVEN a file without the label column
    raw_csv(synthetic_rows(50), "nolabel/data.csv", columns=[features.ID_COLUMN, *features.RAW_FEATURE_COLUMNS])

    # WHEN / THEN prepare fails naming it
    with pytest.raises(SystemExit, match=re.escape(f"missing columns ['{features.LABEL_COLUMN}']")):
        prepare.prepare(tmp_path / "nolabel", tmp_path / "out")
