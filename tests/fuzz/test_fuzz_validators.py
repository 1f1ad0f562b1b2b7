"""Fuzz every validator through its Lambda handler (issue 8 item 7).

Invariants, for every generated request:

* the handler returns a response (never raises) and never answers 500 (an unhandled error) or any 5xx: the inputs
  are the caller's fault, and a 5xx would make a provider retry for days;
* without a valid signature, nothing is written to S3 and the processor is not invoked;
* with a valid signature, the raw object's key stays under ``<provider>/`` and holds no ``..``, NUL or CR/LF;
* one request costs at most ``MAX_CPU_PER_REQUEST`` CPU seconds.
"""

from __future__ import annotations

import base64
import json
import time
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from webhookdev import signing
from webhookdev.samples import load_sample

from .conftest import (
    FUZZ,
    MAX_CPU_PER_REQUEST,
    SQUARE_KEY,
    SQUARE_URL,
    STRIPE_SECRET,
    Budget,
    Context,
    Stack,
)

SAMPLES = {
    "stripe": [load_sample("stripe", n) for n in ("payment_intent_succeeded", "charge_refunded", "charge_failed")],
    "square": [load_sample("square", n) for n in ("payment_updated_completed", "refund_created")],
    "paypal": [
        load_sample("paypal", "payment_capture_completed"),
        load_sample("paypal", "ipn_web_accept_completed"),
    ],
}
SIGNATURE_HEADERS = {
    "stripe": ["Stripe-Signature"],
    "square": ["x-square-hmacsha256-signature"],
    "paypal": [
        "PAYPAL-TRANSMISSION-ID",
        "PAYPAL-TRANSMISSION-TIME",
        "PAYPAL-TRANSMISSION-SIG",
        "PAYPAL-CERT-URL",
        "PAYPAL-AUTH-ALGO",
    ],
}
HOSTILE_IDS = [
    "../../etc/passwd",
    "a/../../b",
    "id\x00nul",
    "id\r\nX-Injected: 1",
    ".",
    "..",
    "/",
    "%2e%2e%2f",
    "é" * 90,
]
HOSTILE_VALUES: list[Any] = [
    "NaN",
    "Infinity",
    "-Infinity",
    "9" * 400,
    "-" + "1" * 400 + ".5e999",
    None,
    True,
    [],
    {},
    "\u0000",
    "\ud7ff",
    " ".join(["1"] * 1600),
    "cvv" + " " * 5000 + "1",
]

# --- strategies -----------------------------------------------------------------------------------------------------


def _mutate(data: bytes, edits: list[tuple[int, int, bytes]]) -> bytes:
    out = bytearray(data)
    for position, delete, insert in edits:
        at = position % (len(out) + 1)
        out[at : at + delete] = insert
    return bytes(out)


def _deep(depth: int, kind: str) -> bytes:
    if kind == "array":
        return b'{"type":"x","event_type":"x","id":"e","event_id":"e","data":' + b"[" * depth + b"]" * depth + b"}"
    return (
        b'{"type":"x","event_type":"x","id":"e","event_id":"e","data":' + b'{"a":' * depth + b"1" + b"}" * depth + b"}"
    )


def _with_field(sample: bytes, path: list[str], value: Any) -> bytes:
    try:
        event = json.loads(sample)
    except ValueError:
        return sample
    node = event
    for step in path[:-1]:
        child = node.get(step) if isinstance(node, dict) else None
        if not isinstance(child, dict):
            return json.dumps(event).encode()
        node = child
    node[path[-1]] = value
    text = json.dumps(event, allow_nan=True)
    return text.replace('"__NaN__"', "NaN").encode()


bodies = st.one_of(
    st.binary(max_size=2048),
    st.text(max_size=512).map(lambda t: t.encode("utf-8", "surrogatepass")),
    st.builds(
        _mutate,
        st.sampled_from([b for group in SAMPLES.values() for b in group]),
        st.lists(st.tuples(st.integers(0, 5000), st.integers(0, 8), st.binary(max_size=8)), max_size=6),
    ),
    st.builds(_deep, st.integers(30, 1500), st.sampled_from(["array", "object"])),
    st.builds(
        _with_field,
        st.sampled_from([b for group in SAMPLES.values() for b in group if b.startswith(b"{")]),
        st.sampled_from(
            [["id"], ["event_id"], ["type"], ["created"], ["data", "id"], ["data", "object", "id"], ["resource", "id"]]
        ),
        st.one_of(st.sampled_from(HOSTILE_IDS), st.sampled_from(HOSTILE_VALUES)),
    ),
    st.just(b'{"id": NaN, "type": Infinity, "event_id": -Infinity, "event_type": 1e400}'),
    st.just(b'{"id":"evt_1","type":"x","data":{"object":{"id":"' + b"1 " * 3000 + b'"}}}'),
)


