"""Write-once raw payloads (decision 24), against moto's S3 in-process (moto 5.2.5 honours If-None-Match on PUT)."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest
from botocore.exceptions import ClientError
from webhook_core.keys import raw_payload_key
from webhook_core.rawstore import base_key, put_once, variant_key
from webhookdev import signing
from webhookdev.samples import load_sample

from .conftest import BUCKET, STRIPE_SECRET, Clock, MakeValidator, RecordingLambda, api_event, stored_keys

BODY = load_sample("stripe", "charge_succeeded")


def signed(body: bytes, clock: Clock) -> dict[str, Any]:
    header = signing.stripe_signature_header(body, STRIPE_SECRET, int(clock.now))
    return api_event(body, {"Content-Type": "application/json", "Stripe-Signature": header})


@pytest.fixture
def validator(make_validator: MakeValidator) -> Any:
    return make_validator("stripe", {"signing_secrets": [STRIPE_SECRET]})


def body_of(s3: Any, key: str) -> bytes:
    data: bytes = s3.get_object(Bucket=BUCKET, Key=key)["Body"].read()
    return data


def test_moto_refuses_a_second_put_with_if_none_match(s3: Any) -> None:
    s3.put_object(Bucket=BUCKET, Key="k.json", Body=b"first", IfNoneMatch="*")

    with pytest.raises(ClientError) as raised:
        s3.put_object(Bucket=BUCKET, Key="k.json", Body=b"second", IfNoneMatch="*")

    assert raised.value.response["Error"]["Code"] == "PreconditionFailed"
    assert body_of(s3, "k.json") == b"first"


def test_identical_redelivery_is_accepted_and_writes_nothing(
    validator: Any, s3: Any, lambda_stub: RecordingLambda, clock: Clock
) -> None:
    writes: list[int] = []
    s3.meta.events.register(
        "after-call.s3.PutObject", lambda http_response, **_: writes.append(http_response.status_code)
    )

    first = validator.process(signed(BODY, clock))
    second = validator.process(signed(BODY, clock))

    assert (first.status, second.status) == (200, 200)
    assert writes == [200, 412]  # the redelivery's put was refused: the first object was never rewritten
    assert stored_keys(s3) == [first.s3_key]
    assert [p["raw_payload_s3_key"] for p in lambda_stub.payloads()] == [first.s3_key, first.s3_key]


def test_a_different_body_under_the_same_key_is_kept_beside_the_first(
    validator: Any, s3: Any, lambda_stub: RecordingLambda, clock: Clock
) -> None:
    changed = json.dumps(dict(json.loads(BODY), livemode=True)).encode()

    first = validator.process(signed(BODY, clock))
    second = validator.process(signed(changed, clock))

    digest = hashlib.sha256(changed).hexdigest()[:16]
    assert (first.status, second.status) == (200, 200)
    assert second.s3_key == first.s3_key.removesuffix(".json") + f"~body-{digest}.json"
    assert sorted(stored_keys(s3)) == sorted([first.s3_key, second.s3_key])
    assert body_of(s3, first.s3_key) == BODY
    assert body_of(s3, second.s3_key) == changed
    assert lambda_stub.payloads()[1]["raw_payload_s3_key"] == second.s3_key
    # A third delivery of either body is a redelivery: nothing new is written.
    assert validator.process(signed(changed, clock)).s3_key == second.s3_key
    assert len(stored_keys(s3)) == 2


def test_ids_that_differ_only_in_sanitised_characters_get_different_keys() -> None:
    keys = {raw_payload_key("stripe", event_id, 0, "application/json") for event_id in ("a/b", "a_b", "a b", "a?b")}

    assert len(keys) == 4
    assert "stripe/1970/01/01/a_b.json" in keys


def test_variant_keys_name_their_base() -> None:
    key = "paypal/2026/11/18/WH-1.txt"

    assert variant_key(key, b"x").startswith("paypal/2026/11/18/WH-1~body-")
    assert variant_key(key, b"x").endswith(".txt")
    assert base_key(variant_key(key, b"x")) == key
    assert base_key(key) == key


class Conflicting:
    """S3 answering 409 ConditionalRequestConflict: another conditional write to the key is in flight."""

    def put_object(self, **_: Any) -> None:
        raise ClientError(
            {"Error": {"Code": "ConditionalRequestConflict"}, "ResponseMetadata": {"HTTPStatusCode": 409}}, "PutObject"
        )


def test_a_concurrent_conditional_write_is_a_503_so_the_provider_retries(
    validator: Any, lambda_stub: RecordingLambda, clock: Clock
) -> None:
    validator.s3 = Conflicting()

    outcome = validator.process(signed(BODY, clock))

    assert (outcome.status, outcome.reason) == (503, "raw payload put failed: ClientError (ConditionalRequestConflict)")
    assert lambda_stub.calls == []


def test_put_once_reports_whether_it_wrote(s3: Any) -> None:
    args = {"bucket": BUCKET, "key": "p/k.json", "content_type": "application/json", "metadata": {}}
    args["encryption"] = {"ServerSideEncryption": "AES256"}

    assert put_once(s3, body=b"1", **args).created is True
    assert put_once(s3, body=b"1", **args).created is False
    assert put_once(s3, body=b"2", **args).key == variant_key("p/k.json", b"2")
