"""tabular.py: cells, the headerless numeric CSV written and read back, and datasets.py's split."""

from __future__ import annotations

import numpy as np
import pytest

from mlops_shared import datasets, tabular


def test_numeric_csv_round_trips_exactly():
    # GIVEN a matrix of awkward floats and labels
    matrix = np.array([[0.1, 1e-300, 3.0], [-2.5, 123456789.125, 1 / 3]])

    # WHEN written label first and read back
    text = tabular.to_csv(matrix, [1, 0])
    data = tabular.parse_numeric_csv(text)
    features, labels = data[:, 1:], data[:, 0]

    # THEN the values are identical, integers without a decimal point
    np.testing.assert_array_equal(features, matrix)
    np.testing.assert_array_equal(labels, [1, 0])
    assert text.splitlines()[0] == "1,0.1,1e-300,3"


def test_labelled_csv_is_read_from_a_file_or_a_channel_directory(tmp_path):
    # GIVEN a channel directory with the preferred file, and one with several parts (one without a final newline)
    (tmp_path / "train").mkdir()
    (tmp_path / "train" / "train.csv").write_text("1,0.5,2\n0,1,0\n")
    (tmp_path / "parts").mkdir()
    (tmp_path / "parts" / "b.csv").write_text("0,3,3\n")
    (tmp_path / "parts" / "a.csv").write_text("1,2,2")

    # WHEN / THEN both read as features and labels, parts in name order
    x, y = tabular.read_labelled_csv(tmp_path / "train", "train.csv")
    assert x.tolist() == [[0.5, 2.0], [1.0, 0.0]] and y.tolist() == [1.0, 0.0]
    x, y = tabular.read_labelled_csv(tmp_path / "parts")
    assert x.tolist() == [[2.0, 2.0], [3.0, 3.0]] and y.tolist() == [1.0, 0.0]
    with pytest.raises(SystemExit, match="no such file"):
        tabular.read_labelled_csv(tmp_path / "missing")


def test_split_by_hash_is_stable_and_near_the_fractions():
    # GIVEN 3,000 ids WHEN split THEN the shares are near 70/15/15 and an id's split depends on seed and id only
    rows = [{"id": f"R{i}"} for i in range(3000)]
    splits = datasets.split_rows(rows, "id", 1, 0.15, 0.15)
    assert abs(len(splits["train"]) / 3000 - 0.7) < 0.03
    assert all(datasets.split_of(r["id"], 1, 0.15, 0.15) == "test" for r in splits["test"])
    assert datasets.split_rows(rows[::-1], "id", 1, 0.15, 0.15)["test"] == splits["test"][::-1]
    with pytest.raises(ValueError, match="fractions"):
        datasets.split_rows(rows, "id", 1, 0.5, 0.5)
