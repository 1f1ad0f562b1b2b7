"""Stripe: t=/v1= HMAC over "<t>.<raw body>", tolerance both ways, rotation, and the official library's view."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
import stripe
from webhook_core.config import Settings
from webhook_core.errors import ConfigurationError, InvalidSignature, StaleTimestamp
from webhook_core.providers import VerifyContext, get_provider
from webhook_core.validator import render
from webhookdev import signing
from webhookdev.samples import load_sample

from .conftest import (
    BUCKET,
    PROCESSOR_ARN,
    STRIPE_SECRET,
    Clock,
    MakeValidator,
    RecordingLambda,
    api_event,
    one_byte_changed,
    stored_keys,
)

BODY = load_sample("stripe", "payment_intent_succeeded")
EVENT_ID = json.loads(BODY)["id"]


def stripe_event(body: bytes, header: str | None, **kwargs: Any) -> dict[str, Any]:
    headers = {"Content-Type": "application/json; charset=utf-8"}
    if header is not None:
        headers["Stripe-Signature"] = header
    return api_event(body, headers, provider="stripe", **kwargs)


def test_stripe_valid_signature_stores_raw_payload_and_invokes_processor(
    make_validator: MakeValidator, s3: Any, lambda_stub: RecordingLambda, clock: Clock
) -> None:
    validator = make_validator("stripe", {"signing_secrets": [STRIPE_SECRET]})
    header = signing.stripe_signature_header(BODY, STRIPE_SECRET, int(clock.now))

    outcome = validator.process(stripe_event(BODY, header))

    assert (outcome.status, outcome.outcome) == (200, "accepted")
    key = f"stripe/2026/11/18/{EVENT_ID}.json"
    assert stored_keys(s3) == [key]
    stored = s3.get_object(Bucket=BUCKET, Key=key)
    assert stored["Body"].read() == BODY
    assert stored["ServerSideEncryption"] == "AES256"
    assert len(lambda_stub.calls) == 1
    call = lambda_stub.calls[0]
    assert call["FunctionName"] == PROCESSOR_ARN
    assert call["InvocationType"] == "Event"
    payload = json.loads(call["Payload"])
    assert payload["version"] == 1
    assert payload["provider"] == "stripe"
    assert payload["event_id"] == EVENT_ID
    assert payload["received_at"] == int(clock.now)
    assert payload["raw_payload_s3_bucket"] == BUCKET
    assert payload["raw_payload_s3_key"] == key
    assert payload["content_type"] == "application/json; charset=utf-8"
    assert base64.b64decode(payload["body_base64"]) == BODY
    response = render(outcome)
    assert response["statusCode"] == 200
    assert json.loads(response["body"]) == {"received": True, "event_id": EVENT_ID}


def test_stripe_rejects_body_with_one_byte_changed_and_stores_nothing(
    make_validator: MakeValidator, s3: Any, lambda_stub: RecordingLambda, clock: Clock
) -> None:
    validator = make_validator("stripe", {"signing_secrets": [STRIPE_SECRET]})
    header = signing.stripe_signature_header(BODY, STRIPE_SECRET, int(clock.now))
    tampered = one_byte_changed(BODY)

    outcome = validator.process(stripe_event(tampered, header))

    assert (outcome.status, outcome.outcome) == (401, "invalid_signature")
    assert stored_keys(s3) == []
    assert lambda_stub.calls == []
    assert json.loads(render(outcome)["body"]) == {"message": "Invalid signature"}


def test_stripe_rejects_signature_made_with_another_secret(
    make_validator: MakeValidator, s3: Any, lambda_stub: RecordingLambda, clock: Clock
) -> None:
    validator = make_validator("stripe", {"signing_secrets": [STRIPE_SECRET]})
    header = signing.stripe_signature_header(BODY, "whsec_someone_else", int(clock.now))

    outcome = validator.process(stripe_event(BODY, header))

    assert outcome.status == 401
    assert stored_keys(s3) == []
    assert lambda_stub.calls == []


@pytest.mark.parametrize(("offset", "accepted"), [(-301, False), (-300, True), (300, True), (301, False)])
def test_stripe_enforces_300_second_tolerance_in_both_directions(
    make_validator: MakeValidator, s3: Any, clock: Clock, offset: int, accepted: bool
) -> None:
    validator = make_validator("stripe", {"signing_secrets": [STRIPE_SECRET]})
    header = signing.stripe_signature_header(BODY, STRIPE_SECRET, int(clock.now) + offset)

    outcome = validator.process(stripe_event(BODY, header))

    if accepted:
        assert outcome.status == 200
    else:
        assert (outcome.status, outcome.outcome) == (401, "stale_timestamp")
        assert stored_keys(s3) == []


def test_stripe_tolerance_is_configurable(make_validator: MakeValidator, clock: Clock) -> None:
    validator = make_validator("stripe", {"signing_secrets": [STRIPE_SECRET]}, STRIPE_TOLERANCE_SECONDS="60")
    header = signing.stripe_signature_header(BODY, STRIPE_SECRET, int(clock.now) - 61)

    assert validator.process(stripe_event(BODY, header)).outcome == "stale_timestamp"


def test_stripe_accepts_either_secret_while_two_are_configured(make_validator: MakeValidator, clock: Clock) -> None:
    validator = make_validator("stripe", {"signing_secrets": ["whsec_new_one", STRIPE_SECRET]})

    old = validator.process(stripe_event(BODY, signing.stripe_signature_header(BODY, STRIPE_SECRET, int(clock.now))))
    new = validator.process(stripe_event(BODY, signing.stripe_signature_header(BODY, "whsec_new_one", int(clock.now))))

    assert (old.status, old.verified and old.verified.key_index) == (200, 1)
    assert (new.status, new.verified and new.verified.key_index) == (200, 0)


def test_stripe_accepts_header_with_several_v1_values_when_any_matches(
    make_validator: MakeValidator, clock: Clock
) -> None:
    validator = make_validator("stripe", {"signing_secrets": [STRIPE_SECRET]})
    header = signing.stripe_signature_header(
        BODY, "whsec_rolled_away", int(clock.now), STRIPE_SECRET, extra_elements=["v0=deadbeef"]
    )

    assert validator.process(stripe_event(BODY, header)).status == 200


def test_stripe_secret_rotation_is_picked_up_after_a_mismatch_at_most_once_a_minute(
    make_validator: MakeValidator, secretsmanager: Any, clock: Clock
) -> None:
    validator = make_validator("stripe", {"signing_secrets": [STRIPE_SECRET]})
    ok = validator.process(stripe_event(BODY, signing.stripe_signature_header(BODY, STRIPE_SECRET, int(clock.now))))
    assert ok.status == 200
    assert validator.secrets.fetch_count == 1
    secretsmanager.put_secret_value(
        SecretId="webhook-processor/stripe/secret", SecretString=json.dumps({"signing_secrets": ["whsec_rotated"]})
    )
    rotated = signing.stripe_signature_header(BODY, "whsec_rotated", int(clock.now))

    # Within a minute of the last read: no refresh, the request is refused.
    clock.mono += 30
    assert validator.process(stripe_event(BODY, rotated)).status == 401
    assert validator.secrets.fetch_count == 1

    # A minute after the last read: one refresh, and the rotated secret verifies.
    clock.mono += 31
    assert validator.process(stripe_event(BODY, rotated)).status == 200
    assert validator.secrets.fetch_count == 2

    # A flood of forgeries right after cannot make it read again.
    forged = signing.stripe_signature_header(BODY, "whsec_forger", int(clock.now))
    for _ in range(5):
        assert validator.process(stripe_event(BODY, forged)).status == 401
    assert validator.secrets.fetch_count == 2


@pytest.mark.parametrize(
    "header",
    [None, "", "t=1795000000", "v1=abc", "t=notanumber,v1=abc", "garbage"],
    ids=["absent", "empty", "no-v1", "no-t", "bad-t", "garbage"],
)
def test_stripe_missing_or_unusable_signature_header_is_401(
    make_validator: MakeValidator, s3: Any, header: str | None
) -> None:
    validator = make_validator("stripe", {"signing_secrets": [STRIPE_SECRET]})

    outcome = validator.process(stripe_event(BODY, header))

    assert outcome.status == 401
    assert stored_keys(s3) == []


def test_stripe_body_that_is_not_an_event_is_400(make_validator: MakeValidator, s3: Any, clock: Clock) -> None:
    validator = make_validator("stripe", {"signing_secrets": [STRIPE_SECRET]})
    for body in (b"not json", b"[1, 2]", b'{"id": "evt_1"}'):
        header = signing.stripe_signature_header(body, STRIPE_SECRET, int(clock.now))
        outcome = validator.process(stripe_event(body, header))
        assert (outcome.status, outcome.outcome) == (400, "malformed_payload")
    assert stored_keys(s3) == []


def test_stripe_secret_in_wrong_format_is_a_server_error(make_validator: MakeValidator, clock: Clock) -> None:
    validator = make_validator("stripe", {"secret": STRIPE_SECRET})
    header = signing.stripe_signature_header(BODY, STRIPE_SECRET, int(clock.now))

    outcome = validator.process(stripe_event(BODY, header))

    assert (outcome.status, outcome.outcome) == (500, "configuration_error")


# --- cross-checks against the official stripe library ----------------------------------------------------------------


def test_official_stripe_library_accepts_what_our_signing_helper_produces() -> None:
    header = signing.stripe_signature_header(BODY, STRIPE_SECRET)

    event = stripe.Webhook.construct_event(BODY.decode(), header, STRIPE_SECRET)

    assert event.id == EVENT_ID
    with pytest.raises(stripe.SignatureVerificationError):
        stripe.Webhook.construct_event(BODY.decode(), header, "whsec_other")


def test_our_verifier_accepts_header_built_by_the_official_stripe_library(
    make_validator: MakeValidator, clock: Clock
) -> None:
    validator = make_validator("stripe", {"signing_secrets": [STRIPE_SECRET]})
    header = stripe.WebhookSignature.generate_signature_header(BODY.decode(), STRIPE_SECRET, int(clock.now))

    assert validator.process(stripe_event(BODY, header)).status == 200


def test_stripe_plugin_raises_named_errors() -> None:

    plugin = get_provider("stripe")
    settings = Settings.load(environ={})
    now = 1_795_000_000
    header = signing.stripe_signature_header(BODY, STRIPE_SECRET, now - 1000)
    with pytest.raises(StaleTimestamp):
        plugin.verify(
            BODY, {"stripe-signature": header}, VerifyContext(settings, {"signing_secrets": [STRIPE_SECRET]}, now)
        )
    with pytest.raises(InvalidSignature):
        plugin.verify(
            BODY, {"stripe-signature": header}, VerifyContext(settings, {"signing_secrets": ["whsec_x"]}, now)
        )
    with pytest.raises(ConfigurationError):
        plugin.verify(BODY, {"stripe-signature": header}, VerifyContext(settings, {}, now))
