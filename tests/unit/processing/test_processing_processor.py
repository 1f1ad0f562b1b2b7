"""The processor against moto: storage layout, idempotency, failure classification, masking, metrics."""

from __future__ import annotations

import base64
import binascii
import json
from decimal import Decimal
from typing import Any

import pytest
from boto3.dynamodb.types import TypeDeserializer
from botocore.exceptions import ClientError
from conftest import (
    PROCESSED_BUCKET,
    RAW_BUCKET,
    RECEIVED_AT,
    TABLE,
    async_event,
    create_table,
    rendered_event,
    sample_event,
)
from webhook_core.processing import Outcome, Processor, build_lambda_handler, expires_at
from webhook_core.records import event_timestamp
from webhookdev.samples import PROVIDERS, list_samples, load_sample

T0 = 1795768923
PAN = "4111111111111111"
_deserializer = TypeDeserializer()


def items(aws: dict[str, Any], table: str = TABLE) -> list[dict[str, Any]]:
    raw = aws["dynamodb"].scan(TableName=table, ConsistentRead=True)["Items"]
    return [{k: _deserializer.deserialize(v) for k, v in item.items()} for item in raw]


def records_only(aws: dict[str, Any]) -> list[dict[str, Any]]:
    """The transaction records, without the event-id markers (``event:...`` items with a small integer sort key)."""
    return [item for item in items(aws) if "record_status" not in item]


def markers(aws: dict[str, Any]) -> list[dict[str, Any]]:
    return [item for item in items(aws) if "record_status" in item]


def raw_items(aws: dict[str, Any]) -> list[dict[str, Any]]:
    result: list[dict[str, Any]] = aws["dynamodb"].scan(TableName=TABLE)["Items"]
    return result


def processed_keys(aws: dict[str, Any], bucket: str = PROCESSED_BUCKET) -> list[str]:
    listing = aws["s3"].list_objects_v2(Bucket=bucket)
    return sorted(obj["Key"] for obj in listing.get("Contents", []))


def processed_object(aws: dict[str, Any], key: str) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(aws["s3"].get_object(Bucket=PROCESSED_BUCKET, Key=key)["Body"].read())
    return body


def test_stripe_event_is_stored_in_dynamodb_and_s3(processor: Processor, aws: dict[str, Any]) -> None:
    results = processor.process(sample_event("stripe", "payment_intent_succeeded"))
    assert [r.outcome for r in results] == [Outcome.PROCESSED]
    [item] = items(aws)
    event_id = "evt_3QP8fW2eZvKYlo2C1yK2bT9u"
    assert item["transaction_id"] == "pi_3QP8fW2eZvKYlo2C1h6Tq4Ws"
    assert item["timestamp"] == event_timestamp("stripe", event_id, T0)
    assert int(item["timestamp"]) == T0
    assert item["provider"] == "stripe"
    assert item["event_id"] == event_id
    assert item["event_type"] == "payment.success"
    assert item["provider_event_type"] == "payment_intent.succeeded"
    assert item["amount"] == Decimal("20.00")
    assert item["currency"] == "USD"
    assert item["customer_id"] == "cus_R4kTz8wYqN2bLm"
    assert item["status"] == "processed"
    assert item["payment_status"] == "succeeded"
    assert item["raw_payload_s3_key"] == f"stripe/2026/11/27/{event_id}.json"
    assert item["processed_s3_key"] == f"stripe/2026/11/27/{event_id}.json"
    assert item["processed_at"] == Decimal(RECEIVED_AT + 5)
    assert item["expires_at"] == Decimal(2016693723)  # 2033-11-27T08:42:03Z: seven calendar years later
    assert item["metadata"]["meta.order_id"] == "10492"
    assert "failure_reason" not in item
    assert processed_keys(aws) == [f"stripe/2026/11/27/{event_id}.json"]
    body = processed_object(aws, f"stripe/2026/11/27/{event_id}.json")
    assert body["amount"] == "20.00"
    assert body["timestamp"] == str(item["timestamp"])
    assert body["event_time"] == T0
    head = aws["s3"].head_object(Bucket=PROCESSED_BUCKET, Key=f"stripe/2026/11/27/{event_id}.json")
    assert head["ServerSideEncryption"] == "AES256"
    assert head["ContentType"] == "application/json"


