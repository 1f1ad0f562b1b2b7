"""Provider-independent validator behaviour: storage and invoke failures, base64 bodies, keys, stage variables."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError
from webhook_core.validator import MAX_INLINE_BODY_BYTES, parse_request, render
from webhookdev import signing
from webhookdev.samples import load_sample

from .conftest import BUCKET, STRIPE_SECRET, Clock, MakeValidator, RecordingLambda, api_event, stored_keys

BODY = load_sample("stripe", "charge_succeeded")


def signed(body: bytes, clock: Clock, **kwargs: Any) -> dict[str, Any]:
    header = signing.stripe_signature_header(body, STRIPE_SECRET, int(clock.now))
    return api_event(body, {"Content-Type": "application/json", "Stripe-Signature": header}, **kwargs)


@pytest.fixture
def validator(make_validator: MakeValidator) -> Any:
    return make_validator("stripe", {"signing_secrets": [STRIPE_SECRET]})


class FailingS3:
    def __init__(self, error: Exception) -> None:
        self.error = error

    def put_object(self, **_: Any) -> None:
        raise self.error


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        (
            ClientError({"Error": {"Code": "AccessDenied", "Message": "denied"}}, "PutObject"),
            "ClientError (AccessDenied)",
        ),
        (EndpointConnectionError(endpoint_url="https://s3.amazonaws.com"), "EndpointConnectionError"),
    ],
    ids=["access-denied", "unreachable"],
)
def test_s3_failure_is_503_and_processor_is_not_invoked(
    validator: Any, lambda_stub: RecordingLambda, clock: Clock, error: Exception, reason: str
) -> None:
    validator.s3 = FailingS3(error)

    outcome = validator.process(signed(BODY, clock))

    assert (outcome.status, outcome.outcome) == (503, "storage_unavailable")
    assert outcome.reason == f"raw payload put failed: {reason}"
    assert lambda_stub.calls == []
    assert json.loads(render(outcome)["body"]) == {"message": "Temporarily unavailable, retry later"}


def test_missing_bucket_is_503_and_the_reason_names_the_aws_error(
    validator: Any, s3: Any, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("S3_BUCKET", "bucket-that-does-not-exist")

    outcome = validator.process(signed(BODY, clock))

    assert outcome.status == 503
    assert outcome.reason == "raw payload put failed: NoSuchBucket"


@pytest.mark.parametrize(
    "failure",
    ["exception", "status-200", "status-500"],
)
def test_processor_invoke_failure_is_5xx(
    validator: Any, lambda_stub: RecordingLambda, s3: Any, clock: Clock, failure: str
) -> None:
    if failure == "exception":
        lambda_stub.error = ClientError({"Error": {"Code": "TooManyRequestsException", "Message": "x"}}, "Invoke")
    else:
        lambda_stub.status = int(failure.split("-")[1])

    outcome = validator.process(signed(BODY, clock))

    assert (outcome.status, outcome.outcome) == (502, "processor_invoke_failed")
    # The raw payload is already safe in S3; the provider's retry overwrites the same key.
    assert len(stored_keys(s3)) == 1


def test_base64_encoded_body_is_verified_and_stored_as_the_decoded_bytes(validator: Any, s3: Any, clock: Clock) -> None:
    body = BODY.replace(b'"Order #10492"', '"Caf\u00e9 \u2713 #10492"'.encode(), 1)
    assert body != BODY

    outcome = validator.process(signed(body, clock, base64_body=True))

    assert outcome.status == 200
    (key,) = stored_keys(s3)
    assert s3.get_object(Bucket=BUCKET, Key=key)["Body"].read() == body


def test_body_flagged_base64_that_is_not_base64_is_400(validator: Any, clock: Clock) -> None:
    event = signed(BODY, clock)
    event["isBase64Encoded"] = True
    event["body"] = "%%% not base64 %%%"

    assert validator.process(event).status == 400


def test_json_is_never_reserialised_before_verification(validator: Any, s3: Any, clock: Clock) -> None:
    spaced = json.dumps(json.loads(BODY), indent=7).encode()

    assert validator.process(signed(spaced, clock)).status == 200
    (key,) = stored_keys(s3)
    assert s3.get_object(Bucket=BUCKET, Key=key)["Body"].read() == spaced


@pytest.mark.parametrize("body", [None, ""])
def test_empty_body_is_400(validator: Any, clock: Clock, body: str | None) -> None:
    event = signed(BODY, clock)
    event["body"] = body

    assert validator.process(event).status == 400


def test_large_body_travels_by_s3_key_only(validator: Any, lambda_stub: RecordingLambda, clock: Clock) -> None:
    event = json.loads(BODY)
    event["data"]["object"]["metadata"] = {"padding": "x" * (MAX_INLINE_BODY_BYTES + 10)}
    body = json.dumps(event).encode()

    assert validator.process(signed(body, clock)).status == 200
    payload = lambda_stub.payloads()[0]
    assert "body_base64" not in payload
    assert payload["raw_payload_s3_key"].endswith(".json")


def test_event_id_is_sanitised_in_the_s3_key(validator: Any, s3: Any, clock: Clock) -> None:
    event = json.loads(BODY)
    event["id"] = "evt_../../etc/passwd?x=1"
    body = json.dumps(event).encode()

    assert validator.process(signed(body, clock)).status == 200
    # Sanitising changed the id, so a digest of the original id keeps it apart from `evt_.._.._etc_passwd_x_1`.
    assert stored_keys(s3) == ["stripe/2026/11/18/evt_.._.._etc_passwd_x_1~id-5643da4726375b7e.json"]


def test_two_events_of_one_transaction_on_one_day_get_two_objects(validator: Any, s3: Any, clock: Clock) -> None:
    first = json.loads(BODY)
    second = dict(first, id=first["id"] + "b")

    for event in (first, second):
        assert validator.process(signed(json.dumps(event).encode(), clock)).status == 200

    assert len(stored_keys(s3)) == 2


def test_stage_variable_bucket_wins_over_environment(validator: Any, s3: Any, clock: Clock) -> None:
    s3.create_bucket(Bucket="stage-bucket")

    outcome = validator.process(signed(BODY, clock, stage_variables={"s3_bucket": "stage-bucket"}))

    assert outcome.status == 200
    assert len(s3.list_objects_v2(Bucket="stage-bucket")["Contents"]) == 1
    assert stored_keys(s3) == []


def test_headers_are_case_insensitive_and_single_value_wins() -> None:
    event = {
        "headers": {"Stripe-Signature": "t=1,v1=a"},
        "multiValueHeaders": {"stripe-signature": ["t=1,v1=b"], "X-Extra": ["1", "2"]},
        "body": "{}",
    }

    request = parse_request(event)

    assert request.headers == {"stripe-signature": "t=1,v1=a", "x-extra": "1"}


def test_unsupported_content_type_is_400(validator: Any, clock: Clock) -> None:
    header = signing.stripe_signature_header(BODY, STRIPE_SECRET, int(clock.now))
    event = api_event(BODY, {"Content-Type": "text/xml", "Stripe-Signature": header})

    assert validator.process(event).outcome == "unsupported_content_type"