def _header_values(provider: str) -> st.SearchStrategy[dict[str, str]]:
    names = SIGNATURE_HEADERS[provider] + ["Content-Type", "X-Other"]
    name = st.sampled_from(names).flatmap(lambda n: st.sampled_from([n, n.lower(), n.upper(), n.swapcase(), f" {n}"]))
    value = st.one_of(
        st.text(max_size=64),
        st.sampled_from(
            [
                "application/json",
                "application/x-www-form-urlencoded",
                "text/plain",
                "t=1,v1=\u00e9",
                "t=" + "9" * 400 + ",v1=ab",
                ",".join(f"v1={i:064x}" for i in range(10_000)),
                "t=1," + ",".join("v1=" + "0" * 64 for _ in range(10_000)),
                "x" * 100_000,
                "https://api.paypal.com\t/v1/certs/C",
                "https://api.paypal.com:8443/v1/certs/C",
                "https://api.paypal.com/v1/certs/C?x=1",
                "https://api.sandbox.paypal.com/v1/certs/C",
                "https://api.paypal.com/v1/notifications/certs/CERT-1",
                "SHA256withRSA",
                "2026-11-29T08:00:00Z",
                "9999-99-99T99:99:99Z",
            ]
        ),
    )
    return st.dictionaries(name, value, max_size=8)


def _request(provider: str) -> st.SearchStrategy[dict[str, Any]]:
    return st.builds(
        _event,
        bodies,
        _header_values(provider),
        st.booleans(),
        st.booleans(),
        st.lists(st.text(max_size=32), max_size=3),
    )


def _event(body: bytes, headers: dict[str, str], b64: bool, garbage_b64: bool, extra: list[str]) -> dict[str, Any]:
    if b64:
        text = base64.b64encode(body).decode() if not garbage_b64 else body.decode("latin-1")
    else:
        text = body.decode("utf-8", "surrogateescape").encode("utf-8", "surrogatepass").decode("utf-8", "replace")
        if garbage_b64:  # a body that is not valid UTF-8 when re-encoded (lone surrogates)
            text += "\ud800"
    multi = {name: [value, *extra] for name, value in headers.items()}
    return {
        "resource": "/api/v1/webhooks/x",
        "path": "/api/v1/webhooks/x",
        "httpMethod": "POST",
        "headers": headers,
        "multiValueHeaders": multi,
        "stageVariables": None,
        "requestContext": {"stage": "prod"},
        "body": text,
        "isBase64Encoded": b64,
    }


# --- invariants ------------------------------------------------------------------------------------------------------


def _call(stack: Stack, provider: str, event: dict[str, Any]) -> tuple[dict[str, Any], float]:
    started = time.process_time()
    response = stack.handlers[provider](event, Context())
    return response, time.process_time() - started


def _check_unsigned(stack: Stack, provider: str, event: dict[str, Any]) -> None:
    keys_before, invokes_before = len(stack.raw_keys()), len(stack.invokes.calls)
    response, cpu = _call(stack, provider, event)

    assert isinstance(response.get("statusCode"), int)
    assert response["statusCode"] < 500, response
    assert response["statusCode"] != 200 or json.loads(response["body"]).get("booked") is False, response
    assert len(stack.raw_keys()) == keys_before, "an unsigned request was stored"
    assert len(stack.invokes.calls) == invokes_before, "an unsigned request reached the processor"
    assert cpu <= MAX_CPU_PER_REQUEST, f"{cpu:.3f} s CPU for one request"


@pytest.mark.parametrize("provider", ["stripe", "square", "paypal"])
def test_unsigned_requests_never_5xx_never_store_and_stay_cheap(stack: Stack, provider: str) -> None:
    budget = Budget()

    @FUZZ
    @given(event=_request(provider))
    def run(event: dict[str, Any]) -> None:
        if budget:
            _check_unsigned(stack, provider, event)

    run()
    print(f"[fuzz] {provider}: {budget.used} unsigned requests")


def _signed(provider: str, body: bytes) -> dict[str, str]:
    if provider == "stripe":
        return {
            "Content-Type": "application/json",
            "Stripe-Signature": signing.stripe_signature_header(body, STRIPE_SECRET),
        }
    return {
        "Content-Type": "application/json",
        "x-square-hmacsha256-signature": signing.square_signature(body, SQUARE_KEY, SQUARE_URL),
    }


@pytest.mark.parametrize("provider", ["stripe", "square"])
def test_signed_odd_bodies_are_2xx_or_4xx_and_keys_stay_under_the_provider_prefix(stack: Stack, provider: str) -> None:
    budget = Budget()

    @FUZZ
    @given(body=bodies)
    def run(body: bytes) -> None:
        if not budget:
            return
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            return
        before = set(stack.raw_keys())
        event = _event(text.encode(), _signed(provider, text.encode()), False, False, [])
        response, cpu = _call(stack, provider, event)
        assert response["statusCode"] in (200, 400), response
        new = set(stack.raw_keys()) - before
        if response["statusCode"] == 200:
            assert len(new) <= 1
            for key in new:
                segments = key.split("/")
                assert segments[0] == provider
                assert not {".", ".."} & set(segments)
                assert not segments[-1].startswith(".")
                assert not any(ch in key for ch in ("\x00", "\r", "\n", "\\"))
        else:
            assert new == set()
        assert cpu <= MAX_CPU_PER_REQUEST

    run()
    print(f"[fuzz] {provider}: {budget.used} signed requests")
