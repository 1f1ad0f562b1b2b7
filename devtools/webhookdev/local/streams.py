"""DynamoDB stream event source mappings, run locally the way Lambda's stream pollers run them.

Every event source mapping Terraform created in moto whose source is a DynamoDB stream is read back (like the
functions, never a hand-written copy) and polled: records are handed to the function in batches of the deployed
`BatchSize`, in order, with the Lambda event shape (`{"Records": [...]}`, each record with `eventSourceARN`).

What a batch's result does, as in Lambda:

- success: the checkpoint moves past the batch;
- `ReportBatchItemFailures` with `batchItemFailures`: the checkpoint moves to just before the lowest failed sequence
  number and the batch is retried from there (an identifier outside the batch fails the whole batch);
- a function error (or an invalid response): the whole batch is retried;
- after `MaximumRetryAttempts` retries (-1: until `MaximumRecordAgeInSeconds`, or forever locally), the batch's
  description goes to the `DestinationConfig.OnFailure` SQS queue, in Lambda's format, and the poller moves past it.

Not emulated: `BisectBatchOnFunctionError`, `ParallelizationFactor` (one poller per mapping), `FilterCriteria`,
tumbling windows, and the 24-hour stream retention (moto keeps every record). Checkpoints are kept in a JSON file so
a restarted runtime resumes where it stopped instead of republishing the stream from its start.

moto itself would push stream records to the function on every write (through Docker) and then forget them; the
moto process disables that (`moto_compat`), so this poller is the only consumer.
"""

from __future__ import annotations

import base64
import contextlib
import json
import threading
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from webhookdev.local.functions import Result, Throttled
from webhookdev.local.logsink import LogSink

POLL_INTERVAL_S = 0.5
IDLE_INTERVAL_S = 1.0
RETRY_DELAY_S = 1.0
MAPPINGS_REFRESH_S = 5.0

#: Invokes a function synchronously: (function name or ARN, payload) -> Result. Raises Throttled when it is busy.
InvokeFn = Callable[[str, bytes], Result]


def is_dynamodb_stream(arn: str) -> bool:
    return arn.startswith("arn:") and ":dynamodb:" in arn and "/stream/" in arn


@dataclass(frozen=True)
class StreamMapping:
    """One deployed event source mapping of a DynamoDB stream, as moto returns it."""

    uuid: str
    stream_arn: str
    function_arn: str
    batch_size: int
    starting_position: str
    max_retry_attempts: int
    max_record_age_s: int
    report_batch_item_failures: bool
    on_failure_arn: str | None
    enabled: bool

    @classmethod
    def from_api(cls, raw: Mapping[str, Any]) -> StreamMapping:
        on_failure = ((raw.get("DestinationConfig") or {}).get("OnFailure") or {}).get("Destination")
        return cls(
            uuid=str(raw["UUID"]),
            stream_arn=str(raw["EventSourceArn"]),
            function_arn=str(raw["FunctionArn"]),
            batch_size=int(raw.get("BatchSize") or 100),
            starting_position=str(raw.get("StartingPosition") or "TRIM_HORIZON"),
            max_retry_attempts=int(raw.get("MaximumRetryAttempts", -1)),
            max_record_age_s=int(raw.get("MaximumRecordAgeInSeconds", -1)),
            report_batch_item_failures="ReportBatchItemFailures" in (raw.get("FunctionResponseTypes") or []),
            on_failure_arn=str(on_failure) if on_failure else None,
            enabled=raw.get("State", "Enabled") in ("Enabled", "Enabling", "Updating"),
        )


def _jsonable(value: Any) -> Any:
    """boto3 decodes binary attributes to bytes; the Lambda event carries them base64-encoded, as the API does."""
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_jsonable(v) for v in value]
    return value


def lambda_records(records: Sequence[Mapping[str, Any]], stream_arn: str, region: str) -> list[dict[str, Any]]:
    """Stream records from `GetRecords` (boto3) in the shape Lambda passes them to a function."""
    shaped: list[dict[str, Any]] = []
    for record in records:
        dynamodb = dict(record.get("dynamodb") or {})
        created = dynamodb.get("ApproximateCreationDateTime")
        if isinstance(created, datetime):
            dynamodb["ApproximateCreationDateTime"] = int(created.timestamp())
        shaped.append(
            {
                "eventID": record.get("eventID"),
                "eventName": record.get("eventName"),
                "eventVersion": record.get("eventVersion", "1.1"),
                "eventSource": "aws:dynamodb",
                "awsRegion": record.get("awsRegion") or region,
                "dynamodb": _jsonable(dynamodb),
                "eventSourceARN": stream_arn,
            }
        )
    return shaped


def failed_sequence_numbers(result: Result, batch: Sequence[str]) -> list[str] | None:
    """The batch item failures of a result: `[]` for success, `None` for "the whole batch failed"."""
    try:
        response = None if result.function_error is not None else json.loads(result.payload or b"null")
    except ValueError:
        return None
    failures = response.get("batchItemFailures") if isinstance(response, dict) else []
    if result.function_error is not None or not isinstance(failures, list | None):
        return None
    ids = [str(f.get("itemIdentifier") or "") if isinstance(f, dict) else "" for f in failures or []]
    # Lambda: an empty, null or unknown identifier fails the whole batch.
    return None if any(i not in batch for i in ids) else ids


