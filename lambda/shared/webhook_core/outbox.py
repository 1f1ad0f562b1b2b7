"""The transactional outbox: each new transaction record, published once to an EventBridge bus (docs/events.md).

The DynamoDB stream of the transactions table (NEW_AND_OLD_IMAGES) drives it, so a record is published only after it
is durably stored, and no code path can store a record without it reaching the stream. What a stream record
publishes is decided in one place, :func:`publication`:

- ``INSERT``: the new record, once. A duplicate webhook never makes an INSERT (the processor's conditional put
  fails), so duplicates are never published.
- ``MODIFY`` from a status other than ``processed`` to ``processed`` (a failed record repaired in place by a replay):
  the repaired record, once more, with ``replaces_failed_record: true``. Every other ``MODIFY`` is not published.
- ``REMOVE`` (TTL expiry after 7 years): nothing.

Stream records are handled in order, and the first failure stops the batch (:class:`InOrderStreamProcessor`):
Lambda resumes a stream from the lowest failed sequence number, so a record published after a failed one would be
published again on the retry.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord

from webhook_core.errors import ConfigurationError
from webhook_core.log import get_logger
from webhook_core.masking import mask
from webhook_core.money import format_amount
from webhook_core.records import ProcessingStatus

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.batch.base import FailureResponse, SuccessResponse
    from mypy_boto3_events.client import EventBridgeClient
    from mypy_boto3_events.type_defs import PutEventsRequestEntryTypeDef

EVENT_SOURCE = "payment-webhooks"
DETAIL_SCHEMA_VERSION = 1
FAILED_DETAIL_TYPE = "record.failed"
METRICS_NAMESPACE = "PaymentWebhooks"


class OutboxPublishFailed(Exception):
    """EventBridge did not accept the event; the record is reported as a batch item failure and retried."""


class SkippedAfterEarlierFailure(Exception):
    """Not attempted: an earlier record of the batch failed, and Lambda will resend this one from there."""


@dataclass(frozen=True)
class Publication:
    """What one stream record publishes: the stored record (deserialized image) and why."""

    image: Mapping[str, Any]
    replaces_failed_record: bool = False

    @property
    def detail_type(self) -> str:
        if self.image.get("status") == ProcessingStatus.FAILED.value:
            return FAILED_DETAIL_TYPE
        return str(self.image.get("event_type") or "unknown")

    def detail(self) -> dict[str, Any]:
        return event_detail(self.image, replaces_failed_record=self.replaces_failed_record)


def publication(
    event_name: str, old_image: Mapping[str, Any] | None, new_image: Mapping[str, Any] | None
) -> Publication | None:
    """The one rule for what a stream record publishes (module docstring); ``None`` for nothing."""
    new_status = (new_image or {}).get("status")
    final = new_status in (ProcessingStatus.PROCESSED.value, ProcessingStatus.FAILED.value)
    if event_name == "INSERT" and new_image and final:
        return Publication(new_image)
    if event_name == "MODIFY" and new_image and old_image and new_status == ProcessingStatus.PROCESSED.value:
        old_status = old_image.get("status")
        if old_status != ProcessingStatus.PROCESSED.value:
            return Publication(new_image, replaces_failed_record=old_status == ProcessingStatus.FAILED.value)
    return None


def _text(value: Any) -> str | None:
    return None if value is None or value == "" else str(value)


def _decimal_text(value: Any) -> str | None:
    if isinstance(value, Decimal):
        return format(value, "f")
    return _text(value)


def event_detail(stored: Mapping[str, Any], *, replaces_failed_record: bool = False) -> dict[str, Any]:
    """The event's ``detail`` (schema: docs/events/transaction-record.schema.json), masked like every stored value.

    Numbers that must stay exact (``amount``, ``timestamp``, ``processed_at``) are decimal strings, never floats. The
    stored values are masked again *before* numbers become strings: ``mask`` leaves ``Decimal`` alone, while the
    string of a millisecond time (``"1795769005.123"``, 13 digits) would look like a card number to it.
    """
    image: Mapping[str, Any] = mask(dict(stored))
    amount = image.get("amount")
    currency = _text(image.get("currency"))
    timestamp = image.get("timestamp")
    status = str(image.get("status") or "")
    metadata = image.get("metadata")
    detail: dict[str, Any] = {
        "schema_version": DETAIL_SCHEMA_VERSION,
        "dedupe_key": f"{image.get('transaction_id')}|{_decimal_text(timestamp)}|{status}",
        "provider": _text(image.get("provider")),
        "event_id": _text(image.get("event_id")),
        "transaction_id": _text(image.get("transaction_id")),
        "timestamp": _decimal_text(timestamp),
        "event_time": int(timestamp) if isinstance(timestamp, Decimal) else None,
        "event_type": _text(image.get("event_type")),
        "provider_event_type": _text(image.get("provider_event_type")),
        "amount": format_amount(amount, currency) if isinstance(amount, Decimal) else None,
        "currency": currency,
        "direction": _text(image.get("direction")),
        "customer_id": _text(image.get("customer_id")),
        "status": status,
        "payment_status": _text(image.get("payment_status")),
        "failure_reason": _text(image.get("failure_reason")),
        "processed_at": _decimal_text(image.get("processed_at")),
        "metadata": {str(k): str(v) for k, v in metadata.items()} if isinstance(metadata, Mapping) else {},
        "replaces_failed_record": replaces_failed_record,
    }
    return detail


class OutboxPublisher:
    """The record handler: decides with :func:`publication`, then one ``PutEvents`` entry per published record."""

    def __init__(
        self,
        *,
        events: EventBridgeClient,
        bus_name: str,
        logger: Logger,
        metrics: Metrics | None = None,
    ) -> None:
        if not bus_name:
            raise ConfigurationError("EVENT_BUS_NAME must be configured")
        self._events = events
        self._bus_name = bus_name
        self._logger = logger
        self._metrics = metrics

    def entry(self, item: Publication) -> PutEventsRequestEntryTypeDef:
        return {
            "Source": EVENT_SOURCE,
            "DetailType": item.detail_type,
            "Detail": json.dumps(item.detail(), sort_keys=True, separators=(",", ":"), ensure_ascii=False),
            "EventBusName": self._bus_name,
        }

    def _metric(self, name: str) -> None:
        if self._metrics is not None:
            self._metrics.add_metric(name=name, unit=MetricUnit.Count, value=1)

    def __call__(self, record: DynamoDBRecord) -> str:
        stream = record.dynamodb
        event_name = record.event_name.name if record.event_name else ""
        if stream is None:
            raise OutboxPublishFailed("stream record without a dynamodb section")
        if event_name == "MODIFY" and not stream.old_image:
            # Without the old image a repair cannot be told from an update: the table must use NEW_AND_OLD_IMAGES.
            self._logger.warning(
                "MODIFY without an old image: not published",
                extra={"outcome": "skipped", "sequence_number": stream.sequence_number},
            )
            return "skipped"
        item = publication(event_name, stream.old_image or None, stream.new_image or None)
        if item is None:
            return "skipped"
        entry = self.entry(item)
        response = self._events.put_events(Entries=[entry])
        fields = {
            "provider": item.image.get("provider"),
            "event_id": item.image.get("event_id"),
            "transaction_id": item.image.get("transaction_id"),
            "detail_type": item.detail_type,
            "sequence_number": stream.sequence_number,
        }
        if response.get("FailedEntryCount", 0):
            code = (response.get("Entries") or [{}])[0].get("ErrorCode", "unknown")
            self._metric("OutboxPublishFailed")
            raise OutboxPublishFailed(f"PutEvents rejected the event: {code}")
        event_id = (response.get("Entries") or [{}])[0].get("EventId")
        self._logger.info("record published", extra={**fields, "outcome": "published", "bus_event_id": event_id})
        self._metric("OutboxEventsPublished")
        return "published"


class InOrderStreamProcessor(BatchProcessor):
    """Powertools' stream batch processor, stopping at the first failure.

    Powertools goes on after a failed record; on a stream Lambda then resends everything from the lowest failed
    sequence number, so a later record published in this attempt would be published twice. Here every record after
    the first failure is reported failed without being attempted.
    """

    def _process_record(self, record: dict[Any, Any]) -> SuccessResponse | FailureResponse:
        if self.fail_messages:
            data = self._to_batch_type(record=record, event_type=self.event_type)
            error = SkippedAfterEarlierFailure("an earlier record of this batch failed")
            return self.failure_handler(record=data, exception=(type(error), error, None))
        result: SuccessResponse | FailureResponse = super()._process_record(record)
        return result


def build_lambda_handler(service: str = "webhook-outbox") -> Callable[[dict[str, Any], Any], dict[str, Any]]:
    """The Lambda entry point; the EventBridge client and Powertools utilities are created once per cold start."""
    import boto3  # noqa: PLC0415 - only the Lambda entry point needs a real client

    name = os.environ.get("POWERTOOLS_SERVICE_NAME") or service
    logger = get_logger(service=name)
    tracer = Tracer(service=name, patch_modules=["botocore"])
    metrics = Metrics(namespace=os.environ.get("POWERTOOLS_METRICS_NAMESPACE") or METRICS_NAMESPACE, service=name)
    publisher = OutboxPublisher(
        events=boto3.client("events"),
        bus_name=os.environ.get("EVENT_BUS_NAME", ""),
        logger=logger,
        metrics=metrics,
    )
    # raise_on_entire_batch_failure=False: a batch whose first record fails is reported like any other partial
    # failure, so Lambda retries from that record and counts the attempt toward MaximumRetryAttempts.
    processor = InOrderStreamProcessor(event_type=EventType.DynamoDBStreams, raise_on_entire_batch_failure=False)

    @metrics.log_metrics(raise_on_empty_metrics=False)
    @tracer.capture_lambda_handler(capture_response=False)
    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        response = process_partial_response(event=event, record_handler=publisher, processor=processor, context=context)
        failures = response.get("batchItemFailures", [])
        if failures:
            first = processor.exceptions[0][1] if processor.exceptions else None
            logger.warning(
                "batch stopped at a failed record; Lambda retries from it",
                extra={"outcome": "retry", "failed": len(failures), "error": repr(first)},
            )
        return dict(response)

    typed_handler: Callable[[dict[str, Any], Any], dict[str, Any]] = handler
    return typed_handler


__all__ = [
    "DETAIL_SCHEMA_VERSION",
    "EVENT_SOURCE",
    "FAILED_DETAIL_TYPE",
    "InOrderStreamProcessor",
    "OutboxPublishFailed",
    "OutboxPublisher",
    "Publication",
    "build_lambda_handler",
    "event_detail",
    "publication",
]
