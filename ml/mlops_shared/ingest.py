"""SageMaker Processing entry point: raw CSV files into a feature group, one PutRecord per record.

    python3 ingest.py --input /opt/ml/processing/input --output /opt/ml/processing/manifest \
        --feature-group mlops-dev-churn-customers --region eu-west-1 \
        --record-identifier customer_id --event-time-feature event_time \
        --features customer_id:string event_time:string tenure_months:integral ... churned:integral

--input is searched recursively for *.csv, as prepare.py does. --features lists every feature of the
group as name:type (string, integral or fractional); one argument per feature, because each container
argument of a processing job is limited to 256 characters.

Every row is checked against the feature definitions before anything is written: a value that does
not fit its type, a missing record identifier, an event time without a time zone or after the run,
or two different rows for one record identifier and event time fail the job, listing each problem by
file and line (never by value: the data may be personal). A row without an event time (no column, or
a blank cell) gets the run's time, the job's UTC clock at start in whole seconds. Blank cells of other
features are left out of the record (null in the offline store).

Records are written with bounded concurrency; throttling and other transient errors are retried with
exponential backoff and full jitter. A record that still fails fails the job with a summary of error
codes, also written to /opt/ml/output/message (the job's ExitMessage). Writes are idempotent per
record identifier and event time: writing a record again adds a row to the offline store that the
point-in-time read (offline_store.py) collapses into one.

Writes --output/manifest.json, which offline_store.py reads: the group's schema, the run time (also
as the event time feature spells it), the number of records, their event-time range and when the
writes started and ended.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import random
import re
import sys
import time
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, List, Optional, Sequence, Tuple

FEATURE_TYPES = ("string", "integral", "fractional")
# columns Feature Store adds to every row of the offline store: no feature may be named like them
RESERVED_NAMES = ("api_invocation_time", "write_time", "is_deleted")
INTEGRAL_RANGE = (-(2**63), 2**63 - 1)
MANIFEST_FILE = "manifest.json"
MESSAGE_FILE = Path("/opt/ml/output/message")
MAX_LISTED = 10

_ISO_TIME = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?\s*(Z|z|[+-]\d{2}:?\d{2})?$"
)
_INTEGER = re.compile(r"^[+-]?\d+$")


class IngestionFailed(Exception):
    """The job's data or writes failed; the message is the summary."""


@dataclass(frozen=True)
class Feature:
    name: str
    type: str


@dataclass(frozen=True)
class GroupSchema:
    """The feature definitions of a group: every feature in order, its record identifier and event time."""

    features: Tuple[Feature, ...]
    record_identifier: str
    event_time: str

    def __post_init__(self) -> None:
        problems = schema_problems(self)
        if problems:
            raise ValueError("invalid feature definitions: " + "; ".join(problems))

    @classmethod
    def parse(cls, specs: Sequence[str], record_identifier: str, event_time: str) -> "GroupSchema":
        """From `name:type` arguments."""
        features = []
        for spec in specs:
            name, sep, kind = spec.rpartition(":")
            if not sep or not name:
                raise ValueError(f"invalid feature definitions: expected name:type, got {spec!r}")
            features.append(Feature(name, kind))
        return cls(tuple(features), record_identifier, event_time)

    @classmethod
    def from_json(cls, data: Dict[str, Any]) -> "GroupSchema":
        return cls(
            tuple(Feature(f["name"], f["type"]) for f in data["features"]),
            data["record_identifier"],
            data["event_time"],
        )

    def to_json(self) -> Dict[str, Any]:
        return {
            "record_identifier": self.record_identifier,
            "event_time": self.event_time,
            "features": [{"name": f.name, "type": f.type} for f in self.features],
        }

    def feature(self, name: str) -> Feature:
        return next(f for f in self.features if f.name == name)

    @property
    def names(self) -> List[str]:
        return [f.name for f in self.features]