@dataclass
class _Position:
    """Where one mapping's poller is: the last sequence number handed over successfully, and the retry state."""

    checkpoint: str | None = None
    attempts: int = 0
    retry_at: float = 0.0
    shard_id: str | None = None
    #: The stream's NextShardIterator while batches succeed; None makes the next poll start again from `checkpoint`.
    iterator: str | None = None


@dataclass
class _Checkpoints:
    path: Path | None
    data: dict[str, dict[str, str]] = field(default_factory=dict)

    def load(self) -> None:
        if self.path is not None and self.path.exists():
            with contextlib.suppress(ValueError, OSError):
                self.data = json.loads(self.path.read_text())

    def get(self, mapping: StreamMapping) -> str | None:
        entry = self.data.get(mapping.uuid) or {}
        return entry.get("sequence") if entry.get("stream_arn") == mapping.stream_arn else None

    def put(self, mapping: StreamMapping, sequence: str) -> None:
        self.data[mapping.uuid] = {"stream_arn": mapping.stream_arn, "sequence": sequence}
        if self.path is not None:
            temporary = self.path.with_suffix(".tmp")
            temporary.write_text(json.dumps(self.data, indent=1, sort_keys=True))
            temporary.replace(self.path)


class StreamPoller:
    """Polls every enabled DynamoDB-stream mapping in moto and invokes its function with each batch."""

    def __init__(
        self,
        *,
        lambda_client: Any,
        streams_client: Any,
        sqs_client: Any,
        invoke: InvokeFn,
        sink: LogSink,
        region: str,
        checkpoints: Path | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._lambda = lambda_client
        self._streams = streams_client
        self._sqs = sqs_client
        self._invoke = invoke
        self._sink = sink
        self._region = region
        self._clock = clock
        self._checkpoints = _Checkpoints(checkpoints)
        self._checkpoints.load()
        self._positions: dict[str, _Position] = {}
        self._mappings: list[StreamMapping] = []
        self._mappings_read_at = -MAPPINGS_REFRESH_S
        self._stop = threading.Event()
        self._last_error: str | None = None

    # ---- reading the deployment ---------------------------------------------------------------------------------

    def mappings(self) -> list[StreamMapping]:
        if self._clock() - self._mappings_read_at >= MAPPINGS_REFRESH_S:
            found: list[StreamMapping] = []
            for page in self._lambda.get_paginator("list_event_source_mappings").paginate():
                for raw in page.get("EventSourceMappings", []):
                    if is_dynamodb_stream(str(raw.get("EventSourceArn", ""))):
                        found.append(StreamMapping.from_api(raw))
            self._mappings = found
            self._mappings_read_at = self._clock()
        return self._mappings

    # ---- one poll -------------------------------------------------------------------------------------------------

    def poll_once(self) -> int:
        """One pass over every mapping; returns the number of records handed to functions successfully."""
        delivered = 0
        for mapping in self.mappings():
            if not mapping.enabled:
                continue
            position = self._positions.setdefault(mapping.uuid, _Position(self._checkpoints.get(mapping)))
            if self._clock() < position.retry_at:
                continue
            try:
                delivered += self._poll_mapping(mapping, position)
            except Throttled:
                position.retry_at = self._clock() + RETRY_DELAY_S
            except Exception as error:  # moto briefly unavailable, a stream gone: keep polling the others
                self._report_error(repr(error), uuid=mapping.uuid)
                position.retry_at = self._clock() + RETRY_DELAY_S
        return delivered

    def _iterator(self, mapping: StreamMapping, position: _Position) -> str | None:
        if position.iterator is not None:
            return position.iterator
        if position.shard_id is None:
            shards = self._streams.describe_stream(StreamArn=mapping.stream_arn)["StreamDescription"].get("Shards", [])
            if not shards:
                return None
            position.shard_id = str(shards[0]["ShardId"])
        if position.checkpoint is None:
            kind = "LATEST" if mapping.starting_position == "LATEST" else "TRIM_HORIZON"
            response = self._streams.get_shard_iterator(
                StreamArn=mapping.stream_arn, ShardId=position.shard_id, ShardIteratorType=kind
            )
        else:
            response = self._streams.get_shard_iterator(
                StreamArn=mapping.stream_arn,
                ShardId=position.shard_id,
                ShardIteratorType="AFTER_SEQUENCE_NUMBER",
                SequenceNumber=position.checkpoint,
            )
        iterator = response.get("ShardIterator")
        return str(iterator) if iterator else None

    def _poll_mapping(self, mapping: StreamMapping, position: _Position) -> int:
        iterator = self._iterator(mapping, position)
        if iterator is None:
            return 0
        response = self._streams.get_records(ShardIterator=iterator, Limit=mapping.batch_size)
        records = response.get("Records", [])
        position.iterator = response.get("NextShardIterator")
        if not records:
            return 0
        batch = lambda_records(records, mapping.stream_arn, self._region)
        sequences = [str(r["dynamodb"]["SequenceNumber"]) for r in batch]
        request_id = str(uuid.uuid4())
        result = self._invoke(mapping.function_arn, json.dumps({"Records": batch}).encode())
        failed = failed_sequence_numbers(result, sequences) if mapping.report_batch_item_failures else None
        if not mapping.report_batch_item_failures and result.function_error is None:
            failed = []
        if failed == []:
            self._advance(mapping, position, sequences[-1])
            self._sink.platform("streamBatch", uuid=mapping.uuid, requestId=request_id, records=len(batch))
            return len(batch)
        position.iterator = None  # the retry starts again from the checkpoint
        # Records before the lowest failure were handled: the checkpoint moves up to them.
        first_failed = min(failed, key=sequences.index) if failed else sequences[0]
        index = sequences.index(first_failed)
        if index > 0:
            self._advance(mapping, position, sequences[index - 1])
        position.attempts += 1
        self._sink.platform(
            "streamBatchFailed",
            uuid=mapping.uuid,
            requestId=request_id,
            attempt=position.attempts,
            firstFailed=first_failed,
            functionError=result.function_error,
        )
        if self._exhausted(mapping, position, batch[index]):
            self._discard(mapping, position, batch[index:], result)
            return index
        position.retry_at = self._clock() + RETRY_DELAY_S
        return index

    def _exhausted(self, mapping: StreamMapping, position: _Position, oldest: Mapping[str, Any]) -> bool:
        if mapping.max_retry_attempts >= 0 and position.attempts > mapping.max_retry_attempts:
            return True
        if mapping.max_record_age_s >= 0:
            created = oldest["dynamodb"].get("ApproximateCreationDateTime")
            if isinstance(created, int | float) and time.time() - created > mapping.max_record_age_s:
                return True
        return False

    def _advance(self, mapping: StreamMapping, position: _Position, sequence: str) -> None:
        position.checkpoint = sequence
        self._last_error = None  # progress: report the next error again
        position.attempts = 0
        position.retry_at = 0.0
        self._checkpoints.put(mapping, sequence)

    def _discard(
        self, mapping: StreamMapping, position: _Position, batch: Sequence[Mapping[str, Any]], result: Result
    ) -> None:
        """Retries exhausted: describe the batch to the on-failure destination and move past it."""
        first, last = batch[0]["dynamodb"], batch[-1]["dynamodb"]
        condition = "RetryAttemptsExhausted" if mapping.max_retry_attempts >= 0 else "RecordAgeExceeded"
        record = {
            "requestContext": {
                "requestId": str(uuid.uuid4()),
                "functionArn": mapping.function_arn,
                "condition": condition,
                "approximateInvokeCount": position.attempts,
            },
            "responseContext": {
                "statusCode": 200,
                "executedVersion": "$LATEST",
                "functionError": result.function_error or "",
            },
            "version": "1.0",
            "timestamp": datetime.now(tz=UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "DDBStreamBatchInfo": {
                "shardId": position.shard_id,
                "startSequenceNumber": str(first["SequenceNumber"]),
                "endSequenceNumber": str(last["SequenceNumber"]),
                "approximateArrivalOfFirstRecord": _iso(first.get("ApproximateCreationDateTime")),
                "approximateArrivalOfLastRecord": _iso(last.get("ApproximateCreationDateTime")),
                "batchSize": len(batch),
                "streamArn": mapping.stream_arn,
            },
        }
        target = mapping.on_failure_arn
        if target is not None and target.split(":")[2] == "sqs":
            parts = target.split(":")
            queue_url = self._sqs.get_queue_url(QueueName=parts[5], QueueOwnerAWSAccountId=parts[4])["QueueUrl"]
            self._sqs.send_message(QueueUrl=queue_url, MessageBody=json.dumps(record))
            self._sink.platform("streamBatchDiscarded", uuid=mapping.uuid, target=target, records=len(batch))
        else:
            self._sink.platform("streamBatchDropped", uuid=mapping.uuid, target=target, records=len(batch))
        self._advance(mapping, position, str(last["SequenceNumber"]))

    def _report_error(self, error: str, **fields: Any) -> None:
        """Log an error once until it changes (while moto starts, every poll fails the same way)."""
        if error != self._last_error:
            self._sink.platform("streamPollError", error=error, **fields)
        self._last_error = error

    # ---- the loop -------------------------------------------------------------------------------------------------

    def run(self) -> threading.Thread:
        def loop() -> None:
            while not self._stop.is_set():
                try:
                    delivered = self.poll_once()
                except Exception as error:  # listing mappings failed (moto restarting): try again shortly
                    self._report_error(repr(error))
                    delivered = 0
                self._stop.wait(POLL_INTERVAL_S if delivered else IDLE_INTERVAL_S)

        thread = threading.Thread(target=loop, name="stream-poller", daemon=True)
        thread.start()
        return thread

    def close(self) -> None:
        self._stop.set()


def _iso(epoch: Any) -> str | None:
    if not isinstance(epoch, int | float):
        return None
    return datetime.fromtimestamp(epoch, tz=UTC).isoformat().replace("+00:00", "Z")
