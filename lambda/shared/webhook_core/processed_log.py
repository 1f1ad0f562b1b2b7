"""Where the processor's normalized JSON line goes: one S3 object per event, or a Firehose stream (docs/scaling.md).

``PROCESSED_LOG_DELIVERY`` chooses:

* ``object_per_event`` (default): ``PutObject`` of ``{provider}/{yyyy}/{mm}/{dd}/{event_id}.json`` (SSE-S3).
* ``firehose``: ``PutRecord`` of the same JSON line to the stream named by ``PROCESSED_LOG_STREAM``. Firehose
  partitions by the line's ``provider`` and ``event_time`` and writes batched JSON-lines objects under
  ``{provider}/{yyyy}/{mm}/{dd}/``; the record's ``processed_s3_key`` is that prefix, as the object name is Firehose's.

DynamoDB stays the system of record either way: this runs before the item is written, so a stored item implies its
line was accepted (durably buffered, in firehose mode). A retry after a crash between the two may add the line again:
Firehose delivery is at least once, so readers of the logs deduplicate by ``transaction_id`` and ``timestamp``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from webhook_core.errors import ConfigurationError
from webhook_core.keys import processed_key

if TYPE_CHECKING:
    from mypy_boto3_firehose.client import FirehoseClient
    from mypy_boto3_s3.client import S3Client

DELIVERY_ENV = "PROCESSED_LOG_DELIVERY"
STREAM_ENV = "PROCESSED_LOG_STREAM"
OBJECT_PER_EVENT = "object_per_event"
FIREHOSE = "firehose"
DELIVERY_MODES = (OBJECT_PER_EVENT, FIREHOSE)

Subsegment = Callable[[str], AbstractContextManager[Any]]


def processed_prefix(provider: str, event_time: int) -> str:
    """The partition a line lands in: ``stripe/2026/11/27/``, the date of the event (UTC), as Firehose renders it."""
    return f"{provider}/{datetime.fromtimestamp(event_time, tz=UTC):%Y/%m/%d}/"


class ProcessedLog:
    """The processed-log sink of one processor container; the mode is the function's, read once."""

    def __init__(
        self,
        *,
        s3: S3Client,
        subsegment: Subsegment,
        firehose: FirehoseClient | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        env = os.environ if environ is None else environ
        self.mode = (env.get(DELIVERY_ENV) or OBJECT_PER_EVENT).strip()
        if self.mode not in DELIVERY_MODES:
            raise ConfigurationError(f"{DELIVERY_ENV} must be one of {', '.join(DELIVERY_MODES)}")
        self._stream = env.get(STREAM_ENV, "").strip()
        if self.mode == FIREHOSE and not self._stream:
            raise ConfigurationError(f"{STREAM_ENV} must be configured when {DELIVERY_ENV} is {FIREHOSE}")
        self._s3 = s3
        self._firehose = firehose
        self._subsegment = subsegment

    def key(self, provider: str, event_id: str, event_time: int, index: int) -> str:
        """What the record's ``processed_s3_key`` says: the object's key, or the Firehose partition prefix."""
        if self.mode == FIREHOSE:
            return processed_prefix(provider, event_time)
        return processed_key(provider, event_id, event_time, index)

    def deliver(self, bucket: str, key: str, line: bytes) -> None:
        """Store one JSON line; raises on failure (the invocation then fails, is retried, then parked in the DLQ)."""
        if self.mode == FIREHOSE:
            with self._subsegment("## firehose.put_record processed"):
                self._client().put_record(DeliveryStreamName=self._stream, Record={"Data": line})
            return
        with self._subsegment("## s3.put_object processed"):
            self._s3.put_object(
                Bucket=bucket,
                Key=key,
                Body=line,
                ContentType="application/json",
                ServerSideEncryption="AES256",
            )

    def _client(self) -> FirehoseClient:
        if self._firehose is None:
            import boto3  # noqa: PLC0415 - only firehose mode needs this client; object_per_event cold starts skip it

            self._firehose = boto3.client("firehose")
        return self._firehose
