"""An in-process archive for `reconcile` and `replay` tests: moto S3, DynamoDB (with the deployed GSI) and SQS, the
real validator (signatures computed as Stripe computes them) and the real processor.

moto cannot run Lambda functions here, so the Lambda client records the async invokes; `process()` hands them to
the real processor, which is what Lambda would do.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import boto3
import pytest
from aws_lambda_powertools import Logger
from moto import mock_aws
from webhook_core.processing import Processor
from webhook_core.secrets import SecretCache
from webhook_core.validator import Validator
from webhookdev import signing
from webhookdev.cli.reconcile import Sources
from webhookdev.cli.target import Target
from webhookdev.ids import fresh_id
from webhookdev.samples import render_sample

REGION = "us-east-1"
RAW_BUCKET = "123456789012-webhook-payloads-test"
PROCESSED_BUCKET = "123456789012-transaction-logs-test"
TABLE = "webhook-transactions-test"
PROCESSOR_ARN = "arn:aws:lambda:us-east-1:123456789012:function:webhook-processor"
STRIPE_SECRET = "whsec_reconcile_0123456789abcdef"


@dataclass
class RecordingLambda:
    status: int = 202
    calls: list[dict[str, Any]] = field(default_factory=list)

    def invoke(self, **kwargs: Any) -> dict[str, Any]:
        self.calls.append(kwargs)
        return {"StatusCode": self.status}

    def take(self) -> list[dict[str, Any]]:
        payloads = [json.loads(call["Payload"]) for call in self.calls]
        self.calls.clear()
        return payloads


@dataclass
class Archive:
    s3: Any
    dynamodb: Any
    sqs: Any
    dlq_url: str
    lambda_client: RecordingLambda
    validator: Validator
    processor: Processor

    @property
    def sources(self) -> Sources:
        return Sources(self.s3, self.dynamodb, self.sqs, RAW_BUCKET, TABLE, self.dlq_url)

    def deliver(self, *, currency: str = "usd", event_id: str | None = None) -> dict[str, Any]:
        """A signed Stripe delivery through the validator; returns the async event it handed to the processor."""
        now = time.time()
        body, content_type = render_sample(
            "stripe",
            "payment_intent_succeeded",
            event_id=event_id or fresh_id("evt", 3),
            transaction_id=fresh_id("pi", 3),
            created=int(now) - 60,
        )
        if currency != "usd":
            parsed = json.loads(body)
            parsed["data"]["object"]["currency"] = currency
            body = json.dumps(parsed).encode()
        header = signing.stripe_signature_header(body, STRIPE_SECRET, int(now))
        event = {
            "body": body.decode(),
            "isBase64Encoded": False,
            "headers": {"Content-Type": content_type, "Stripe-Signature": header},
            "stageVariables": {},
        }
        outcome = self.validator.process(event)
        assert outcome.status == 200, outcome.reason
        [payload] = self.lambda_client.take()
        return payload

    def process(self, payload: dict[str, Any]) -> None:
        self.processor.process(payload)

    def dead_letter(self, payload: dict[str, Any]) -> None:
        self.sqs.send_message(QueueUrl=self.dlq_url, MessageBody=json.dumps(payload))

    def items(self) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = self.dynamodb.scan(TableName=TABLE, ConsistentRead=True)["Items"]
        return items

    def target(self) -> Target:
        outputs = {
            "raw_payloads_bucket": RAW_BUCKET,
            "dynamodb_table_name": TABLE,
            "dlq_url": self.dlq_url,
            "processor_function_arn": PROCESSOR_ARN,
        }
        archive = self

        class InProcess(Target):
            def client(self, service: str) -> Any:
                return {"s3": archive.s3, "dynamodb": archive.dynamodb, "sqs": archive.sqs}.get(
                    service, archive.lambda_client
                )

        return InProcess(name="local", base_url="http://unused", outputs=outputs)


def _create_table(client: Any) -> None:
    client.create_table(
        TableName=TABLE,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[
            {"AttributeName": "transaction_id", "AttributeType": "S"},
            {"AttributeName": "timestamp", "AttributeType": "N"},
            {"AttributeName": "provider", "AttributeType": "S"},
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
            }
        ],
    )


@pytest.fixture(name="archive")
def archive_fixture(monkeypatch: pytest.MonkeyPatch) -> Iterator[Archive]:
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": REGION,
        "S3_BUCKET": RAW_BUCKET,
        "PROCESSOR_FUNCTION_ARN": PROCESSOR_ARN,
        "DYNAMODB_TABLE": TABLE,
        "S3_PROCESSED_BUCKET": PROCESSED_BUCKET,
        "ENVIRONMENT": "test",
        "POWERTOOLS_TRACE_DISABLED": "true",
    }.items():
        monkeypatch.setenv(name, value)
    with mock_aws():
        s3 = boto3.client("s3", region_name=REGION)
        s3.create_bucket(Bucket=RAW_BUCKET)
        s3.create_bucket(Bucket=PROCESSED_BUCKET)
        dynamodb = boto3.client("dynamodb", region_name=REGION)
        _create_table(dynamodb)
        sqs = boto3.client("sqs", region_name=REGION)
        dlq_url = sqs.create_queue(QueueName="webhook-processor-dlq")["QueueUrl"]
        lambda_client = RecordingLambda()
        secrets = SecretCache("arn:secret", lambda _: json.dumps({"signing_secrets": [STRIPE_SECRET]}))
        validator = Validator("stripe", s3=s3, lambda_client=lambda_client, secrets=secrets)
        logger = Logger(service="reconcile-test", level=logging.WARNING)
        processor = Processor(dynamodb=dynamodb, s3=s3, logger=logger)
        yield Archive(s3, dynamodb, sqs, dlq_url, lambda_client, validator, processor)
