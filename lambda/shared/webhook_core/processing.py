"""The asynchronous processor: one validator-accepted webhook -> one normalized record in DynamoDB and S3.

Flow per event (docs/design.md, "Validator -> processor async event" and "Failure path"):

1. Decode the async event; take the body from ``body_base64`` or, when absent (large bodies), from the raw bucket.
2. Parse with the provider plug-in, normalize with the provider normalizer, mask.
3. Consistent ``GetItem`` on the deterministic key (``transaction_id``, ``timestamp``): present -> duplicate, done.
4. The processed JSON line to the processed log (``webhook_core.processed_log``): ``PutObject`` of
   ``{provider}/{yyyy}/{mm}/{dd}/{event_id}.json`` (SSE-S3), or a Firehose ``PutRecord`` that batches lines into
   objects under the same prefix. S3 cannot append, and read-modify-write of a shared daily file loses events.
5. Conditional ``PutItem`` (``attribute_not_exists``); a failed condition is a concurrent duplicate: success. A
   stored ``failed`` record is the one exception: a replay that now normalizes replaces it (issue 9).

A signature-valid body that cannot be normalized (any parse or normalizer error) is stored as a durable record with
``status = "failed"``, the reason, the provider type and the raw payload's bucket and key, under the transaction id
it names (else ``event:{provider}:{event_id}``); ``ProcessingFailed`` counts it and ``webhookctl replay``
re-processes it after a fix, which replaces it (decision 22). Only infrastructure errors (AWS calls, a broken invoke
payload) propagate: two async retries, then the DLQ.

An event with no readable time anywhere is stored at its receipt time, and deduplicated by a marker item keyed by
the event id, written in one transaction with the record (docs/providers.md, "Times").
"""

from __future__ import annotations

import base64
import calendar
import json
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING, Any

import boto3
from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from boto3.dynamodb.types import TypeSerializer
from botocore.exceptions import ClientError

from webhook_core.config import setting
from webhook_core.errors import ConfigurationError, MalformedPayload, redact_errors
from webhook_core.keys import sanitize_event_id
from webhook_core.log import get_logger
from webhook_core.masking import mask
from webhook_core.money import format_amount
from webhook_core.processed_log import ProcessedLog
from webhook_core.providers import get_normalizer, get_provider
from webhook_core.records import (
    EventType,
    ProcessingStatus,
    TransactionRecord,
    UnprocessableEvent,
)
from webhook_core.sharding import provider_shards, shard_attribute

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient
    from mypy_boto3_firehose.client import FirehoseClient
    from mypy_boto3_s3.client import S3Client

ASYNC_EVENT_VERSION = 1
DEFAULT_RETENTION_YEARS = 7
PROCESSED_SCHEMA_VERSION = 1
METRICS_NAMESPACE = "PaymentWebhooks"


class Outcome(StrEnum):
    """The one-word result of an invocation, logged as ``outcome`` and counted by a metric."""

    PROCESSED = "processed"
    DUPLICATE = "duplicate"
    FAILED = "failed"
    ERROR = "error"


