"""Asynchronous invocations: retries as deployed, then the original payload to the dead-letter queue."""

from __future__ import annotations

import json
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from webhookdev.local import invoker as invoker_module
from webhookdev.local.functions import Result
from webhookdev.local.invoker import FunctionNotFound, Invoker
from webhookdev.local.logsink import LogSink

from .builders import function_spec

DLQ_ARN = "arn:aws:sqs:us-east-1:123456789012:the-dlq"


class FakeRuntime:
    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.attempts: list[int] = []

    def invoke(
        self,
        payload: bytes,
        invocation_type: str,
        attempt: int,
        request_id: str | None,
        *,
        queued_ms: float | None = None,
    ) -> Result:
        self.attempts.append(attempt)
        if len(self.attempts) <= self.failures:
            return Result(b'{"errorMessage": "nope", "errorType": "ValueError"}', "Unhandled")
        return Result(b"null")


class FakeSqs:
    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []

    def get_queue_url(self, QueueName: str, QueueOwnerAWSAccountId: str) -> dict[str, str]:
        return {"QueueUrl": f"http://sqs/{QueueOwnerAWSAccountId}/{QueueName}"}

    def send_message(self, **kwargs: Any) -> None:
        self.sent.append(kwargs)


@pytest.fixture
def make_invoker(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(invoker_module, "RETRY_DELAYS_S", (0.05, 0.05))
    created: list[Invoker] = []

    def build(runtime: FakeRuntime, **spec: Any) -> tuple[Invoker, FakeSqs]:
        state = SimpleNamespace(spec=function_spec("processor", **spec), runtime=runtime, error=None)
        registry = SimpleNamespace(
            function=lambda name: state if name.endswith("processor") else None,
            sink=lambda name: LogSink(tmp_path / f"{name}.log"),
        )
        invoker = Invoker(registry, "http://127.0.0.1:1", workers=1)  # type: ignore[arg-type]
        sqs = FakeSqs()
        invoker._sqs = sqs
        created.append(invoker)
        return invoker, sqs

    yield build
    for invoker in created:
        invoker.close()


def wait_for(condition: Any, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_failing_event_is_tried_three_times_then_dead_lettered_unchanged(make_invoker) -> None:
    runtime = FakeRuntime(failures=99)
    invoker, sqs = make_invoker(runtime, dead_letter_arn=DLQ_ARN, max_retry_attempts=2)
    payload = json.dumps({"event_id": "evt_1", "n": [1, 2]}).encode()

    request_id = invoker.enqueue("processor", payload)
    wait_for(lambda: sqs.sent)

    assert runtime.attempts == [1, 2, 3]
    message = sqs.sent[0]
    assert message["QueueUrl"] == "http://sqs/123456789012/the-dlq"
    assert message["MessageBody"] == payload.decode()
    assert message["MessageAttributes"]["RequestID"]["StringValue"] == request_id
    assert message["MessageAttributes"]["ErrorMessage"]["StringValue"] == "nope"


def test_deployed_retry_count_is_honoured(make_invoker) -> None:
    runtime = FakeRuntime(failures=99)
    invoker, sqs = make_invoker(runtime, dead_letter_arn=DLQ_ARN, max_retry_attempts=0)

    invoker.enqueue("processor", b"{}")
    wait_for(lambda: sqs.sent)

    assert runtime.attempts == [1]


def test_event_that_succeeds_on_retry_is_not_dead_lettered(make_invoker) -> None:
    runtime = FakeRuntime(failures=1)
    invoker, sqs = make_invoker(runtime, dead_letter_arn=DLQ_ARN)

    invoker.enqueue("processor", b"{}")
    wait_for(lambda: runtime.attempts == [1, 2])
    time.sleep(0.2)

    assert sqs.sent == []


def test_unknown_function_is_rejected_at_enqueue(make_invoker) -> None:
    invoker, _ = make_invoker(FakeRuntime(failures=0))

    with pytest.raises(FunctionNotFound):
        invoker.enqueue("no-such-function", b"{}")