def test_amounts_are_dynamodb_numbers_with_exact_digits(processor: Processor, aws: dict[str, Any]) -> None:
    processor.process(sample_event("stripe", "charge_succeeded_kwd"))
    processor.process(sample_event("stripe", "payment_intent_succeeded_jpy"))
    processor.process(sample_event("square", "payment_updated_completed_jpy"))
    amounts = {(i["transaction_id"]["S"], i["currency"]["S"]): i["amount"] for i in raw_items(aws)}
    assert amounts[("ch_3QP8mN2eZvKYlo2C0jH4kW1s", "KWD")] == {"N": "12.340"}
    assert amounts[("pi_3QP9aB2eZvKYlo2C0vN4eW8q", "JPY")] == {"N": "5000"}
    assert amounts[("XkJ2nVtq8RbmA4ZpY6wLcH9dEfGZY", "JPY")] == {"N": "3300"}
    kwd_key = next(k for k in processed_keys(aws) if k.endswith("evt_3QP8mN2eZvKYlo2C0aU7cQ5r.json"))
    assert processed_object(aws, kwd_key)["amount"] == "12.340"


@pytest.mark.parametrize(
    ("provider", "name"),
    [(p, n) for p in PROVIDERS for n in list_samples(p) if n != "poison_amount_object"],
)
def test_every_sample_is_processed_once(processor: Processor, aws: dict[str, Any], provider: str, name: str) -> None:
    [result] = processor.process(sample_event(provider, name))
    assert result.outcome is Outcome.PROCESSED
    [item] = items(aws)
    assert item["provider"] == provider
    assert item["status"] == "processed"
    assert processed_keys(aws) == [item["processed_s3_key"]]


def test_duplicate_delivery_makes_one_record(processor: Processor, aws: dict[str, Any]) -> None:
    event = sample_event("square", "payment_updated_completed")
    first = processor.process(event)
    second = processor.process(event)
    third = processor.process(sample_event("square", "payment_updated_completed", received_at=RECEIVED_AT + 3600))
    assert [r.outcome for r in first + second + third] == [Outcome.PROCESSED, Outcome.DUPLICATE, Outcome.DUPLICATE]
    assert len(items(aws)) == 1
    assert len(processed_keys(aws)) == 1


def test_concurrent_duplicate_losing_the_conditional_put_succeeds(processor: Processor, aws: dict[str, Any]) -> None:
    event = sample_event("stripe", "charge_succeeded")
    processor.process(event)
    # A racing twin passed GetItem before the first write landed: the conditional PutItem rejects it.
    processor._exists = lambda table, record: False  # type: ignore[method-assign]
    [result] = processor.process(event)
    assert result.outcome is Outcome.DUPLICATE
    assert len(items(aws)) == 1


def test_distinct_events_of_one_transaction_in_one_second_are_both_kept(
    processor: Processor, aws: dict[str, Any]
) -> None:
    shared = {"transaction_id": "pi_same_second", "created": T0}
    one = rendered_event("stripe", "payment_intent_processing", event_id="evt_same_second_1", **shared)
    two = rendered_event("stripe", "payment_intent_succeeded", event_id="evt_same_second_2", **shared)
    processor.process(one)
    processor.process(two)
    stored = sorted(items(aws), key=lambda i: i["event_id"])
    assert [i["transaction_id"] for i in stored] == ["pi_same_second", "pi_same_second"]
    assert [int(i["timestamp"]) for i in stored] == [T0, T0]
    assert stored[0]["timestamp"] != stored[1]["timestamp"]
    assert [i["event_type"] for i in stored] == ["payment.pending", "payment.success"]
    # Two events of one day: two processed objects, neither overwriting the other.
    assert processed_keys(aws) == [
        "stripe/2026/11/27/evt_same_second_1.json",
        "stripe/2026/11/27/evt_same_second_2.json",
    ]


