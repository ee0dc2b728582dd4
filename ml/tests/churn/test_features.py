"""features.py: the one transform shared by training and serving."""

from __future__ import annotations

import json
import math
import random

import numpy as np
import pytest

from churn import features
from churn.features import FeatureSpec

# Three training rows whose statistics are easy to work out by hand:
#   medians: tenure 20, monthly 70, total median(500, 2700) = 1600 (row B is missing), support 2
#   charges_per_month_of_tenure: 500/10 = 50, 1600/20 = 80, 2700/30 = 90 -> mean 220/3
#   support_calls_per_year: 12*2/10 = 2.4, 0, 12*4/30 = 1.6 -> mean 4/3
#   population stds: tenure sqrt(200/3), monthly sqrt(800/3), total 1100*sqrt(2/3),
#   support sqrt(8/3), charges per month sqrt(7800/27), calls per year sqrt(672/675)
TRAIN = [
    {"customer_id": "A", "tenure_months": "10", "monthly_charges": "50", "total_charges": "500",
     "contract": "month-to-month", "payment_method": "electronic-check", "internet_service": "fiber",
     "support_calls": "2", "churned": "1"},
    {"customer_id": "B", "tenure_months": "20", "monthly_charges": "70", "total_charges": " ",
     "contract": "one-year", "payment_method": "credit-card", "internet_service": "dsl",
     "support_calls": "0", "churned": "0"},
    {"customer_id": "C", "tenure_months": "30", "monthly_charges": "90", "total_charges": "2700",
     "contract": "two-year", "payment_method": "electronic-check", "internet_service": "none",
     "support_calls": "4", "churned": "0"},
]
FULL_VOCABULARY_NAMES = [
    "tenure_months", "monthly_charges", "total_charges", "support_calls",
    "charges_per_month_of_tenure", "support_calls_per_year",
    "contract_month_to_month", "contract_one_year", "contract_two_year", "contract_unknown",
    "payment_method_bank_transfer", "payment_method_credit_card", "payment_method_electronic_check",
    "payment_method_mailed_check", "payment_method_unknown",
    "internet_service_dsl", "internet_service_fiber", "internet_service_none", "internet_service_unknown",
]


