"""`webhookctl dlq list|redrive`: inspect the processor's dead-letter queue and re-drive its messages.

The queue is the processor's classic `dead_letter_config` target, so each message body is the original async event
the validator sent (docs/design.md, "Failure path"). Redriving invokes the processor asynchronously with that body
unchanged and deletes the message only once Lambda accepted the invoke (202). Messages whose invoke fails stay in
the queue.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from webhookdev.cli.errors import EXIT_OK, EXIT_REJECTED, CliError

if TYPE_CHECKING:
    from mypy_boto3_lambda import LambdaClient
    from mypy_boto3_sqs import SQSClient
    from mypy_boto3_sqs.type_defs import MessageTypeDef

#: While we look at messages they are hidden from other readers; `list` makes them visible again when done.
PEEK_VISIBILITY_SECONDS = 30
#: Long enough to invoke and delete; a message whose invoke failed is released as soon as the run ends.
REDRIVE_VISIBILITY_SECONDS = 120
EMPTY_RECEIVES_BEFORE_DONE = 2


@dataclass(frozen=True)
class DlqMessage:
    message_id: str
    receipt_handle: str
    body: str
    provider: str
    event_id: str
    sent_at: float
    receives: int
    error: str

    @classmethod
    def from_sqs(cls, raw: MessageTypeDef) -> DlqMessage:
        body = raw.get("Body", "")
        provider = event_id = "?"
        try:
            parsed = json.loads(body)
            if isinstance(parsed, dict):
                provider = str(parsed.get("provider", "?"))
                event_id = str(parsed.get("event_id", "?"))
        except ValueError:
            pass
        attrs = raw.get("Attributes", {})
        message_attrs = raw.get("MessageAttributes", {})
        # Lambda's async DLQ adds RequestID, ErrorCode and ErrorMessage as message attributes. ErrorCode is the
        # invoke's HTTP status (200 for a function error), so the message is what tells the operator something.
        error = ""
        if "ErrorMessage" in message_attrs:
            error = str(message_attrs["ErrorMessage"].get("StringValue", "")).strip()
        if not error and "ErrorCode" in message_attrs:
            error = f"ErrorCode {message_attrs['ErrorCode'].get('StringValue', '')}"
        return cls(
            message_id=raw.get("MessageId", "?"),
            receipt_handle=raw.get("ReceiptHandle", ""),
            body=body,
            provider=provider,
            event_id=event_id,
            sent_at=int(attrs.get("SentTimestamp", "0")) / 1000.0,
            receives=int(attrs.get("ApproximateReceiveCount", "0")),
            error=error,
        )

    def age_seconds(self, now: float) -> int:
        return max(0, int(now - self.sent_at)) if self.sent_at else 0

    def as_json(self, now: float) -> dict[str, Any]:
        return {
            "message_id": self.message_id,
            "provider": self.provider,
            "event_id": self.event_id,
            "age_seconds": self.age_seconds(now),
            "receives": self.receives,
            "error": self.error,
        }


def format_age(seconds: int) -> str:
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    if seconds < 86400:
        return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"
    return f"{seconds // 86400}d{seconds % 86400 // 3600:02d}h"


def _receive(sqs: SQSClient, queue_url: str, limit: int, visibility: int) -> list[MessageTypeDef]:
    resp = sqs.receive_message(
        QueueUrl=queue_url,
        MaxNumberOfMessages=max(1, min(10, limit)),
        VisibilityTimeout=visibility,
        WaitTimeSeconds=0,
        AttributeNames=["All"],
        MessageAttributeNames=["All"],
    )
    return list(resp.get("Messages", []))


def _receive_until_empty(
    sqs: SQSClient, queue_url: str, limit: int, visibility: int, received: list[DlqMessage] | None = None
) -> Iterator[DlqMessage]:
    """Each message at most once, until ``limit`` or the queue answers empty twice in a row.

    Received messages stay invisible for ``visibility`` seconds, so later receives return other messages. Every
    message received (including the rest of a batch the caller stopped in) is appended to ``received``.
    """
    seen: set[str] = set()
    empty = 0
    while len(seen) < limit and empty < EMPTY_RECEIVES_BEFORE_DONE:
        batch = [m for m in _receive(sqs, queue_url, limit - len(seen), visibility) if m.get("MessageId") not in seen]
        if not batch:
            empty += 1
            continue
        empty = 0
        messages = [DlqMessage.from_sqs(raw) for raw in batch]
        seen.update(m.message_id for m in messages)
        if received is not None:
            received.extend(messages)
        yield from messages


def _release(sqs: SQSClient, queue_url: str, messages: Sequence[DlqMessage]) -> None:
    """Make messages visible again now instead of when their visibility timeout ends (best effort)."""
    for start in range(0, len(messages), 10):
        chunk = messages[start : start + 10]
        sqs.change_message_visibility_batch(
            QueueUrl=queue_url,
            Entries=[
                {"Id": str(i), "ReceiptHandle": m.receipt_handle, "VisibilityTimeout": 0} for i, m in enumerate(chunk)
            ],
        )


def list_messages(sqs: SQSClient, queue_url: str, max_messages: int) -> list[DlqMessage]:
    """Up to ``max_messages`` messages, oldest first; they are visible again when this returns."""
    if max_messages < 1:
        raise CliError("--max must be at least 1")
    found = list(_receive_until_empty(sqs, queue_url, max_messages, PEEK_VISIBILITY_SECONDS))
    _release(sqs, queue_url, found)
    return sorted(found, key=lambda m: m.sent_at)


def format_table(messages: Sequence[DlqMessage], now: float) -> str:
    header = ("MESSAGE_ID", "PROVIDER", "EVENT_ID", "AGE", "RECEIVES", "ERROR")
    rows = [
        (m.message_id, m.provider, m.event_id, format_age(m.age_seconds(now)), str(m.receives), m.error or "-")
        for m in messages
    ]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(5)]
    return "\n".join("  ".join(f"{c:<{widths[i]}}" for i, c in enumerate(r[:5])) + "  " + r[5] for r in [header, *rows])


def queue_depth(sqs: SQSClient, queue_url: str) -> int:
    attrs = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["ApproximateNumberOfMessages"])
    return int(attrs.get("Attributes", {}).get("ApproximateNumberOfMessages", "0"))


@dataclass(frozen=True)
class RedriveResult:
    redriven: list[DlqMessage]
    failed: list[tuple[DlqMessage, str]]
    #: Selected but not invoked (--dry-run).
    selected: list[DlqMessage]

    @property
    def exit_code(self) -> int:
        return EXIT_REJECTED if self.failed else EXIT_OK


def redrive(
    sqs: SQSClient,
    lambda_client: LambdaClient,
    queue_url: str,
    function_name: str,
    *,
    message_id: str | None = None,
    all_messages: bool = False,
    max_messages: int | None = None,
    dry_run: bool = False,
    out: Callable[[str], None] = print,
) -> RedriveResult:
    """Invoke the processor (InvocationType=Event) with each selected body; delete a message only after a 202.

    ``all_messages`` handles at most the queue depth seen at the start (or ``max_messages``), so events that fail
    again and land back in the queue during the run are not picked up twice.
    """
    if bool(message_id) == bool(all_messages):
        raise CliError("choose what to redrive: --all or --message-id ID")
    if max_messages is not None and max_messages < 1:
        raise CliError("--max must be at least 1")
    limit = max_messages or (max(queue_depth(sqs, queue_url), 1) if all_messages else 1_000_000)
    redriven: list[DlqMessage] = []
    failed: list[tuple[DlqMessage, str]] = []
    selected: list[DlqMessage] = []
    received: list[DlqMessage] = []
    handled = 0
    scan_limit = limit if all_messages else 1_000_000
    for message in _receive_until_empty(sqs, queue_url, scan_limit, REDRIVE_VISIBILITY_SECONDS, received):
        if message_id and message.message_id != message_id:
            continue
        label = f"{message.message_id} ({message.provider} {message.event_id})"
        if dry_run:
            out(f"would redrive {label}")
            selected.append(message)
        else:
            try:
                resp = lambda_client.invoke(
                    FunctionName=function_name, InvocationType="Event", Payload=message.body.encode("utf-8")
                )
                status = int(resp.get("StatusCode", 0))
            except Exception as exc:  # any SDK/network error: keep the message, report, go on with the next
                failed.append((message, f"{exc.__class__.__name__}: {exc}"))
                out(f"FAILED  {label}: {exc.__class__.__name__}: {exc}")
            else:
                if status == 202:
                    sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message.receipt_handle)
                    redriven.append(message)
                    out(f"redriven {label}")
                else:
                    failed.append((message, f"invoke returned {status}"))
                    out(f"FAILED  {label}: invoke returned {status}, message kept")
        handled += 1
        if message_id or handled >= limit:
            break
    deleted = {m.message_id for m in redriven}
    _release(sqs, queue_url, [m for m in received if m.message_id not in deleted])
    if message_id and not (redriven or failed or selected):
        raise CliError(f"message {message_id} is not in the DLQ (already redriven, or in flight elsewhere)")
    return RedriveResult(redriven=redriven, failed=failed, selected=selected)


def now() -> float:
    return time.time()
