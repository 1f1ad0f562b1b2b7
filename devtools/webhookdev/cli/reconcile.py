"""`webhookctl reconcile`: prove that every raw payload in a time range became a record or a DLQ message.

For each provider and each UTC day of the range (raw keys are dated by receipt):

1. List the day's raw objects (`{provider}/{yyyy}/{mm}/{dd}/`, 1,000 per page), keeping those whose LastModified (the
   receipt) is in the range.
2. Stream the provider's records from `ProviderTimestampIndex` whose event time lies in
   [day start - lookback, day end + 1 h] and keep only those whose `raw_payload_s3_key` is in that day's prefix. Event
   time precedes receipt by up to the providers' retry horizon (3 days), hence the lookback.
3. An object with no record in that index is checked exactly: its body is read, the processor's own
   `records_for()` derives the record keys, and each is read with GetItem (a redelivery on another day, an event
   older than the lookback, a failed record keyed by receipt time).
4. The DLQ is peeked once (messages are made visible again at once, never consumed) and indexed by raw key.

Each object ends as processed, failed (with reasons), in the DLQ, pending (younger than the grace period) or
missing; a record of the day whose raw object is gone is an orphan. Memory holds one day of one provider.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, TextIO

from webhook_core.processing import AsyncEvent, mask_record, records_for
from webhook_core.providers import get_provider
from webhook_core.rawstore import base_key

from webhookdev.cli import dlq
from webhookdev.cli.errors import CliError
from webhookdev.cli.query import parse_time
from webhookdev.cli.target import Target

DEFAULT_GRACE_SECONDS = 900
DEFAULT_LOOKBACK_DAYS = 3
#: Event time may run slightly ahead of our receipt clock.
CLOCK_SKEW_SECONDS = 3600
DAY = 86400
MAX_DLQ_MESSAGES = 100_000
INDEX_NAME = "ProviderTimestampIndex"
RAW_BUCKET_OUTPUTS = ("raw_payloads_bucket",)
TABLE_OUTPUTS = ("dynamodb_table_name",)


@dataclass
class Finding:
    provider: str
    raw_key: str
    event_id: str = ""
    received_at: int = 0
    reasons: list[str] = field(default_factory=list)
    message_id: str = ""


@dataclass
class Orphan:
    provider: str
    transaction_id: str
    timestamp: str
    event_id: str
    raw_key: str


@dataclass
class Report:
    providers: list[str]
    start: int
    end: int
    grace_seconds: int
    objects: int = 0
    processed: int = 0
    failed: list[Finding] = field(default_factory=list)
    in_dlq: list[Finding] = field(default_factory=list)
    pending: list[Finding] = field(default_factory=list)
    missing: list[Finding] = field(default_factory=list)
    orphan: list[Orphan] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        return 1 if self.missing else 0

    def summary(self) -> dict[str, int]:
        return {
            "objects": self.objects,
            "processed": self.processed,
            "failed": len(self.failed),
            "in_dlq": len(self.in_dlq),
            "pending": len(self.pending),
            "missing": len(self.missing),
            "orphan": len(self.orphan),
        }

    def as_json(self) -> dict[str, Any]:
        return {
            "providers": self.providers,
            "start": self.start,
            "end": self.end,
            "grace_seconds": self.grace_seconds,
            "summary": self.summary(),
            "failed": [asdict(f) for f in self.failed],
            "in_dlq": [asdict(f) for f in self.in_dlq],
            "pending": [asdict(f) for f in self.pending],
            "missing": [asdict(f) for f in self.missing],
            "orphan": [asdict(o) for o in self.orphan],
        }


@dataclass(frozen=True)
class Sources:
    """Where the evidence lives, and read-only clients for it."""

    s3: Any
    dynamodb: Any
    sqs: Any
    raw_bucket: str
    table: str
    dlq_url: str


class Progress:
    """A one-line progress bar on stderr, drawn only when stderr is a terminal and the range spans days."""

    def __init__(self, total: int, stream: TextIO | None = None) -> None:
        self.total = total
        self.stream = stream or sys.stderr
        self.enabled = total > 1 and self.stream.isatty()
        self.done = 0

    def step(self, label: str, objects: int) -> None:
        self.done += 1
        if not self.enabled:
            return
        width = 30
        filled = width * self.done // self.total
        bar = "#" * filled + "." * (width - filled)
        self.stream.write(f"\r[{bar}] {self.done}/{self.total} {label} {objects} objects ")
        self.stream.flush()
        if self.done == self.total:
            self.stream.write("\n")


def days(start: int, end: int) -> list[datetime]:
    """Every UTC day that [start, end] touches, as midnight datetimes."""
    first = datetime.fromtimestamp(start, tz=UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    last = datetime.fromtimestamp(end, tz=UTC)
    out = []
    day = first
    while day <= last:
        out.append(day)
        day += timedelta(days=1)
    return out


def day_prefix(provider: str, day: datetime) -> str:
    return f"{provider}/{day:%Y/%m/%d}/"


def list_raw_objects(s3: Any, bucket: str, prefix: str) -> Iterator[dict[str, Any]]:
    """Every object under ``prefix``, page by page (ListObjectsV2, 1,000 keys a request)."""
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        yield from page.get("Contents", [])


def records_in_window(dynamodb: Any, table: str, provider: str, low: int, high: int) -> Iterator[dict[str, Any]]:
    """The provider's records with event time in [low, high], streamed from the GSI page by page."""
    paginator = dynamodb.get_paginator("query")
    pages = paginator.paginate(
        TableName=table,
        IndexName=INDEX_NAME,
        KeyConditionExpression="#p = :p AND #ts BETWEEN :low AND :high",
        ExpressionAttributeNames={
            "#p": "provider",
            "#ts": "timestamp",
            "#status": "status",
            "#raw": "raw_payload_s3_key",
        },
        ExpressionAttributeValues={":p": {"S": provider}, ":low": {"N": str(low)}, ":high": {"N": str(high + 1)}},
        ProjectionExpression="transaction_id, #ts, event_id, #status, failure_reason, #raw",
    )
    for page in pages:
        for item in page.get("Items", []):
            yield {name: next(iter(value.values())) for name, value in item.items()}


