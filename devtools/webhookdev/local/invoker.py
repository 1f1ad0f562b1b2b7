"""Invoking deployed functions: synchronously, and asynchronously with Lambda's retry and dead-letter semantics.

An `Event` invocation is queued and acknowledged at once. It is attempted, then retried the deployed
`MaximumRetryAttempts` times (Lambda waits about 1 and 2 minutes between attempts; locally the delays are seconds).
When every attempt failed, or the event outlived `MaximumEventAgeInSeconds`, the original payload goes to the
deployed dead-letter target (SQS or SNS; an on-failure destination is used if no DLQ is configured).
"""

from __future__ import annotations

import heapq
import itertools
import json
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from webhookdev.local.functions import Result, Throttled
from webhookdev.local.registry import Registry, aws_client

#: Delay before retry n (1-based). Lambda uses about 1 and 2 minutes; seconds keep local runs fast.
RETRY_DELAYS_S = (1.0, 2.0)
MAX_QUEUED_EVENTS = 10_000


def dispatch_threads(max_workers_per_function: int) -> int:
    """Async dispatch threads for a worker cap: a thread is busy for a whole invocation, so fewer threads than the
    async functions' workers would leave workers idle while events wait (the processor, then any other async
    target). Two functions' worth: threads waiting for a busy function's worker cost no CPU."""
    return max(3, 2 * max_workers_per_function)


class FunctionNotFound(LookupError):
    pass


class FunctionNotRunnable(RuntimeError):
    """The deployed code matches no local artifact (or failed to unpack): it is never run."""


@dataclass(order=True)
class _Queued:
    due: float
    seq: int
    function: str = field(compare=False)
    payload: bytes = field(compare=False)
    request_id: str = field(compare=False)
    attempt: int = field(compare=False)
    enqueued_at: float = field(compare=False)