def test_known_rows_give_hand_computed_vectors():
    # GIVEN a spec fitted on the three rows above
    spec = FeatureSpec.fit(TRAIN)
    query = {"tenure_months": 0, "monthly_charges": 40.0, "total_charges": None, "contract": "two-year",
             "payment_method": "bank-transfer", "internet_service": "dsl", "support_calls": 1}

    # WHEN training row A and a new customer are transformed
    row_a, new = spec.transform([TRAIN[0], query])

    # THEN the vectors are the hand-computed ones
    expected_a = [
        -10 / math.sqrt(200 / 3), -20 / math.sqrt(800 / 3), -1100 / (1100 * math.sqrt(2 / 3)), 0.0,
        (50 - 220 / 3) / math.sqrt(7800 / 27), (2.4 - 4 / 3) / math.sqrt(672 / 675),
        1, 0, 0, 0,  # contract: month-to-month, one-year, two-year, unknown
        0, 1, 0,  # payment: credit-card, electronic-check, unknown
        0, 1, 0, 0,  # internet: dsl, fiber, none, unknown
    ]
    # the new customer: total imputed to 1600, zero tenure so charges per month = monthly = 40 and
    # calls per year = 12 * 1 / 1; bank-transfer was never seen in training
    expected_new = [
        -20 / math.sqrt(200 / 3), -30 / math.sqrt(800 / 3), 0.0, -1 / math.sqrt(8 / 3),
        (40 - 220 / 3) / math.sqrt(7800 / 27), (12 - 4 / 3) / math.sqrt(672 / 675),
        0, 0, 1, 0,
        0, 0, 1,
        1, 0, 0, 0,
    ]
    np.testing.assert_allclose(row_a, expected_a, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(new, expected_new, rtol=1e-12, atol=1e-12)


def test_fitted_state_is_the_training_statistics():
    # GIVEN / WHEN a spec fitted on the three rows
    spec = FeatureSpec.fit(TRAIN)

    # THEN medians, means and vocabularies are those worked out by hand
    assert spec.medians == {"tenure_months": 20.0, "monthly_charges": 70.0, "total_charges": 1600.0, "support_calls": 2.0}
    assert spec.means["total_charges"] == pytest.approx(1600.0)
    assert spec.means["charges_per_month_of_tenure"] == pytest.approx(220 / 3)
    assert spec.stds["tenure_months"] == pytest.approx(math.sqrt(200 / 3))
    assert spec.vocabularies == {
        "contract": ("month-to-month", "one-year", "two-year"),
        "payment_method": ("credit-card", "electronic-check"),
        "internet_service": ("dsl", "fiber", "none"),
    }


@pytest.mark.parametrize("missing", ["", "  ", None, "NaN", float("nan")])
def test_missing_total_charges_is_imputed_with_the_training_median(missing):
    # GIVEN a spec whose training median of total_charges is 1600
    spec = FeatureSpec.fit(TRAIN)
    row = dict(TRAIN[0], total_charges=missing)

    # WHEN a row without total_charges is transformed
    imputed = spec.transform([row])[0]

    # THEN it equals the same row with total_charges = 1600
    np.testing.assert_array_equal(imputed, spec.transform([dict(TRAIN[0], total_charges="1600")])[0])


def test_any_missing_numeric_takes_its_median():
    # GIVEN a spec and a row missing every numeric
    spec = FeatureSpec.fit(TRAIN)
    row = {k: v for k, v in TRAIN[0].items() if k not in features.NUMERIC_COLUMNS}

    # WHEN it is transformed
    vector = spec.transform([row])[0]

    # THEN the numerics are the medians (tenure, monthly, total and support all at their means here)
    np.testing.assert_allclose(vector[:4], 0.0, atol=1e-12)


def test_unseen_category_gives_zeros_and_the_unknown_flag():
    # GIVEN a spec fitted on rows without the contract "three-year" or a missing internet service
    spec = FeatureSpec.fit(TRAIN)
    names = spec.feature_names()
    row = dict(TRAIN[0], contract="three-year", internet_service="")

    # WHEN the row is transformed
    vector = dict(zip(names, spec.transform([row])[0]))

    # THEN its contract and internet one-hots are zero and the unknown flags are set
    assert [vector[n] for n in names if n.startswith("contract_")] == [0, 0, 0, 1]
    assert [vector[n] for n in names if n.startswith("internet_service_")] == [0, 0, 0, 1]
    # and a known category sets no flag
    assert vector["payment_method_electronic_check"] == 1 and vector["payment_method_unknown"] == 0


def test_categories_are_normalized_for_case_spaces_and_underscores():
    # GIVEN a spec fitted on hyphenated lower-case values
    spec = FeatureSpec.fit(TRAIN)

    # WHEN values differ only in case, spacing or underscores
    variants = spec.transform([dict(TRAIN[0], contract=" Month_To Month ", internet_service="FIBER")])

    # THEN they encode like the canonical values
    np.testing.assert_array_equal(variants, spec.transform([TRAIN[0]]))


def test_a_literal_unknown_category_is_not_learned():
    # GIVEN training data with the value "unknown"
    spec = FeatureSpec.fit(TRAIN + [dict(TRAIN[0], contract="unknown")])

    # THEN it is not a vocabulary value, and the names stay unique
    assert "unknown" not in spec.vocabularies["contract"]
    assert len(set(spec.feature_names())) == len(spec.feature_names())


def test_zero_tenure_never_divides_by_zero():
    # GIVEN imputed numerics with zero and positive tenure
    numerics = {
        "tenure_months": np.array([0.0, 4.0]),
        "monthly_charges": np.array([30.0, 30.0]),
        "total_charges": np.array([0.0, 100.0]),
        "support_calls": np.array([3.0, 2.0]),
    }

    # WHEN the derived columns are computed (RuntimeWarnings are errors in this suite)
    derived = features.derive(numerics)

    # THEN zero tenure uses the monthly charge and one month
    np.testing.assert_array_equal(derived["charges_per_month_of_tenure"], [30.0, 25.0])
    np.testing.assert_array_equal(derived["support_calls_per_year"], [36.0, 6.0])


def test_column_order_is_stable_and_documented(synthetic_rows):
    # GIVEN data with every category, fitted twice in different row orders
    rows = synthetic_rows(300)
    shuffled = rows[:]
    random.Random(1).shuffle(shuffled)

    # WHEN the feature names are read
    names = FeatureSpec.fit(rows).feature_names()

    # THEN they are the documented list, whatever the row order
    assert names == FULL_VOCABULARY_NAMES
    assert FeatureSpec.fit(shuffled).feature_names() == names
    assert FeatureSpec.fit(shuffled) == FeatureSpec.fit(rows)  # exactly: fitting ignores row order
    assert FeatureSpec.fit(rows).transform(rows[:5]).shape == (5, len(names))
    # and the module docstring lists them in this order
    doc = features.__doc__
    position = doc.index("Output column order")
    for name in names:
        position = doc.index(name, position) + len(name)


def test_to_json_and_from_json_round_trip(synthetic_rows):
    # GIVEN a fitted spec
    rows = synthetic_rows(200)
    spec = FeatureSpec.fit(rows)

    # WHEN it is written and read back
    loaded = FeatureSpec.from_json(spec.to_json())

    # THEN it is equal and transforms identically
    assert loaded == spec
    np.testing.assert_array_equal(loaded.transform(rows), spec.transform(rows))
    assert json.loads(spec.to_json())["feature_names"] == spec.feature_names()


def test_from_json_rejects_a_spec_from_other_feature_code():
    # GIVEN a saved spec whose column list differs from what this code produces
    data = json.loads(FeatureSpec.fit(TRAIN).to_json())
    data["feature_names"] = data["feature_names"][:-1]

    # WHEN / THEN loading fails instead of serving skewed features
    with pytest.raises(ValueError, match="feature spec columns differ"):
        FeatureSpec.from_json(json.dumps(data))
    with pytest.raises(ValueError, match="format_version"):
        FeatureSpec.from_json(json.dumps(dict(data, format_version=99)))


def test_bad_values_are_rejected_with_the_column_name():
    # GIVEN a spec
    spec = FeatureSpec.fit(TRAIN)

    # WHEN / THEN a non-number or an infinite number fails and names its column
    with pytest.raises(ValueError, match="monthly_charges: expected a number, got 'abc'"):
        spec.transform([dict(TRAIN[0], monthly_charges="abc")])
    with pytest.raises(ValueError, match="tenure_months: expected a finite number"):
        spec.transform([dict(TRAIN[0], tenure_months="inf")])
    with pytest.raises(ValueError, match="support_calls: expected a finite number"):
        spec.transform([dict(TRAIN[0], support_calls=float("-inf"))])
    with pytest.raises(ValueError, match="tenure_months: expected a number, got True"):
        spec.transform([dict(TRAIN[0], tenure_months=True)])
    with pytest.raises(ValueError, match="zero rows"):
        FeatureSpec.fit([])
    with pytest.raises(ValueError, match="total_charges: every training value is missing"):
        FeatureSpec.fit([dict(r, total_charges="") for r in TRAIN])


def test_constant_column_scales_by_one():
    # GIVEN training rows that all have the same monthly charge
    spec = FeatureSpec.fit([dict(r, monthly_charges="70") for r in TRAIN])

    # THEN its std is 1 and a different value is shifted, not divided by zero
    assert spec.stds["monthly_charges"] == 1.0
    assert spec.transform([dict(TRAIN[0], monthly_charges="75")])[0][1] == 5.0


def test_labels_and_csv_formatting():
    # GIVEN labels and a small matrix
    # WHEN / THEN labels parse strictly and the CSV reads back as the same floats
    assert [features.parse_label(v) for v in ("0", "1", 1, "1.0")] == [0, 1, 1, 1]
    with pytest.raises(ValueError, match="churned: expected 0 or 1"):
        features.parse_label("2")
    matrix = np.array([[0.1, -2.0, 1 / 3], [1e-20, 3.0, 0.0]])
    text = features.to_csv(matrix, [1, 0])
    assert text.splitlines()[0].split(",")[:3] == ["1", "0.1", "-2"]
    np.testing.assert_array_equal(np.loadtxt(text.splitlines(), delimiter=",")[:, 1:], matrix)
    assert features.to_csv(np.zeros((0, 3))) == ""
