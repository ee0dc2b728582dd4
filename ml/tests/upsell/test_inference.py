"""inference.py: the preprocessing container of the inference pipeline, in front of the predictor container."""

from __future__ import annotations

import csv
import io
import json

import numpy as np
import pytest

from upsell import inference
from upsell.features import ID_COLUMN, RAW_FEATURE_COLUMNS, FeatureSpec


@pytest.fixture
def spec(synthetic_rows) -> FeatureSpec:
    return FeatureSpec.fit(synthetic_rows(300, seed=1))


@pytest.fixture
def requests(synthetic_rows):
    """Raw records without id or label, as a client sends them."""
    return [{c: r[c] for c in RAW_FEATURE_COLUMNS} for r in synthetic_rows(20, seed=2)]


def headerless_csv(records) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([[r[c] for c in RAW_FEATURE_COLUMNS] for r in records])
    return out.getvalue().encode("utf-8")


def serve(spec, body, content_type="text/csv", accept="text/csv"):
    return inference.output_fn(inference.predict_fn(inference.input_fn(body, content_type), spec), accept)


def test_model_fn_loads_the_spec_saved_with_the_model(tmp_path, spec):
    # GIVEN a model directory holding feature_spec.json
    (tmp_path / "feature_spec.json").write_text(spec.to_json())

    # WHEN / THEN model_fn returns the same spec
    assert inference.model_fn(str(tmp_path)) == spec


def test_headerless_csv_gives_the_training_transform(spec, requests):
    # GIVEN raw records as a headerless CSV request in RAW_FEATURE_COLUMNS order
    body = headerless_csv(requests)

    # WHEN they pass input_fn and predict_fn
    matrix = inference.predict_fn(inference.input_fn(body, "text/csv"), spec)

    # THEN the rows are exactly FeatureSpec.transform's
    np.testing.assert_array_equal(matrix, spec.transform(requests))


def test_every_request_format_gives_the_same_features(spec, requests):
    # GIVEN the same records as CSV with a header (other column order, extra id), and as JSON
    out = io.StringIO()
    columns = [ID_COLUMN, *reversed(RAW_FEATURE_COLUMNS)]
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows([dict(r, **{ID_COLUMN: f"A{i}"}) for i, r in enumerate(requests)])
    expected = serve(spec, headerless_csv(requests))

    # WHEN / THEN every format serves the same CSV
    assert serve(spec, out.getvalue(), "text/csv; charset=utf-8") == expected
    assert serve(spec, json.dumps({"instances": requests}), "application/json") == expected
    assert serve(spec, json.dumps(requests).encode(), "application/json") == expected
    assert serve(spec, json.dumps(requests[0]), "application/json")[0] == expected[0].splitlines(keepends=True)[0]


def test_json_numbers_and_nulls_are_accepted(spec, requests):
    # GIVEN a JSON record with real numbers and a null total
    record = {"seats": 12, "monthly_spend": 180.5, "usage_ratio": None, "months_active": 3, "plan": "standard",
              "region": "apac", "billing_cycle": "monthly"}
    as_text = {k: "" if v is None else str(v) for k, v in record.items()}

    # WHEN / THEN it serves like its CSV spelling
    assert serve(spec, json.dumps(record), "application/json") == serve(spec, headerless_csv([as_text]))


def test_output_is_numeric_csv_for_the_predictor_whatever_the_accept(spec, requests):
    # GIVEN a request
    body = headerless_csv(requests)

    # WHEN the output is rendered for JSON and CSV clients
    text, content_type = serve(spec, body, accept="application/json")

    # THEN it is always headerless text/csv reading back as the exact feature values
    assert content_type == "text/csv"
    assert (text, content_type) == serve(spec, body, accept="text/csv")
    np.testing.assert_array_equal(np.loadtxt(text.splitlines(), delimiter=","), spec.transform(requests))


def test_bad_requests_fail_with_a_message(spec):
    # GIVEN / WHEN / THEN a wrong column count, a non-object JSON and another content type fail clearly
    with pytest.raises(ValueError, match="headerless CSV rows need 7 columns"):
        inference.input_fn(b"12,70.5,800\n", "text/csv")
    with pytest.raises(ValueError, match="objects keyed by column name"):
        inference.input_fn("[[1, 2]]", "application/json")
    with pytest.raises(ValueError, match="unsupported content type 'application/x-npy'"):
        inference.input_fn(b"", "application/x-npy")
    # and an empty request is no rows, not an error
    assert serve(spec, b"") == ("", "text/csv")