def dlq_index(sqs: Any, queue_url: str) -> dict[str, dlq.DlqMessage]:
    """DLQ messages by the raw key their async event names (peeked, released at once, never deleted)."""
    index: dict[str, dlq.DlqMessage] = {}
    for message in dlq.list_messages(sqs, queue_url, MAX_DLQ_MESSAGES):
        try:
            body = json.loads(message.body)
        except ValueError:
            continue
        if isinstance(body, dict) and isinstance(body.get("raw_payload_s3_key"), str):
            index[base_key(body["raw_payload_s3_key"])] = message
    return index


def _content_type(key: str, metadata: Mapping[str, str]) -> str:
    stored = metadata.get("received-content-type", "")
    if stored:
        return stored
    return "application/x-www-form-urlencoded" if key.endswith(".txt") else "application/json"


@dataclass(frozen=True)
class RawObject:
    """A stored raw payload read back, with what the validator knew when it stored it."""

    provider: str
    bucket: str
    key: str
    body: bytes
    content_type: str
    event_id: str
    received_at: int


def read_raw_object(s3: Any, bucket: str, key: str, provider: str) -> RawObject:
    """GetObject plus the event id, parsed by the provider plug-in exactly as the validator did."""
    response = s3.get_object(Bucket=bucket, Key=key)
    body: bytes = response["Body"].read()
    metadata = {str(k).lower(): str(v) for k, v in (response.get("Metadata") or {}).items()}
    content_type = _content_type(key, metadata)
    plugin = get_provider(provider)
    event_id = plugin.event_id(plugin.parse_body(body, content_type))
    received = metadata.get("received-at", "")
    received_at = int(received) if received.isdigit() else int(response["LastModified"].timestamp())
    return RawObject(provider, bucket, key, body, content_type, event_id, received_at)


def exact_lookup(sources: Sources, raw: RawObject) -> list[dict[str, Any]]:
    """The stored records ``raw`` should have become, found by the processor's own key derivation."""
    event = AsyncEvent(
        provider=raw.provider,
        event_id=raw.event_id,
        received_at=float(raw.received_at),
        content_type=raw.content_type,
        raw_payload_s3_bucket=raw.bucket,
        raw_payload_s3_key=raw.key,
        body_base64=None,
    )
    found = []
    for record in records_for(event, raw.body):
        masked = mask_record(record)
        response = sources.dynamodb.get_item(
            TableName=sources.table,
            Key={"transaction_id": {"S": masked.transaction_id}, "timestamp": {"N": str(masked.timestamp)}},
            ProjectionExpression="#status, failure_reason",
            ExpressionAttributeNames={"#status": "status"},
        )
        if "Item" in response:
            found.append({name: next(iter(value.values())) for name, value in response["Item"].items()})
    return found


