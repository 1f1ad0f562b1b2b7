"""End to end on a fresh local stack: signed webhooks through the deployed API Gateway configuration, the validator
and processor Lambdas, DynamoDB and S3 (moto), and back out through the query API."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from webhookdev import samples
from webhookdev.local import stack
from webhookdev.local.client import StackClient

from .expected import NORMALIZED

pytestmark = pytest.mark.e2e

POISON = ("stripe", "poison_amount_object")


def _wait_until(what: str, check: Any, timeout: float) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not happen within {timeout:.0f}s")
        time.sleep(0.25)


def _raw_keys(client: StackClient, provider: str) -> list[str]:
    bucket = client.stack["outputs"]["raw_payloads_bucket"]
    listed = client.aws("s3").list_objects_v2(Bucket=bucket, Prefix=f"{provider}/")
    return [item["Key"] for item in listed.get("Contents", [])]


def test_sample_table_covers_every_sample() -> None:
    every = {(p, s) for p in samples.PROVIDERS for s in samples.list_samples(p)} - {POISON}
    assert every == set(NORMALIZED)


@pytest.mark.parametrize(("provider", "sample"), sorted(NORMALIZED))
def test_every_provider_event_type_lands_normalized(local_stack: StackClient, provider: str, sample: str) -> None:
    event_type, amount, currency, payment_status = NORMALIZED[(provider, sample)]
    sent = local_stack.send(provider, sample, customer_id="cus_e2e_normalized")
    assert sent.status == 200, sent.body

    document = local_stack.wait_for_transaction(sent.transaction_id)

    latest = document["latest"]
    assert document["transaction_id"] == sent.transaction_id
    assert document["provider"] == provider
    assert len(document["events"]) == 1
    assert latest["event_type"] == event_type
    assert latest.get("amount") == amount
    assert latest.get("currency") == currency
    assert latest.get("payment_status") == payment_status
    assert latest["status"] == "processed"
    assert latest["raw_payload_s3_key"] in _raw_keys(local_stack, provider)


@pytest.mark.parametrize("provider", ["stripe", "square", "paypal"])
def test_forged_signature_is_401_and_stores_nothing(local_stack: StackClient, provider: str) -> None:
    sample = {
        "stripe": "charge_succeeded",
        "square": "payment_updated_completed",
        "paypal": "payment_capture_completed",
    }
    before = _raw_keys(local_stack, provider)

    sent = local_stack.send(provider, sample[provider], tamper=True)

    assert sent.status == 401, sent.body
    assert _raw_keys(local_stack, provider) == before
    assert local_stack.transaction(sent.transaction_id).status_code == 404


def test_paypal_ipn_never_sent_by_paypal_is_401(local_stack: StackClient) -> None:
    body, content_type = samples.render_sample("paypal", "ipn_web_accept_completed", transaction_id="txn_unregistered")
    headers = local_stack.signed("paypal", body, content_type)

    response = local_stack.http.post(local_stack.webhook_url("paypal"), data=body, headers=headers, timeout=30)

    assert response.status_code == 401, response.text


def test_malformed_body_is_400_from_request_validation_without_any_lambda(local_stack: StackClient) -> None:
    body = json.dumps({"id": "evt_malformed", "object": "event", "type": 42}).encode()
    headers = local_stack.signed("stripe", body, "application/json")
    starts_before = len(local_stack.platform_starts("stripe-webhook-validator"))

    response = local_stack.http.post(local_stack.webhook_url("stripe"), data=body, headers=headers, timeout=30)

    assert response.status_code == 400
    assert response.json() == {"message": "Invalid request body"}
    time.sleep(0.5)
    assert len(local_stack.platform_starts("stripe-webhook-validator")) == starts_before


def test_disabled_provider_key_gets_403_while_others_get_200(local_stack: StackClient) -> None:
    local_stack.set_api_key_enabled("square", False)
    try:
        started = time.monotonic()
        _wait_until(
            "square 403",
            lambda: local_stack.send("square", "payment_updated_completed").status == 403,
            timeout=6,
        )
        assert time.monotonic() - started <= 6.0
        assert local_stack.send("stripe", "charge_succeeded").status == 200
        assert local_stack.send("paypal", "payment_capture_completed").status == 200
        blocked = local_stack.send("square", "payment_updated_completed")
        assert blocked.status == 403
        assert json.loads(blocked.body) == {"message": "Forbidden"}
    finally:
        local_stack.set_api_key_enabled("square", True)
    _wait_until("square 200 again", lambda: local_stack.send("square", "payment_created").status == 200, timeout=6)


def test_duplicate_delivery_makes_no_second_record(local_stack: StackClient) -> None:
    raw = samples.render_sample(
        "stripe", "payment_intent_succeeded", event_id="evt_e2e_dup", transaction_id="pi_e2e_dup"
    )

    first = local_stack.send("stripe", "payment_intent_succeeded", raw=raw)
    local_stack.wait_for_transaction("pi_e2e_dup")
    second = local_stack.send("stripe", "payment_intent_succeeded", raw=raw)

    assert (first.status, second.status) == (200, 200)
    time.sleep(2.0)  # let the second async processing finish
    document = local_stack.wait_for_transaction("pi_e2e_dup")
    assert [e["event_id"] for e in document["events"]] == ["evt_e2e_dup"]


def test_poison_event_becomes_a_replayable_failed_record_not_a_dlq_message(local_stack: StackClient) -> None:
    # Decision 22: a signature-valid body the processor cannot read is kept as a failed record (reason, provider type,
    # raw payload key) for `webhookctl replay`; the DLQ is for infrastructure failures only.
    sent = local_stack.send(*POISON)
    assert sent.status == 200, sent.body
    document = local_stack.wait_for_transaction(sent.transaction_id)
    [event] = document["events"]
    assert event["status"] == "failed"
    assert event["failure_reason"].startswith("invalid_field: amount")
    assert event["raw_payload_s3_key"] in _raw_keys(local_stack, "stripe")
    assert all(json.loads(m["Body"]).get("event_id") != sent.event_id for m in local_stack.dlq_messages())


def test_query_pages_through_a_customer_without_gaps_or_repeats(local_stack: StackClient) -> None:
    customer = "cus_e2e_pages"
    now = int(time.time())
    sent = [
        local_stack.send("square", "payment_updated_completed", customer_id=customer, created=now - 60 + i)
        for i in range(5)
    ]
    assert {s.status for s in sent} == {200}
    for s in sent:
        local_stack.wait_for_transaction(s.transaction_id)

    pages: list[list[dict[str, Any]]] = []
    token: str | None = None
    for _ in range(10):
        response = local_stack.query(customer_id=customer, limit=2, next_token=token)
        assert response.status_code == 200, response.text
        document = response.json()
        pages.append(document["items"])
        token = document["next_token"]
        if token is None:
            break

    assert [len(page) for page in pages][:3] == [2, 2, 1]
    seen = [item["transaction_id"] for page in pages for item in page]
    assert sorted(seen) == sorted(s.transaction_id for s in sent)


def test_query_by_provider_and_time_range(local_stack: StackClient) -> None:
    start = int(time.time()) - 3600 * 24 * 400
    inside = local_stack.send("paypal", "payment_capture_completed", created=start + 10)
    outside = local_stack.send("paypal", "payment_capture_completed", created=start - 3600)
    assert (inside.status, outside.status) == (200, 200)
    local_stack.wait_for_transaction(inside.transaction_id)
    local_stack.wait_for_transaction(outside.transaction_id)

    response = local_stack.query(provider="paypal", start=start, end=start + 60)

    assert response.status_code == 200, response.text
    assert [item["transaction_id"] for item in response.json()["items"]] == [inside.transaction_id]


def test_query_needs_an_enabled_api_key(local_stack: StackClient) -> None:
    url = f"{local_stack.base_url}/api/v1/transactions/anything"

    missing = local_stack.http.get(url, timeout=30)
    unknown = local_stack.http.get(url, headers={"x-api-key": "not-a-key-of-this-stack"}, timeout=30)

    assert (missing.status_code, missing.json()) == (401, {"message": "Unauthorized"})
    # The query-caller authorizer denies any key that is not an internal-query key (issue 8 item 6).
    assert (unknown.status_code, unknown.json()) == (
        403,
        {"message": "User is not authorized to access this resource with an explicit deny"},
    )


def test_second_plan_after_apply_shows_no_changes(local_stack: StackClient) -> None:
    assert stack.plan_has_changes() is False, "drift: see .local/e2e/logs/tofu-plan.log"
