"""End to end on a second local stack applied with provider_shards = 4 and processed_log_delivery = firehose
(docs/scaling.md): signed webhooks through the gateway, validators and processor, a sharded ProviderTimestampIndex
read back through the query API's fan-out, and the processed log delivered by (moto's) Firehose.

The oracle for the fan-out is the table itself: a scan, filtered and ordered as the single-shard index would be.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from webhookdev.local import stack
from webhookdev.local.client import StackClient

from .conftest import stack_env

pytestmark = pytest.mark.e2e

SHARDS = 4
SCALING_ENV = stack_env("e2e-scaling", 3)
EXTRA_VARS = {"provider_shards": SHARDS, "processed_log_delivery": "firehose"}


@pytest.fixture(scope="module")
def scaled_stack() -> Iterator[StackClient]:
    """Reuses a stack already up under WEBHOOKDEV_SCALING_STACK (a stack.json path), else starts and stops one."""
    existing = os.environ.get("WEBHOOKDEV_SCALING_STACK")
    if existing:
        yield StackClient.load(Path(existing))
        return
    saved = {name: os.environ.get(name) for name in SCALING_ENV}
    os.environ.update(SCALING_ENV)
    started = time.monotonic()
    try:
        stack.down(quiet=True)
        document = stack.up(stack.Options(owner_pid=os.getpid(), extra_vars=dict(EXTRA_VARS)))
        print(f"\n[e2e] scaling stack up in {time.monotonic() - started:.0f}s")
        yield StackClient(document)
    finally:
        stack.down(quiet=True)
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _oracle(client: StackClient, provider: str, start: int, end: int) -> list[str]:
    """What the unsharded index returns for provider + [start, end]: newest first, by timestamp."""
    table = client.stack["outputs"]["dynamodb_table_name"]
    items: list[dict[str, Any]] = []
    for page in client.aws("dynamodb").get_paginator("scan").paginate(TableName=table):
        items += page["Items"]
    chosen = [
        (Decimal(item["timestamp"]["N"]), item["transaction_id"]["S"])
        for item in items
        if item["provider"]["S"] == provider and start <= int(Decimal(item["timestamp"]["N"])) <= end
    ]
    return [transaction for _, transaction in sorted(chosen, reverse=True)]


def _walk(client: StackClient, **params: Any) -> list[list[str]]:
    pages: list[list[str]] = []
    token: str | None = None
    for _ in range(50):
        response = client.query(next_token=token, **params)
        assert response.status_code == 200, response.text
        document = response.json()
        pages.append([item["transaction_id"] for item in document["items"]])
        token = document["next_token"]
        if token is None:
            return pages
    raise AssertionError("the query did not finish paging")


def test_sharded_provider_query_pages_match_the_unsharded_order(scaled_stack: StackClient) -> None:
    start = int(time.time()) - 3600 * 24 * 200  # a window of its own, away from other tests' events
    sent = [scaled_stack.send("stripe", "charge_succeeded", created=start + i // 2) for i in range(14)]
    sent.append(scaled_stack.send("stripe", "charge_succeeded", created=start + 100))  # outside the window
    assert {s.status for s in sent} == {200}
    for s in sent:
        scaled_stack.wait_for_transaction(s.transaction_id)

    table = scaled_stack.stack["outputs"]["dynamodb_table_name"]
    shards = {
        item["provider_shard"]["S"]
        for item in scaled_stack.aws("dynamodb").scan(TableName=table)["Items"]
        if item["transaction_id"]["S"] in {s.transaction_id for s in sent}
    }
    assert len(shards) > 1  # 15 events over 4 shards
    assert shards <= {f"stripe#{k}" for k in range(SHARDS)}

    expected = _oracle(scaled_stack, "stripe", start, start + 9)
    assert len(expected) == 14
    pages = _walk(scaled_stack, provider="stripe", start=start, end=start + 9, limit=4)
    assert [len(page) for page in pages if page] == [4, 4, 4, 2]
    assert [t for page in pages for t in page] == expected


def test_processed_log_arrives_as_firehose_json_lines_under_the_provider_day_prefix(
    scaled_stack: StackClient,
) -> None:
    created = int(time.time()) - 3600 * 24 * 30
    pairs = (("square", "refund_created"), ("stripe", "charge_refunded"))
    sent = [scaled_stack.send(provider, sample, created=created) for provider, sample in pairs]
    assert {s.status for s in sent} == {200}
    documents = [scaled_stack.wait_for_transaction(s.transaction_id) for s in sent]
    day = time.strftime("%Y/%m/%d", time.gmtime(created))
    assert [d["latest"]["processed_s3_key"] for d in documents] == [f"square/{day}/", f"stripe/{day}/"]

    s3 = scaled_stack.aws("s3")
    bucket = scaled_stack.stack["outputs"]["transaction_logs_bucket"]
    stream = scaled_stack.stack["outputs"]["processed_log_stream_name"]
    for s, document in zip(sent, documents, strict=True):
        prefix = document["latest"]["processed_s3_key"]
        lines = []
        for obj in s3.list_objects_v2(Bucket=bucket, Prefix=prefix).get("Contents", []):
            assert obj["Key"].startswith(f"{prefix}{stream}-")
            assert obj["Key"].endswith(".jsonl")
            body = s3.get_object(Bucket=bucket, Key=obj["Key"])["Body"].read().decode()
            lines += [json.loads(line) for line in body.splitlines()]
        mine = [line for line in lines if line["event_id"] == s.event_id]
        assert len(mine) == 1
        assert mine[0]["transaction_id"] == s.transaction_id
        assert mine[0]["amount"] == document["latest"]["amount"]
    # Nothing was written object-per-event.
    listed = s3.list_objects_v2(Bucket=bucket).get("Contents", [])
    assert not [obj["Key"] for obj in listed if obj["Key"].endswith(".json")]


def test_second_plan_after_apply_shows_no_changes(scaled_stack: StackClient) -> None:
    if os.environ.get("WEBHOOKDEV_SCALING_STACK"):
        pytest.skip("plan runs against the stack this module started")
    assert stack.plan_has_changes() is False, "drift: see .local/e2e-scaling/logs/tofu-plan.log"