def _classify(report: Report, finding: Finding, records: Sequence[Mapping[str, Any]]) -> None:
    statuses = [str(r.get("status", "")) for r in records]
    if any(status != "failed" for status in statuses):
        report.processed += 1
        return
    finding.reasons = sorted({str(r.get("failure_reason", "")) for r in records})
    report.failed.append(finding)


def reconcile(
    sources: Sources,
    providers: Sequence[str],
    start: int,
    end: int,
    *,
    grace_seconds: int = DEFAULT_GRACE_SECONDS,
    lookback_days: int = DEFAULT_LOOKBACK_DAYS,
    now: Callable[[], float] = time.time,
    progress: Progress | None = None,
) -> Report:
    if end < start:
        raise CliError("--end is before --start")
    report = Report(providers=list(providers), start=start, end=end, grace_seconds=grace_seconds)
    in_dlq = dlq_index(sources.sqs, sources.dlq_url) if sources.dlq_url else {}
    current = now()
    for provider in providers:
        for day in days(start, end):
            counted = _reconcile_day(
                sources, report, provider, day, in_dlq=in_dlq, current=current, lookback_days=lookback_days
            )
            if progress is not None:
                progress.step(day_prefix(provider, day), counted)
    return report


def _reconcile_day(
    sources: Sources,
    report: Report,
    provider: str,
    day: datetime,
    *,
    in_dlq: Mapping[str, dlq.DlqMessage],
    current: float,
    lookback_days: int,
) -> int:
    """Classify one provider's objects of one receipt day into ``report``; returns how many were in range."""
    prefix = day_prefix(provider, day)
    low = int(day.timestamp()) - lookback_days * DAY
    high = int(day.timestamp()) + DAY + CLOCK_SKEW_SECONDS
    by_key: dict[str, list[dict[str, Any]]] = {}
    for record in records_in_window(sources.dynamodb, sources.table, provider, low, high):
        key = str(record.get("raw_payload_s3_key", ""))
        if key.startswith(prefix):
            by_key.setdefault(base_key(key), []).append(record)
    seen: set[str] = set()
    counted = 0
    for obj in list_raw_objects(sources.s3, sources.raw_bucket, prefix):
        key = str(obj["Key"])
        seen.add(base_key(key))
        received = int(obj["LastModified"].timestamp())
        if not report.start <= received <= report.end:
            continue
        counted += 1
        report.objects += 1
        finding = Finding(provider=provider, raw_key=key, received_at=received)
        if records := by_key.get(base_key(key)):
            finding.event_id = str(records[0].get("event_id", ""))
            _classify(report, finding, records)
        elif message := in_dlq.get(base_key(key)):
            finding.event_id, finding.message_id = message.event_id, message.message_id
            finding.reasons = [message.error] if message.error else []
            report.in_dlq.append(finding)
        else:
            _check_exactly(sources, report, finding, current, report.grace_seconds)
    for key, records in by_key.items():
        if key in seen:
            continue
        report.orphan.extend(
            Orphan(
                provider=provider,
                transaction_id=str(record.get("transaction_id", "")),
                timestamp=str(Decimal(str(record.get("timestamp", "0")))),
                event_id=str(record.get("event_id", "")),
                raw_key=str(record.get("raw_payload_s3_key", "")),
            )
            for record in records
        )
    return counted


def _check_exactly(sources: Sources, report: Report, finding: Finding, current: float, grace_seconds: int) -> None:
    try:
        raw = read_raw_object(sources.s3, sources.raw_bucket, finding.raw_key, finding.provider)
    except Exception as exc:  # an unreadable object cannot be matched: report it, never hide it
        finding.reasons = [f"raw object unreadable: {type(exc).__name__}"]
        report.missing.append(finding)
        return
    finding.event_id = raw.event_id
    finding.received_at = raw.received_at
    if records := exact_lookup(sources, raw):
        _classify(report, finding, records)
    elif current - finding.received_at < grace_seconds:
        report.pending.append(finding)
    else:
        report.missing.append(finding)