def schema_problems(schema: GroupSchema) -> List[str]:
    """Every problem of a set of feature definitions."""
    problems = []
    names = [f.name for f in schema.features]
    if not names:
        problems.append("no features")
    for f in schema.features:
        if f.type not in FEATURE_TYPES:
            problems.append(f"feature {f.name!r} has type {f.type!r}, expected one of {', '.join(FEATURE_TYPES)}")
        if f.name in RESERVED_NAMES:
            problems.append(f"feature {f.name!r} has a name Feature Store reserves for the offline store")
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        problems.append(f"duplicate features {duplicates}")
    allowed = {schema.record_identifier: ("string", "integral"), schema.event_time: ("string", "fractional")}
    for role, name in (("record identifier", schema.record_identifier), ("event time", schema.event_time)):
        kinds = [f.type for f in schema.features if f.name == name]
        if not kinds:
            problems.append(f"{role} {name!r} is not one of the features")
        elif kinds[0] not in allowed[name]:
            problems.append(f"{role} {name!r} has type {kinds[0]!r}, expected {' or '.join(allowed[name])}")
    return problems


# --- values ---------------------------------------------------------------------------------------


def parse_iso_time(text: str) -> datetime:
    """An ISO-8601 date and time with a time zone, as an aware UTC datetime."""
    match = _ISO_TIME.match(text.strip())
    if not match:
        raise ValueError("expected an ISO-8601 time such as 2024-05-01T12:00:00Z")
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    if zone is None:
        raise ValueError("expected a time zone (Z or +hh:mm) in the ISO-8601 time")
    micros = int((fraction or "0")[:6].ljust(6, "0"))
    if zone in ("Z", "z"):
        offset = timedelta(0)
    else:
        sign = -1 if zone[0] == "-" else 1
        digits = zone[1:].replace(":", "")
        offset = sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
    try:
        local = datetime(int(year), int(month), int(day), int(hour), int(minute), int(second), micros)
    except ValueError:
        raise ValueError("expected a valid calendar date and time") from None
    return (local - offset).replace(tzinfo=timezone.utc)


def format_event_time(moment: datetime) -> str:
    """The forms Feature Store accepts: yyyy-MM-ddTHH:mm:ssZ, or with .SSS milliseconds when there are any."""
    moment = moment.astimezone(timezone.utc)
    text = moment.strftime("%Y-%m-%dT%H:%M:%S")
    millis = moment.microsecond // 1000
    return f"{text}.{millis:03d}Z" if millis else f"{text}Z"


def _number(text: str) -> float:
    try:
        number = float(text)
    except ValueError:
        raise ValueError("expected a number") from None
    if not math.isfinite(number):
        raise ValueError("expected a finite number")
    return number


def coerce(value: Optional[str], kind: str) -> Optional[str]:
    """The ValueAsString of a raw cell for a feature type; None for a blank cell; ValueError if it does not fit."""
    if value is None or value.strip() == "":
        return None
    text = value.strip()
    if kind == "string":
        return text
    if kind == "integral":
        if _INTEGER.match(text):
            integer = int(text)
        else:
            number = _number(text)
            if not number.is_integer():
                raise ValueError("expected a whole number")
            integer = int(number)
        if not INTEGRAL_RANGE[0] <= integer <= INTEGRAL_RANGE[1]:
            raise ValueError("expected a 64-bit integer")
        return str(integer)
    if kind == "fractional":
        number = _number(text)
        return str(int(number)) if number.is_integer() and abs(number) < 1e15 else repr(number)
    raise ValueError(f"unknown feature type {kind!r}")


