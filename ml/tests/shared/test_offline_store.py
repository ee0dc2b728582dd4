"""offline_store.py: wait for replication, read the point-in-time snapshot, write it in prepare.py's layout."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timezone
from pathlib import Path

import pytest

from mlops_shared import ingest, offline_store, preparation
from mlops_shared.ingest import GroupSchema
from mlops_shared.offline_store import Athena, Manifest, QueryFailed, ReplicationTimeout
from tests.shared import fixture_model
from tests.shared.fixture_model import CONTRACT, FEATURES
from tests.conftest import write_csv
from tests.shared.test_ingest import FakeFeatureStore, job_args

RUN_TIME = datetime(2024, 5, 1, 12, 0, 0, tzinfo=timezone.utc)
DATABASE = "sagemaker_featurestore"
TABLE = "mlops_dev_fixture_accounts_1714564800"


def run_manifest(**overrides) -> Manifest:
    values = dict(
        schema=GroupSchema.parse(FEATURES, CONTRACT.id, "event_time"),
        run_time="2024-05-01T12:00:00Z",
        run_event_time="2024-05-01T12:00:00Z",
        record_count=10,
        event_time_min="2024-04-01T00:00:00Z",
        event_time_max="2024-05-01T12:00:00Z",
        write_started="2024-05-01T12:00:02.500Z",
    )
    values.update(overrides)
    return Manifest(**values)


class FakeClock:
    """A monotonic clock that only moves when the code sleeps or a query takes time."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


class FakeAthena:
    """The Athena client: each query takes two polls; counts come from `counts`, the snapshot from `result_key`."""

    def __init__(self, counts=(), fail_reason=None, never_finishes=False) -> None:
        self.counts = list(counts)
        self.fail_reason = fail_reason
        self.never_finishes = never_finishes
        self.started = []
        self.stopped = []
        self.polls = {}

    def start_query_execution(self, QueryString, WorkGroup, QueryExecutionContext):  # noqa: N803
        query_id = f"q-{len(self.started) + 1}"
        self.started.append({"id": query_id, "sql": QueryString, "workgroup": WorkGroup,
                             "database": QueryExecutionContext["Database"]})
        return {"QueryExecutionId": query_id}

    def get_query_execution(self, QueryExecutionId):  # noqa: N803
        polls = self.polls[QueryExecutionId] = self.polls.get(QueryExecutionId, 0) + 1
        if self.never_finishes or polls < 2:
            state, reason = ("QUEUED" if polls == 1 else "RUNNING"), None
        elif self.fail_reason:
            state, reason = "FAILED", self.fail_reason
        else:
            state, reason = "SUCCEEDED", None
        status = {"State": state, **({"StateChangeReason": reason} if reason else {})}
        return {"QueryExecution": {
            "QueryExecutionId": QueryExecutionId,
            "Status": status,
            "ResultConfiguration": {"OutputLocation": f"s3://athena-results/feature-store/{QueryExecutionId}.csv"},
        }}

    def get_query_results(self, QueryExecutionId):  # noqa: N803
        return {"ResultSet": {"Rows": [{"Data": [{"VarCharValue": "_col0"}]},
                                       {"Data": [{"VarCharValue": str(self.counts.pop(0))}]}]}}

    def stop_query_execution(self, QueryExecutionId):  # noqa: N803
        self.stopped.append(QueryExecutionId)


class FakeS3:
    def __init__(self, objects) -> None:
        self.objects = objects
        self.gets = []

    def get_object(self, Bucket, Key):  # noqa: N803
        self.gets.append((Bucket, Key))
        return {"Body": io.BytesIO(self.objects[(Bucket, Key)].encode("utf-8"))}


def athena_csv(names, records) -> str:
    """A result as Athena writes it: lower-case header, every value quoted, null as an empty unquoted field."""
    lines = [",".join(f'"{n.lower()}"' for n in names)]
    for record in records:
        lines.append(",".join("" if record.get(n) is None else '"' + record[n].replace('"', '""') + '"'
                              for n in names))
    return "\n".join(lines) + "\n"


