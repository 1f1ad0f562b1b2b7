"""Fixtures for the fuzz suite: moto in-process (module scope), the real validator handlers, and a budget.

Hypothesis runs derandomized (a fixed seed) with no example database, so every run tries the same inputs; each
test also stops generating work once its time budget is spent, which bounds the stage on a loaded machine.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import boto3
import pytest
from hypothesis import HealthCheck, settings
from moto import mock_aws
from webhook_core import validator as validator_module
from webhook_core.providers import paypal as paypal_plugin

REGION = "us-east-1"
RAW_BUCKET = "123456789012-webhook-payloads-fuzz"
PROCESSED_BUCKET = "123456789012-transaction-logs-fuzz"
TABLE = "webhook-transactions"
PROCESSOR_ARN = "arn:aws:lambda:us-east-1:123456789012:function:webhook-processor"
SQUARE_URL = "https://hooks.example.com/api/v1/webhooks/square"
STRIPE_SECRET = "whsec_fuzz_0123456789abcdef"
SQUARE_KEY = "sq-fuzz-signature-key"
PAYPAL_WEBHOOK_ID = "WH-FUZZ-0123456789"
# CPU seconds one request may take (the real figure is a few ms; this catches super-linear work, not noise).
MAX_CPU_PER_REQUEST = 0.25
BUDGET_SECONDS = float(os.environ.get("FUZZ_BUDGET_SECONDS", "12"))

FUZZ = settings(
    derandomize=True,
    database=None,
    deadline=None,
    max_examples=int(os.environ.get("FUZZ_MAX_EXAMPLES", "150")),
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
    ],
)


class Budget:
    """True while the test may still do work; afterwards examples return at once."""

    def __init__(self, seconds: float = BUDGET_SECONDS) -> None:
        self.deadline = time.monotonic() + seconds
        self.used = 0

    def __bool__(self) -> bool:
        if time.monotonic() >= self.deadline:
            return False
        self.used += 1
        return True


@dataclass
class RecordingLambda:
    calls: list[dict[str, Any]] = field(default_factory=list)

    def invoke(self, **kwargs: Any) -> dict[str, Any]:
        self.calls.append(kwargs)
        return {"StatusCode": 202}


class FakeResponse:
    """What PayPal answers a forged request: 404 for a certificate URL, INVALID for an IPN postback."""

    def __init__(self, status: int, text: str = "") -> None:
        self.status_code = status
        self.text = text
        self.raw = self

    def read(self, *args: Any, **kwargs: Any) -> bytes:
        return b""

    def __enter__(self) -> FakeResponse:
        return self

    def __exit__(self, *exc: object) -> None:
        return None


class FakePayPal:
    def __init__(self) -> None:
        self.gets = 0
        self.posts = 0

    def get(self, *args: Any, **kwargs: Any) -> FakeResponse:
        self.gets += 1
        return FakeResponse(404)

    def post(self, *args: Any, **kwargs: Any) -> FakeResponse:
        self.posts += 1
        return FakeResponse(200, "INVALID")


@dataclass
class Stack:
    s3: Any
    dynamodb: Any
    invokes: RecordingLambda
    handlers: dict[str, Callable[[dict[str, Any], Any], dict[str, Any]]]

    def raw_keys(self) -> list[str]:
        return [o["Key"] for o in self.s3.list_objects_v2(Bucket=RAW_BUCKET).get("Contents", [])]


@dataclass
class Context:
    function_name: str = "fuzz-validator"
    function_memory_size: int = 512
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:fuzz-validator"
    aws_request_id: str = "fuzz-1"


def _create_table(dynamodb: Any) -> None:
    dynamodb.create_table(
        TableName=TABLE,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[
            {"AttributeName": "transaction_id", "AttributeType": "S"},
            {"AttributeName": "timestamp", "AttributeType": "N"},
        ],
        KeySchema=[
            {"AttributeName": "transaction_id", "KeyType": "HASH"},
            {"AttributeName": "timestamp", "KeyType": "RANGE"},
        ],
    )


@pytest.fixture(scope="module")
def stack() -> Iterator[Stack]:
    env = {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
        "S3_BUCKET": RAW_BUCKET,
        "S3_PROCESSED_BUCKET": PROCESSED_BUCKET,
        "PROCESSOR_FUNCTION_ARN": PROCESSOR_ARN,
        "DYNAMODB_TABLE": TABLE,
        "ENVIRONMENT": "prod",
        "SQUARE_NOTIFICATION_URL": SQUARE_URL,
        "PAYPAL_IPN_VERIFY_URL": "https://ipnpb.paypal.com/cgi-bin/webscr",
        "PAYPAL_IPN_RECEIVERS": "S8XGHLYDW9T3S",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_LOG_LEVEL": "CRITICAL",  # 10,000 requests of log lines would only slow the run
        "POWERTOOLS_METRICS_NAMESPACE": "PaymentWebhooks",
    }
    secrets = {
        "stripe": {"signing_secrets": [STRIPE_SECRET]},
        "square": {"signature_key": SQUARE_KEY},
        "paypal": {"webhook_id": PAYPAL_WEBHOOK_ID},
    }
    with pytest.MonkeyPatch.context() as patch, mock_aws():
        for name, value in env.items():
            patch.setenv(name, value)
        s3 = boto3.client("s3", region_name=REGION)
        s3.create_bucket(Bucket=RAW_BUCKET)
        s3.create_bucket(Bucket=PROCESSED_BUCKET)
        dynamodb = boto3.client("dynamodb", region_name=REGION)
        _create_table(dynamodb)
        secretsmanager = boto3.client("secretsmanager", region_name=REGION)
        invokes = RecordingLambda()
        clients = {"s3": s3, "lambda": invokes, "secretsmanager": secretsmanager}
        patch.setattr(validator_module, "validator_clients", lambda: clients)
        fake = FakePayPal()
        patch.setattr(paypal_plugin, "_http", lambda: fake)
        handlers = {}
        for provider, secret in secrets.items():
            arn = secretsmanager.create_secret(Name=f"fuzz/{provider}", SecretString=json.dumps(secret))["ARN"]
            patch.setenv("PROVIDER_NAME", provider)
            patch.setenv("PROVIDER_SECRET_ARN", arn)
            patch.setenv("POWERTOOLS_SERVICE_NAME", f"fuzz-{provider}")
            handlers[provider] = validator_module.create_handler(provider)
        patch.delenv("PROVIDER_NAME")
        yield Stack(s3=s3, dynamodb=dynamodb, invokes=invokes, handlers=handlers)