def event_time_value(raw: Optional[str], kind: str, run_time: datetime) -> Tuple[str, float, bool]:
    """(ValueAsString, seconds since the epoch, stamped): the row's event time, or the run's when it has none."""
    if raw is None or raw.strip() == "":
        if kind == "fractional":
            seconds = run_time.timestamp()
            return coerce(str(seconds), "fractional"), seconds, True
        return format_event_time(run_time), run_time.timestamp(), True
    if kind == "fractional":
        seconds = _number(raw.strip())
        return coerce(raw, "fractional"), seconds, False
    moment = parse_iso_time(raw)
    moment = moment.replace(microsecond=moment.microsecond // 1000 * 1000)  # what Feature Store keeps
    return format_event_time(moment), moment.timestamp(), False


# --- rows to records ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Record:
    """One record to put: (feature, ValueAsString) in schema order, blank features left out."""

    location: str
    record_id: str
    event_time: str
    event_seconds: float
    values: Tuple[Tuple[str, str], ...]

    def as_request(self) -> List[Dict[str, str]]:
        return [{"FeatureName": name, "ValueAsString": value} for name, value in self.values]


@dataclass
class Validated:
    records: List[Record]
    problems: List[str]
    rows: int = 0
    stamped: int = 0
    duplicates: int = 0
    ignored_columns: List[str] = field(default_factory=list)


def read_raw(input_dir: Path) -> Iterable[Tuple[str, List[str], Dict[str, str]]]:
    """(location, header, row) of every row of every *.csv under input_dir, files in sorted path order."""
    files = sorted(p for p in input_dir.rglob("*.csv") if p.is_file())
    if not files:
        raise IngestionFailed(f"no .csv files under {input_dir}")
    for path in files:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            header = list(reader.fieldnames or [])
            for row in reader:
                yield f"{path.relative_to(input_dir)}:{reader.line_num}", header, row


def validate_rows(
    rows: Iterable[Tuple[str, List[str], Dict[str, str]]], schema: GroupSchema, run_time: datetime
) -> Validated:
    """Every row checked and turned into a record; problems name the file, line and feature, never the value."""
    result = Validated(records=[], problems=[])
    seen: Dict[Tuple[str, str], Record] = {}
    checked_files = set()
    cutoff = run_time.timestamp()
    for location, header, row in rows:
        result.rows += 1
        file = location.rsplit(":", 1)[0]
        missing = [n for n in schema.names if n != schema.event_time and n not in header]
        if file not in checked_files:
            checked_files.add(file)
            if missing:
                result.problems.append(f"{file}: missing columns {missing}")
            result.ignored_columns = sorted(set(result.ignored_columns) | (set(header) - set(schema.names)))
        if missing:
            continue
        row_problems = []
        values = []
        event_time = record_id = None
        seconds = 0.0
        for feature in schema.features:
            raw = row.get(feature.name)
            try:
                if feature.name == schema.event_time:
                    event_time, seconds, stamped = event_time_value(raw, feature.type, run_time)
                    result.stamped += stamped
                    if seconds > cutoff:
                        raise ValueError("event time is after the run's time")
                    value: Optional[str] = event_time
                else:
                    value = coerce(raw, feature.type)
                    if feature.name == schema.record_identifier:
                        if value is None:
                            raise ValueError("the record identifier is blank")
                        record_id = value
            except ValueError as error:
                row_problems.append(f"{location}: {feature.name}: {error}")
                continue
            if value is not None:
                values.append((feature.name, value))
        if row_problems:
            result.problems.extend(row_problems)
            continue
        record = Record(location, record_id, event_time, seconds, tuple(values))
        key = (record.record_id, record.event_time)
        first = seen.get(key)
        if first is None:
            seen[key] = record
            result.records.append(record)
        elif first.values == record.values:
            result.duplicates += 1
        else:
            result.problems.append(
                f"{location}: another row ({first.location}) has the same record identifier and event time "
                "with other values"
            )
    return result


# --- writing --------------------------------------------------------------------------------------

RETRYABLE_CODES = frozenset(
    {
        "ThrottlingException",
        "Throttling",
        "ThrottledException",
        "TooManyRequestsException",
        "RequestThrottledException",
        "ServiceUnavailable",
        "ServiceUnavailableException",
        "InternalFailure",
        "InternalServerError",
        "RequestTimeout",
        "RequestTimeoutException",
    }
)
# botocore's network errors, which carry no error code
RETRYABLE_EXCEPTIONS = frozenset(
    {"EndpointConnectionError", "ConnectTimeoutError", "ReadTimeoutError", "ConnectionClosedError"}
)


def error_code(error: BaseException) -> str:
    """The service error code of a botocore ClientError, or the exception's class name."""
    response = getattr(error, "response", None)
    if isinstance(response, dict):
        code = (response.get("Error") or {}).get("Code")
        if code:
            return str(code)
    return type(error).__name__


def is_retryable(error: BaseException) -> bool:
    code = error_code(error)
    return code in RETRYABLE_CODES or code in RETRYABLE_EXCEPTIONS


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with full jitter: attempt n waits a uniform draw from [0, min(cap, base * 2^(n-1))]."""

    max_attempts: int = 8
    base_seconds: float = 0.2
    cap_seconds: float = 20.0

    def delay(self, attempt: int, draw: float) -> float:
        return draw * min(self.cap_seconds, self.base_seconds * 2 ** (attempt - 1))


@dataclass(frozen=True)
class Failure:
    location: str
    code: str
    attempts: int


@dataclass
class WriteSummary:
    written: int = 0
    retries: int = 0
    failures: List[Failure] = field(default_factory=list)
    not_attempted: int = 0

    def message(self, total: int) -> str:
        """One paragraph for the log and the job's ExitMessage: counts per error code, the first locations."""
        codes: Dict[str, int] = {}
        for failure in self.failures:
            codes[failure.code] = codes.get(failure.code, 0) + 1
        by_code = ", ".join(f"{code} x{count}" for code, count in sorted(codes.items()))
        first = "; ".join(
            f"{f.location} ({f.code} after {f.attempts} attempt{'s' if f.attempts > 1 else ''})"
            for f in self.failures[:MAX_LISTED]
        )
        text = f"{len(self.failures)} of {total} records failed ({by_code}): {first}"
        if self.not_attempted:
            text += f"; stopped early, {self.not_attempted} records not attempted"
        return text


def put_with_retries(
    put: Callable[[Record], Any],
    record: Record,
    policy: RetryPolicy,
    sleep: Callable[[float], None],
    draw: Callable[[], float],
) -> Tuple[Optional[Failure], int]:
    """(failure or None, retries): one record, retried while the error is transient and attempts remain."""
    for attempt in range(1, policy.max_attempts + 1):
        try:
            put(record)
            return None, attempt - 1
        except Exception as error:  # noqa: BLE001 - every error is either retried or reported
            if not is_retryable(error) or attempt == policy.max_attempts:
                return Failure(record.location, error_code(error), attempt), attempt - 1
            sleep(policy.delay(attempt, draw()))
    raise AssertionError("unreachable")


def write_records(
    records: Sequence[Record],
    put: Callable[[Record], Any],
    policy: RetryPolicy = RetryPolicy(),
    max_workers: int = 8,
    max_failures: int = 100,
    sleep: Callable[[float], None] = time.sleep,
    draw: Callable[[], float] = random.random,
) -> WriteSummary:
    """Puts every record with at most max_workers in flight; stops submitting after max_failures failed records."""
    summary = WriteSummary()
    pending: set = set()
    queue = iter(records)

    def collect(done: Iterable[Future]) -> None:
        for future in done:
            failure, retries = future.result()
            summary.retries += retries
            if failure is None:
                summary.written += 1
            else:
                summary.failures.append(failure)

    with ThreadPoolExecutor(max_workers=max_workers) as pool:
        for record in queue:
            if len(pending) >= max_workers:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                collect(done)
            if len(summary.failures) >= max_failures:
                summary.not_attempted = 1 + sum(1 for _ in queue)
                break
            pending.add(pool.submit(put_with_retries, put, record, policy, sleep, draw))
        done, _ = wait(pending)
        collect(done)
    summary.failures.sort(key=lambda f: location_key(f.location))
    return summary


def location_key(location: str) -> Tuple[str, int]:
    """file:line in file, then line number order."""
    path, _, line = location.rpartition(":")
    return (path, int(line)) if line.isdigit() else (location, 0)


# --- the job --------------------------------------------------------------------------------------


def problems_message(validated: Validated) -> str:
    listed = "; ".join(validated.problems[:MAX_LISTED])
    more = len(validated.problems) - MAX_LISTED
    return (
        f"{len(validated.problems)} problems in {validated.rows} rows, nothing written: {listed}"
        + (f"; and {more} more" if more > 0 else "")
    )


def ingest(
    input_dir: Path,
    output_dir: Path,
    schema: GroupSchema,
    feature_group: str,
    put: Callable[[Record], Any],
    run_time: datetime,
    policy: RetryPolicy = RetryPolicy(),
    max_workers: int = 8,
    max_failures: int = 100,
    sleep: Callable[[float], None] = time.sleep,
    draw: Callable[[], float] = random.random,
    now: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
) -> Dict[str, Any]:
    """Validates every row, writes the records and the manifest; IngestionFailed with the summary otherwise."""
    validated = validate_rows(read_raw(input_dir), schema, run_time)
    if validated.problems:
        raise IngestionFailed(problems_message(validated))
    if not validated.records:
        raise IngestionFailed(f"no records in {validated.rows} rows under {input_dir}")
    if validated.ignored_columns:
        print(f"columns that are not features of {feature_group}, ignored: {validated.ignored_columns}")
    started = now()
    summary = write_records(validated.records, put, policy, max_workers, max_failures, sleep, draw)
    finished = now()
    total = len(validated.records)
    if summary.failures:
        raise IngestionFailed(summary.message(total))
    earliest = min(validated.records, key=lambda r: r.event_seconds)
    latest = max(validated.records, key=lambda r: r.event_seconds)
    manifest = {
        "feature_group": feature_group,
        "schema": schema.to_json(),
        "run_time": format_event_time(run_time),
        # the run's time as the event time feature spells it: the cutoff of the point-in-time read
        "run_event_time": event_time_value(None, schema.feature(schema.event_time).type, run_time)[0],
        "record_count": total,
        "event_time_min": earliest.event_time,
        "event_time_max": latest.event_time,
        "write_started": format_event_time(started),
        "write_finished": format_event_time(finished),
        "rows": validated.rows,
        "stamped_event_times": validated.stamped,
        "duplicate_rows": validated.duplicates,
        "retries": summary.retries,
    }
    output_dir.mkdir(parents=True, exist_ok=True)
    (output_dir / MANIFEST_FILE).write_text(json.dumps(manifest, indent=2, sort_keys=True), encoding="utf-8")
    return manifest


def write_exit_message(path: Path, text: str) -> None:
    """The first KB becomes the processing job's ExitMessage."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text[:1024], encoding="utf-8")
    except OSError:
        pass  # outside SageMaker the directory may not be writable; the log has the message too


def parse_args(argv: Optional[Sequence[str]]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--input", type=Path, default=Path("/opt/ml/processing/input"))
    parser.add_argument("--output", type=Path, default=Path("/opt/ml/processing/manifest"))
    parser.add_argument("--feature-group", required=True)
    parser.add_argument("--region", required=True)
    parser.add_argument("--record-identifier", required=True)
    parser.add_argument("--event-time-feature", required=True)
    parser.add_argument("--features", nargs="+", required=True, metavar="NAME:TYPE")
    parser.add_argument("--max-workers", type=int, default=8)
    parser.add_argument("--max-attempts", type=int, default=8)
    parser.add_argument("--max-failures", type=int, default=100)
    parser.add_argument("--message-file", type=Path, default=MESSAGE_FILE)
    return parser.parse_args(argv)


def run(args: argparse.Namespace, client: Any, run_time: datetime) -> Dict[str, Any]:
    """The job with a sagemaker-featurestore-runtime client (or a fake with put_record)."""
    try:
        schema = GroupSchema.parse(args.features, args.record_identifier, args.event_time_feature)
    except ValueError as error:
        write_exit_message(args.message_file, str(error))
        raise IngestionFailed(str(error)) from None

    def put(record: Record) -> None:
        client.put_record(FeatureGroupName=args.feature_group, Record=record.as_request())

    try:
        manifest = ingest(
            args.input,
            args.output,
            schema,
            args.feature_group,
            put,
            run_time,
            RetryPolicy(max_attempts=args.max_attempts),
            args.max_workers,
            args.max_failures,
        )
    except IngestionFailed as error:
        write_exit_message(args.message_file, str(error))
        raise
    print(
        f"wrote {manifest['record_count']} records to {args.feature_group} at {manifest['run_time']} "
        f"({manifest['stamped_event_times']} event times stamped, {manifest['retries']} retries)"
    )
    return manifest


def main(argv: Optional[Sequence[str]] = None) -> None:
    args = parse_args(argv)
    import boto3  # in the SageMaker image; imported here so the pure functions need no AWS SDK
    from botocore.config import Config

    # the retries are ours (with their counts in the summary), so botocore makes one attempt per call
    client = boto3.client(
        "sagemaker-featurestore-runtime",
        region_name=args.region,
        config=Config(retries={"total_max_attempts": 1}, max_pool_connections=args.max_workers),
    )
    run_time = datetime.now(timezone.utc).replace(microsecond=0)
    try:
        run(args, client, run_time)
    except IngestionFailed as error:
        print(f"ingestion failed: {error}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
