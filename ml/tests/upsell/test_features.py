"""features.py: the one transform shared by training and serving, its columns declared in contract.json."""

from __future__ import annotations

import json
import math
import random
from pathlib import Path

import numpy as np
import pytest

from mlops_shared.contract import load_contract
from upsell import features
from upsell.features import FeatureSpec

# Three training rows whose statistics are easy to work out by hand:
#   medians: seats 20, spend 300, usage median(0.5, 0.9) = 0.7 (row B is missing), months 12
#   spend_per_seat: 100/10 = 10, 300/20 = 15, 900/30 = 30
TRAIN = [
    {"account_id": "A", "seats": "10", "monthly_spend": "100", "usage_ratio": "0.5", "months_active": "12",
     "plan": "basic", "region": "emea", "billing_cycle": "annual", "accepted_upgrade": "1"},
    {"account_id": "B", "seats": "20", "monthly_spend": "300", "usage_ratio": " ", "months_active": "24",
     "plan": "standard", "region": "amer", "billing_cycle": "monthly", "accepted_upgrade": "0"},
    {"account_id": "C", "seats": "30", "monthly_spend": "900", "usage_ratio": "0.9", "months_active": "0",
     "plan": "pro", "region": "apac", "billing_cycle": "annual", "accepted_upgrade": "0"},
]
NAMES = [
    "seats", "monthly_spend", "usage_ratio", "months_active", "spend_per_seat",
    "plan_basic", "plan_standard", "plan_pro", "plan_unknown",
    "region_amer", "region_apac", "region_emea", "region_unknown",
    "billing_cycle_annual", "billing_cycle_monthly", "billing_cycle_unknown",
]


def mean_std(values):
    mean = sum(values) / len(values)
    return mean, math.sqrt(sum((v - mean) ** 2 for v in values) / len(values))


def test_the_contract_is_the_single_source_of_the_columns():
    # GIVEN contract.json beside features.py
    contract = load_contract(Path(features.__file__).parent / "contract.json")

    # WHEN / THEN the features module takes its columns from it
    assert features.CONTRACT == contract
    assert features.RAW_FEATURE_COLUMNS == contract.request_columns
    assert (features.ID_COLUMN, features.LABEL_COLUMN) == (contract.id, contract.label)
    assert features.NUMERIC_COLUMNS == contract.numeric
    assert features.CATEGORICAL_COLUMNS == tuple(contract.categorical)
    # and neither the id nor the label is a request column
    assert contract.id not in contract.request_columns and contract.label not in contract.request_columns


def test_feature_names_are_the_documented_order():
    # GIVEN / WHEN / THEN the names follow the contract, and the module docstring spells them out
    assert FeatureSpec.fit(TRAIN).feature_names() == NAMES
    doc = " ".join(features.__doc__.split())
    assert ", ".join(NAMES[5:]) in doc
    assert f"That is {len(NAMES)} columns" in doc


def test_known_rows_give_hand_computed_vectors():
    # GIVEN a spec fitted on the three rows above
    spec = FeatureSpec.fit(TRAIN)
    query = {"seats": 0, "monthly_spend": 50.0, "usage_ratio": None, "months_active": "6",
             "plan": "Enterprise", "region": " EMEA ", "billing_cycle": None}

    # WHEN training row A and a new account are transformed
    row_a, new = spec.transform([TRAIN[0], query])

    # THEN the vectors are the hand-computed ones
    stats = [mean_std(v) for v in ([10, 20, 30], [100, 300, 900], [0.5, 0.7, 0.9], [12, 24, 0], [10, 15, 30])]

    def scaled(values):
        return [(v - m) / s for v, (m, s) in zip(values, stats)]

    np.testing.assert_allclose(row_a, scaled([10, 100, 0.5, 12, 10]) + [1, 0, 0, 0, 0, 0, 1, 0, 1, 0, 0])
    # the new account: usage imputed to 0.7, zero seats so spend per seat = spend / 1 = 50; a plan the
    # contract does not declare and a missing billing cycle are unknown; region is read case-insensitively
    np.testing.assert_allclose(new, scaled([0, 50, 0.7, 6, 50]) + [0, 0, 0, 1, 0, 0, 1, 0, 0, 0, 1])


def test_declared_vocabulary_not_the_training_rows_decides_the_one_hot_columns():
    # GIVEN training rows where one plan never occurs and another value is not declared
    rows = [dict(r) for r in TRAIN]
    rows[2]["plan"] = "legacy"

    # WHEN fitted and transformed
    spec = FeatureSpec.fit(rows)
    matrix = spec.transform(rows)

    # THEN the columns are the contract's, and the undeclared value sets plan_unknown
    assert spec.feature_names() == NAMES
    assert matrix[2, NAMES.index("plan_unknown")] == 1.0
    assert matrix[2, NAMES.index("plan_pro")] == 0.0


def test_a_constant_column_is_not_divided_by_zero():
    # GIVEN rows with one seat count throughout
    rows = [dict(r, seats="5") for r in TRAIN]

    # WHEN / THEN the scaled column is zero, finite everywhere
    matrix = FeatureSpec.fit(rows).transform(rows)
    assert np.all(np.isfinite(matrix)) and np.all(matrix[:, 0] == 0.0)


def test_bad_values_fail_with_the_column_name():
    # GIVEN a spec WHEN a cell is not a number, a column has no value or there are no rows THEN the error says which
    spec = FeatureSpec.fit(TRAIN)
    with pytest.raises(ValueError, match="seats: expected a number"):
        spec.transform([dict(TRAIN[0], seats="many")])
    with pytest.raises(ValueError, match="usage_ratio: every training value is missing"):
        FeatureSpec.fit([dict(r, usage_ratio="") for r in TRAIN])
    with pytest.raises(ValueError, match="zero rows"):
        FeatureSpec.fit([])


def test_fit_and_transform_do_not_depend_on_row_order(synthetic_rows):
    # GIVEN the same rows in two orders
    rows = synthetic_rows(200, seed=3)
    shuffled = rows[:]
    random.Random(1).shuffle(shuffled)

    # WHEN / THEN the fitted specs are equal, and so is the JSON
    assert FeatureSpec.fit(rows) == FeatureSpec.fit(shuffled)
    assert FeatureSpec.fit(rows).to_json() == FeatureSpec.fit(shuffled).to_json()


def test_json_round_trip_and_refusal_of_other_columns():
    # GIVEN a fitted spec as JSON
    spec = FeatureSpec.fit(TRAIN)
    text = spec.to_json()

    # WHEN / THEN it loads back equal, with the feature names stored for the load-time check
    assert FeatureSpec.from_json(text) == spec
    assert json.loads(text)["feature_names"] == NAMES
    # and a spec written by a features.py with other columns is refused at load
    other = json.loads(text)
    other["feature_names"] = NAMES[:-1]
    with pytest.raises(ValueError, match="columns differ"):
        FeatureSpec.from_json(json.dumps(other))
    with pytest.raises(ValueError, match="format_version"):
        FeatureSpec.from_json(json.dumps(dict(other, format_version=99)))


def test_labels_and_csv():
    # GIVEN label cells and a matrix WHEN parsed and written THEN labels are 0/1 and the CSV puts the label first
    assert [features.parse_label(v) for v in ("0", "1", 1, "1.0")] == [0, 1, 1, 1]
    with pytest.raises(ValueError, match=f"{features.LABEL_COLUMN}: expected 0 or 1"):
        features.parse_label("2")
    assert features.to_csv(np.array([[0.5, 2.0]]), [1]) == "1,0.5,2\n"
