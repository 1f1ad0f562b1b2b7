"""Issue 9: every body in tests/fixtures/providers/ (the providers' own published material, sources in each
directory's SOURCES.md) goes through the API Gateway schema, the validator (signed as the provider signs, through
the real handler path) and the processor (moto), and is recorded as ``expected.json`` says: type, direction,
amount, currency and customer. Nothing may raise (nothing reaches the DLQ) and nothing may be a failed record.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from aws_lambda_powertools import Logger
from boto3.dynamodb.types import TypeDeserializer
from jsonschema import Draft4Validator
from webhook_core import ipn
from webhook_core.masking import mask
from webhook_core.processing import Outcome, Processor
from webhookdev import signing

from .conftest import (
    PAYPAL_WEBHOOK_ID,
    SQUARE_KEY,
    SQUARE_URL,
    STRIPE_SECRET,
    Clock,
    MakeValidator,
    PayPalStub,
    RecordingLambda,
    api_event,
)

REPO = Path(__file__).resolve().parents[3]
CORPUS = REPO / "tests" / "fixtures" / "providers"
PROVIDERS = ("stripe", "square", "paypal")
TABLE = "webhook-transactions"
PROCESSED_BUCKET = "123456789012-transaction-logs-test"
FORM = "application/x-www-form-urlencoded"
MINIMUM_PER_PROVIDER = 30
_deserializer = TypeDeserializer()


def corpus() -> list[tuple[str, str]]:
    return [
        (provider, path.name)
        for provider in PROVIDERS
        for path in sorted((CORPUS / provider).iterdir())
        if path.suffix in (".json", ".txt") and path.name != "expected.json"
    ]


def expected(provider: str) -> dict[str, list[dict[str, Any]]]:
    data: dict[str, list[dict[str, Any]]] = json.loads((CORPUS / provider / "expected.json").read_text())
    return data


def test_corpus_has_at_least_30_bodies_per_provider_each_with_a_source_and_an_expectation() -> None:
    for provider in PROVIDERS:
        names = [name for p, name in corpus() if p == provider]
        assert len(names) >= MINIMUM_PER_PROVIDER, provider
        sources = (CORPUS / provider / "SOURCES.md").read_text()
        assert all(f"`{name}`" in sources for name in names), provider
        assert sorted(expected(provider)) == sorted(names), provider


def merchant_accounts() -> str:
    """PAYPAL_IPN_RECEIVERS for the corpus: every account its IPNs name as the merchant (decision 25)."""
    names: set[str] = set()
    for path in sorted((CORPUS / "paypal").glob("*.txt")):
        names |= ipn.merchant_account_names(ipn.parse_ipn(path.read_bytes()))
    return ",".join(sorted(names))


def _signed_request(
    provider: str, body: bytes, content_type: str, *, now: float, stub: PayPalStub, pki: signing.PayPalTestPKI
) -> dict[str, Any]:
    headers = {"Content-Type": content_type}
    if provider == "stripe":
        headers["Stripe-Signature"] = signing.stripe_signature_header(body, STRIPE_SECRET, int(now))
    elif provider == "square":
        headers["x-square-hmacsha256-signature"] = signing.square_signature(body, SQUARE_KEY, SQUARE_URL)
    elif content_type == "application/json":
        headers.update(
            signing.paypal_transmission_headers(
                body, PAYPAL_WEBHOOK_ID, stub.url("/certs/paypal.pem"), pki.signing_key_pem
            )
        )
    return api_event(body, headers, provider=provider)


@pytest.fixture
def processor_env(s3: Any) -> tuple[Processor, Any]:
    import boto3  # noqa: PLC0415 - inside the ingest suite's mock_aws

    dynamodb = boto3.client("dynamodb", region_name="us-east-1")
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
    s3.create_bucket(Bucket=PROCESSED_BUCKET)
    logger = Logger(service="webhook-processor-corpus", level=logging.WARNING)
    environ = {"DYNAMODB_TABLE": TABLE, "S3_PROCESSED_BUCKET": PROCESSED_BUCKET, "ENVIRONMENT": "test"}
    return Processor(dynamodb=dynamodb, s3=s3, logger=logger, environ=environ), dynamodb


@pytest.mark.parametrize(("provider", "name"), corpus())
def test_provider_body_is_accepted_verified_and_recorded_as_expected(  # noqa: PLR0917 - pytest fixtures
    provider: str,
    name: str,
    make_validator: MakeValidator,
    paypal_stub: PayPalStub,
    paypal_pki: signing.PayPalTestPKI,
    lambda_stub: RecordingLambda,
    clock: Clock,
    processor_env: tuple[Processor, Any],
) -> None:
    body = (CORPUS / provider / name).read_bytes()
    content_type = FORM if name.endswith(".txt") else "application/json"

    # 1. The API Gateway request model (JSON bodies; IPN form bodies have no model).
    if content_type == "application/json":
        schema = json.loads((REPO / "schemas" / f"{provider}-webhook.json").read_text())
        errors = [error.message for error in Draft4Validator(schema).iter_errors(json.loads(body))]
        assert errors == [], f"the {provider} schema rejects a real body"

    # 2. The validator, signed as the provider signs (IPN: PayPal's postback answers VERIFIED).
    secrets: dict[str, dict[str, Any]] = {
        "stripe": {"signing_secrets": [STRIPE_SECRET]},
        "square": {"signature_key": SQUARE_KEY},
        "paypal": {"webhook_id": PAYPAL_WEBHOOK_ID},
    }
    validator = make_validator(
        provider,
        secrets[provider],
        PAYPAL_CERT_ALLOWED_HOSTS="127.0.0.1",
        PAYPAL_CERT_CA_BUNDLE=paypal_stub.ca_bundle,
        PAYPAL_IPN_VERIFY_URL=paypal_stub.url("/cgi-bin/webscr"),
        PAYPAL_IPN_RECEIVERS=merchant_accounts(),
    )
    clock.now = datetime.now(UTC).timestamp()
    outcome = validator.process(
        _signed_request(provider, body, content_type, now=clock.now, stub=paypal_stub, pki=paypal_pki)
    )
    assert outcome.status == 200
    [async_event] = lambda_stub.payloads()

    # 3. The processor: never raises (nothing for the DLQ), never a failed record.
    processor, dynamodb = processor_env
    results = processor.process(async_event)
    assert {result.outcome for result in results} == {Outcome.PROCESSED}
    items = [
        {key: _deserializer.deserialize(value) for key, value in item.items()}
        for item in dynamodb.scan(TableName=TABLE, ConsistentRead=True)["Items"]
    ]
    records = sorted(
        (item for item in items if "record_status" not in item), key=lambda item: str(item["transaction_id"])
    )
    # Stored ids pass the card-number masking (the test-mode ids of zeros are Luhn-valid digit runs).
    want = sorted(
        (
            {**row, "transaction_id": mask(row["transaction_id"]), "customer_id": mask(row["customer_id"])}
            for row in expected(provider)[name]
        ),
        key=lambda row: str(row["transaction_id"]),
    )
    got = [
        {
            "transaction_id": item["transaction_id"],
            "event_type": item["event_type"],
            "direction": item["direction"],
            "amount": str(item["amount"]) if "amount" in item else None,
            "currency": item.get("currency"),
            "customer_id": item.get("customer_id"),
            "event_time": int(item["timestamp"]),
        }
        for item in records
    ]
    assert got == want
    for item in records:
        assert item["status"] == "processed"
        assert item["provider"] == provider
        assert item["raw_payload_s3_key"] == async_event["raw_payload_s3_key"]
        if item["direction"] == "debit":
            assert item["event_type"] != "payment.success"
        if "amount" in item:
            assert Decimal(item["amount"]) >= 0