class TestQueryText:
    def test_identifiers_and_literals_are_quoted(self):
        assert offline_store.quote_identifier('we"ird') == '"we""ird"'
        assert offline_store.quote_identifier("tenure-months") == '"tenure-months"'
        assert offline_store.quote_literal("O'Brien") == "'O''Brien'"
        assert offline_store.table_reference("db", 'my"table') == '"db"."my""table"'
        with pytest.raises(ValueError, match="invalid identifier"):
            offline_store.quote_identifier("")
        with pytest.raises(ValueError, match="invalid identifier"):
            offline_store.quote_identifier("a\nb")

    def test_the_snapshot_query_takes_the_latest_non_deleted_record_per_id_as_of_the_run(self):
        # GIVEN the manifest of a run WHEN the point-in-time query is written
        sql = offline_store.snapshot_query(run_manifest(), DATABASE, TABLE)

        # THEN it ranks each account's records not after the run's time, newest event (then write) first,
        # and keeps the first unless it is a deletion, in the group's column order
        columns = ", ".join(f'"{f.split(":")[0]}"' for f in FEATURES)
        assert sql == "\n".join([
            f"SELECT {columns}",
            "FROM (",
            f'  SELECT {columns}, "is_deleted",',
            '    row_number() OVER (PARTITION BY "account_id" ORDER BY from_iso8601_timestamp("event_time") DESC, '
            '"api_invocation_time" DESC, "write_time" DESC) AS "_rank"',
            f'  FROM "{DATABASE}"."{TABLE}"',
            "  WHERE from_iso8601_timestamp(\"event_time\") <= from_iso8601_timestamp('2024-05-01T12:00:00Z')",
            ")",
            'WHERE "_rank" = 1 AND NOT coalesce("is_deleted", false)',
            'ORDER BY "account_id"',
        ])

    def test_a_fractional_event_time_is_compared_as_a_number_and_odd_names_stay_quoted(self):
        # GIVEN a group whose event time is epoch seconds and whose names need quoting
        schema = GroupSchema.parse(["account-id:integral", "ts:fractional", 'x"y:string'], "account-id", "ts")
        manifest = run_manifest(schema=schema, run_event_time="1714564800", event_time_min="1714000000.5",
                                  event_time_max="1714564800")

        # WHEN both queries are written
        snapshot = offline_store.snapshot_query(manifest, DATABASE, TABLE)
        count = offline_store.count_query(manifest, DATABASE, TABLE)

        # THEN the event time is a number and every identifier is quoted
        assert 'WHERE "ts" <= 1714564800.0' in snapshot
        assert 'PARTITION BY "account-id" ORDER BY "ts" DESC' in snapshot
        assert 'SELECT "account-id", "ts", "x""y"' in snapshot
        assert 'WHERE "ts" BETWEEN 1714000000.5 AND 1714564800.0' in count

    def test_the_count_query_counts_the_runs_event_times_written_since_the_writes_started(self):
        # GIVEN writes that started at 12:00:02.5 on the job's clock WHEN the count query is written
        sql = offline_store.count_query(run_manifest(), DATABASE, TABLE)

        # THEN it counts the run's event-time range written since then, less five minutes of clock skew
        assert sql == "\n".join([
            "SELECT count(*)",
            f'FROM "{DATABASE}"."{TABLE}"',
            "WHERE from_iso8601_timestamp(\"event_time\") BETWEEN from_iso8601_timestamp('2024-04-01T00:00:00Z') "
            "AND from_iso8601_timestamp('2024-05-01T12:00:00Z')",
            "  AND \"api_invocation_time\" >= TIMESTAMP '2024-05-01 11:55:02.500'",
        ])


class TestWaiting:
    def test_it_polls_until_the_offline_store_shows_every_record(self):
        # GIVEN replication that shows 0, 4, then all 10 records, each count taking 5 seconds
        clock = FakeClock()
        counts = iter([0, 4, 10])

        def count():
            clock.now += 5
            return next(counts)

        # WHEN waiting with a one-minute poll
        seen = offline_store.wait_for_records(count, 10, 1200, 60, clock, clock.sleep, log=lambda _: None)

        # THEN it returns the count after two waits
        assert seen == 10
        assert clock.sleeps == [60, 60]

    def test_it_gives_up_at_the_timeout_with_what_it_saw(self):
        # GIVEN replication that never completes
        clock = FakeClock()
        logs = []

        # WHEN waiting up to 20 minutes, polling every 7 minutes
        with pytest.raises(ReplicationTimeout) as error:
            offline_store.wait_for_records(lambda: 3, 10, 1200, 420, clock, clock.sleep, log=logs.append)

        # THEN the last wait is shortened to end at the limit, a last count is made there, and the job fails
        assert clock.sleeps == [420, 420, 360]
        assert clock.now == 1200
        assert str(error.value) == (
            "the offline store shows 3 of the run's 10 records after 1200 s (limit 1200 s); "
            "replication normally takes up to 15 minutes"
        )
        assert len(logs) == 3


