"""Square: base64 HMAC-SHA256 over the configured notification URL + raw body; Square's published vectors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from square.utils.webhooks_helper import verify_signature as square_sdk_verify
from webhook_core.config import Settings
from webhook_core.errors import InvalidSignature
from webhook_core.providers import VerifyContext, get_provider
from webhookdev import signing
from webhookdev.samples import load_sample

from .conftest import (
    BUCKET,
    FIXTURES,
    SQUARE_KEY,
    SQUARE_URL,
    MakeValidator,
    RecordingLambda,
    api_event,
    one_byte_changed,
    stored_keys,
)

BODY = load_sample("square", "payment_updated_completed")
EVENT_ID = json.loads(BODY)["event_id"]
VECTORS: list[dict[str, Any]] = json.loads(
    Path(FIXTURES, "provider-vectors", "square-webhook-signatures.json").read_text()
)["vectors"]


def square_event(body: bytes, signature: str | None, **kwargs: Any) -> dict[str, Any]:
    headers = {"content-type": "application/json"}
    if signature is not None:
        headers["X-Square-HmacSha256-Signature"] = signature
    return api_event(body, headers, provider="square", **kwargs)


def test_square_valid_signature_is_stored_and_forwarded(
    make_validator: MakeValidator, s3: Any, lambda_stub: RecordingLambda
) -> None:
    validator = make_validator("square", {"signature_key": SQUARE_KEY})

    outcome = validator.process(square_event(BODY, signing.square_signature(BODY, SQUARE_KEY, SQUARE_URL)))

    assert outcome.status == 200
    (key,) = stored_keys(s3)
    # An id that starts with a digit is guarded with "~" so the day and the id never read as one digit run.
    assert key == f"square/2026/11/18/{'~' if EVENT_ID[0].isdigit() else ''}{EVENT_ID}.json"
    assert s3.get_object(Bucket=BUCKET, Key=key)["Body"].read() == BODY
    assert lambda_stub.payloads()[0]["event_id"] == EVENT_ID


def test_square_rejects_signature_computed_for_another_notification_url(
    make_validator: MakeValidator, s3: Any, lambda_stub: RecordingLambda
) -> None:
    validator = make_validator("square", {"signature_key": SQUARE_KEY})
    signature = signing.square_signature(BODY, SQUARE_KEY, SQUARE_URL + "/")

    outcome = validator.process(square_event(BODY, signature))

    assert outcome.status == 401
    assert stored_keys(s3) == []
    assert lambda_stub.calls == []


def test_square_stage_variable_url_wins_over_environment(make_validator: MakeValidator) -> None:
    validator = make_validator("square", {"signature_key": SQUARE_KEY})
    stage_url = "https://staging.example.com/api/v1/webhooks/square"

    signed_for_stage = signing.square_signature(BODY, SQUARE_KEY, stage_url)
    signed_for_env = signing.square_signature(BODY, SQUARE_KEY, SQUARE_URL)
    stage = {"square_notification_url": stage_url}

    assert validator.process(square_event(BODY, signed_for_stage, stage_variables=stage)).status == 200
    assert validator.process(square_event(BODY, signed_for_env, stage_variables=stage)).status == 401


def test_square_rejects_one_byte_change_wrong_key_and_missing_header(make_validator: MakeValidator, s3: Any) -> None:
    validator = make_validator("square", {"signature_key": SQUARE_KEY})
    good = signing.square_signature(BODY, SQUARE_KEY, SQUARE_URL)
    tampered = one_byte_changed(BODY)

    assert validator.process(square_event(tampered, good)).status == 401
    assert validator.process(square_event(BODY, signing.square_signature(BODY, "other", SQUARE_URL))).status == 401
    missing = validator.process(square_event(BODY, None))
    assert (missing.status, missing.outcome) == (401, "missing_header")
    assert stored_keys(s3) == []


def test_square_tampered_field_value_is_401(make_validator: MakeValidator, s3: Any) -> None:
    validator = make_validator("square", {"signature_key": SQUARE_KEY})
    good = signing.square_signature(BODY, SQUARE_KEY, SQUARE_URL)
    tampered = BODY.replace(b"COMPLETED", b"COMPLETEE", 1)
    assert tampered != BODY

    assert validator.process(square_event(tampered, good)).status == 401
    assert stored_keys(s3) == []


@pytest.mark.parametrize("vector", VECTORS, ids=[v["name"] for v in VECTORS])
def test_square_published_vectors_agree_with_sdk_and_our_verifier(vector: dict[str, Any]) -> None:
    body = vector["request_body"].encode()
    sdk = square_sdk_verify(
        request_body=vector["request_body"],
        signature_header=vector["signature_header"],
        signature_key=vector["signature_key"],
        notification_url=vector["notification_url"],
    )
    settings = Settings.load(environ={"SQUARE_NOTIFICATION_URL": vector["notification_url"]})
    ctx = VerifyContext(settings, {"signature_key": vector["signature_key"]}, 0.0)
    headers = {"x-square-hmacsha256-signature": vector["signature_header"]}
    try:
        get_provider("square").verify(body, headers, ctx)
        ours = True
    except InvalidSignature:
        ours = False

    assert sdk is vector["valid"]
    assert ours is vector["valid"]
    if vector["valid"]:
        signed = signing.square_signature(body, vector["signature_key"], vector["notification_url"])
        assert signed == vector["signature_header"]


def test_square_sdk_accepts_what_our_signing_helper_produces() -> None:
    signature = signing.square_signature(BODY, SQUARE_KEY, SQUARE_URL)

    assert square_sdk_verify(
        request_body=BODY.decode(), signature_header=signature, signature_key=SQUARE_KEY, notification_url=SQUARE_URL
    )
