"""The outbox end to end: webhooks in through the gateway, records into the table, the table's stream through the
deployed event source mapping and the outbox Lambda, out onto the EventBridge bus, where a test subscriber (a rule
to an SQS queue, created here) sees every event. Duplicate deliveries must not add a single event."""

from __future__ import annotations

import json
import secrets
import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from boto3.dynamodb.types import TypeDeserializer
from webhookdev import samples
from webhookdev.local.client import StackClient

pytestmark = pytest.mark.e2e

EVENT_SOURCE = "payment-webhooks"  # docs/events.md
#: Distinct webhooks: (provider, sample). Two events of one payment (payment, then its refund) are two records.
DISTINCT = [
    ("stripe", "payment_intent_succeeded"),
    ("stripe", "charge_refunded"),
    ("square", "payment_created"),
    ("square", "refund_created"),
    ("paypal", "payment_capture_completed"),
    ("paypal", "customer_dispute_created"),
]
#: How many of them the providers deliver again (same bytes): retries after a timeout, at-least-once delivery.
REDELIVERED = 3
_deserializer = TypeDeserializer()


@pytest.fixture
def subscriber(local_stack: StackClient) -> Iterator[dict[str, Any]]:
    """A rule on the stack's bus sending every outbox event to a fresh queue, like a downstream system's."""
    bus = local_stack.stack["outputs"]["event_bus_name"]
    events, sqs = local_stack.aws("events"), local_stack.aws("sqs")
    name = f"e2e-outbox-{secrets.token_hex(4)}"
    queue_url = sqs.create_queue(QueueName=name)["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    events.put_rule(Name=name, EventBusName=bus, EventPattern=json.dumps({"source": [EVENT_SOURCE]}))
    events.put_targets(Rule=name, EventBusName=bus, Targets=[{"Id": "queue", "Arn": queue_arn}])
    yield {"sqs": sqs, "queue_url": queue_url}
    events.remove_targets(Rule=name, EventBusName=bus, Ids=["queue"])
    events.delete_rule(Name=name, EventBusName=bus)
    sqs.delete_queue(QueueUrl=queue_url)


def _drain(subscriber: dict[str, Any], into: list[dict[str, Any]]) -> None:
    sqs, url = subscriber["sqs"], subscriber["queue_url"]
    while messages := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
        for message in messages:
            into.append(json.loads(message["Body"]))
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])


def _records(local_stack: StackClient, prefix: str) -> list[dict[str, Any]]:
    table = local_stack.stack["outputs"]["dynamodb_table_name"]
    items = local_stack.aws("dynamodb").scan(TableName=table, ConsistentRead=True)["Items"]
    records = [{k: _deserializer.deserialize(v) for k, v in item.items()} for item in items]
    return [r for r in records if str(r["transaction_id"]).startswith(prefix)]


def test_n_webhooks_with_duplicates_give_exactly_the_distinct_records_on_the_bus(
    local_stack: StackClient, subscriber: dict[str, Any]
) -> None:
    prefix = f"txn_outbox_{secrets.token_hex(4)}_"
    rendered = [
        (provider, sample, samples.render_sample(provider, sample, transaction_id=f"{prefix}{i}"))
        for i, (provider, sample) in enumerate(DISTINCT)
    ]
    started = time.monotonic()
    sent = [local_stack.send(p, s, raw=raw) for p, s, raw in rendered]
    sent += [local_stack.send(p, s, raw=raw) for p, s, raw in rendered[:REDELIVERED]]
    assert [s.status for s in sent] == [200] * (len(DISTINCT) + REDELIVERED), [s.body for s in sent]

    published: list[dict[str, Any]] = []
    deadline = time.monotonic() + 90
    while True:
        _drain(subscriber, published)
        mine = [e for e in published if str(e["detail"]["transaction_id"]).startswith(prefix)]
        if len(mine) >= len(DISTINCT) or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    first_seen_s = time.monotonic() - started
    time.sleep(5.0)  # anything published twice would arrive now: the outbox polls every second
    _drain(subscriber, published)
    mine = [e for e in published if str(e["detail"]["transaction_id"]).startswith(prefix)]

    records = _records(local_stack, prefix)
    stored = Counter((r["transaction_id"], format(r["timestamp"], "f"), r["event_type"]) for r in records)
    on_bus = Counter((e["detail"]["transaction_id"], e["detail"]["timestamp"], e["detail-type"]) for e in mine)
    print(
        f"\n[e2e outbox] {len(sent)} webhooks ({REDELIVERED} redelivered), {len(records)} records, "
        f"{len(mine)} events on the bus, all seen {first_seen_s:.1f}s after the first send"
    )
    assert len(records) == len(DISTINCT)
    assert on_bus == stored  # every record exactly once, under its normalized event type
    assert all(e["source"] == EVENT_SOURCE and e["detail"]["status"] == "processed" for e in mine)