def format_report(report: Report) -> str:
    def when(ts: int) -> str:
        return datetime.fromtimestamp(ts, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

    lines = [
        f"reconcile {', '.join(report.providers)} {when(report.start)} .. {when(report.end)} "
        f"(grace {report.grace_seconds}s)",
        "",
    ]
    summary = report.summary()
    width = max(len(name) for name in summary)
    lines += [f"  {name:<{width}}  {count:>8}" for name, count in summary.items()]
    sections: list[tuple[str, Sequence[Finding]]] = [
        ("MISSING", report.missing),
        ("FAILED", report.failed),
        ("IN DLQ", report.in_dlq),
        ("PENDING", report.pending),
    ]
    for title, findings in sections:
        if findings:
            lines += ["", f"{title}:"]
            for f in findings:
                detail = "; ".join(r for r in f.reasons if r)
                lines.append(f"  {f.raw_key}  {f.event_id or '-'}  {when(f.received_at)}  {detail}".rstrip())
    if report.orphan:
        lines += ["", "ORPHAN (record whose raw object is gone):"]
        lines += [f"  {o.transaction_id}  {o.timestamp}  {o.event_id}  {o.raw_key}" for o in report.orphan]
    lines += ["", "nothing missing" if not report.missing else f"{len(report.missing)} missing: replay them"]
    return "\n".join(lines)


def sources_from(target: Target) -> Sources:
    """Read-only clients and resource names of a deployment (Terraform outputs, or the local stack's copy)."""
    bucket = target.output(*RAW_BUCKET_OUTPUTS)
    table = target.output(*TABLE_OUTPUTS)
    if not isinstance(bucket, str) or not bucket or not isinstance(table, str) or not table:
        raise CliError(f"the {target.name} target has no {RAW_BUCKET_OUTPUTS[0]} / {TABLE_OUTPUTS[0]} output")
    return Sources(
        s3=target.client("s3"),
        dynamodb=target.client("dynamodb"),
        sqs=target.client("sqs"),
        raw_bucket=bucket,
        table=table,
        dlq_url=target.dlq_url(),
    )


def register(commands: Any, common: argparse.ArgumentParser, providers: Sequence[str]) -> None:
    p = commands.add_parser(
        "reconcile",
        parents=[common],
        help="match every raw payload in a time range with its record or DLQ message; exit 1 if any is missing",
        description=(
            "List the raw payloads received in [--start, --end] and match each with its DynamoDB record(s) and any "
            "DLQ message (peeked, never consumed). Reports processed, failed (with reasons), in the DLQ, pending "
            "(younger than --grace), missing, and orphan records whose raw object is gone. Read-only. Times are "
            "Unix seconds, ISO 8601, `now`, or relative like -15m, -2h, -7d."
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="examples:\n"
        "  webhookctl reconcile --start -1h --end now\n"
        "  webhookctl reconcile --provider stripe --start 2026-11-27T00:00:00Z --end 2026-11-28T00:00:00Z --json\n"
        "  webhookctl reconcile --target aws --start -1d --end -15m --json > reconcile.json\n",
    )
    p.add_argument("--provider", choices=providers, help="only this provider (default: all)")
    p.add_argument("--start", required=True, help="range start (receipt time)")
    p.add_argument("--end", required=True, help="range end (receipt time)")
    p.add_argument(
        "--grace",
        type=int,
        default=DEFAULT_GRACE_SECONDS,
        metavar="SECONDS",
        help=f"an object younger than this without a record is pending, not missing (default {DEFAULT_GRACE_SECONDS})",
    )
    p.add_argument(
        "--lookback-days",
        type=int,
        default=DEFAULT_LOOKBACK_DAYS,
        help="how far event time may precede receipt for the fast match (default 3; older ones are looked up exactly)",
    )
    p.add_argument("--json", action="store_true", help="print the report as JSON (input for `replay --from-reconcile`)")


def run(
    args: argparse.Namespace, load_target: Callable[[], Target], providers: Sequence[str], out: Callable[[str], None]
) -> int:
    start, end = parse_time(args.start), parse_time(args.end)
    if args.grace < 0 or args.lookback_days < 0:
        raise CliError("--grace and --lookback-days must not be negative", exit_code=2)
    chosen = [args.provider] if args.provider else list(providers)
    report = reconcile(
        sources_from(load_target()),
        chosen,
        start,
        end,
        grace_seconds=args.grace,
        lookback_days=args.lookback_days,
        progress=Progress(len(chosen) * len(days(start, end))),
    )
    out(json.dumps(report.as_json(), indent=2) if args.json else format_report(report))
    return report.exit_code