def test_events_whose_ids_differ_only_in_sanitised_characters_keep_their_own_processed_objects(
    processor: Processor, aws: dict[str, Any]
) -> None:
    ids = ["evt_collide/1", "evt_collide_1", "evt_collide:1"]
    for index, event_id in enumerate(ids):
        processor.process(
            rendered_event("stripe", "payment_intent_succeeded", event_id=event_id, transaction_id=f"pi_c{index}")
        )

    stored = {item["event_id"]: item for item in records_only(aws)}

    assert sorted(stored) == sorted(ids)
    assert len(processed_keys(aws)) == len(ids)  # none overwrote another
    for event_id, item in stored.items():
        assert processed_object(aws, item["processed_s3_key"])["event_id"] == event_id


def test_processed_key_date_is_the_event_date(processor: Processor, aws: dict[str, Any]) -> None:
    processor.process(sample_event("stripe", "charge_dispute_closed"))  # 30 days after the sample day
    assert processed_keys(aws) == ["stripe/2026/12/27/evt_1QPZc42eZvKYlo2CnH3gB7Td.json"]


def test_body_is_read_from_the_raw_bucket_when_not_inline(processor: Processor, aws: dict[str, Any]) -> None:
    event = sample_event("paypal", "ipn_web_accept_refunded", inline=False)
    assert "body_base64" not in event
    assert event["raw_payload_s3_key"].endswith(".txt")
    aws["s3"].put_object(
        Bucket=RAW_BUCKET, Key=event["raw_payload_s3_key"], Body=load_sample("paypal", "ipn_web_accept_refunded")
    )
    [result] = processor.process(event)
    assert result.outcome is Outcome.PROCESSED
    [item] = items(aws)
    assert item["transaction_id"] == "3PT01658XL9853202"
    assert item["event_type"] == "refund.created"
    assert item["amount"] == Decimal("19.95")
    assert item["metadata"]["parent_txn_id"] == "61E67681CH3238416"


def test_unprocessable_event_is_recorded_as_failed_without_raising(processor: Processor, aws: dict[str, Any]) -> None:
    body = json.loads(load_sample("stripe", "payment_intent_succeeded"))
    body["data"]["object"]["currency"] = "zzz"
    event = async_event("stripe", json.dumps(body).encode(), "application/json")
    [result] = processor.process(event)
    assert result.outcome is Outcome.FAILED
    [item] = records_only(aws)
    assert item["status"] == "failed"
    assert item["transaction_id"] == "pi_3QP8fW2eZvKYlo2C1h6Tq4Ws"
    assert int(item["timestamp"]) == T0
    assert item["event_type"] == "payment.success"
    assert item["failure_reason"] == "unsupported_currency: currency is not an ISO 4217 code we know"
    assert "zzz" not in json.dumps(item, default=str)  # the reason names the field, never the value
    assert item["raw_payload_s3_bucket"] == RAW_BUCKET
    assert item["raw_payload_s3_key"] == event["raw_payload_s3_key"]
    assert item["provider_event_type"] == "payment_intent.succeeded"
    assert "amount" not in item
    assert processed_keys(aws) == ["stripe/2026/11/27/evt_3QP8fW2eZvKYlo2C1yK2bT9u.json"]
    # A redelivery of the same failed event is a duplicate, not a second failed record.
    assert processor.process(event)[0].outcome is Outcome.DUPLICATE
    assert len(records_only(aws)) == 1