@dataclass(frozen=True)
class AsyncEvent:
    """The validator's asynchronous invoke payload (docs/design.md)."""

    provider: str
    event_id: str
    received_at: float
    content_type: str
    raw_payload_s3_bucket: str
    raw_payload_s3_key: str
    body_base64: str | None
    stage_variables: Mapping[str, str] = field(default_factory=dict)
    version: int = ASYNC_EVENT_VERSION

    @classmethod
    def from_event(cls, event: Mapping[str, Any]) -> AsyncEvent:
        """Validate the shape; a broken invoke payload is a bug upstream, so it raises ``ValueError`` (-> DLQ)."""
        missing = [name for name in ("provider", "event_id", "received_at") if not event.get(name)]
        if missing:
            raise ValueError(f"async event is missing {', '.join(missing)}")
        version = event.get("version", ASYNC_EVENT_VERSION)
        if version != ASYNC_EVENT_VERSION:
            raise ValueError(f"unsupported async event version {version!r}")
        received_at = event["received_at"]
        if isinstance(received_at, bool) or not isinstance(received_at, int | float):
            raise ValueError("received_at must be a Unix time")
        body = event.get("body_base64")
        if body is None and not (event.get("raw_payload_s3_bucket") and event.get("raw_payload_s3_key")):
            raise ValueError("async event has neither body_base64 nor raw_payload_s3_bucket/raw_payload_s3_key")
        stage = event.get("stage_variables") or {}
        return cls(
            provider=str(event["provider"]).strip().lower(),
            event_id=str(event["event_id"]),
            received_at=float(received_at),
            content_type=str(event.get("content_type") or "application/json"),
            raw_payload_s3_bucket=str(event.get("raw_payload_s3_bucket") or ""),
            raw_payload_s3_key=str(event.get("raw_payload_s3_key") or ""),
            body_base64=str(body) if body is not None else None,
            stage_variables={str(k): str(v) for k, v in stage.items()} if isinstance(stage, Mapping) else {},
            version=version,
        )


@dataclass(frozen=True)
class ProcessorSettings:
    """Table and bucket for one invocation: stage variables win over the environment (decision 1)."""

    dynamodb_table: str
    s3_processed_bucket: str
    environment: str
    record_ttl_days: int | None = None

    @classmethod
    def load(
        cls, stage_variables: Mapping[str, str] | None = None, environ: Mapping[str, str] | None = None
    ) -> ProcessorSettings:
        env = os.environ if environ is None else environ
        table = setting("DYNAMODB_TABLE", stage_variables, env)
        bucket = setting("S3_PROCESSED_BUCKET", stage_variables, env)
        if not table or not bucket:
            raise ConfigurationError("DYNAMODB_TABLE and S3_PROCESSED_BUCKET must be configured")
        ttl_raw = env.get("RECORD_TTL_DAYS", "").strip()
        ttl_days: int | None = None
        if ttl_raw:
            try:
                ttl_days = int(ttl_raw)
            except ValueError as exc:
                raise ConfigurationError(f"RECORD_TTL_DAYS must be an integer, got {ttl_raw!r}") from exc
            if ttl_days <= 0:
                raise ConfigurationError(f"RECORD_TTL_DAYS must be positive, got {ttl_days}")
        return cls(
            dynamodb_table=table,
            s3_processed_bucket=bucket,
            environment=setting("ENVIRONMENT", stage_variables, env),
            record_ttl_days=ttl_days,
        )


@dataclass(frozen=True)
class ProcessResult:
    """What one invocation did (also the handler's return value, as JSON)."""

    outcome: Outcome
    provider: str
    event_id: str
    transaction_id: str
    timestamp: Decimal
    status: ProcessingStatus
    processed_s3_key: str | None = None
    failure_reason: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "outcome": self.outcome.value,
            "provider": self.provider,
            "event_id": self.event_id,
            "transaction_id": self.transaction_id,
            "timestamp": str(self.timestamp),
            "status": self.status.value,
            "processed_s3_key": self.processed_s3_key,
            "failure_reason": self.failure_reason,
        }


def expires_at(event_time: int, ttl_days: int | None) -> int:
    """TTL: ``event_time`` plus ``ttl_days``, or plus seven calendar years (29 Feb -> 28 Feb)."""
    if ttl_days is not None:
        return event_time + ttl_days * 86400
    moment = datetime.fromtimestamp(event_time, tz=UTC)
    year = moment.year + DEFAULT_RETENTION_YEARS
    day = min(moment.day, calendar.monthrange(year, moment.month)[1])
    return int(moment.replace(year=year, day=day).timestamp())


