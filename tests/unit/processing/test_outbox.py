"""The outbox against moto: the processor writes records, the table's stream feeds the handler, EventBridge routes
the published events to an SQS queue (the test subscriber). Stream records are shaped for Lambda by the local
runtime's own code (webhookdev.local.streams), so this suite also checks the event the local stack hands over."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator, Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

import boto3
import pytest
from aws_lambda_powertools import Logger
from conftest import TABLE, async_event, create_table, rendered_event, sample_event
from jsonschema import Draft7Validator
from webhook_core.errors import ConfigurationError
from webhook_core.outbox import (
    EVENT_SOURCE,
    FAILED_DETAIL_TYPE,
    OutboxPublisher,
    build_lambda_handler,
    event_detail,
    publication,
)
from webhook_core.processing import Processor
from webhook_core.providers import get_normalizer
from webhook_core.records import TransactionRecord
from webhookdev.local.streams import lambda_records
from webhookdev.samples import load_sample

BUS = "payment-webhooks-test-transactions"
DETAIL_SCHEMA = json.loads(
    (Path(__file__).resolve().parents[3] / "docs" / "events" / "transaction-record.schema.json").read_text()
)
PAN = "4111111111111111"


@pytest.fixture
def bus(aws: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    """The table again, now with its stream (NEW_AND_OLD_IMAGES, as dynamodb.tf), a bus and a subscriber queue."""
    dynamodb = aws["dynamodb"]
    dynamodb.delete_table(TableName=TABLE)
    create_table(dynamodb)
    dynamodb.update_table(
        TableName=TABLE, StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"}
    )
    events = boto3.client("events", region_name="us-east-1")
    sqs = boto3.client("sqs", region_name="us-east-1")
    # botocore 1.44 sends stream calls to the account-based endpoint (<account>.streams-ddb...), which in-process
    # moto does not route; the regional endpoint is the one moto serves (the local stack sets endpoint_url anyway).
    streams = boto3.client(
        "dynamodbstreams", region_name="us-east-1", endpoint_url="https://streams.dynamodb.us-east-1.amazonaws.com"
    )
    events.create_event_bus(Name=BUS)
    queue_url = sqs.create_queue(QueueName="outbox-subscriber")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    events.put_rule(Name="all-records", EventBusName=BUS, EventPattern=json.dumps({"source": [EVENT_SOURCE]}))
    events.put_targets(Rule="all-records", EventBusName=BUS, Targets=[{"Id": "subscriber", "Arn": queue_arn}])
    monkeypatch.setenv("EVENT_BUS_NAME", BUS)
    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", "webhook-outbox")
    stream_arn = dynamodb.describe_table(TableName=TABLE)["Table"]["LatestStreamArn"]
    state = {**aws, "events": events, "sqs": sqs, "streams": streams, "queue_url": queue_url, "stream_arn": stream_arn}
    yield state
    events.remove_targets(Rule="all-records", EventBusName=BUS, Ids=["subscriber"])
    events.delete_rule(Name="all-records", EventBusName=BUS)
    events.delete_event_bus(Name=BUS)
    sqs.delete_queue(QueueUrl=queue_url)


def stream_event(bus: dict[str, Any]) -> dict[str, Any]:
    """Every record of the table's stream so far, as one Lambda event."""
    streams = bus["streams"]
    shard = streams.describe_stream(StreamArn=bus["stream_arn"])["StreamDescription"]["Shards"][0]["ShardId"]
    iterator = streams.get_shard_iterator(StreamArn=bus["stream_arn"], ShardId=shard, ShardIteratorType="TRIM_HORIZON")[
        "ShardIterator"
    ]
    records = streams.get_records(ShardIterator=iterator, Limit=1000)["Records"]
    return {"Records": lambda_records(records, bus["stream_arn"], "us-east-1")}


def published(bus: dict[str, Any]) -> list[dict[str, Any]]:
    """Every event the subscriber queue received (the EventBridge envelope, detail parsed); each detail must match
    the documented schema (docs/events/transaction-record.schema.json)."""
    received: list[dict[str, Any]] = []
    while True:
        messages = bus["sqs"].receive_message(QueueUrl=bus["queue_url"], MaxNumberOfMessages=10).get("Messages", [])
        if not messages:
            for event in received:
                Draft7Validator(DETAIL_SCHEMA).validate(event["detail"])
            return received
        for message in messages:
            received.append(json.loads(message["Body"]))
            bus["sqs"].delete_message(QueueUrl=bus["queue_url"], ReceiptHandle=message["ReceiptHandle"])


