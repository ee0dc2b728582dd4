"""SageMaker Processing entry point: the run's training snapshot, read from the feature group's offline store.

    python3 offline_store.py --manifest /opt/ml/processing/manifest --output /opt/ml/processing/snapshot \
        --database sagemaker_featurestore --table mlops_dev_churn_customers_1714564800 \
        --workgroup mlops-dev-feature-store --region eu-west-1 [--timeout-minutes 20]

--manifest is the manifest.json that ingest.py wrote (or its directory): the group's schema, the run
time, how many records the run wrote and when.

1. Waits until the offline store shows the run's records. Feature Store replicates PutRecord to the
   offline store in batches within about 15 minutes, so the job counts the rows in the run's
   event-time range whose api_invocation_time is not before the writes started (less a margin for
   clock skew) with Athena, every --poll-seconds, until the count reaches the manifest's record count
   or --timeout-minutes pass (then the job fails: training on half-replicated data is worse than not
   training).
2. Runs the point-in-time query in the Athena workgroup: per record identifier, the latest record
   whose event time is not after the run's time, dropped when that record is a deletion. Rows written
   twice for one record identifier and event time (a retried write) collapse into one.
3. Downloads the query result and writes --output/snapshot.csv: a header with the group's feature
   names in definition order, then one row per record, blank for null. prepare.py reads this layout
   (it needs the id, the raw feature columns and the label, and ignores the event time column).
   --output/snapshot.json records the query, its execution id and the row count.
"""

from __future__ import annotations

import argparse
import csv
import json
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any, Callable, Dict, Optional, Sequence, TextIO, Tuple

if __package__ in (None, ""):  # run as a script: make the mlops_shared package importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from mlops_shared.ingest import MANIFEST_FILE, MESSAGE_FILE, GroupSchema, parse_iso_time, write_exit_message  # noqa: E402

SNAPSHOT_FILE = "snapshot.csv"
SNAPSHOT_METADATA_FILE = "snapshot.json"
# the job's clock and the service's api_invocation_time may differ by this much
CLOCK_SKEW = timedelta(minutes=5)
# feature names start with a letter or digit, so this column never collides with a feature
RANK_COLUMN = "_rank"


@dataclass(frozen=True)
class Manifest:
    """What ingest.py wrote: see its manifest.json."""

    schema: GroupSchema
    run_time: str
    run_event_time: str
    record_count: int
    event_time_min: str
    event_time_max: str
    write_started: str

    @classmethod
    def load(cls, path: Path) -> "Manifest":
        file = path / MANIFEST_FILE if path.is_dir() else path
        data = json.loads(file.read_text(encoding="utf-8"))
        return cls(
            schema=GroupSchema.from_json(data["schema"]),
            run_time=data["run_time"],
            run_event_time=data["run_event_time"],
            record_count=int(data["record_count"]),
            event_time_min=data["event_time_min"],
            event_time_max=data["event_time_max"],
            write_started=data["write_started"],
        )


# --- query text -----------------------------------------------------------------------------------


def quote_identifier(name: str) -> str:
    """A quoted Athena (Trino) identifier: double quotes, an embedded double quote doubled."""
    if not name or any(ord(c) < 32 for c in name):
        raise ValueError(f"invalid identifier {name!r}")
    return '"' + name.replace('"', '""') + '"'


def quote_literal(text: str) -> str:
    """A quoted SQL string literal: single quotes, an embedded single quote doubled."""
    return "'" + text.replace("'", "''") + "'"


def table_reference(database: str, table: str) -> str:
    return f"{quote_identifier(database)}.{quote_identifier(table)}"


def _event_time_type(schema: GroupSchema) -> str:
    return schema.feature(schema.event_time).type


def event_time_expression(schema: GroupSchema) -> str:
    """The event time as a comparable value: a timestamp for ISO-8601 strings, the number for fractional."""
    column = quote_identifier(schema.event_time)
    return f"from_iso8601_timestamp({column})" if _event_time_type(schema) == "string" else column


def event_time_literal(schema: GroupSchema, value: str) -> str:
    if _event_time_type(schema) == "string":
        return f"from_iso8601_timestamp({quote_literal(value)})"
    return repr(float(value))


def timestamp_literal(iso_time: str, minus: timedelta = timedelta(0)) -> str:
    """A TIMESTAMP literal in UTC (Athena's session time zone) for comparing with api_invocation_time."""
    moment = parse_iso_time(iso_time) - minus
    return f"TIMESTAMP {quote_literal(moment.strftime('%Y-%m-%d %H:%M:%S.%f')[:-3])}"