def mask_record(record: TransactionRecord) -> TransactionRecord:
    """Card data never reaches storage: every string field and the metadata pass through :func:`mask`."""
    masked_metadata = mask(dict(record.metadata))

    def text(value: str | None) -> str | None:
        return None if value is None else str(mask(value))

    return replace(
        record,
        transaction_id=str(mask(record.transaction_id)),
        event_id=str(mask(record.event_id)),
        customer_id=text(record.customer_id),
        payment_status=text(record.payment_status),
        provider_event_type=str(mask(record.provider_event_type)),
        failure_reason=text(record.failure_reason),
        metadata={str(k): str(v) for k, v in masked_metadata.items()},
    )


def event_partition(provider: str, event_id: str) -> str:
    """The partition of an event's own bookkeeping: its failed record(s) and its no-time dedup marker(s)."""
    return f"event:{provider}:{event_id}"


def failed_record(async_event: AsyncEvent, exc: Exception) -> TransactionRecord:
    """The durable record of an event that could not be normalized (decision 22).

    Keyed by the transaction id the normalizer could read (else ``event:{provider}:{event_id}``) at the event time
    (else the receipt time); the event-id marker written with it lets a redelivery find it and a successful replay
    replace it. The reason names the field, never the value; an unexpected
    error is named by its class only.
    """
    object_id: str | None = None
    event_time: int | None = None
    provider_type = ""
    event_type = EventType.UNKNOWN
    if isinstance(exc, UnprocessableEvent):
        object_id, event_time = exc.transaction_id, exc.event_time
        provider_type, event_type = exc.provider_event_type or "", exc.event_type
        code, reason = exc.reason, f"{exc.reason}: {exc.message}"
    elif isinstance(exc, MalformedPayload):
        code, reason = "malformed_payload", f"malformed_payload: {exc.message}"
    else:
        code, reason = "normalizer_error", f"normalizer_error: {type(exc).__name__}"
    return TransactionRecord(
        provider=async_event.provider,
        event_id=async_event.event_id,
        transaction_id=object_id or event_partition(async_event.provider, async_event.event_id),
        event_time=event_time if event_time is not None else int(async_event.received_at),
        event_type=event_type,
        provider_event_type=provider_type,
        amount=None,
        currency=None,
        customer_id=None,
        payment_status=None,
        status=ProcessingStatus.FAILED,
        failure_reason=reason[:1024],
        metadata={"failure_code": code},
        time_source="event" if event_time is not None else "receipt",
    )


def record_document(
    record: TransactionRecord,
    *,
    raw_payload_s3_key: str,
    processed_s3_key: str,
    raw_payload_s3_bucket: str = "",
    processed_at: Decimal,
    expires: int,
) -> dict[str, Any]:
    """The stored record as Python values (``Decimal`` for numbers); empty values are left out.

    ``customer_id`` is omitted rather than empty, because an empty string cannot be a GSI key.
    """
    item: dict[str, Any] = {
        "transaction_id": record.transaction_id,
        "timestamp": record.timestamp,
        "provider": record.provider,
        "event_id": record.event_id,
        "event_type": record.event_type.value,
        "provider_event_type": record.provider_event_type,
        "amount": record.amount,
        "currency": record.currency,
        "direction": record.direction.value,
        "customer_id": record.customer_id,
        "status": record.status.value,
        "payment_status": record.payment_status,
        "raw_payload_s3_bucket": raw_payload_s3_bucket,
        "raw_payload_s3_key": raw_payload_s3_key,
        "processed_s3_key": processed_s3_key,
        "processed_at": processed_at,
        "metadata": dict(record.metadata),
        "expires_at": Decimal(expires),
        "failure_reason": record.failure_reason,
        "time_source": record.time_source if record.time_source != "event" else None,
    }
    return {key: value for key, value in item.items() if value not in (None, "")}


