"""GSI write sharding: the processor writes ``provider_shard``, the query fans out and merges (docs/scaling.md).

The oracle is the unsharded index: the same events, processed into a table whose ``ProviderTimestampIndex`` is keyed
by ``provider`` (the request's shape), must come back from the sharded one in the same order, page for page.
"""

from __future__ import annotations

import base64
import json
import logging
import random
from decimal import Decimal
from typing import Any

import pytest
from aws_lambda_powertools import Logger
from conftest import RECEIVED_AT, TABLE, rendered_event
from hypothesis import given, settings
from hypothesis import strategies as st
from test_processing_query import get
from webhook_core.errors import ConfigurationError
from webhook_core.processing import Processor
from webhook_core.query import (
    PartitionPage,
    TransactionStore,
    build_app,
    merge_partitions,
)
from webhook_core.sharding import MAX_SHARDS, provider_shards, shard_of

SHARDED = "webhook-transactions-sharded"
SHARDS = 4
T0 = 1795768923


def create_sharded_table(client: Any, name: str = SHARDED) -> None:
    """The table as dynamodb.tf declares it with provider_shards > 1: the provider index keyed by provider_shard."""
    client.create_table(
        TableName=name,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[
            {"AttributeName": "transaction_id", "AttributeType": "S"},
            {"AttributeName": "timestamp", "AttributeType": "N"},
            {"AttributeName": "provider_shard", "AttributeType": "S"},
            {"AttributeName": "customer_id", "AttributeType": "S"},
        ],
        KeySchema=[
            {"AttributeName": "transaction_id", "KeyType": "HASH"},
            {"AttributeName": "timestamp", "KeyType": "RANGE"},
        ],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "ProviderTimestampIndex",
                "KeySchema": [
                    {"AttributeName": "provider_shard", "KeyType": "HASH"},
                    {"AttributeName": "timestamp", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            },
            {
                "IndexName": "CustomerIndex",
                "KeySchema": [
                    {"AttributeName": "customer_id", "KeyType": "HASH"},
                    {"AttributeName": "timestamp", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            },
        ],
    )


def _processor(aws: dict[str, Any], table: str, shards: int) -> Processor:
    environ = {"DYNAMODB_TABLE": table, "S3_PROCESSED_BUCKET": "123456789012-transaction-logs-test"}
    environ["ENVIRONMENT"] = "test"
    environ["PROVIDER_SHARDS"] = str(shards)
    logger = Logger(service="webhook-processor-test", level=logging.WARNING)
    return Processor(
        dynamodb=aws["dynamodb"], s3=aws["s3"], logger=logger, environ=environ, clock=lambda: RECEIVED_AT + 5.0
    )


def _api(aws: dict[str, Any], table: str, shards: int) -> Any:
    logger = Logger(service="transaction-query-test", level=logging.WARNING)
    return build_app(lambda _: TransactionStore(aws["dynamodb"], table, provider_shards=shards), logger)


@pytest.fixture
def both(aws: dict[str, Any]) -> dict[str, Any]:
    """60 Stripe events (some in the same second), 5 Square ones, processed into the oracle and the sharded table."""
    create_sharded_table(aws["dynamodb"])
    oracle, sharded = _processor(aws, TABLE, 1), _processor(aws, SHARDED, SHARDS)
    rng = random.Random(20261129)
    events = [
        rendered_event(
            "stripe",
            "charge_succeeded",
            event_id=f"evt_shard_{n:03d}",
            transaction_id=f"ch_shard_{n:03d}",
            created=T0 + rng.randrange(0, 40),  # about 1.5 events per second: same-second neighbours
            customer_id="cus_sharded",
        )
        for n in range(60)
    ]
    events += [
        rendered_event("square", "payment_updated_completed", event_id=f"sq_evt_{n}", created=T0 + n) for n in range(5)
    ]
    for event in events:
        oracle.process(event)
        sharded.process(event)
    return {"oracle": _api(aws, TABLE, 1), "sharded": _api(aws, SHARDED, SHARDS)}


def walk(api: Any, params: dict[str, str]) -> list[list[str]]:
    """Every page of a list query (``id@timestamp`` lists), following next_token to the end.

    A final empty page is dropped: DynamoDB hands back a LastEvaluatedKey whenever a page is exactly full, so
    whether one more (empty) page follows depends on where the page boundary falls, not on what the query returns.
    """
    pages: list[list[str]] = []
    while True:
        status, body = get(api, "/api/v1/transactions", params, stage={})
        assert status == 200, body
        pages.append([f"{i['transaction_id']}@{i['timestamp']}" for i in body["items"]])
        if body["next_token"] is None:
            return pages[:-1] if len(pages) > 1 and not pages[-1] else pages
        params = {**params, "next_token": body["next_token"]}


def test_processor_writes_the_shard_of_the_event_id(aws: dict[str, Any], both: dict[str, Any]) -> None:
    items = aws["dynamodb"].scan(TableName=SHARDED)["Items"]
    assert len(items) == 65
    for item in items:
        provider, event_id = item["provider"]["S"], item["event_id"]["S"]
        assert item["provider_shard"]["S"] == f"{provider}#{shard_of(provider, event_id, SHARDS)}"
    used = {item["provider_shard"]["S"] for item in items if item["provider"]["S"] == "stripe"}
    assert used == {f"stripe#{k}" for k in range(SHARDS)}  # 60 events spread over every shard
    # The unsharded table carries the attribute too (shard 0 of 1), so a later switch needs no backfill.
    oracle_items = aws["dynamodb"].scan(TableName=TABLE)["Items"]
    assert {item["provider_shard"]["S"] for item in oracle_items} == {"stripe#0", "square#0"}


@pytest.mark.parametrize("limit", ["1", "3", "7", "25", "100"])
def test_sharded_pages_equal_the_single_shard_oracle(both: dict[str, Any], limit: str) -> None:
    params = {"provider": "stripe", "limit": limit}
    expected = walk(both["oracle"], params)
    got = walk(both["sharded"], params)
    assert got == expected
    flat = [entry for page in got for entry in page]
    assert len(flat) == 60 == len(set(flat))
    stamps = [Decimal(entry.split("@")[1]) for entry in flat]
    assert stamps == sorted(stamps, reverse=True)


@pytest.mark.parametrize(
    "window",
    [{"start": str(T0 + 5), "end": str(T0 + 20)}, {"start": str(T0 + 30)}, {"end": str(T0 + 3)}],
)
def test_sharded_time_ranges_equal_the_oracle(both: dict[str, Any], window: dict[str, str]) -> None:
    params = {"provider": "stripe", "limit": "4", **window}
    assert walk(both["sharded"], params) == walk(both["oracle"], params)


def test_other_providers_and_the_customer_index_are_unaffected(both: dict[str, Any]) -> None:
    assert walk(both["sharded"], {"provider": "square", "limit": "2"}) == walk(
        both["oracle"], {"provider": "square", "limit": "2"}
    )
    assert walk(both["sharded"], {"customer_id": "cus_sharded", "limit": "9"}) == walk(
        both["oracle"], {"customer_id": "cus_sharded", "limit": "9"}
    )


def test_sharded_token_carries_one_cursor_per_shard_and_rejects_tampering(both: dict[str, Any]) -> None:
    status, body = get(both["sharded"], "/api/v1/transactions", {"provider": "stripe", "limit": "5"}, stage={})
    assert status == 200
    token = body["next_token"]
    payload = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    assert len(payload["k"]) == SHARDS
    payload["k"][0] = None  # restart shard 0 from the top: a checksum mismatch, so refused
    forged = base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")
    status, body = get(
        both["sharded"], "/api/v1/transactions", {"provider": "stripe", "limit": "5", "next_token": forged}, stage={}
    )
    assert status == 400
    # A token from the unsharded API names one partition: the sharded API refuses it (a changed shard count).
    _, oracle_page = get(both["oracle"], "/api/v1/transactions", {"provider": "stripe", "limit": "5"}, stage={})
    status, body = get(
        both["sharded"],
        "/api/v1/transactions",
        {"provider": "stripe", "limit": "5", "next_token": oracle_page["next_token"]},
        stage={},
    )
    assert status == 400
    assert body == {"message": "next_token is invalid (use the value from the previous page of the same query)"}


def test_provider_shards_setting_is_validated() -> None:
    assert provider_shards({}) == 1
    assert provider_shards({"PROVIDER_SHARDS": "8"}) == 8
    for bad in ("0", str(MAX_SHARDS + 1), "two", "²", "-1"):
        with pytest.raises(ConfigurationError, match="PROVIDER_SHARDS must be an integer from 1 to 16"):
            provider_shards({"PROVIDER_SHARDS": bad})


# --- the merge alone, against a sorted-list oracle, with DynamoDB pages cut short ----------------------------------


def _simulate(partitions: list[list[int]], limit: int, cut: list[int]) -> list[int]:
    """Walk every page through merge_partitions, answering each partition's query like DynamoDB would.

    ``cut[p]`` caps how many items partition ``p`` returns per query (DynamoDB's 1 MB page), with a LastEvaluatedKey.
    """
    data = [
        sorted(
            ({"transaction_id": f"t{p}-{i}", "timestamp": Decimal(v), "k": f"p{p}"} for i, v in enumerate(part)),
            key=lambda item: item["timestamp"],
            reverse=True,
        )
        for p, part in enumerate(partitions)
    ]
    cursors: list[Any] = [None] * len(partitions)
    seen: list[int] = []
    for _ in range(10_000):
        pages = []
        for p, cursor in enumerate(cursors):
            if cursor == "end":
                pages.append(PartitionPage([], None))
                continue
            rest = data[p]
            if isinstance(cursor, dict):
                at = next(i for i, item in enumerate(rest) if item["transaction_id"] == cursor["transaction_id"])
                rest = rest[at + 1 :]
            size = min(limit, cut[p])
            chunk = rest[:size]
            more = len(rest) > size
            pages.append(PartitionPage(chunk, dict(chunk[-1]) if more and chunk else None))
        items, after = merge_partitions(limit, "k", cursors, pages)
        assert len(items) <= limit
        seen += [int(item["timestamp"]) for item in items]
        if after is None:
            return seen
        cursors = after
    raise AssertionError("no progress")


@settings(max_examples=300, deadline=None, derandomize=True)
@given(
    partitions=st.lists(st.lists(st.integers(0, 50), max_size=30), min_size=1, max_size=6),
    limit=st.integers(1, 12),
    cut=st.lists(st.integers(1, 12), min_size=6, max_size=6),
)
def test_merge_walk_is_the_sorted_union(partitions: list[list[int]], limit: int, cut: list[int]) -> None:
    seen = _simulate(partitions, limit, cut)
    assert seen == sorted((v for part in partitions for v in part), reverse=True)