def test_event_without_object_id_is_failed_under_its_event_id(processor: Processor, aws: dict[str, Any]) -> None:
    body = json.loads(load_sample("square", "refund_created"))
    del body["data"]["object"]["refund"]["id"]
    del body["data"]["id"]
    processor.process(async_event("square", json.dumps(body).encode(), "application/json"))
    [item] = records_only(aws)
    assert item["transaction_id"] == "event:square:b2c3d4e5-f6a7-4b8c-9d0e-1f2a3b4c5d6e"
    assert item["status"] == "failed"
    assert item["failure_reason"].startswith("missing_object_id:")
    assert int(item["timestamp"]) == T0 + 7201


def test_poison_sample_becomes_a_failed_record_not_a_dlq_message(processor: Processor, aws: dict[str, Any]) -> None:
    # Decision 22: a signature-valid body the normalizer cannot read is evidence, kept as a replayable failed record.
    [result] = processor.process(sample_event("stripe", "poison_amount_object"))
    assert result.outcome is Outcome.FAILED
    [item] = records_only(aws)
    assert item["status"] == "failed"
    assert item["failure_reason"] == "invalid_field: amount must be an integer of minor units, got dict"
    assert item["metadata"]["failure_code"] == "invalid_field"


def test_aws_errors_propagate_for_retry(processor: Processor, aws: dict[str, Any]) -> None:
    aws["dynamodb"].delete_table(TableName=TABLE)
    with pytest.raises(ClientError):
        processor.process(sample_event("stripe", "charge_succeeded"))


def test_broken_async_event_raises(processor: Processor) -> None:
    with pytest.raises(ValueError, match="missing event_id"):
        processor.process({"version": 1, "provider": "stripe", "received_at": RECEIVED_AT, "body_base64": ""})


def test_card_numbers_never_reach_storage(processor: Processor, aws: dict[str, Any]) -> None:
    body = json.loads(load_sample("stripe", "payment_intent_succeeded"))
    body["data"]["object"]["metadata"] = {"note": f"card {PAN} exp 12/29", "card_number": "5555 5555 5555 4444"}
    event = async_event("stripe", json.dumps(body).encode(), "application/json")
    processor.process(event)
    [raw] = raw_items(aws)
    dumped = json.dumps(raw)
    stored = processed_object(aws, processed_keys(aws)[0])
    for text in (dumped, json.dumps(stored)):
        assert PAN not in text
        assert "5555555555554444" not in text
        assert "5555 5555 5555 4444" not in text
    assert stored["metadata"]["meta.note"] == "card ************1111 exp 12/29"
    assert stored["metadata"]["meta.card_number"] == "************4444"


def test_stage_variables_override_table_and_bucket(processor: Processor, aws: dict[str, Any]) -> None:
    create_table(aws["dynamodb"], "webhook-transactions-staging")
    aws["s3"].create_bucket(Bucket="staging-logs")
    event = sample_event(
        "stripe",
        "charge_succeeded",
        stage_variables={"dynamodb_table": "webhook-transactions-staging", "s3_processed_bucket": "staging-logs"},
    )
    processor.process(event)
    assert items(aws) == []
    assert len(items(aws, "webhook-transactions-staging")) == 1
    assert processed_keys(aws, "staging-logs") == ["stripe/2026/11/27/evt_3QP8fW2eZvKYlo2C1sD3gJ8v.json"]


def test_record_ttl_days_setting(monkeypatch: pytest.MonkeyPatch, processor: Processor, aws: dict[str, Any]) -> None:
    monkeypatch.setenv("RECORD_TTL_DAYS", "30")
    processor.process(sample_event("stripe", "charge_succeeded"))
    assert items(aws)[0]["expires_at"] == Decimal(T0 - 2 + 30 * 86400)


def test_seven_year_ttl_handles_leap_day() -> None:
    assert expires_at(1709208000, None) == 1930046400  # 2024-02-29T12:00Z -> 2031-02-28T12:00Z


def fresh_handler(monkeypatch: pytest.MonkeyPatch, name: str) -> Any:
    # Powertools caches loggers by service name with the stream of their first test; use a new name per test.
    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", f"webhook-processor-{name}")
    return build_lambda_handler()