def processed_json(document: Mapping[str, Any], *, event_time: int) -> bytes:
    """The S3 body: amounts and the sort key as exact decimal strings (no float anywhere), plus ``event_time``."""
    body: dict[str, Any] = {"schema_version": PROCESSED_SCHEMA_VERSION}
    for key, value in document.items():
        if key == "amount" and isinstance(value, Decimal):
            body[key] = format_amount(value, document.get("currency"))
        elif key in ("timestamp", "processed_at", "expires_at") and isinstance(value, Decimal):
            body[key] = str(value) if key != "expires_at" else int(value)
        else:
            body[key] = value
    body["event_time"] = event_time
    return (json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False) + "\n").encode("utf-8")


Parser = Callable[[str, bytes, str], Mapping[str, Any]]
Normalize = Callable[[str, Mapping[str, Any]], list[TransactionRecord]]


def _parse_with_plugin(provider: str, raw: bytes, content_type: str) -> Mapping[str, Any]:
    return get_provider(provider).parse_body(raw, content_type)


def _normalize_with_registry(provider: str, parsed: Mapping[str, Any]) -> list[TransactionRecord]:
    records: list[TransactionRecord] = get_normalizer(provider)(parsed)
    return records


def records_for(
    event: AsyncEvent,
    raw: bytes,
    parse: Parser = _parse_with_plugin,
    normalize: Normalize = _normalize_with_registry,
) -> list[TransactionRecord]:
    """The records one event becomes, before masking (``webhookctl reconcile`` uses it to find them).

    Any error while parsing or normalizing makes a single ``failed`` record (decision 22: a signature-valid body is
    never lost to the DLQ). A record with no readable time gets the receipt time.
    """
    try:
        parsed = parse(event.provider, raw, event.content_type)
        normalized = normalize(event.provider, parsed)
        if not normalized:
            raise UnprocessableEvent("the normalizer returned no record")
    except Exception as exc:  # decision 22
        return [failed_record(event, exc)]
    # The validator's event id is authoritative: it names the raw object and the DLQ message.
    records = [replace(record, event_id=event.event_id) for record in normalized]
    return [
        replace(record, event_time=int(event.received_at)) if record.time_source == "receipt" else record
        for record in records
    ]


class _NullContext:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