def count_query(manifest: Manifest, database: str, table: str) -> str:
    """How many rows of the run's event-time range were written since the run's writes started."""
    event_time = event_time_expression(manifest.schema)
    return "\n".join(
        [
            "SELECT count(*)",
            f"FROM {table_reference(database, table)}",
            f"WHERE {event_time} BETWEEN {event_time_literal(manifest.schema, manifest.event_time_min)}"
            f" AND {event_time_literal(manifest.schema, manifest.event_time_max)}",
            f"  AND {quote_identifier('api_invocation_time')} >= {timestamp_literal(manifest.write_started, CLOCK_SKEW)}",
        ]
    )


def snapshot_query(manifest: Manifest, database: str, table: str) -> str:
    """Point in time: the latest record per id with an event time not after the run's, unless it is a deletion."""
    schema = manifest.schema
    columns = ", ".join(quote_identifier(name) for name in schema.names)
    record_id = quote_identifier(schema.record_identifier)
    event_time = event_time_expression(schema)
    rank = quote_identifier(RANK_COLUMN)
    deleted = quote_identifier("is_deleted")
    # ties on event time (a record written again) go to the latest write
    order = ", ".join(
        [f"{event_time} DESC", f"{quote_identifier('api_invocation_time')} DESC", f"{quote_identifier('write_time')} DESC"]
    )
    return "\n".join(
        [
            f"SELECT {columns}",
            "FROM (",
            f"  SELECT {columns}, {deleted},",
            f"    row_number() OVER (PARTITION BY {record_id} ORDER BY {order}) AS {rank}",
            f"  FROM {table_reference(database, table)}",
            f"  WHERE {event_time} <= {event_time_literal(schema, manifest.run_event_time)}",
            ")",
            f"WHERE {rank} = 1 AND NOT coalesce({deleted}, false)",
            f"ORDER BY {record_id}",
        ]
    )


# --- waiting and querying -------------------------------------------------------------------------


class ReplicationTimeout(Exception):
    """The offline store did not show the run's records in time."""


class QueryFailed(Exception):
    """An Athena query failed, was cancelled or took too long."""


def wait_for_records(
    count: Callable[[], int],
    expected: int,
    timeout_seconds: float,
    poll_seconds: float,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
    log: Callable[[str], None] = print,
) -> int:
    """Counts until at least `expected` rows show, sleeping poll_seconds between counts; fails after the timeout."""
    start = clock()
    while True:
        seen = count()
        elapsed = clock() - start
        if seen >= expected:
            log(f"offline store shows {seen} of {expected} records after {elapsed:.0f} s")
            return seen
        remaining = timeout_seconds - elapsed
        if remaining <= 0:
            raise ReplicationTimeout(
                f"the offline store shows {seen} of the run's {expected} records after {elapsed:.0f} s "
                f"(limit {timeout_seconds:.0f} s); replication normally takes up to 15 minutes"
            )
        log(f"offline store shows {seen} of {expected} records after {elapsed:.0f} s; waiting")
        sleep(min(poll_seconds, remaining))