def test_handler_emits_metrics_with_provider_dimension(
    aws: dict[str, Any], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    handler = fresh_handler(monkeypatch, "metrics")
    capsys.readouterr()
    event = sample_event("square", "payment_created")
    result = handler(event, None)
    assert result["results"][0]["outcome"] == "processed"
    handler(event, None)
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    emf = [line for line in lines if "_aws" in line]
    logs = [line for line in lines if "outcome" in line]
    assert [m["_aws"]["CloudWatchMetrics"][0]["Namespace"] for m in emf] == ["PaymentWebhooks", "PaymentWebhooks"]
    assert [m["_aws"]["CloudWatchMetrics"][0]["Dimensions"] for m in emf] == [[["provider"]], [["provider"]]]
    assert emf[0]["provider"] == "square"
    assert emf[0]["EventsProcessed"] == [1.0]
    assert isinstance(emf[0]["ProcessingLatency"][0], float)
    assert emf[1]["DuplicateEvents"] == [1.0]
    assert [(log["outcome"], log["provider"], log["transaction_id"]) for log in logs] == [
        ("processed", "square", "bP9mAsEMYPUGjjGNaNO5ZDVyLhSZY"),
        ("duplicate", "square", "bP9mAsEMYPUGjjGNaNO5ZDVyLhSZY"),
    ]
    assert all(isinstance(log["duration_ms"], float) for log in logs)


def test_handler_counts_failed_events(
    aws: dict[str, Any], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    handler = fresh_handler(monkeypatch, "failed")
    body = json.loads(load_sample("paypal", "payment_capture_completed"))
    body["resource"]["amount"]["currency_code"] = "ABC"
    event = async_event("paypal", json.dumps(body).encode(), "application/json")
    capsys.readouterr()
    assert handler(event, None)["results"][0]["outcome"] == "failed"
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    [emf] = [line for line in lines if "_aws" in line]
    [log] = [line for line in lines if "outcome" in line]
    assert emf["ProcessingFailed"] == [1.0]
    assert emf["provider"] == "paypal"
    assert log["level"] == "ERROR"
    assert log["failure_reason"] == "unsupported_currency: currency is not an ISO 4217 code we know"


def test_inline_body_must_be_valid_base64(processor: Processor) -> None:
    event = sample_event("stripe", "charge_succeeded")
    event["body_base64"] = base64.b64encode(b"x").decode()[:-1] + "!"
    with pytest.raises(binascii.Error):
        processor.process(event)


def test_event_without_any_time_is_deduplicated_by_its_event_id(processor: Processor, aws: dict[str, Any]) -> None:
    # Issue 8 item 5: a Stripe event without ``created`` is stored at its receipt time, yet two deliveries (received
    # at different times) make ONE record: the event-id marker is written in one transaction with the record.
    body = json.loads(load_sample("stripe", "charge_succeeded"))
    del body["created"]
    del body["data"]["object"]["created"]
    raw = json.dumps(body).encode()
    first = processor.process(async_event("stripe", raw, "application/json", received_at=RECEIVED_AT))
    second = processor.process(async_event("stripe", raw, "application/json", received_at=RECEIVED_AT + 3600))
    assert [r.outcome for r in first + second] == [Outcome.PROCESSED, Outcome.DUPLICATE]
    [item] = records_only(aws)
    assert int(item["timestamp"]) == RECEIVED_AT
    assert item["time_source"] == "receipt"
    assert item["metadata"]["time_note"] == "no readable event time; receipt time used"
    assert [m["event_id"] for m in markers(aws)] == [body["id"]]
    assert "provider" not in markers(aws)[0]  # markers stay out of the provider/time index


def test_ipn_without_a_time_is_deduplicated(processor: Processor, aws: dict[str, Any]) -> None:
    raw = load_sample("paypal", "ipn_web_accept_completed")
    fields = [pair for pair in raw.split(b"&") if not pair.startswith(b"payment_date=")]
    body = b"&".join(fields)
    form = "application/x-www-form-urlencoded"
    processor.process(async_event("paypal", body, form, received_at=RECEIVED_AT))
    processor.process(async_event("paypal", body, form, received_at=RECEIVED_AT + 86400))
    [item] = records_only(aws)
    assert item["event_type"] == "payment.success"
    assert item["time_source"] == "receipt"


def test_unreadable_envelope_time_falls_back_to_a_time_in_the_body(processor: Processor, aws: dict[str, Any]) -> None:
    body = json.loads(load_sample("square", "payment_updated_completed"))
    body["created_at"] = "not a time"
    processor.process(async_event("square", json.dumps(body).encode(), "application/json"))
    [item] = records_only(aws)
    assert item["status"] == "processed"
    assert item["time_source"] == "body"
    assert item["metadata"]["time_note"] == "time taken from object.updated_at; unreadable: created_at"


def test_replay_after_a_fix_replaces_the_failed_record(processor: Processor, aws: dict[str, Any]) -> None:
    # The first processing fails (a normalizer that cannot read the body); the replay of the same async event, after
    # the fix, writes the real record and deletes the failed one. A second replay changes nothing.
    event = sample_event("stripe", "charge_succeeded")

    def broken(provider: str, parsed: Any) -> Any:
        raise KeyError("amount")

    broken_processor = Processor(dynamodb=aws["dynamodb"], s3=aws["s3"], logger=processor._logger, normalize=broken)
    [failed] = broken_processor.process(event)
    assert failed.outcome is Outcome.FAILED
    [item] = records_only(aws)
    assert item["failure_reason"] == "normalizer_error: KeyError"
    assert item["transaction_id"] == "event:stripe:" + event["event_id"]
    assert broken_processor.process(event)[0].outcome is Outcome.DUPLICATE

    [fixed] = processor.process(event)
    assert fixed.outcome is Outcome.PROCESSED
    [item] = records_only(aws)
    assert item["status"] == "processed"
    assert item["direction"] == "credit"
    assert processor.process(event)[0].outcome is Outcome.DUPLICATE
    assert len(records_only(aws)) == 1


def test_stored_record_carries_direction_and_raw_location(processor: Processor, aws: dict[str, Any]) -> None:
    processor.process(sample_event("paypal", "ipn_web_accept_refunded"))
    [item] = records_only(aws)
    assert (item["event_type"], item["direction"], item["amount"]) == ("refund.created", "debit", Decimal("19.95"))
    assert item["raw_payload_s3_bucket"] == RAW_BUCKET


def test_replay_after_a_fix_replaces_the_failed_record_at_the_same_key(
    processor: Processor, aws: dict[str, Any]
) -> None:
    body = json.loads(load_sample("stripe", "payment_intent_succeeded"))
    body["data"]["object"]["currency"] = "zzz"
    event = async_event("stripe", json.dumps(body).encode(), "application/json")
    assert processor.process(event)[0].outcome is Outcome.FAILED

    def fixed_parse(provider: str, raw: bytes, content_type: str) -> dict[str, Any]:
        parsed: dict[str, Any] = json.loads(raw)
        parsed["data"]["object"]["currency"] = "usd"  # stands in for a normalizer that now understands the event
        return parsed

    fixed = Processor(dynamodb=aws["dynamodb"], s3=aws["s3"], logger=processor._logger, parse=fixed_parse)
    [result] = fixed.process(event)

    assert result.outcome is Outcome.PROCESSED
    [item] = records_only(aws)  # the event-id marker of the failed attempt is not a record
    assert (item["transaction_id"], int(item["timestamp"])) == ("pi_3QP8fW2eZvKYlo2C1h6Tq4Ws", T0)
    assert (item["status"], item["currency"]) == ("processed", "USD")
    assert "failure_reason" not in item
    # Replaying again changes nothing, and a failed result never replaces a processed record.
    assert fixed.process(event)[0].outcome is Outcome.DUPLICATE
    assert processor.process(event)[0].outcome is Outcome.DUPLICATE
    assert records_only(aws)[0]["status"] == "processed"