class Processor:
    """Processes async events with injected clients and Powertools utilities (so tests can pass moto clients)."""

    def __init__(
        self,
        *,
        dynamodb: DynamoDBClient,
        s3: S3Client,
        logger: Logger,
        metrics: Metrics | None = None,
        tracer: Tracer | None = None,
        environ: Mapping[str, str] | None = None,
        clock: Callable[[], float] = time.time,
        parse: Parser = _parse_with_plugin,
        normalize: Normalize = _normalize_with_registry,
        firehose: FirehoseClient | None = None,
    ) -> None:
        self._dynamodb = dynamodb
        self._s3 = s3
        self._logger = logger
        self._metrics = metrics
        self._tracer = tracer
        self._environ = environ
        self._clock = clock
        self._parse = parse
        self._normalize = normalize
        self._serializer = TypeSerializer()
        self._processed_log = ProcessedLog(s3=s3, firehose=firehose, environ=environ, subsegment=self._subsegment)
        self._shards = provider_shards(environ)

    # --- edges -----------------------------------------------------------------------------------------------------

    def _subsegment(self, name: str) -> Any:
        if self._tracer is None:
            return _NullContext()
        return self._tracer.provider.in_subsegment(name)

    def _annotate(self, **values: str) -> None:
        if self._tracer is None:
            return
        for key, value in values.items():
            self._tracer.put_annotation(key=key, value=value)

    def _metric(self, provider: str, name: str, value: float, unit: str = "Count") -> None:
        if self._metrics is None:
            return
        if "provider" not in self._metrics.dimension_set:
            self._metrics.add_dimension(name="provider", value=provider)
        self._metrics.add_metric(name=name, unit=MetricUnit(unit), value=value)

    def _raw_body(self, event: AsyncEvent) -> bytes:
        if event.body_base64 is not None:
            return base64.b64decode(event.body_base64, validate=True)
        with self._subsegment("## s3.get_object raw payload"):
            response = self._s3.get_object(Bucket=event.raw_payload_s3_bucket, Key=event.raw_payload_s3_key)
            return response["Body"].read()

    def _key(self, record: TransactionRecord) -> dict[str, Any]:
        return {
            "transaction_id": {"S": record.transaction_id},
            "timestamp": self._serializer.serialize(record.timestamp),
        }

    def _exists(self, table: str, record: TransactionRecord) -> bool:
        """Whether the record is stored already. A stored ``failed`` record does not count when this one is not
        failed: a replay after a normalizer fix (issue 9) replaces it."""
        with self._subsegment("## dynamodb.get_item"):
            response = self._dynamodb.get_item(
                TableName=table,
                Key=self._key(record),
                ConsistentRead=True,
                ProjectionExpression="transaction_id, #status",
                ExpressionAttributeNames={"#status": "status"},
            )
        item = response.get("Item")
        if item is None:
            return False
        return record.status is ProcessingStatus.FAILED or item.get("status", {}).get("S") != ProcessingStatus.FAILED

    def _put_item(self, table: str, document: Mapping[str, Any]) -> bool:
        """Conditional put; ``False`` when the key already exists (a concurrent duplicate).

        A record that is not failed may replace a stored ``failed`` one, never the other way round.
        """
        item = {key: self._serializer.serialize(value) for key, value in document.items()}
        condition: dict[str, Any] = {"ConditionExpression": "attribute_not_exists(transaction_id)"}
        if document.get("status") != ProcessingStatus.FAILED.value:
            condition = {
                "ConditionExpression": "attribute_not_exists(transaction_id) OR #status = :failed",
                "ExpressionAttributeNames": {"#status": "status"},
                "ExpressionAttributeValues": {":failed": {"S": ProcessingStatus.FAILED.value}},
            }
        with self._subsegment("## dynamodb.put_item"):
            try:
                self._dynamodb.put_item(TableName=table, Item=item, **condition)
            except ClientError as exc:
                if exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                    return False
                raise
        return True

    def _marker_key(self, event: AsyncEvent, index: int) -> dict[str, Any]:
        return {
            "transaction_id": {"S": event_partition(event.provider, event.event_id)},
            "timestamp": {"N": str(index)},
        }

    def _get_marker(self, table: str, key: Mapping[str, Any]) -> dict[str, Any] | None:
        with self._subsegment("## dynamodb.get_item marker"):
            response = self._dynamodb.get_item(TableName=table, Key=dict(key), ConsistentRead=True)
        item = response.get("Item")
        return dict(item) if item else None

    def _put_with_marker(
        self, table: str, document: Mapping[str, Any], marker_key: Mapping[str, Any], expires: int
    ) -> bool:
        """Record and its event-id marker in one transaction; ``False`` when the marker names a live record.

        A marker that names a *failed* record may be taken over: that is a replay succeeding (decision 22).
        """
        item = {key: self._serializer.serialize(value) for key, value in document.items()}
        marker = {
            **marker_key,
            "event_id": {"S": str(document["event_id"])},
            "record_transaction_id": item["transaction_id"],
            "record_timestamp": item["timestamp"],
            "record_status": {"S": str(document["status"])},
            "expires_at": {"N": str(expires)},
        }
        with self._subsegment("## dynamodb.transact_write_items"):
            try:
                self._dynamodb.transact_write_items(
                    TransactItems=[
                        {
                            "Put": {
                                "TableName": table,
                                "Item": marker,
                                "ConditionExpression": "attribute_not_exists(transaction_id) OR record_status = :f",
                                "ExpressionAttributeValues": {":f": {"S": ProcessingStatus.FAILED.value}},
                            }
                        },
                        {
                            "Put": {
                                "TableName": table,
                                "Item": item,
                                "ConditionExpression": "attribute_not_exists(transaction_id) OR #s = :f",
                                "ExpressionAttributeNames": {"#s": "status"},
                                "ExpressionAttributeValues": {":f": {"S": ProcessingStatus.FAILED.value}},
                            }
                        },
                    ]
                )
            except ClientError as exc:
                if exc.response.get("Error", {}).get("Code") == "TransactionCanceledException":
                    return False
                raise
        return True

    def _supersede_failed(self, table: str, marker: Mapping[str, Any] | None, record: TransactionRecord) -> None:
        """A replay succeeded: delete the event's earlier failed record (the marker names it)."""
        if not marker or marker.get("record_status", {}).get("S") != ProcessingStatus.FAILED.value:
            return
        failed_key = {"transaction_id": marker["record_transaction_id"], "timestamp": marker["record_timestamp"]}
        if failed_key == self._key(record):
            return
        with self._subsegment("## dynamodb.delete_item superseded failed record"):
            try:
                self._dynamodb.delete_item(
                    TableName=table,
                    Key=failed_key,
                    ConditionExpression="#s = :f",
                    ExpressionAttributeNames={"#s": "status"},
                    ExpressionAttributeValues={":f": {"S": ProcessingStatus.FAILED.value}},
                )
            except ClientError as exc:
                if exc.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
                    raise

    # --- the flow --------------------------------------------------------------------------------------------------

    def _records(self, event: AsyncEvent) -> list[TransactionRecord]:
        # An AWS error reading the raw body is infrastructure: it propagates (retries, then the DLQ).
        return records_for(event, self._raw_body(event), self._parse, self._normalize)

    def _result(self, outcome: Outcome, event: AsyncEvent, record: TransactionRecord, key: str) -> ProcessResult:
        return ProcessResult(
            outcome,
            event.provider,
            event.event_id,
            record.transaction_id,
            record.timestamp,
            record.status,
            key,
            record.failure_reason,
        )

    def _store(
        self, event: AsyncEvent, settings: ProcessorSettings, record: TransactionRecord, index: int
    ) -> ProcessResult:
        table = settings.dynamodb_table
        key = self._processed_log.key(event.provider, event.event_id, record.event_time, index)
        failed = record.status is ProcessingStatus.FAILED
        # Without a readable time (or when failed) the record's key is not a function of the event: a marker keyed by
        # the event id deduplicates it. A successful record also reads the marker, to replace a failed predecessor.
        use_marker = failed or record.time_source == "receipt"
        marker_key = self._marker_key(event, index)
        marker = self._get_marker(table, marker_key) if use_marker or index == 0 else None
        marker_is_live = marker is not None and marker.get("record_status", {}).get("S") != "failed"
        if (use_marker and marker is not None and (failed or marker_is_live)) or self._exists(table, record):
            return self._result(Outcome.DUPLICATE, event, record, key)
        now = self._clock()
        expires = expires_at(record.event_time, settings.record_ttl_days)
        document = record_document(
            record,
            raw_payload_s3_bucket=event.raw_payload_s3_bucket,
            raw_payload_s3_key=event.raw_payload_s3_key,
            processed_s3_key=key,
            processed_at=Decimal(int(now * 1000)).scaleb(-3),
            expires=expires,
        )
        line = processed_json(document, event_time=record.event_time)
        self._processed_log.deliver(settings.s3_processed_bucket, key, line)
        shard = shard_attribute(record.provider, record.event_id, self._shards)
        if use_marker:
            written = self._put_with_marker(table, {**document, **shard}, marker_key, expires)
        else:
            written = self._put_item(table, {**document, **shard})
        if not written:
            return self._result(Outcome.DUPLICATE, event, record, key)
        if not failed:
            self._supersede_failed(table, marker, record)
        return self._result(Outcome.FAILED if failed else Outcome.PROCESSED, event, record, key)

    def process(self, raw_event: Mapping[str, Any]) -> list[ProcessResult]:
        """Process one async event; returns one result per stored record. Unexpected errors propagate."""
        started = time.perf_counter()
        provider = str(raw_event.get("provider", "unknown")) if isinstance(raw_event, Mapping) else "unknown"
        event_id = str(raw_event.get("event_id", "")) if isinstance(raw_event, Mapping) else ""
        try:
            event = AsyncEvent.from_event(raw_event)
            provider, event_id = event.provider, event.event_id
            settings = ProcessorSettings.load(event.stage_variables, self._environ)
            self._annotate(provider=provider, event_id=sanitize_event_id(event_id))
            records = [mask_record(record) for record in self._records(event)]
            results = [self._store(event, settings, record, index) for index, record in enumerate(records)]
        except Exception:
            self._logger.exception(
                "event processing raised; Lambda retries it, then parks it in the DLQ",
                extra={
                    "provider": provider,
                    "event_id": event_id,
                    "outcome": Outcome.ERROR.value,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 3),
                },
            )
            raise
        duration_ms = round((time.perf_counter() - started) * 1000, 3)
        for result in results:
            self._report(result, event, duration_ms)
        return results

    def _report(self, result: ProcessResult, event: AsyncEvent, duration_ms: float) -> None:
        self._annotate(transaction_id=result.transaction_id, status=result.status.value, outcome=result.outcome.value)
        fields = {
            "provider": result.provider,
            "event_id": result.event_id,
            "transaction_id": result.transaction_id,
            "outcome": result.outcome.value,
            "status": result.status.value,
            "processed_s3_key": result.processed_s3_key,
            "duration_ms": duration_ms,
            "age_ms": max(0, round((self._clock() - event.received_at) * 1000)),
        }
        if result.outcome is Outcome.DUPLICATE:
            self._logger.info("duplicate event ignored", extra=fields)
            self._metric(result.provider, "DuplicateEvents", 1)
            return
        if result.outcome is Outcome.FAILED:
            self._logger.error("event recorded as failed", extra={**fields, "failure_reason": result.failure_reason})
            self._metric(result.provider, "ProcessingFailed", 1)
        else:
            self._logger.info("event processed", extra=fields)
            self._metric(result.provider, "EventsProcessed", 1)
        self._metric(result.provider, "ProcessingLatency", duration_ms, "Milliseconds")