class Athena:
    """Runs queries in one workgroup with an Athena client (or a fake), polling until each ends."""

    def __init__(
        self,
        client: Any,
        workgroup: str,
        database: str,
        timeout_seconds: float = 900,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.client = client
        self.workgroup = workgroup
        self.database = database
        self.timeout_seconds = timeout_seconds
        self.clock = clock
        self.sleep = sleep

    def execute(self, sql: str) -> Dict[str, Any]:
        """The QueryExecution of a query that succeeded; QueryFailed otherwise."""
        query_id = self.client.start_query_execution(
            QueryString=sql,
            WorkGroup=self.workgroup,
            QueryExecutionContext={"Database": self.database},
        )["QueryExecutionId"]
        start = self.clock()
        interval = 1.0
        while True:
            execution = self.client.get_query_execution(QueryExecutionId=query_id)["QueryExecution"]
            status = execution["Status"]
            state = status["State"]
            if state == "SUCCEEDED":
                return execution
            if state in ("FAILED", "CANCELLED"):
                reason = status.get("StateChangeReason", "no reason given")
                raise QueryFailed(f"athena query {query_id} {state.lower()}: {reason}")
            if self.clock() - start >= self.timeout_seconds:
                self.client.stop_query_execution(QueryExecutionId=query_id)
                raise QueryFailed(f"athena query {query_id} still {state.lower()} after {self.timeout_seconds:.0f} s")
            self.sleep(interval)
            interval = min(interval * 1.5, 10.0)

    def scalar(self, sql: str) -> int:
        """The single integer a query returns (the first row after the header)."""
        execution = self.execute(sql)
        rows = self.client.get_query_results(QueryExecutionId=execution["QueryExecutionId"])["ResultSet"]["Rows"]
        return int(rows[1]["Data"][0]["VarCharValue"])


def parse_s3_uri(uri: str) -> Tuple[str, str]:
    if not uri.startswith("s3://") or "/" not in uri[5:]:
        raise ValueError(f"expected an s3://bucket/key URI, got {uri!r}")
    bucket, key = uri[5:].split("/", 1)
    return bucket, key


def rewrite_csv(source: TextIO, target: TextIO, schema: GroupSchema) -> int:
    """Athena's result CSV to the snapshot layout: the feature names as header, then the rows; the row count."""
    reader = csv.reader(source)
    header = next(reader, None)
    if header is None or [h.lower() for h in header] != [n.lower() for n in schema.names]:
        raise ValueError(f"the query result has columns {header}, expected {schema.names}")
    writer = csv.writer(target, lineterminator="\n")
    writer.writerow(schema.names)
    rows = 0
    for row in reader:
        writer.writerow(row)
        rows += 1
    return rows


def read_snapshot(
    manifest: Manifest,
    athena: Athena,
    s3: Any,
    database: str,
    table: str,
    output_dir: Path,
    timeout_seconds: float = 1200,
    poll_seconds: float = 60,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> Dict[str, Any]:
    """Waits for the run's records, runs the point-in-time query and writes snapshot.csv and snapshot.json."""
    seen = wait_for_records(
        lambda: athena.scalar(count_query(manifest, database, table)),
        manifest.record_count,
        timeout_seconds,
        poll_seconds,
        clock,
        sleep,
    )
    sql = snapshot_query(manifest, database, table)
    execution = athena.execute(sql)
    bucket, key = parse_s3_uri(execution["ResultConfiguration"]["OutputLocation"])
    output_dir.mkdir(parents=True, exist_ok=True)
    # the raw result stays outside the output directory, which prepare.py reads whole
    with tempfile.TemporaryDirectory() as scratch:
        raw = Path(scratch) / "result.csv"
        with raw.open("wb") as handle:
            shutil.copyfileobj(s3.get_object(Bucket=bucket, Key=key)["Body"], handle)
        with raw.open(newline="", encoding="utf-8") as source, (output_dir / SNAPSHOT_FILE).open(
            "w", newline="", encoding="utf-8"
        ) as target:
            rows = rewrite_csv(source, target, manifest.schema)
    if rows == 0:
        raise QueryFailed(f"the point-in-time query returned no records (as of {manifest.run_time})")
    metadata = {
        "query_execution_id": execution["QueryExecutionId"],
        "query": sql,
        "run_time": manifest.run_time,
        "rows": rows,
        "records_of_the_run_seen": seen,
    }
    (output_dir / SNAPSHOT_METADATA_FILE).write_text(json.dumps(metadata, indent=2, sort_keys=True), encoding="utf-8")
    return metadata


def parse_args(argv: Optional[Sequence[str]]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--manifest", type=Path, default=Path("/opt/ml/processing/manifest"))
    parser.add_argument("--output", type=Path, default=Path("/opt/ml/processing/snapshot"))
    parser.add_argument("--database", required=True)
    parser.add_argument("--table", required=True)
    parser.add_argument("--workgroup", required=True)
    parser.add_argument("--region", required=True)
    parser.add_argument("--timeout-minutes", type=float, default=20)
    parser.add_argument("--poll-seconds", type=float, default=60)
    return parser.parse_args(argv)


def main(argv: Optional[Sequence[str]] = None) -> None:
    args = parse_args(argv)
    import boto3  # in the SageMaker image; imported here so the pure functions need no AWS SDK

    manifest = Manifest.load(args.manifest)
    athena = Athena(boto3.client("athena", region_name=args.region), args.workgroup, args.database)
    s3 = boto3.client("s3", region_name=args.region)
    try:
        metadata = read_snapshot(
            manifest, athena, s3, args.database, args.table, args.output, args.timeout_minutes * 60, args.poll_seconds
        )
    except (ReplicationTimeout, QueryFailed, ValueError) as error:
        print(f"reading the offline store failed: {error}", file=sys.stderr)
        write_exit_message(MESSAGE_FILE, str(error))
        sys.exit(1)
    print(f"wrote {metadata['rows']} records as of {metadata['run_time']} to {args.output / SNAPSHOT_FILE}")


if __name__ == "__main__":
    main()
