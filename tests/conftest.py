"""Suite-wide card-data capture (issue 8 item 3): every test, whatever it exercises, is checked for leaked card data.

The autouse fixture records, for the duration of each test:

* every log line a Powertools formatter produces (our masking formatter included);
* every X-Ray annotation and metadata value handed to a Powertools ``Tracer``;
* every item written to DynamoDB and every object written to S3, except the raw payload bucket (``*-webhook-
  payloads-*``), which is where provider bodies are kept as received (docs/security.md);
* every API response of the validators (``webhook_core.validator.response``) and of the query API (the resolver).

At teardown it fails the test if any of them holds a Luhn-valid 13-19 digit sequence or a CVV
(:mod:`card_data`). Processes outside pytest (the e2e suite's local stack) are not covered here.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Callable, Iterator
from typing import Any

import botocore.client
import pytest
from aws_lambda_powertools import Tracer
from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.logging.formatter import LambdaPowertoolsFormatter
from card_data import problems
from webhook_core import validator

_WRITES = frozenset({"PutItem", "UpdateItem", "BatchWriteItem", "TransactWriteItems", "PutObject", "SendMessage"})


class Capture:
    def __init__(self) -> None:
        self.items: list[tuple[str, Any]] = []

    def add(self, where: str, value: Any) -> None:
        self.items.append((where, value))


_active: list[Capture] = []


def _record(where: str, value: Any) -> None:
    if _active:
        _active[-1].add(where, value)


def _wrap(owner: Any, name: str, make: Callable[[Callable[..., Any]], Callable[..., Any]]) -> None:
    original = getattr(owner, name)
    if getattr(original, "_card_capture", False):
        return
    wrapped = make(original)
    wrapped._card_capture = True  # type: ignore[attr-defined]
    setattr(owner, name, wrapped)


def _install() -> None:
    """Patch the few choke points once per process; recording only happens while a test runs."""

    def formatter(original: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(original)
        def format(self: Any, record: Any) -> Any:
            line = original(self, record)
            _record("log line", line)
            return line

        return format

    def annotation(original: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(original)
        def put(self: Any, key: str, value: Any, *args: Any, **kwargs: Any) -> Any:
            _record(f"X-Ray {key}", {key: value})
            return original(self, key, value, *args, **kwargs)

        return put

    def api_call(original: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(original)
        def call(self: Any, operation: str, params: dict[str, Any]) -> Any:
            if operation in _WRITES:
                bucket = str(params.get("Bucket", ""))
                if "webhook-payloads" not in bucket:  # the raw bucket keeps bodies as received
                    _record(f"{operation} {bucket}".strip(), _snapshot(params))
            return original(self, operation, params)

        return call

    _wrap(LambdaPowertoolsFormatter, "format", formatter)
    _wrap(Tracer, "put_annotation", annotation)
    _wrap(Tracer, "put_metadata", annotation)
    _wrap(botocore.client.BaseClient, "_make_api_call", api_call)

    def responder(original: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(original)
        def respond(*args: Any, **kwargs: Any) -> Any:
            result = original(*args, **kwargs)
            _record("API response", result)
            return result

        return respond

    _wrap(validator, "response", responder)
    _wrap(APIGatewayRestResolver, "resolve", responder)


def _snapshot(params: dict[str, Any]) -> dict[str, Any]:
    """A copy taken before botocore turns ``Body`` into a stream; a stream body is read and rewound."""
    copied = {key: value for key, value in params.items() if key != "Body"}
    body = params.get("Body")
    if isinstance(body, bytes | str):
        copied["Body"] = body
    elif hasattr(body, "read") and hasattr(body, "seek"):
        position = body.tell()
        copied["Body"] = body.read()
        body.seek(position)
    return copy.deepcopy(copied)


@pytest.fixture(autouse=True)
def _no_card_data_anywhere(request: pytest.FixtureRequest) -> Iterator[None]:
    """Fail any test whose logs, traces, stored data or API responses carry a card number or a CVV."""
    _install()
    capture = Capture()
    _active.append(capture)
    try:
        yield
    finally:
        _active.remove(capture)
    if request.node.get_closest_marker("allows_card_data"):
        return
    found: list[str] = []
    for where, value in capture.items:
        found.extend(problems(value, where))
    if found:
        pytest.fail("card data leaked:\n  " + "\n  ".join(sorted(set(found))[:20]), pytrace=False)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "allows_card_data: the test feeds card data to an unmasked sink on purpose (say why)"
    )


@pytest.fixture
def card_capture() -> Capture:
    """What the capture fixture recorded so far in this test (to test the capture itself)."""
    return _active[-1]
