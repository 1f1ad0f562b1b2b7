"""`webhookctl dlq`: listing and redriving against an in-process moto SQS.

moto cannot execute Lambda functions without Docker, so the Lambda client is a recording stand-in; the SQS side is
moto's. The properties under test: the processor gets each message body byte for byte, as an async (Event) invoke,
and a message is deleted only after Lambda accepted the invoke.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import boto3
import pytest
from moto import mock_aws
from webhookdev.cli import dlq, main
from webhookdev.cli.errors import EXIT_OK, EXIT_REJECTED, CliError
from webhookdev.cli.target import Target

main_module = importlib.import_module("webhookdev.cli.main")
PROCESSOR = "arn:aws:lambda:us-east-1:123456789012:function:webhook-processor"


def async_event(provider: str, event_id: str) -> str:
    # The shape docs/design.md gives for the validator -> processor event; serialized the way Lambda stores it.
    return json.dumps(
        {
            "version": 1,
            "provider": provider,
            "event_id": event_id,
            "received_at": 1795768923,
            "content_type": "application/json",
            "raw_payload_s3_bucket": "123456789012-webhook-payloads-local",
            "raw_payload_s3_key": f"{provider}/2026/11/27/{event_id}.json",
            "body_base64": "eyJpZCI6ICJldnRfMSJ9",
            "stage_variables": {"environment": "local"},
        },
        separators=(",", ":"),
    )


@dataclass
class Journal:
    """One ordered log of invokes and deletes, to check that a delete never comes before its invoke."""

    entries: list[tuple[str, str]] = field(default_factory=list)


class RecordingSqs:
    """The moto SQS client, with deletes written to the journal."""

    def __init__(self, client: Any, journal: Journal) -> None:
        self._client = client
        self._journal = journal
        self.handles: dict[str, str] = {}

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)

    def receive_message(self, **kwargs: Any) -> Any:
        resp = self._client.receive_message(**kwargs)
        for m in resp.get("Messages", []):
            self.handles[m["ReceiptHandle"]] = m["Body"]
        return resp

    def delete_message(self, **kwargs: Any) -> Any:
        self._journal.entries.append(("delete", self.handles[kwargs["ReceiptHandle"]]))
        return self._client.delete_message(**kwargs)


class FakeLambda:
    """Stands in for Lambda's Invoke API: records each call and answers with ``status`` or raises ``error``."""

    def __init__(self, journal: Journal, status: int = 202, fail_for: frozenset[str] = frozenset()) -> None:
        self.journal = journal
        self.status = status
        self.fail_for = fail_for
        self.calls: list[dict[str, Any]] = []

    def invoke(self, **kwargs: Any) -> dict[str, Any]:
        self.calls.append(kwargs)
        body = kwargs["Payload"].decode()
        self.journal.entries.append(("invoke", body))
        if any(marker in body for marker in self.fail_for):
            raise RuntimeError("TooManyRequestsException: Rate exceeded")
        return {"StatusCode": self.status}


@pytest.fixture
def queue() -> Iterator[tuple[Any, str]]:
    with mock_aws():
        sqs = boto3.client("sqs", region_name="us-east-1")
        url = sqs.create_queue(QueueName="webhook-processing-dlq", Attributes={"VisibilityTimeout": "30"})["QueueUrl"]
        yield sqs, url


def put(sqs: Any, url: str, body: str, error: str = "Unhandled") -> str:
    attrs = {
        "RequestID": {"DataType": "String", "StringValue": "c0ffee00-0000-4000-8000-000000000000"},
        "ErrorCode": {"DataType": "Number", "StringValue": "200"},
        "ErrorMessage": {"DataType": "String", "StringValue": error},
    }
    return str(sqs.send_message(QueueUrl=url, MessageBody=body, MessageAttributes=attrs)["MessageId"])


def depth(sqs: Any, url: str) -> tuple[int, int]:
    attrs = sqs.get_queue_attributes(
        QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    )["Attributes"]
    return int(attrs["ApproximateNumberOfMessages"]), int(attrs["ApproximateNumberOfMessagesNotVisible"])


# --- list ------------------------------------------------------------------------------------------------------------