def processor_for(bus: dict[str, Any]) -> Processor:
    return Processor(dynamodb=bus["dynamodb"], s3=bus["s3"], logger=Logger(service="test", level=logging.INFO))


def test_each_new_record_is_published_once_and_duplicate_webhooks_never(bus: dict[str, Any]) -> None:
    processor = processor_for(bus)
    first = sample_event("stripe", "payment_intent_succeeded")
    processor.process(first)
    processor.process(sample_event("square", "refund_created"))
    processor.process(sample_event("paypal", "customer_dispute_created"))
    processor.process(first)  # a provider redelivery: a duplicate, no second record

    response = build_lambda_handler()(stream_event(bus), None)

    assert response == {"batchItemFailures": []}
    events = published(bus)
    assert sorted((e["source"], e["detail-type"], e["detail"]["provider"]) for e in events) == [
        (EVENT_SOURCE, "dispute.created", "paypal"),
        (EVENT_SOURCE, "payment.success", "stripe"),
        (EVENT_SOURCE, "refund.created", "square"),
    ]
    stripe = next(e["detail"] for e in events if e["detail"]["provider"] == "stripe")
    item = bus["dynamodb"].get_item(
        TableName=TABLE,
        Key={"transaction_id": {"S": stripe["transaction_id"]}, "timestamp": {"N": stripe["timestamp"]}},
    )
    assert "Item" in item  # the detail names the stored record exactly
    assert stripe["amount"] == "20.00"  # an exact decimal string, never a float
    assert stripe["currency"] == "USD"
    assert stripe["status"] == "processed"
    assert stripe["event_time"] == int(Decimal(stripe["timestamp"]))
    assert stripe["dedupe_key"] == f"{stripe['transaction_id']}|{stripe['timestamp']}|processed"
    assert stripe["replaces_failed_record"] is False
    assert stripe["schema_version"] == 1


def test_updates_and_removals_are_not_published(bus: dict[str, Any]) -> None:
    processor = processor_for(bus)
    event = rendered_event("stripe", "payment_intent_succeeded")
    [result] = processor.process(event)
    key = {"transaction_id": {"S": result.transaction_id}, "timestamp": {"N": str(result.timestamp)}}
    bus["dynamodb"].update_item(
        TableName=TABLE,
        Key=key,
        UpdateExpression="SET payment_status = :s",
        ExpressionAttributeValues={":s": {"S": "reviewed"}},
    )
    bus["dynamodb"].delete_item(TableName=TABLE, Key=key)

    build_lambda_handler()(stream_event(bus), None)

    assert [e["detail-type"] for e in published(bus)] == ["payment.success"]  # INSERT only; MODIFY and REMOVE not


def test_failed_record_is_published_as_record_failed_and_its_repair_once_more(bus: dict[str, Any]) -> None:
    body = json.loads(load_sample("stripe", "payment_intent_succeeded"))
    body["data"]["object"]["currency"] = "zzz"
    event = async_event("stripe", json.dumps(body).encode(), "application/json")
    [failed] = processor_for(bus).process(event)

    def fixed_normalizer(provider: str, parsed: Mapping[str, Any]) -> list[TransactionRecord]:
        """The normalizer after a fix that reads this currency (here: as USD)."""
        repaired = json.loads(json.dumps(parsed))
        repaired["data"]["object"]["currency"] = "usd"
        records: list[TransactionRecord] = get_normalizer(provider)(repaired)
        return records

    # The replay after the fix: the processor replaces the failed record under the same key, a MODIFY.
    fixed = Processor(dynamodb=bus["dynamodb"], s3=bus["s3"], logger=Logger(service="test"), normalize=fixed_normalizer)
    [replayed] = fixed.process(event)
    assert (replayed.transaction_id, replayed.timestamp) == (failed.transaction_id, failed.timestamp)

    build_lambda_handler()(stream_event(bus), None)

    first, repair = published(bus)
    # A failed record is never announced under its event type: no consumer may fulfil an order from it.
    assert first["detail-type"] == FAILED_DETAIL_TYPE
    assert first["detail"]["event_type"] == "payment.success"
    assert first["detail"]["amount"] is None
    assert first["detail"]["failure_reason"].startswith("unsupported_currency:")
    assert repair["detail-type"] == "payment.success"
    assert repair["detail"]["replaces_failed_record"] is True
    assert repair["detail"]["amount"] == "20.00"
    assert repair["detail"]["dedupe_key"] != first["detail"]["dedupe_key"]


