"""The platform's drift and quality maths (stage 5): numpy and scipy only, no I/O, no clock.

The drift job (``drift_job.py``) reads a window of captured requests and the baseline statistics the training
pipeline registered with the approved version (SageMaker's data-quality ``statistics.json``), and calls
:func:`analyse_window`. The result becomes the CloudWatch metrics of the contract below and the run's report.

The metric contract (lib/vocabulary.ts ``DRIFT_METRICS`` spells the same names; a test keeps them equal):

- namespace ``MLOps/ModelDrift``; every metric has the dimensions ``Environment`` and ``Model``, the
  per-feature ones also ``Feature``, ``LiveQuality`` also ``Metric``;
- ``Samples``: records analysed in the window; ``InsufficientData``: 1 when they are fewer than the minimum;
- ``FeaturePSI`` and ``FeatureKS`` (numeric features) per feature, ``MaxFeaturePSI``, ``DriftedFeatures``,
  ``PredictionPSI``;
- ``DataDrift``: 1 when a feature's PSI or the prediction PSI reaches the threshold, else 0 (0 below the minimum);
- ``MissingValueViolations`` (features whose missing rate rose past the tolerance), ``SchemaViolations``
  (records with the wrong number of columns or a non-number in a numeric feature);
- ``GroundTruthSamples``, ``LiveQuality`` (the training metric on joined ground truth) and ``QualityViolation``
  (1 when it is below the minimum with enough ground truth, else 0).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

import numpy as np
from scipy import stats

NAMESPACE = "MLOps/ModelDrift"
METRICS = {
    "samples": "Samples",
    "insufficientData": "InsufficientData",
    "featurePsi": "FeaturePSI",
    "featureKs": "FeatureKS",
    "maxFeaturePsi": "MaxFeaturePSI",
    "driftedFeatures": "DriftedFeatures",
    "predictionPsi": "PredictionPSI",
    "dataDrift": "DataDrift",
    "missingValueViolations": "MissingValueViolations",
    "schemaViolations": "SchemaViolations",
    "groundTruthSamples": "GroundTruthSamples",
    "liveQuality": "LiveQuality",
    "qualityViolation": "QualityViolation",
}
DIMENSIONS = {"environment": "Environment", "model": "Model", "feature": "Feature", "metric": "Metric"}

#: PSI at or above which a distribution has drifted (the common rule of thumb: < 0.1 stable, >= 0.2 shifted).
DEFAULT_PSI_THRESHOLD = 0.2
#: Records a window needs before it can say anything about drift.
DEFAULT_MIN_SAMPLES = 100
#: Rise of a feature's missing rate over the baseline's that counts as a violation.
DEFAULT_MISSING_TOLERANCE = 0.05
#: Bins of a numeric feature when the baseline has no histogram of its own.
DEFAULT_BINS = 10
#: Floor of a bin's share in the PSI, so that an empty bin gives a large but finite term.
EPSILON = 1e-4


# ---------------------------------------------------------------------------------------------------------------
# Distances
# ---------------------------------------------------------------------------------------------------------------


def psi(expected: Sequence[float], actual: Sequence[float], epsilon: float = EPSILON) -> float:
    """Population stability index of two histograms over the same bins (counts or shares).

    sum((a - e) * ln(a / e)) over the bins' shares, each share floored at ``epsilon``.
    """
    e = np.asarray(expected, dtype=np.float64)
    a = np.asarray(actual, dtype=np.float64)
    if e.shape != a.shape or e.ndim != 1 or e.size == 0:
        raise ValueError(f"psi needs two histograms over the same bins, got {e.shape} and {a.shape}")
    if e.sum() <= 0 or a.sum() <= 0:
        raise ValueError("psi needs two non-empty histograms")
    e = np.maximum(e / e.sum(), epsilon)
    a = np.maximum(a / a.sum(), epsilon)
    return float(np.sum((a - e) * np.log(a / e)))


def quantile_edges(values: Sequence[float], bins: int = DEFAULT_BINS) -> np.ndarray:
    """Inner edges of equal-frequency bins of the baseline values (duplicates dropped)."""
    v = np.asarray(values, dtype=np.float64)
    if v.size == 0:
        raise ValueError("quantile_edges needs values")
    inner = np.quantile(v, np.linspace(0, 1, bins + 1)[1:-1])
    return np.unique(inner)


def histogram(values: Sequence[float], inner_edges: Sequence[float]) -> np.ndarray:
    """Counts of values in the open-ended bins (-inf, e1), [e1, e2), ..., [ek, inf)."""
    v = np.asarray(values, dtype=np.float64)
    index = np.searchsorted(np.asarray(inner_edges, dtype=np.float64), v, side="right")
    return np.bincount(index, minlength=len(inner_edges) + 1).astype(np.float64)


def psi_numeric(baseline: Sequence[float], live: Sequence[float], bins: int = DEFAULT_BINS) -> float:
    """PSI of a numeric feature over equal-frequency bins of the baseline sample."""
    edges = quantile_edges(baseline, bins)
    return psi(histogram(baseline, edges), histogram(live, edges))


def psi_categorical(baseline_counts: Mapping[str, float], live: Sequence[str]) -> float:
    """PSI of a categorical feature: one bin per baseline category and one for every category it never saw."""
    categories = sorted(baseline_counts)
    position = {c: i for i, c in enumerate(categories)}
    expected = np.array([float(baseline_counts[c]) for c in categories] + [0.0])
    actual = np.zeros(len(categories) + 1)
    for value in live:
        actual[position.get(value, len(categories))] += 1
    return psi(expected, actual)


def ks_two_sample(a: Sequence[float], b: Sequence[float]) -> float:
    """Two-sample Kolmogorov-Smirnov statistic: the largest gap between the two empirical CDFs."""
    x = np.sort(np.asarray(a, dtype=np.float64))
    y = np.sort(np.asarray(b, dtype=np.float64))
    if x.size == 0 or y.size == 0:
        raise ValueError("ks_two_sample needs two non-empty samples")
    grid = np.concatenate([x, y])
    cdf_x = np.searchsorted(x, grid, side="right") / x.size
    cdf_y = np.searchsorted(y, grid, side="right") / y.size
    return float(np.max(np.abs(cdf_x - cdf_y)))


def ks_against_cdf(live: Sequence[float], cdf) -> float:
    """One-sample Kolmogorov-Smirnov statistic of the live values against a continuous baseline CDF."""
    x = np.sort(np.asarray(live, dtype=np.float64))
    if x.size == 0:
        raise ValueError("ks_against_cdf needs values")
    f = np.asarray(cdf(x), dtype=np.float64)
    n = x.size
    above = np.arange(1, n + 1) / n - f
    below = f - np.arange(0, n) / n
    return float(max(above.max(), below.max()))


def ks_pvalue(statistic: float, n: int) -> float:
    """p-value of a one-sample KS statistic over n values (scipy's exact two-sided distribution)."""
    return float(stats.kstwo.sf(statistic, n))


@dataclass(frozen=True)
class Histogram:
    """A baseline histogram of a numeric feature: bucket bounds (ascending, k + 1 of them) and counts (k)."""

    bounds: Tuple[float, ...]
    counts: Tuple[float, ...]

    def cdf(self, values: np.ndarray) -> np.ndarray:
        """Piecewise-linear CDF through the bucket bounds: 0 below the first, 1 above the last."""
        cumulative = np.concatenate([[0.0], np.cumsum(self.counts)])
        cumulative = cumulative / cumulative[-1]
        return np.interp(values, np.asarray(self.bounds), cumulative, left=0.0, right=1.0)

    def psi(self, live: Sequence[float]) -> float:
        """PSI of live values over the histogram's buckets, the outer ones open-ended."""
        inner = np.asarray(self.bounds[1:-1], dtype=np.float64)
        return psi(np.asarray(self.counts), histogram(live, inner))


# ---------------------------------------------------------------------------------------------------------------
# Baselines (SageMaker data-quality and model-quality statistics)
# ---------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FeatureBaseline:
    name: str
    kind: str  # "numeric" or "categorical"
    missing_rate: float
    histogram: Optional[Histogram] = None
    categories: Optional[Dict[str, float]] = None


def parse_data_statistics(document: Mapping[str, Any]) -> List[FeatureBaseline]:
    """The features of a data-quality ``statistics.json``, in the order of the request columns."""
    features = document.get("features")
    if not isinstance(features, list) or not features:
        raise ValueError("the baseline statistics list no features")
    result = []
    for feature in features:
        name = feature.get("name")
        if not isinstance(name, str) or not name:
            raise ValueError(f"a baseline feature has no name: {feature!r}")
        numeric = feature.get("numerical_statistics")
        text = feature.get("string_statistics")
        section = numeric or text or {}
        common = section.get("common", {})
        present = float(common.get("num_present", 0))
        missing = float(common.get("num_missing", 0))
        missing_rate = missing / (present + missing) if present + missing > 0 else 0.0
        if numeric:
            buckets = numeric.get("distribution", {}).get("kll", {}).get("buckets", [])
            if not buckets:
                raise ValueError(f"baseline feature {name!r} has no KLL histogram")
            bounds = tuple([float(buckets[0]["lower_bound"])] + [float(b["upper_bound"]) for b in buckets])
            counts = tuple(float(b["count"]) for b in buckets)
            if sum(counts) <= 0 or bounds[-1] <= bounds[0]:
                # a constant feature: one bucket of zero width; widen it so the CDF is defined
                bounds = (bounds[0] - 0.5, bounds[0] + 0.5)
                counts = (max(sum(counts), 1.0),)
            result.append(FeatureBaseline(name, "numeric", missing_rate, histogram=Histogram(bounds, counts)))
        elif text:
            buckets = text.get("distribution", {}).get("categorical", {}).get("buckets", [])
            categories = {str(b["value"]): float(b["count"]) for b in buckets}
            if not categories:
                raise ValueError(f"baseline feature {name!r} has no categorical distribution")
            result.append(FeatureBaseline(name, "categorical", missing_rate, categories=categories))
        else:
            raise ValueError(f"baseline feature {name!r} has neither numerical nor string statistics")
    return result


def predicted_positive_rate(document: Mapping[str, Any]) -> Optional[float]:
    """Share of positive predictions in a binary model-quality ``statistics.json`` (its confusion matrix)."""
    metrics = document.get("binary_classification_metrics", {})
    matrix = metrics.get("confusion_matrix")
    if not isinstance(matrix, Mapping):
        return None
    total = sum(float(v) for row in matrix.values() for v in row.values())
    positive = sum(float(row.get("1", 0)) for row in matrix.values())
    return positive / total if total > 0 else None


# ---------------------------------------------------------------------------------------------------------------
# One window
# ---------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Thresholds:
    psi: float = DEFAULT_PSI_THRESHOLD
    min_samples: int = DEFAULT_MIN_SAMPLES
    missing_tolerance: float = DEFAULT_MISSING_TOLERANCE
    #: decision threshold of the positive class
    positive_threshold: float = 0.5
    quality_metric: Optional[str] = None
    quality_minimum: Optional[float] = None


@dataclass
class FeatureResult:
    name: str
    kind: str
    samples: int
    missing_rate: float
    baseline_missing_rate: float
    missing_violation: bool
    psi: Optional[float] = None
    ks: Optional[float] = None
    ks_pvalue: Optional[float] = None
    unseen_categories: int = 0
    drifted: bool = False


@dataclass
class WindowResult:
    samples: int
    insufficient_data: bool
    schema_violations: int
    features: List[FeatureResult] = field(default_factory=list)
    prediction_psi: Optional[float] = None
    data_drift: bool = False
    ground_truth_samples: int = 0
    live_quality: Optional[float] = None
    quality_violation: bool = False

    @property
    def max_feature_psi(self) -> Optional[float]:
        values = [f.psi for f in self.features if f.psi is not None]
        return max(values) if values else None

    @property
    def drifted_features(self) -> List[str]:
        return [f.name for f in self.features if f.drifted]

    @property
    def missing_value_violations(self) -> int:
        return sum(1 for f in self.features if f.missing_violation)

    def to_dict(self) -> Dict[str, Any]:
        result = asdict(self)
        result.update(
            max_feature_psi=self.max_feature_psi,
            drifted_features=self.drifted_features,
            missing_value_violations=self.missing_value_violations,
        )
        return result


def _number(text: str) -> Tuple[Optional[float], bool]:
    """(value, ok): None for a blank cell, ok False for a cell that is not a number."""
    stripped = text.strip()
    if stripped == "" or stripped.lower() in ("nan", "na", "null", "none"):
        return None, True
    try:
        value = float(stripped)
    except ValueError:
        return None, False
    return (value, True) if math.isfinite(value) else (None, True)


def analyse_window(
    rows: Sequence[Sequence[str]],
    baseline: Sequence[FeatureBaseline],
    thresholds: Thresholds = Thresholds(),
    predictions: Optional[Sequence[float]] = None,
    baseline_positive_rate: Optional[float] = None,
    labelled: Optional[Sequence[Tuple[int, float]]] = None,
    quality: Optional[Any] = None,
) -> WindowResult:
    """Compares one window of captured requests (rows of cells in the baseline's column order) with the baseline.

    ``predictions`` are the positive-class scores of the same requests; ``labelled`` pairs of (label, score)
    joined from ground truth; ``quality(labels, scores) -> float`` computes the training metric on them.
    Below ``thresholds.min_samples`` valid records the window is insufficient data: no distance is computed and
    nothing counts as drift.
    """
    width = len(baseline)
    valid: List[Sequence[str]] = [row for row in rows if len(row) == width]
    schema_violations = len(rows) - len(valid)
    columns: List[List[Any]] = [[] for _ in baseline]
    missing = [0] * width
    bad_rows = set()
    for r, row in enumerate(valid):
        for i, feature in enumerate(baseline):
            cell = row[i]
            if feature.kind == "numeric":
                value, ok = _number(cell)
                if not ok:
                    bad_rows.add(r)
                elif value is None:
                    missing[i] += 1
                else:
                    columns[i].append(value)
            else:
                text = cell.strip()
                if text == "":
                    missing[i] += 1
                else:
                    columns[i].append(text)
    schema_violations += len(bad_rows)
    samples = len(valid) - len(bad_rows)
    result = WindowResult(samples=samples, insufficient_data=samples < thresholds.min_samples, schema_violations=schema_violations)

    for i, feature in enumerate(baseline):
        rate = missing[i] / len(valid) if valid else 0.0
        outcome = FeatureResult(
            name=feature.name,
            kind=feature.kind,
            samples=len(columns[i]),
            missing_rate=rate,
            baseline_missing_rate=feature.missing_rate,
            missing_violation=bool(valid) and rate > feature.missing_rate + thresholds.missing_tolerance,
        )
        if not result.insufficient_data and len(columns[i]) >= thresholds.min_samples:
            if feature.kind == "numeric" and feature.histogram is not None:
                values = np.asarray(columns[i], dtype=np.float64)
                outcome.psi = feature.histogram.psi(values)
                outcome.ks = ks_against_cdf(values, feature.histogram.cdf)
                outcome.ks_pvalue = ks_pvalue(outcome.ks, values.size)
            elif feature.categories is not None:
                outcome.psi = psi_categorical(feature.categories, columns[i])
                outcome.unseen_categories = len({v for v in columns[i] if v not in feature.categories})
            outcome.drifted = outcome.psi is not None and outcome.psi >= thresholds.psi
        result.features.append(outcome)

    if not result.insufficient_data and predictions is not None and baseline_positive_rate is not None:
        scores = np.asarray(predictions, dtype=np.float64)
        if scores.size >= thresholds.min_samples:
            positive = float(np.sum(scores >= thresholds.positive_threshold))
            result.prediction_psi = psi(
                [1 - baseline_positive_rate, baseline_positive_rate], [scores.size - positive, positive]
            )
    result.data_drift = not result.insufficient_data and (
        any(f.drifted for f in result.features)
        or (result.prediction_psi is not None and result.prediction_psi >= thresholds.psi)
    )

    if labelled:
        result.ground_truth_samples = len(labelled)
        labels = [int(label) for label, _ in labelled]
        if quality is not None and len(labelled) >= thresholds.min_samples and len(set(labels)) == 2:
            result.live_quality = float(quality(labels, [float(score) for _, score in labelled]))
            if thresholds.quality_minimum is not None:
                result.quality_violation = result.live_quality < thresholds.quality_minimum
    return result


def metric_data(result: WindowResult, environment: str, model: str, quality_metric: Optional[str]) -> List[Dict[str, Any]]:
    """The window as CloudWatch metric data of the contract (without timestamps)."""
    base = [{"Name": DIMENSIONS["environment"], "Value": environment}, {"Name": DIMENSIONS["model"], "Value": model}]

    def datum(key: str, value: float, unit: str = "None", extra: Optional[List[Dict[str, str]]] = None):
        return {"MetricName": METRICS[key], "Dimensions": base + (extra or []), "Value": float(value), "Unit": unit}

    data = [
        datum("samples", result.samples, "Count"),
        datum("insufficientData", 1 if result.insufficient_data else 0),
        datum("dataDrift", 1 if result.data_drift else 0),
        datum("schemaViolations", result.schema_violations, "Count"),
        datum("missingValueViolations", result.missing_value_violations, "Count"),
        datum("groundTruthSamples", result.ground_truth_samples, "Count"),
        datum("qualityViolation", 1 if result.quality_violation else 0),
    ]
    if not result.insufficient_data:
        data.append(datum("driftedFeatures", len(result.drifted_features), "Count"))
        if result.max_feature_psi is not None:
            data.append(datum("maxFeaturePsi", result.max_feature_psi))
        if result.prediction_psi is not None:
            data.append(datum("predictionPsi", result.prediction_psi))
        for feature in result.features:
            extra = [{"Name": DIMENSIONS["feature"], "Value": feature.name}]
            if feature.psi is not None:
                data.append(datum("featurePsi", feature.psi, extra=extra))
            if feature.ks is not None:
                data.append(datum("featureKs", feature.ks, extra=extra))
    if result.live_quality is not None and quality_metric:
        data.append(datum("liveQuality", result.live_quality, extra=[{"Name": DIMENSIONS["metric"], "Value": quality_metric}]))
    return data