def test_list_shows_provider_event_age_and_error_and_leaves_messages_visible(queue: tuple[Any, str]) -> None:
    sqs, url = queue
    put(sqs, url, async_event("stripe", "evt_poison_1"), error="KeyError: 'value'")
    put(sqs, url, "not json at all")
    messages = dlq.list_messages(sqs, url, 10)
    assert {(m.provider, m.event_id) for m in messages} == {("stripe", "evt_poison_1"), ("?", "?")}
    poison = next(m for m in messages if m.event_id == "evt_poison_1")
    assert poison.error == "KeyError: 'value'"
    assert poison.receives == 1
    assert poison.age_seconds(poison.sent_at + 125) == 125
    assert depth(sqs, url) == (2, 0)
    table = dlq.format_table(messages, poison.sent_at + 125)
    assert table.splitlines()[0].split() == ["MESSAGE_ID", "PROVIDER", "EVENT_ID", "AGE", "RECEIVES", "ERROR"]
    assert "2m05s" in table


def test_list_respects_max(queue: tuple[Any, str]) -> None:
    sqs, url = queue
    for i in range(15):
        put(sqs, url, async_event("square", f"ev-{i}"))
    assert len(dlq.list_messages(sqs, url, 12)) == 12
    assert len(dlq.list_messages(sqs, url, 50)) == 15
    assert depth(sqs, url) == (15, 0)


@pytest.mark.parametrize(("seconds", "text"), [(5, "5s"), (61, "1m01s"), (7260, "2h01m"), (90000, "1d01h")])
def test_ages_read_like_durations(seconds: int, text: str) -> None:
    assert dlq.format_age(seconds) == text


# --- redrive ---------------------------------------------------------------------------------------------------------


def test_redrive_all_invokes_async_with_the_exact_body_then_deletes(queue: tuple[Any, str]) -> None:
    sqs, url = queue
    bodies = {async_event("stripe", "evt_a"), async_event("paypal", "WH-B"), async_event("square", "c-1")}
    for body in bodies:
        put(sqs, url, body)
    journal = Journal()
    lam = FakeLambda(journal)
    result = dlq.redrive(RecordingSqs(sqs, journal), lam, url, PROCESSOR, all_messages=True, out=lambda _: None)
    assert result.exit_code == EXIT_OK
    assert len(result.redriven) == 3
    assert {c["Payload"].decode() for c in lam.calls} == bodies
    assert {c["InvocationType"] for c in lam.calls} == {"Event"}
    assert {c["FunctionName"] for c in lam.calls} == {PROCESSOR}
    for body in bodies:
        assert journal.entries.index(("invoke", body)) < journal.entries.index(("delete", body))
    assert depth(sqs, url) == (0, 0)


def test_a_failed_invoke_keeps_its_message_and_exits_3(queue: tuple[Any, str]) -> None:
    sqs, url = queue
    good, bad = async_event("stripe", "evt_good"), async_event("stripe", "evt_throttled")
    put(sqs, url, good)
    put(sqs, url, bad)
    journal = Journal()
    lam = FakeLambda(journal, fail_for=frozenset({"evt_throttled"}))
    lines: list[str] = []
    result = dlq.redrive(RecordingSqs(sqs, journal), lam, url, PROCESSOR, all_messages=True, out=lines.append)
    assert result.exit_code == EXIT_REJECTED
    assert [m.event_id for m in result.redriven] == ["evt_good"]
    assert [m.event_id for m, _ in result.failed] == ["evt_throttled"]
    assert ("delete", bad) not in journal.entries
    assert ("delete", good) in journal.entries
    assert any(line.startswith("FAILED") and "evt_throttled" in line for line in lines)
    # The failed one is back in the queue and visible right away, unchanged.
    remaining = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    assert [m["Body"] for m in remaining] == [bad]


def test_an_invoke_that_is_not_accepted_is_not_deleted(queue: tuple[Any, str]) -> None:
    sqs, url = queue
    body = async_event("square", "ev-x")
    put(sqs, url, body)
    journal = Journal()
    result = dlq.redrive(
        RecordingSqs(sqs, journal), FakeLambda(journal, status=200), url, PROCESSOR, all_messages=True, out=print
    )
    assert result.exit_code == EXIT_REJECTED
    assert journal.entries == [("invoke", body)]
    assert depth(sqs, url) == (1, 0)


