"""The drift maths against scipy's reference values, and on generated data."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from mlops_shared import drift


def statistics_document(baseline: np.ndarray, categories=None, missing: int = 0) -> dict:
    """A data-quality statistics.json as SageMaker writes it: KLL buckets for numbers, counts for strings."""
    counts, edges = np.histogram(baseline, bins=10)
    features = [
        {
            "name": "tenure",
            "inferred_type": "Fractional",
            "numerical_statistics": {
                "common": {"num_present": int(baseline.size), "num_missing": missing},
                "mean": float(baseline.mean()),
                "std_dev": float(baseline.std()),
                "distribution": {
                    "kll": {
                        "buckets": [
                            {"lower_bound": float(lo), "upper_bound": float(hi), "count": float(c)}
                            for lo, hi, c in zip(edges[:-1], edges[1:], counts)
                        ]
                    }
                },
            },
        }
    ]
    if categories:
        features.append(
            {
                "name": "contract",
                "inferred_type": "String",
                "string_statistics": {
                    "common": {"num_present": sum(categories.values()), "num_missing": 0},
                    "distribution": {
                        "categorical": {"buckets": [{"value": k, "count": v} for k, v in categories.items()]}
                    },
                },
            }
        )
    return {"version": 0.0, "dataset": {"item_count": int(baseline.size)}, "features": features}


@pytest.fixture
def rng():
    return np.random.default_rng(20261207)


# --- maths against scipy -----------------------------------------------------------------------------------------


def test_two_sample_ks_matches_scipy(rng):
    a = rng.normal(0, 1, 700)
    b = rng.normal(0.3, 1.2, 450)
    assert drift.ks_two_sample(a, b) == pytest.approx(stats.ks_2samp(a, b).statistic, abs=1e-12)


def test_ks_against_a_cdf_matches_scipy_kstest_statistic_and_pvalue(rng):
    live = rng.normal(0.2, 1, 300)
    reference = stats.kstest(live, stats.norm.cdf)
    statistic = drift.ks_against_cdf(live, stats.norm.cdf)
    assert statistic == pytest.approx(reference.statistic, abs=1e-12)
    assert drift.ks_pvalue(statistic, live.size) == pytest.approx(reference.pvalue, rel=1e-6)


def test_ks_against_the_baseline_histogram_approximates_the_two_sample_statistic(rng):
    baseline = rng.normal(0, 1, 20_000)
    live = rng.normal(0.5, 1, 2_000)
    [feature] = drift.parse_data_statistics(statistics_document(baseline))
    assert drift.ks_against_cdf(live, feature.histogram.cdf) == pytest.approx(
        stats.ks_2samp(baseline, live).statistic, abs=0.02
    )


def test_psi_is_the_symmetric_kullback_leibler_divergence_of_the_shares():
    expected = np.array([0.1, 0.2, 0.3, 0.4])
    actual = np.array([0.25, 0.25, 0.25, 0.25])
    reference = stats.entropy(actual, expected) + stats.entropy(expected, actual)
    assert drift.psi(expected * 1000, actual * 80) == pytest.approx(reference, rel=1e-12)
    assert drift.psi(expected, expected) == 0.0


def test_psi_of_an_empty_bin_is_large_but_finite():
    value = drift.psi([50, 50, 0], [40, 40, 20])
    assert np.isfinite(value) and value > 1.0


def test_psi_rejects_histograms_over_different_bins():
    with pytest.raises(ValueError, match="same bins"):
        drift.psi([1, 2], [1, 2, 3])


def test_categorical_psi_puts_unseen_categories_in_a_bin_of_their_own():
    baseline = {"monthly": 600, "yearly": 400}
    same = ["monthly"] * 60 + ["yearly"] * 40
    assert drift.psi_categorical(baseline, same) == pytest.approx(0.0, abs=1e-12)
    unseen = ["monthly"] * 50 + ["yearly"] * 30 + ["weekly"] * 20
    assert drift.psi_categorical(baseline, unseen) == pytest.approx(
        drift.psi([600, 400, 0], [50, 30, 20]), rel=1e-12
    )


# --- the default threshold on generated data ---------------------------------------------------------------------


def window(rng, values: np.ndarray, contracts) -> list:
    return [[f"{v:.6f}", c] for v, c in zip(values, contracts)]


def test_a_feature_shifted_by_one_standard_deviation_crosses_the_default_psi_threshold_and_an_unshifted_one_does_not(rng):
    baseline = rng.normal(50, 10, 10_000)
    categories = {"monthly": 6000, "yearly": 4000}
    features = drift.parse_data_statistics(statistics_document(baseline, categories))
    contracts = rng.choice(["monthly", "yearly"], size=1_000, p=[0.6, 0.4])

    same = drift.analyse_window(window(rng, rng.normal(50, 10, 1_000), contracts), features)
    shifted = drift.analyse_window(window(rng, rng.normal(60, 10, 1_000), contracts), features)

    assert not same.insufficient_data and not same.data_drift
    assert same.features[0].psi < drift.DEFAULT_PSI_THRESHOLD
    assert shifted.data_drift
    assert shifted.features[0].psi >= drift.DEFAULT_PSI_THRESHOLD
    assert shifted.drifted_features == ["tenure"]
    # the unshifted categorical feature stays below the threshold in both windows
    assert shifted.features[1].psi < drift.DEFAULT_PSI_THRESHOLD
    assert shifted.features[0].ks > same.features[0].ks


def test_numeric_psi_over_equal_frequency_bins_sees_the_same_shift(rng):
    baseline = rng.normal(0, 1, 10_000)
    assert drift.psi_numeric(baseline, rng.normal(0, 1, 2_000)) < drift.DEFAULT_PSI_THRESHOLD
    assert drift.psi_numeric(baseline, rng.normal(1, 1, 2_000)) >= drift.DEFAULT_PSI_THRESHOLD


def test_below_the_minimum_samples_the_window_is_insufficient_data_and_no_drift(rng):
    baseline = rng.normal(50, 10, 10_000)
    features = drift.parse_data_statistics(statistics_document(baseline))
    few = [[f"{v:.4f}"] for v in rng.normal(90, 10, drift.DEFAULT_MIN_SAMPLES - 1)]

    result = drift.analyse_window(few, features)

    assert result.insufficient_data and not result.data_drift
    assert result.features[0].psi is None and result.features[0].ks is None
    published = {d["MetricName"]: d["Value"] for d in drift.metric_data(result, "dev", "churn", None)}
    assert published["InsufficientData"] == 1 and published["DataDrift"] == 0
    assert "FeaturePSI" not in published and "MaxFeaturePSI" not in published


def test_missing_values_and_schema_violations_are_counted(rng):
    baseline = rng.normal(50, 10, 10_000)
    features = drift.parse_data_statistics(statistics_document(baseline, {"a": 1, "b": 1}))
    rows = [[f"{v:.3f}", "a"] for v in rng.normal(50, 10, 150)]
    rows += [["", "b"]] * 30  # missing numbers: 30 of 200 valid rows
    rows += [["abc", "a"]] * 5  # not a number
    rows += [["1.0"]] * 15  # a column short

    result = drift.analyse_window(rows, features)

    assert result.schema_violations == 20
    assert result.samples == 180
    assert result.features[0].missing_violation and not result.features[1].missing_violation
    assert result.missing_value_violations == 1


def test_prediction_drift_compares_the_predicted_positive_rate_with_the_baseline_confusion_matrix(rng):
    features = drift.parse_data_statistics(statistics_document(rng.normal(0, 1, 1000)))
    model_statistics = {"binary_classification_metrics": {"confusion_matrix": {"0": {"0": 700, "1": 100}, "1": {"0": 50, "1": 150}}}}
    rate = drift.predicted_positive_rate(model_statistics)
    assert rate == pytest.approx(0.25)
    rows = [[f"{v:.4f}"] for v in rng.normal(0, 1, 400)]
    steady = drift.analyse_window(rows, features, predictions=[0.9] * 100 + [0.1] * 300, baseline_positive_rate=rate)
    flipped = drift.analyse_window(rows, features, predictions=[0.9] * 300 + [0.1] * 100, baseline_positive_rate=rate)
    assert steady.prediction_psi == pytest.approx(0.0, abs=1e-12) and not steady.data_drift
    assert flipped.prediction_psi >= drift.DEFAULT_PSI_THRESHOLD and flipped.data_drift


def test_live_quality_is_the_training_metric_on_joined_ground_truth(rng):
    from mlops_shared import metrics

    features = drift.parse_data_statistics(statistics_document(rng.normal(0, 1, 1000)))
    rows = [[f"{v:.4f}"] for v in rng.normal(0, 1, 200)]
    labels = rng.integers(0, 2, 200)
    noise = rng.uniform(0, 1, 200)  # a model no better than chance
    thresholds = drift.Thresholds(quality_metric="auc", quality_minimum=0.75)
    result = drift.analyse_window(rows, features, thresholds, labelled=list(zip(labels, noise)), quality=metrics.auc)
    assert result.ground_truth_samples == 200
    assert result.live_quality == pytest.approx(metrics.auc(list(labels), list(noise)))
    assert result.quality_violation
    published = {d["MetricName"]: d for d in drift.metric_data(result, "dev", "churn", "auc")}
    assert published["QualityViolation"]["Value"] == 1
    assert {"Name": "Metric", "Value": "auc"} in published["LiveQuality"]["Dimensions"]


def test_every_metric_carries_the_contract_dimensions(rng):
    baseline = rng.normal(0, 1, 2000)
    features = drift.parse_data_statistics(statistics_document(baseline, {"a": 1}))
    result = drift.analyse_window([[f"{v}", "a"] for v in rng.normal(0, 1, 300)], features)
    data = drift.metric_data(result, "prod", "churn", None)
    assert {d["MetricName"] for d in data} <= set(drift.METRICS.values())
    for datum in data:
        names = [d["Name"] for d in datum["Dimensions"]]
        assert names[:2] == ["Environment", "Model"]
        assert ("Feature" in names) == (datum["MetricName"] in ("FeaturePSI", "FeatureKS"))


def test_a_baseline_without_features_is_refused():
    with pytest.raises(ValueError, match="no features"):
        drift.parse_data_statistics({"features": []})