def build_lambda_handler(service: str = "webhook-processor") -> Callable[[Mapping[str, Any], Any], dict[str, Any]]:
    """The Lambda entry point, with clients and Powertools utilities created once per cold start.

    Metrics carry only the ``provider`` dimension (``service=""`` keeps Powertools from adding its own), in the
    ``PaymentWebhooks`` namespace. X-Ray patches only botocore, so every AWS call is traced as well.
    """
    logger = get_logger(service=os.environ.get("POWERTOOLS_SERVICE_NAME") or service)
    tracer = Tracer(service=service, patch_modules=["botocore"])
    metrics = Metrics(namespace=os.environ.get("POWERTOOLS_METRICS_NAMESPACE") or METRICS_NAMESPACE, service="")
    processor = Processor(
        dynamodb=boto3.client("dynamodb"),
        s3=boto3.client("s3"),
        logger=logger,
        metrics=metrics,
        tracer=tracer,
    )

    @metrics.log_metrics(raise_on_empty_metrics=False)
    @tracer.capture_lambda_handler(capture_response=False)
    @redact_errors  # the runtime error line, X-Ray and the DLQ ErrorMessage never quote a value
    def handler(event: Mapping[str, Any], context: Any) -> dict[str, Any]:
        results = processor.process(event)
        return {"results": [result.as_dict() for result in results]}

    typed_handler: Callable[[Mapping[str, Any], Any], dict[str, Any]] = handler
    return typed_handler
