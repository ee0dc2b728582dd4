"""ingest.py: raw rows checked against the group's feature definitions and written with PutRecord."""

from __future__ import annotations

import argparse
import json
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest

from mlops_shared import ingest
from mlops_shared.ingest import GroupSchema, IngestionFailed, RetryPolicy
from tests.shared.fixture_model import CONTRACT, FEATURE_GROUP, FEATURES

ID = CONTRACT.id
RUN_TIME = datetime(2024, 5, 1, 12, 0, 0, tzinfo=timezone.utc)


def group_schema() -> GroupSchema:
    return GroupSchema.parse(FEATURES, ID, "event_time")


class ClientError(Exception):
    """Shaped like botocore's ClientError: the code is in response["Error"]["Code"]."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.response = {"Error": {"Code": code, "Message": f"{code} (fake)"}}


class FakeFeatureStore:
    """put_record of the sagemaker-featurestore-runtime client; `script` lists the errors per record id, in order."""

    def __init__(self, script=None, delay: float = 0.0) -> None:
        self.script = {k: list(v) for k, v in (script or {}).items()}
        self.delay = delay
        self.calls = []
        self.in_flight = 0
        self.max_in_flight = 0
        self.lock = threading.Lock()

    def put_record(self, FeatureGroupName, Record):  # noqa: N803 - the client's keyword names
        record_id = next(v["ValueAsString"] for v in Record if v["FeatureName"] == ID)
        with self.lock:
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            self.calls.append((FeatureGroupName, Record))
            errors = self.script.get(record_id)
            error = errors.pop(0) if errors else None
        try:
            if self.delay:
                time.sleep(self.delay)
            if error:
                raise ClientError(error)
        finally:
            with self.lock:
                self.in_flight -= 1

    def records(self):
        return [{v["FeatureName"]: v["ValueAsString"] for v in record} for _, record in self.calls]


def job_args(tmp_path: Path, **overrides) -> argparse.Namespace:
    argv = [
        "--input", str(tmp_path / "input"), "--output", str(tmp_path / "manifest"),
        "--feature-group", FEATURE_GROUP, "--region", "eu-west-1",
        "--record-identifier", ID, "--event-time-feature", "event_time",
        "--message-file", str(tmp_path / "output" / "message"),
        "--features", *FEATURES,
    ]
    for key, value in overrides.items():
        argv += [f"--{key.replace('_', '-')}", str(value)]
    return ingest.parse_args(argv)


def no_sleep(_seconds: float) -> None:
    pass


class TestFeatureDefinitions:
    def test_name_type_arguments_give_the_schema_in_order(self):
        # GIVEN the group's definitions as the pipeline passes them WHEN parsed
        schema = group_schema()

        # THEN every feature keeps its order and type
        assert schema.names[:3] == ["account_id", "event_time", "tenure_months"]
        assert schema.feature("monthly_fee").type == "fractional"
        assert GroupSchema.from_json(json.loads(json.dumps(schema.to_json()))) == schema

    @pytest.mark.parametrize(
        "specs, record_id, event_time, message",
        [
            (["id:string", "t:string", "x:decimal"], "id", "t", "'x' has type 'decimal'"),
            (["id:string", "t:string"], "account_id", "t", "record identifier 'account_id' is not one of the features"),
            (["id:fractional", "t:string"], "id", "t", "record identifier 'id' has type 'fractional'"),
            (["id:string", "t:integral"], "id", "t", "event time 't' has type 'integral', expected string or fractional"),
            (["id:string", "t:string", "id:integral"], "id", "t", "duplicate features ['id']"),
            (["id:string", "t:string", "is_deleted:integral"], "id", "t", "'is_deleted' has a name Feature Store reserves"),
            (["id", "t:string"], "id", "t", "expected name:type, got 'id'"),
        ],
    )
    def test_invalid_definitions_are_refused_with_the_reason(self, specs, record_id, event_time, message):
        # GIVEN / WHEN / THEN
        with pytest.raises(ValueError, match="invalid feature definitions") as error:
            GroupSchema.parse(specs, record_id, event_time)
        assert message in str(error.value)


class TestValues:
    @pytest.mark.parametrize(
        "raw, kind, expected",
        [
            ("12", "integral", "12"),
            (" 12.0 ", "integral", "12"),
            ("-3", "integral", "-3"),
            ("1e3", "integral", "1000"),
            ("29.85", "fractional", "29.85"),
            ("1e3", "fractional", "1000"),
            ("0.000012", "fractional", "1.2e-05"),
            ("7", "fractional", "7"),
            ("  fiber ", "string", "fiber"),
            ("", "integral", None),
            ("   ", "string", None),
            (None, "fractional", None),
        ],
    )
    def test_cells_become_the_value_as_string_of_their_type(self, raw, kind, expected):
        assert ingest.coerce(raw, kind) == expected

    @pytest.mark.parametrize(
        "raw, kind, message",
        [
            ("12.5", "integral", "expected a whole number"),
            ("abc", "integral", "expected a number"),
            ("true", "integral", "expected a number"),
            (str(2**63), "integral", "expected a 64-bit integer"),
            ("nan", "fractional", "expected a finite number"),
            ("inf", "fractional", "expected a finite number"),
            ("twelve", "fractional", "expected a number"),
        ],
    )
    def test_cells_that_do_not_fit_their_type_are_refused(self, raw, kind, message):
        with pytest.raises(ValueError, match=message):
            ingest.coerce(raw, kind)

    @pytest.mark.parametrize(
        "raw, expected",
        [
            ("2024-04-30T10:15:00Z", "2024-04-30T10:15:00Z"),
            ("2024-04-30T12:15:00+02:00", "2024-04-30T10:15:00Z"),
            ("2024-04-30 05:15:00-0500", "2024-04-30T10:15:00Z"),
            ("2024-04-30T10:15:00.5Z", "2024-04-30T10:15:00.500Z"),
            ("2024-04-30T10:15:00.123456789Z", "2024-04-30T10:15:00.123Z"),
        ],
    )
    def test_event_times_are_written_in_a_form_feature_store_accepts(self, raw, expected):
        value, seconds, stamped = ingest.event_time_value(raw, "string", RUN_TIME)
        assert (value, stamped) == (expected, False)
        assert seconds == ingest.parse_iso_time(expected).timestamp()

    @pytest.mark.parametrize(
        "raw, message",
        [
            ("2024-04-30T10:15:00", "time zone"),
            ("30/04/2024 10:15", "ISO-8601"),
            ("2024-02-30T10:15:00Z", "valid calendar date"),
        ],
    )
    def test_event_times_without_zone_or_not_iso_are_refused(self, raw, message):
        with pytest.raises(ValueError, match=message):
            ingest.event_time_value(raw, "string", RUN_TIME)

    def test_a_missing_event_time_is_the_run_time(self):
        # GIVEN a blank cell WHEN read as a string or a fractional event time THEN it is the run's time, stamped
        assert ingest.event_time_value("", "string", RUN_TIME) == ("2024-05-01T12:00:00Z", RUN_TIME.timestamp(), True)
        assert ingest.event_time_value(None, "fractional", RUN_TIME) == ("1714564800", 1714564800.0, True)
        assert ingest.event_time_value("1714560000.5", "fractional", RUN_TIME) == ("1714560000.5", 1714560000.5, False)


class TestIngestion:
    def test_every_row_becomes_one_record_of_its_features_and_the_manifest_says_what_was_written(
        self, tmp_path, synthetic_rows, raw_csv
    ):
        # GIVEN raw rows without event times, over two files, one with a blank balance
        rows = synthetic_rows(40)
        rows[3]["balance"] = ""
        raw_csv(rows[:25], "input/part-1.csv")
        raw_csv(rows[25:], "input/more/part-2.csv")
        store = FakeFeatureStore()

        # WHEN the job runs
        manifest = ingest.run(job_args(tmp_path), store, RUN_TIME)

        # THEN each row is put once to the group, its values as strings in feature order, stamped with the run time
        assert len(store.calls) == 40
        assert {name for name, _ in store.calls} == {FEATURE_GROUP}
        by_id = {r["account_id"]: r for r in store.records()}
        complete = next(row for row in rows if row["balance"])
        first = by_id[complete["account_id"]]
        assert list(first) == [f.split(":")[0] for f in FEATURES]
        assert first["event_time"] == "2024-05-01T12:00:00Z"
        assert first["tenure_months"] == complete["tenure_months"]
        assert float(first["monthly_fee"]) == float(complete["monthly_fee"])
        # and a blank cell is left out of the record (null in the offline store)
        assert "balance" not in by_id[rows[3]["account_id"]]
        # and the manifest describes the run for offline_store.py
        written = json.loads((tmp_path / "manifest" / "manifest.json").read_text())
        assert written == manifest
        assert manifest["record_count"] == 40 and manifest["rows"] == 40
        assert manifest["run_time"] == manifest["event_time_min"] == manifest["event_time_max"] == "2024-05-01T12:00:00Z"
        assert manifest["stamped_event_times"] == 40
        assert manifest["schema"] == group_schema().to_json()
        assert manifest["feature_group"] == FEATURE_GROUP

    def test_rows_that_carry_their_own_event_time_keep_it(self, tmp_path, synthetic_rows, raw_csv):
        # GIVEN rows with an event_time column, one cell blank
        rows = synthetic_rows(3)
        times = ["2024-04-01T00:00:00Z", "", "2024-04-02T08:00:00+02:00"]
        for row, moment in zip(rows, times):
            row["event_time"] = moment
        raw_csv(rows, "input/data.csv", columns=["event_time", *(c for c in rows[0] if c != "event_time")])
        store = FakeFeatureStore()

        # WHEN ingested
        manifest = ingest.run(job_args(tmp_path), store, RUN_TIME)

        # THEN each keeps its own time in UTC, the blank one gets the run time, and the range covers them
        by_id = {r["account_id"]: r["event_time"] for r in store.records()}
        assert [by_id[r["account_id"]] for r in rows] == [
            "2024-04-01T00:00:00Z", "2024-05-01T12:00:00Z", "2024-04-02T06:00:00Z"]
        assert manifest["stamped_event_times"] == 1
        assert (manifest["event_time_min"], manifest["event_time_max"]) == ("2024-04-01T00:00:00Z", "2024-05-01T12:00:00Z")

    def test_invalid_rows_fail_the_job_before_anything_is_written(self, tmp_path, synthetic_rows, raw_csv):
        # GIVEN rows with a word for a number, a fraction for an integer, a blank id and a future event time
        rows = synthetic_rows(6)
        rows[1]["tenure_months"] = "twelve"
        rows[2]["tickets"] = "1.5"
        rows[3]["account_id"] = ""
        for row in rows:
            row["event_time"] = "2024-04-01T00:00:00Z"
        rows[4]["event_time"] = "2024-05-02T00:00:00Z"
        raw_csv(rows, "input/data.csv", columns=[*rows[0].keys()])
        store = FakeFeatureStore()

        # WHEN the job runs
        with pytest.raises(IngestionFailed) as error:
            ingest.run(job_args(tmp_path), store, RUN_TIME)

        # THEN nothing is written and the summary names each file, line and feature (never the value)
        assert store.calls == []
        message = str(error.value)
        assert message.startswith("4 problems in 6 rows, nothing written: ")
        assert "data.csv:3: tenure_months: expected a number" in message
        assert "data.csv:4: tickets: expected a whole number" in message
        assert "data.csv:5: account_id: the record identifier is blank" in message
        assert "data.csv:6: event_time: event time is after the run's time" in message
        assert "twelve" not in message
        # and the summary is the job's ExitMessage
        assert (tmp_path / "output" / "message").read_text() == message
        assert not (tmp_path / "manifest").exists()

    def test_a_file_without_a_feature_column_fails_the_job(self, tmp_path, synthetic_rows, raw_csv):
        # GIVEN a file without the label column
        raw_csv(synthetic_rows(5), "input/data.csv", columns=[ID, *CONTRACT.request_columns])
        # WHEN / THEN
        with pytest.raises(IngestionFailed, match=r"data.csv: missing columns \['renewed'\]"):
            ingest.run(job_args(tmp_path), FakeFeatureStore(), RUN_TIME)

    def test_an_input_without_csv_files_fails_the_job_with_an_exit_message(self, tmp_path):
        (tmp_path / "input").mkdir()
        with pytest.raises(IngestionFailed, match="no .csv files under"):
            ingest.run(job_args(tmp_path), FakeFeatureStore(), RUN_TIME)
        assert (tmp_path / "output" / "message").read_text().startswith("no .csv files under")

    def test_duplicate_rows_are_written_once_and_conflicting_ones_fail(self, tmp_path, synthetic_rows, raw_csv):
        # GIVEN the same account twice with the same values
        rows = synthetic_rows(3)
        raw_csv([*rows, dict(rows[0])], "input/data.csv")
        store = FakeFeatureStore()
        # WHEN ingested THEN it is written once
        manifest = ingest.run(job_args(tmp_path), store, RUN_TIME)
        assert len(store.calls) == 3 and manifest["duplicate_rows"] == 1

        # GIVEN the same account twice with other values at the same (run) time
        other = dict(rows[0], tenure_months="99")
        raw_csv([*rows, other], "input/data.csv")
        # WHEN / THEN the job fails: which value is right cannot be known
        with pytest.raises(IngestionFailed, match=r"data.csv:5: another row \(data.csv:2\) has the same record"):
            ingest.run(job_args(tmp_path), FakeFeatureStore(), RUN_TIME)

    def test_writing_again_writes_the_same_records(self, tmp_path, synthetic_rows, raw_csv):
        # GIVEN a run that is retried with the same run time
        raw_csv(synthetic_rows(20), "input/data.csv")
        first, second = FakeFeatureStore(), FakeFeatureStore()

        # WHEN both write
        ingest.run(job_args(tmp_path), first, RUN_TIME)
        ingest.run(job_args(tmp_path), second, RUN_TIME)

        # THEN they write identical records: the same id and event time, which the point-in-time read collapses
        key = lambda r: (r["account_id"], r["event_time"])  # noqa: E731
        assert sorted(first.records(), key=key) == sorted(second.records(), key=key)


class TestWrites:
    def records(self, n: int):
        rows = [(f"data.csv:{i + 2}", ["account_id", "renewed"], {"account_id": f"C{i}", "renewed": "0"})
                for i in range(n)]
        schema = GroupSchema.parse(["account_id:string", "event_time:string", "renewed:integral"],
                                   "account_id", "event_time")
        return ingest.validate_rows(rows, schema, RUN_TIME).records

    def put_to(self, store: FakeFeatureStore):
        return lambda record: store.put_record(FeatureGroupName="g", Record=record.as_request())

    def test_throttling_is_retried_with_exponential_backoff_and_full_jitter(self):
        # GIVEN a record throttled four times, then accepted
        store = FakeFeatureStore({"C0": ["ThrottlingException"] * 3 + ["ServiceUnavailable"]})
        sleeps = []

        # WHEN written with the largest jitter draw
        summary = ingest.write_records(self.records(1), self.put_to(store), RetryPolicy(8, 0.2, 1.0),
                                       sleep=sleeps.append, draw=lambda: 1.0)

        # THEN it is written after four retries, each wait doubling up to the cap
        assert (summary.written, summary.retries, summary.failures) == (1, 4, [])
        assert sleeps == pytest.approx([0.2, 0.4, 0.8, 1.0])
        # and a jitter draw scales each wait
        assert RetryPolicy(8, 0.2, 1.0).delay(3, 0.25) == pytest.approx(0.2)

    def test_a_record_that_keeps_failing_fails_the_job_with_a_summary(self, tmp_path, synthetic_rows, raw_csv):
        # GIVEN one record throttled on every attempt and one the service refuses outright
        rows = synthetic_rows(10)
        raw_csv(rows, "input/data.csv")
        store = FakeFeatureStore({rows[2]["account_id"]: ["ThrottlingException"] * 3,
                                  rows[7]["account_id"]: ["ValidationError"]})

        # WHEN the job writes with three attempts per record
        with pytest.raises(IngestionFailed) as error:
            ingest.ingest(tmp_path / "input", tmp_path / "manifest", group_schema(), "g",
                          lambda r: store.put_record(FeatureGroupName="g", Record=r.as_request()), RUN_TIME,
                          RetryPolicy(max_attempts=3), sleep=no_sleep)

        # THEN the job fails with the counts per error code and where each record came from
        assert str(error.value) == (
            "2 of 10 records failed (ThrottlingException x1, ValidationError x1): "
            "data.csv:4 (ThrottlingException after 3 attempts); data.csv:9 (ValidationError after 1 attempt)"
        )
        # and the refused record was not retried, the other records were all written
        assert len(store.calls) == 10 + 2
        assert not (tmp_path / "manifest").exists()

    def test_network_errors_are_retried_and_access_errors_are_not(self):
        class EndpointConnectionError(Exception):
            pass

        assert ingest.is_retryable(EndpointConnectionError("no route"))
        assert ingest.is_retryable(ClientError("ThrottlingException"))
        assert not ingest.is_retryable(ClientError("AccessDeniedException"))
        assert not ingest.is_retryable(ClientError("ResourceNotFound"))
        assert ingest.error_code(ValueError("x")) == "ValueError"

    def test_at_most_max_workers_records_are_in_flight(self):
        # GIVEN a slow store
        store = FakeFeatureStore(delay=0.005)

        # WHEN 60 records are written with four workers
        summary = ingest.write_records(self.records(60), self.put_to(store), max_workers=4, sleep=no_sleep)

        # THEN all are written, concurrently but never more than four at once
        assert summary.written == 60
        assert 1 < store.max_in_flight <= 4

    def test_writing_stops_after_too_many_failed_records(self):
        # GIVEN a store that refuses every record
        store = FakeFeatureStore({f"C{i}": ["AccessDeniedException"] for i in range(50)})

        # WHEN written with one worker and at most 5 failures
        summary = ingest.write_records(self.records(50), self.put_to(store), max_workers=1, max_failures=5,
                                       sleep=no_sleep)

        # THEN it stops early instead of failing every record, and says so
        assert len(summary.failures) == 5 and summary.not_attempted == 45
        assert summary.message(50).endswith("stopped early, 45 records not attempted")
        assert [f.location for f in summary.failures] == [f"data.csv:{i}" for i in range(2, 7)]