class TestAthena:
    def test_a_query_runs_in_the_workgroup_and_is_polled_until_it_succeeds(self):
        clock = FakeClock()
        client = FakeAthena(counts=[42])
        athena = Athena(client, "mlops-dev-feature-store", DATABASE, clock=clock, sleep=clock.sleep)

        assert athena.scalar("SELECT count(*) FROM t") == 42
        assert client.started == [{"id": "q-1", "sql": "SELECT count(*) FROM t",
                                   "workgroup": "mlops-dev-feature-store", "database": DATABASE}]
        assert clock.sleeps == [1.0]

    def test_a_failed_query_fails_with_athenas_reason(self):
        athena = Athena(FakeAthena(fail_reason="TABLE_NOT_FOUND: line 1:15"), "wg", DATABASE, sleep=lambda _: None)
        with pytest.raises(QueryFailed, match="athena query q-1 failed: TABLE_NOT_FOUND: line 1:15"):
            athena.execute("SELECT 1")

    def test_a_query_that_runs_too_long_is_stopped(self):
        clock = FakeClock()
        client = FakeAthena(never_finishes=True)
        athena = Athena(client, "wg", DATABASE, timeout_seconds=60, clock=clock, sleep=clock.sleep)

        with pytest.raises(QueryFailed, match="still running after 60 s"):
            athena.execute("SELECT 1")
        assert client.stopped == ["q-1"]
        assert clock.sleeps[:3] == [1.0, 1.5, 2.25] and max(clock.sleeps) <= 10.0


