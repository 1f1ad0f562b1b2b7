"""Fixtures for the processing suite: moto in-process with the transactions table (both GSIs) and the buckets."""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl

import boto3
import pytest
from aws_lambda_powertools import Logger
from moto import mock_aws
from webhook_core.keys import raw_payload_key
from webhook_core.processing import Processor
from webhook_core.providers import get_provider
from webhookdev.samples import content_type_for, load_sample, render_sample

TABLE = "webhook-transactions"
RAW_BUCKET = "123456789012-webhook-payloads-test"
PROCESSED_BUCKET = "123456789012-transaction-logs-test"
RECEIVED_AT = 1795769000


CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
}


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {
        **CREDENTIALS,
        "DYNAMODB_TABLE": TABLE,
        "S3_PROCESSED_BUCKET": PROCESSED_BUCKET,
        "S3_BUCKET": RAW_BUCKET,
        "ENVIRONMENT": "test",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_SERVICE_NAME": "webhook-processor",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("RECORD_TTL_DAYS", raising=False)


def create_table(client: Any, name: str = TABLE) -> None:
    client.create_table(
        TableName=name,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[
            {"AttributeName": "transaction_id", "AttributeType": "S"},
            {"AttributeName": "timestamp", "AttributeType": "N"},
            {"AttributeName": "provider", "AttributeType": "S"},
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
                    {"AttributeName": "provider", "KeyType": "HASH"},
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


@pytest.fixture(scope="module")
def aws_session() -> Iterator[dict[str, Any]]:
    """One moto backend per test module (client creation dominates per-test setup); ``aws`` resets it.

    Module scope, not session: an active ``mock_aws`` makes every later ``mock_aws`` in the process a nested one,
    which does not reset moto's state, so other suites would inherit these leftovers.
    """
    with pytest.MonkeyPatch.context() as patch:
        for name, value in CREDENTIALS.items():
            patch.setenv(name, value)
        with mock_aws():
            dynamodb = boto3.client("dynamodb", region_name="us-east-1")
            s3 = boto3.client("s3", region_name="us-east-1")
            yield {"dynamodb": dynamodb, "s3": s3}


def _reset(dynamodb: Any, s3: Any) -> None:
    """Back to one empty table and two empty buckets, whatever the previous test did."""
    for table in dynamodb.list_tables()["TableNames"]:
        dynamodb.delete_table(TableName=table)
    for bucket in s3.list_buckets()["Buckets"]:
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket["Name"]):
            for obj in page.get("Contents", []):
                s3.delete_object(Bucket=bucket["Name"], Key=obj["Key"])
        s3.delete_bucket(Bucket=bucket["Name"])
    create_table(dynamodb)
    s3.create_bucket(Bucket=RAW_BUCKET)
    s3.create_bucket(Bucket=PROCESSED_BUCKET)


@pytest.fixture
def aws(aws_env: None, aws_session: dict[str, Any]) -> dict[str, Any]:
    _reset(aws_session["dynamodb"], aws_session["s3"])
    return aws_session


@pytest.fixture
def processor(aws: dict[str, Any]) -> Processor:
    logger = Logger(service="webhook-processor-test", level=logging.INFO)
    return Processor(dynamodb=aws["dynamodb"], s3=aws["s3"], logger=logger, clock=lambda: RECEIVED_AT + 5.0)


def parse_sample(provider: str, name: str) -> dict[str, Any]:
    """The sample as the plug-in would parse it (JSON object or IPN form fields)."""
    raw = load_sample(provider, name)
    if content_type_for(provider, name).startswith("application/x-www-form-urlencoded"):
        return dict(parse_qsl(raw.decode("ascii"), keep_blank_values=True))
    parsed: dict[str, Any] = json.loads(raw)
    return parsed


def event_id_of(provider: str, body: bytes, content_type: str) -> str:
    plugin = get_provider(provider)
    return plugin.event_id(plugin.parse_body(body, content_type))


def async_event(
    provider: str,
    body: bytes,
    content_type: str,
    *,
    event_id: str | None = None,
    inline: bool = True,
    received_at: int = RECEIVED_AT,
    stage_variables: dict[str, str] | None = None,
) -> dict[str, Any]:
    """The validator's async invoke payload for ``body`` (docs/design.md)."""
    eid = event_id or event_id_of(provider, body, content_type)
    event: dict[str, Any] = {
        "version": 1,
        "provider": provider,
        "event_id": eid,
        "received_at": received_at,
        "content_type": content_type,
        "raw_payload_s3_bucket": RAW_BUCKET,
        "raw_payload_s3_key": raw_payload_key(provider, eid, received_at, content_type),
        "stage_variables": stage_variables or {},
    }
    if inline:
        event["body_base64"] = base64.b64encode(body).decode("ascii")
    return event


def sample_event(provider: str, name: str, **kwargs: Any) -> dict[str, Any]:
    """The async event for a stored sample, byte for byte."""
    return async_event(provider, load_sample(provider, name), content_type_for(provider, name), **kwargs)


def rendered_event(provider: str, name: str, **render: Any) -> dict[str, Any]:
    body, content_type = render_sample(provider, name, **render)
    return async_event(provider, body, content_type)