class Invoker:
    def __init__(self, registry: Registry, moto_url: str, workers: int = 3) -> None:
        self.registry = registry
        self._sqs = aws_client("sqs", moto_url)
        self._sns = aws_client("sns", moto_url)
        self._heap: list[_Queued] = []
        self._seq = itertools.count()
        self._cond = threading.Condition()
        self._stop = False
        self._threads = [
            threading.Thread(target=self._dispatch, name=f"async-{i}", daemon=True) for i in range(workers)
        ]
        for thread in self._threads:
            thread.start()

    # ---- synchronous --------------------------------------------------------------------------------------------

    def invoke(
        self,
        function: str,
        payload: bytes,
        invocation_type: str = "RequestResponse",
        attempt: int = 1,
        request_id: str | None = None,
        *,
        queued_ms: float | None = None,
    ) -> Result:
        """Run `function` now. Raises FunctionNotFound, FunctionNotRunnable or Throttled."""
        state = self.registry.function(function)
        if state is None:
            raise FunctionNotFound(function)
        if state.runtime is None:
            raise FunctionNotRunnable(state.error or "not runnable")
        return state.runtime.invoke(payload, invocation_type, attempt, request_id, queued_ms=queued_ms)

    # ---- asynchronous -------------------------------------------------------------------------------------------

    def enqueue(self, function: str, payload: bytes) -> str:
        """Accept an `Event` invocation (HTTP 202). Raises FunctionNotFound for an unknown function."""
        state = self.registry.function(function)
        if state is None:
            raise FunctionNotFound(function)
        request_id = str(uuid.uuid4())
        now = time.monotonic()
        with self._cond:
            if len(self._heap) >= MAX_QUEUED_EVENTS:
                raise Throttled("async event queue is full")
            heapq.heappush(self._heap, _Queued(now, next(self._seq), state.spec.name, payload, request_id, 1, now))
            self._cond.notify()
        return request_id

    def pending(self) -> int:
        with self._cond:
            return len(self._heap)

    def _next(self) -> _Queued | None:
        with self._cond:
            while not self._stop:
                if self._heap and self._heap[0].due <= time.monotonic():
                    return heapq.heappop(self._heap)
                timeout = (self._heap[0].due - time.monotonic()) if self._heap else 1.0
                self._cond.wait(timeout=max(0.01, min(timeout, 1.0)))
            return None

    def _dispatch(self) -> None:
        while (item := self._next()) is not None:
            self._attempt(item)

    def _attempt(self, item: _Queued) -> None:
        state = self.registry.function(item.function)
        if state is None:
            return  # the function was destroyed: Lambda drops its queued events
        spec = state.spec
        error: dict[str, Any]
        if time.monotonic() - item.enqueued_at > spec.max_event_age_s:
            error = {"errorType": "EventAgeExceeded", "errorMessage": "event older than MaximumEventAgeInSeconds"}
        else:
            try:
                queued_ms = (time.monotonic() - item.due) * 1000  # since it was due: retry delays are not waiting
                result = self.invoke(
                    item.function, item.payload, "Event", item.attempt, item.request_id, queued_ms=queued_ms
                )
            except Throttled:
                # Throttles are retried by Lambda without consuming an attempt.
                self._requeue(item, item.attempt, delay=1.0)
                return
            except FunctionNotRunnable as exc:
                result = Result(
                    json.dumps({"errorType": "CodeVerificationFailed", "errorMessage": str(exc)}).encode(), "Unhandled"
                )
            if result.function_error is None:
                return
            if item.attempt <= spec.max_retry_attempts:
                delay = RETRY_DELAYS_S[min(item.attempt, len(RETRY_DELAYS_S)) - 1]
                self._requeue(item, item.attempt + 1, delay)
                return
            error = _parse_error(result.payload)
        self._dead_letter(item, spec.dead_letter_arn or spec.on_failure_arn, error)

    def _requeue(self, item: _Queued, attempt: int, delay: float) -> None:
        with self._cond:
            heapq.heappush(
                self._heap,
                _Queued(
                    time.monotonic() + delay,
                    next(self._seq),
                    item.function,
                    item.payload,
                    item.request_id,
                    attempt,
                    item.enqueued_at,
                ),
            )
            self._cond.notify()

    def _dead_letter(self, item: _Queued, target: str | None, error: dict[str, Any]) -> None:
        sink = self.registry.sink(item.function)
        record = {"requestId": item.request_id, "attempts": item.attempt, "target": target, **error}
        if target is None:
            sink.platform("asyncDropped", **record)
            return
        attributes = {
            "RequestID": {"DataType": "String", "StringValue": item.request_id},
            "ErrorCode": {"DataType": "Number", "StringValue": "200"},
            "ErrorMessage": {"DataType": "String", "StringValue": str(error.get("errorMessage", ""))[:256] or "-"},
        }
        body = item.payload.decode("utf-8")
        service, region, account, resource = _split_arn(target)
        try:
            if service == "sqs":
                queue_url = self._sqs.get_queue_url(QueueName=resource, QueueOwnerAWSAccountId=account)["QueueUrl"]
                self._sqs.send_message(QueueUrl=queue_url, MessageBody=body, MessageAttributes=attributes)
            elif service == "sns":
                self._sns.publish(TopicArn=target, Message=body, MessageAttributes=attributes)
            else:
                raise ValueError(f"unsupported dead-letter target {target} in {region}")
        except Exception as exc:  # reported in the function log; Lambda would emit a DeadLetterErrors metric
            sink.platform("deadLetterError", **record, deliveryError=repr(exc))
            return
        sink.platform("deadLettered", **record)

    def close(self) -> None:
        with self._cond:
            self._stop = True
            self._cond.notify_all()


def _split_arn(arn: str) -> tuple[str, str, str, str]:
    parts = arn.split(":", 5)
    if len(parts) < 6:
        raise ValueError(f"not an ARN: {arn}")
    return parts[2], parts[3], parts[4], parts[5]


def _parse_error(payload: bytes) -> dict[str, Any]:
    try:
        parsed = json.loads(payload)
    except ValueError:
        return {"errorMessage": payload.decode("utf-8", errors="replace")}
    return parsed if isinstance(parsed, dict) else {"errorMessage": str(parsed)}