class TestSnapshot:
    def test_athenas_result_becomes_the_snapshot_layout(self):
        # GIVEN an Athena result with a null and a comma in a value
        schema = GroupSchema.parse(["account_id:string", "event_time:string", "balance:fractional"],
                                   "account_id", "event_time")
        source = io.StringIO(athena_csv(schema.names, [
            {"account_id": "C1", "event_time": "2024-05-01T12:00:00Z", "balance": None},
            {"account_id": "C,2", "event_time": "2024-05-01T12:00:00Z", "balance": "1.0E-5"},
        ]))
        target = io.StringIO()

        # WHEN rewritten
        rows = offline_store.rewrite_csv(source, target, schema)

        # THEN the header is the feature names and the values are unchanged, null as blank
        assert rows == 2
        assert target.getvalue() == (
            "account_id,event_time,balance\n"
            "C1,2024-05-01T12:00:00Z,\n"
            '"C,2",2024-05-01T12:00:00Z,1.0E-5\n'
        )

    def test_a_result_with_other_columns_is_refused(self):
        schema = GroupSchema.parse(["account_id:string", "event_time:string"], "account_id", "event_time")
        with pytest.raises(ValueError, match="the query result has columns"):
            offline_store.rewrite_csv(io.StringIO('"event_time","account_id"\n'), io.StringIO(), schema)

    def test_the_snapshot_of_an_ingested_run_is_what_prepare_reads(self, tmp_path, synthetic_rows, raw_csv):
        # GIVEN raw rows of the test-only model, values with trailing zeros and blank cells among them,
        # ingested into a (fake) feature group
        rows = synthetic_rows(300)
        assert any(r["balance"] == "" for r in rows) and any(r["monthly_fee"].endswith("0") for r in rows)
        raw_csv(rows, "input/data.csv")
        store = FakeFeatureStore()
        ingest.run(job_args(tmp_path), store, RUN_TIME)
        # and an offline store whose replication completes on the second count, and whose point-in-time
        # result is what the run wrote (newest first per account: each written once here)
        schema = GroupSchema.parse(FEATURES, CONTRACT.id, "event_time")
        athena_client = FakeAthena(counts=[120, 300])
        s3 = FakeS3({("athena-results", "feature-store/q-3.csv"): athena_csv(schema.names, sorted(
            store.records(), key=lambda r: r[CONTRACT.id]))})
        clock = FakeClock()
        manifest = Manifest.load(tmp_path / "manifest")

        # WHEN the snapshot is read
        metadata = offline_store.read_snapshot(
            manifest, Athena(athena_client, "wg", DATABASE, clock=clock, sleep=clock.sleep), s3, DATABASE, TABLE,
            tmp_path / "snapshot", clock=clock, sleep=clock.sleep,
        )

        # THEN two counts and one snapshot query ran, and the result was downloaded from its output location
        assert [q["sql"].split("\n")[0] for q in athena_client.started] == [
            "SELECT count(*)", "SELECT count(*)", metadata["query"].split("\n")[0]]
        assert s3.gets == [("athena-results", "feature-store/q-3.csv")]
        assert metadata["rows"] == 300 and metadata["records_of_the_run_seen"] == 300
        # and the output holds only the snapshot and its metadata (prepare.py reads every .csv under it)
        assert sorted(p.name for p in (tmp_path / "snapshot").iterdir()) == ["snapshot.csv", "snapshot.json"]
        with (tmp_path / "snapshot" / "snapshot.csv").open(newline="") as handle:
            header = next(csv.reader(handle))
        assert header == schema.names

        # WHEN the preparation every prepare.py runs (mlops_shared.preparation) reads the snapshot and the raw data
        counts = preparation.prepare(fixture_model, [], tmp_path / "snapshot", tmp_path / "from-snapshot", seed=3)
        assert preparation.prepare(fixture_model, [], tmp_path / "input", tmp_path / "from-raw", seed=3) == counts

        # THEN it accepts the snapshot and writes the very same training data
        assert sum(counts.values()) == 300
        for name in ("train/train.csv", "validation/validation.csv", "test/test.csv", "spec/feature_spec.json"):
            assert (tmp_path / "from-snapshot" / name).read_bytes() == (tmp_path / "from-raw" / name).read_bytes()

        # and the comparison sees a single changed cell: a snapshot that filled one blank cell differs
        with (tmp_path / "snapshot" / "snapshot.csv").open(newline="") as handle:
            records = list(csv.DictReader(handle))
        next(r for r in records if r["balance"] == "")["balance"] = "0"
        write_csv(tmp_path / "altered" / "snapshot.csv", records)
        preparation.prepare(fixture_model, [], tmp_path / "altered", tmp_path / "from-altered", seed=3)
        assert any((tmp_path / "from-altered" / name).read_bytes() != (tmp_path / "from-raw" / name).read_bytes()
                   for name in ("train/train.csv", "validation/validation.csv", "test/test.csv"))

    def test_an_empty_snapshot_fails(self, tmp_path):
        schema = run_manifest().schema
        s3 = FakeS3({("athena-results", "feature-store/q-2.csv"): athena_csv(schema.names, [])})
        athena = Athena(FakeAthena(counts=[10]), "wg", DATABASE, sleep=lambda _: None)
        with pytest.raises(QueryFailed, match="returned no records"):
            offline_store.read_snapshot(run_manifest(), athena, s3, DATABASE, TABLE, tmp_path / "out",
                                        sleep=lambda _: None)

    def test_the_manifest_is_read_from_ingests_output(self, tmp_path, synthetic_rows, raw_csv):
        raw_csv(synthetic_rows(5), "input/data.csv")
        written = ingest.run(job_args(tmp_path), FakeFeatureStore(), RUN_TIME)

        manifest = Manifest.load(tmp_path / "manifest")

        assert manifest.record_count == 5 and manifest.run_time == written["run_time"]
        assert manifest.schema.names == [f.split(":")[0] for f in FEATURES]
        assert Manifest.load(tmp_path / "manifest" / "manifest.json") == manifest

    def test_a_run_with_a_fractional_event_time_is_read_as_of_its_epoch_seconds(self, tmp_path, synthetic_rows,
                                                                               raw_csv):
        # GIVEN a group whose event time is epoch seconds, ingested without event times
        raw_csv(synthetic_rows(3), "input/data.csv")
        specs = [s.replace("event_time:string", "event_time:fractional") for s in FEATURES]
        args = job_args(tmp_path)
        args.features = specs
        ingest.run(args, FakeFeatureStore(), RUN_TIME)

        # WHEN the manifest is read and the snapshot query written
        manifest = Manifest.load(tmp_path / "manifest")
        sql = offline_store.snapshot_query(manifest, DATABASE, TABLE)

        # THEN the cutoff is the run time in seconds, compared as a number
        assert manifest.run_event_time == "1714564800"
        assert 'WHERE "event_time" <= 1714564800.0' in sql
        assert 'BETWEEN 1714564800.0 AND 1714564800.0' in offline_store.count_query(manifest, DATABASE, TABLE)

    def test_s3_uris_are_split_into_bucket_and_key(self):
        assert offline_store.parse_s3_uri("s3://b/a/b.csv") == ("b", "a/b.csv")
        with pytest.raises(ValueError, match="expected an s3://bucket/key URI"):
            offline_store.parse_s3_uri("https://b/a.csv")


def test_both_entry_points_run_as_scripts_and_print_their_usage():
    import subprocess
    import sys

    for module in (ingest, offline_store):
        result = subprocess.run([sys.executable, str(Path(module.__file__)), "--help"],
                                capture_output=True, text=True, check=True)
        assert "usage:" in result.stdout