def test_redrive_one_message_by_id_leaves_the_others(queue: tuple[Any, str]) -> None:
    sqs, url = queue
    ids = [put(sqs, url, async_event("paypal", f"WH-{i}")) for i in range(5)]
    journal = Journal()
    lam = FakeLambda(journal)
    result = dlq.redrive(RecordingSqs(sqs, journal), lam, url, PROCESSOR, message_id=ids[3], out=lambda _: None)
    assert [m.message_id for m in result.redriven] == [ids[3]]
    assert [c["Payload"].decode() for c in lam.calls] == [async_event("paypal", "WH-3")]
    assert depth(sqs, url) == (4, 0)


def test_unknown_message_id_is_an_error(queue: tuple[Any, str]) -> None:
    sqs, url = queue
    put(sqs, url, async_event("paypal", "WH-1"))
    with pytest.raises(CliError, match="not in the DLQ"):
        dlq.redrive(sqs, FakeLambda(Journal()), url, PROCESSOR, message_id="nope", out=lambda _: None)
    assert depth(sqs, url) == (1, 0)


def test_dry_run_invokes_nothing_and_deletes_nothing(queue: tuple[Any, str]) -> None:
    sqs, url = queue
    put(sqs, url, async_event("stripe", "evt_1"))
    put(sqs, url, async_event("stripe", "evt_2"))
    lam = FakeLambda(Journal())
    lines: list[str] = []
    result = dlq.redrive(sqs, lam, url, PROCESSOR, all_messages=True, dry_run=True, out=lines.append)
    assert lam.calls == []
    assert len(result.selected) == 2
    assert sorted(line.split()[-1].rstrip(")") for line in lines) == ["evt_1", "evt_2"]
    assert depth(sqs, url) == (2, 0)


def test_redrive_all_stops_at_the_depth_seen_at_the_start(queue: tuple[Any, str]) -> None:
    """An event that fails again during the run and lands back in the DLQ is not picked up twice."""
    sqs, url = queue
    put(sqs, url, async_event("stripe", "evt_poison"))

    class RefailingLambda(FakeLambda):
        def invoke(self, **kwargs: Any) -> dict[str, Any]:
            answer = super().invoke(**kwargs)
            sqs.send_message(QueueUrl=url, MessageBody=kwargs["Payload"].decode())  # the processor failed again
            return answer

    lam = RefailingLambda(Journal())
    result = dlq.redrive(sqs, lam, url, PROCESSOR, all_messages=True, out=lambda _: None)
    assert len(lam.calls) == 1
    assert len(result.redriven) == 1
    assert depth(sqs, url) == (1, 0)


def test_redrive_needs_a_selection(queue: tuple[Any, str]) -> None:
    sqs, url = queue
    with pytest.raises(CliError, match="--all or --message-id"):
        dlq.redrive(sqs, FakeLambda(Journal()), url, PROCESSOR, out=lambda _: None)


# --- through main() ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StubTarget(Target):
    clients: dict[str, Any] = field(default_factory=dict)

    def client(self, service: str) -> Any:
        return self.clients[service]


def test_main_dlq_commands_use_the_stack_outputs(
    queue: tuple[Any, str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    sqs, url = queue
    message_id = put(sqs, url, async_event("stripe", "evt_main"))
    lam = FakeLambda(Journal())
    target = StubTarget(
        name="local",
        base_url="http://127.0.0.1:45661/local",
        outputs={"dlq_url": url, "function_arns": {"processor": PROCESSOR}},
        clients={"sqs": sqs, "lambda": lam},
    )
    monkeypatch.setattr(main_module, "load_local", lambda stack_file=None: target)

    assert main(["dlq", "list", "--json"]) == EXIT_OK
    [listed] = json.loads(capsys.readouterr().out)
    assert (listed["message_id"], listed["provider"], listed["event_id"]) == (message_id, "stripe", "evt_main")

    assert main(["dlq", "redrive", "--message-id", message_id]) == EXIT_OK
    assert "redriven: 1, failed: 0" in capsys.readouterr().out
    assert [c["Payload"].decode() for c in lam.calls] == [async_event("stripe", "evt_main")]
    assert main(["dlq", "list"]) == EXIT_OK
    assert capsys.readouterr().out.strip() == "the DLQ is empty"