class _FailingSecondPut:
    """The real (moto) EventBridge client, except that the second PutEvents entry is rejected."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.calls = 0

    def put_events(self, **kwargs: Any) -> dict[str, Any]:
        self.calls += 1
        if self.calls == 2:
            return {"FailedEntryCount": 1, "Entries": [{"ErrorCode": "ThrottlingException", "ErrorMessage": "x"}]}
        result: dict[str, Any] = self.client.put_events(**kwargs)
        return result


def test_batch_stops_at_the_first_failure_so_the_retry_publishes_nothing_twice(bus: dict[str, Any]) -> None:
    from aws_lambda_powertools.utilities.batch import EventType, process_partial_response  # noqa: PLC0415
    from webhook_core.outbox import InOrderStreamProcessor  # noqa: PLC0415

    processor = processor_for(bus)
    for _ in range(3):
        processor.process(rendered_event("stripe", "payment_intent_succeeded"))
    event = stream_event(bus)
    sequences = [r["dynamodb"]["SequenceNumber"] for r in event["Records"]]
    flaky = _FailingSecondPut(bus["events"])
    publisher = OutboxPublisher(events=flaky, bus_name=BUS, logger=Logger(service="test"))  # type: ignore[arg-type]
    batch = InOrderStreamProcessor(event_type=EventType.DynamoDBStreams, raise_on_entire_batch_failure=False)

    response = process_partial_response(event=event, record_handler=publisher, processor=batch)

    assert response == {"batchItemFailures": [{"itemIdentifier": s} for s in sequences[1:]]}
    assert flaky.calls == 2  # the third record was not attempted
    assert len(published(bus)) == 1
    # Lambda resends from the lowest failed sequence number: records 2 and 3, each published once in all.
    retry = {"Records": event["Records"][1:]}
    assert process_partial_response(event=retry, record_handler=publisher, processor=batch) == {"batchItemFailures": []}
    assert len(published(bus)) == 2


def test_card_numbers_never_reach_the_bus() -> None:
    image = {
        "transaction_id": "pi_1",
        "timestamp": Decimal("1795768923.1"),
        "provider": "stripe",
        "event_id": "evt_1",
        "event_type": "payment.success",
        "status": "processed",
        "amount": Decimal("5"),
        "currency": "JPY",
        "metadata": {"meta.note": f"card {PAN}"},
    }
    detail = event_detail(image)
    assert PAN not in json.dumps(detail)
    assert detail["amount"] == "5"  # zero-decimal currency: exact, no invented decimals


@pytest.mark.parametrize(
    ("event_name", "old", "new", "expected"),
    [
        ("INSERT", None, {"status": "processed", "event_type": "refund.created"}, ("refund.created", False)),
        ("INSERT", None, {"status": "failed", "event_type": "refund.created"}, (FAILED_DETAIL_TYPE, False)),
        ("INSERT", None, {"status": "pending"}, None),
        (
            "MODIFY",
            {"status": "failed"},
            {"status": "processed", "event_type": "payment.success"},
            ("payment.success", True),
        ),
        ("MODIFY", {"status": "processed"}, {"status": "processed", "event_type": "payment.success"}, None),
        ("MODIFY", {"status": "processed"}, {"status": "failed"}, None),
        ("REMOVE", {"status": "processed"}, None, None),
    ],
)
def test_what_each_stream_record_publishes(
    event_name: str, old: dict[str, Any] | None, new: dict[str, Any] | None, expected: tuple[str, bool] | None
) -> None:
    item = publication(event_name, old, new)
    assert (None if item is None else (item.detail_type, item.replaces_failed_record)) == expected


def test_missing_bus_name_fails_at_cold_start(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("EVENT_BUS_NAME", raising=False)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    with pytest.raises(ConfigurationError):
        build_lambda_handler()
