"""Issue 8 item 3: card numbers in every shape, in every field a merchant can fill, through validator, processor
and query API: nothing stored, processed or answered holds a card number or a CVV.

The suite-wide capture fixture (tests/conftest.py) checks every log line, annotation, write and response of these
tests as well; the assertions here read back what was stored, so a sink the capture misses still fails.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl, urlencode

import boto3
import pytest
from aws_lambda_powertools import Logger
from card_data import pans_in_text, problems
from webhook_core.masking import mask, mask_text
from webhook_core.processing import Processor
from webhook_core.query import TransactionStore, build_app
from webhookdev import signing
from webhookdev.samples import load_sample

from .conftest import REGION, SQUARE_KEY, SQUARE_URL, STRIPE_SECRET, Clock, MakeValidator, RecordingLambda, api_event
from .test_paypal import PayPalEnv, pp  # noqa: F401 - pp is a fixture

TABLE = "webhook-transactions"
PROCESSED = "123456789012-transaction-logs-test"
VISA = "4111111111111111"
AMEX = "378282246310005"
MASTERCARD = "5555555555554444"
CVV = "9731"


def shapes(pan: str) -> list[str]:
    """The ways a merchant or a buyer types a card number into a free-text field."""
    g = [pan[i : i + 4] for i in range(0, len(pan), 4)]
    return [
        pan,
        " ".join(g),
        "-".join(g),
        ".".join(g),
        "/".join(g),
        "_".join(g),
        "  ".join(g),
        "\t".join(g),
        "\n".join(g),
        "\u00a0".join(g),
        " - ".join(g),
    ]


ALL_SHAPES = [s for pan in (VISA, AMEX, MASTERCARD) for s in shapes(pan)]


@pytest.mark.parametrize("text", ALL_SHAPES)
def test_every_card_number_shape_is_masked_in_text(text: str) -> None:
    masked = mask_text(f"note: {text} thanks")

    assert pans_in_text(masked) == []
    assert masked.endswith(" thanks")


def test_card_number_as_a_metadata_key_and_cvv_under_a_prefixed_key_are_masked() -> None:
    masked = mask({"metadata": {VISA: "x", "cvv": CVV}, "meta.cvv": CVV, "meta[cvc]": "123", "note": f"CVV is {CVV}"})

    assert problems(masked, "masked") == []
    assert masked["meta.cvv"] == "***"
    assert masked["note"] == "CVV is ***"


@pytest.mark.parametrize("text", ["CVV is 9731", "cvc: 123", "security code 999", "card verification code = 1234"])
def test_cvv_in_free_text_is_masked(text: str) -> None:
    assert problems(mask_text(text), "text") == []


@pytest.mark.allows_card_data  # it leaks on purpose, to prove the suite-wide capture sees it
def test_the_suite_wide_capture_sees_unmasked_logs_writes_and_responses(card_capture: Any, s3: Any) -> None:
    plain = Logger(service="unmasked-on-purpose")
    plain.warning(f"card {shapes(VISA)[3]}")
    s3.create_bucket(Bucket=PROCESSED)
    s3.put_object(Bucket=PROCESSED, Key="x.json", Body=json.dumps({"note": f"cvv: {CVV}"}).encode())

    found = [p for where, value in card_capture.items for p in problems(value, where)]

    assert any("log line" in p and "1111" in p for p in found), found
    assert any("PutObject" in p and "CVV" in p for p in found), (found, card_capture.items)


@pytest.fixture
def backend(s3: Any) -> dict[str, Any]:
    dynamodb = boto3.client("dynamodb", region_name=REGION)
    dynamodb.create_table(
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
    s3.create_bucket(Bucket=PROCESSED)
    logger = Logger(service="card-data-flow", level=logging.INFO)
    processor = Processor(
        dynamodb=dynamodb, s3=s3, logger=logger, environ={"DYNAMODB_TABLE": TABLE, "S3_PROCESSED_BUCKET": PROCESSED}
    )
    app = build_app(lambda _: TransactionStore(dynamodb, TABLE), logger)
    return {"dynamodb": dynamodb, "s3": s3, "processor": processor, "app": app}


def _query(app: Any, path: str, params: dict[str, str] | None = None) -> dict[str, Any]:
    resource = "/api/v1/transactions/{id}" if path.count("/") > 3 else "/api/v1/transactions"
    event = {
        "resource": resource,
        "path": path,
        "httpMethod": "GET",
        "headers": {"Accept": "application/json"},
        "queryStringParameters": params,
        "pathParameters": {"id": path.rsplit("/", 1)[1]} if resource.endswith("{id}") else None,
        "stageVariables": {},
        "requestContext": {"resourcePath": resource, "httpMethod": "GET", "path": path, "stage": "test"},
        "body": None,
        "isBase64Encoded": False,
    }
    response: dict[str, Any] = app.resolve(event, None)
    return response


def _process_and_query(backend: dict[str, Any], invokes: RecordingLambda, provider: str) -> list[str]:
    """Run every recorded async invoke through the processor and the query API; return what came back."""
    outputs: list[str] = []
    for payload in invokes.payloads():
        backend["processor"].process(payload)
    items = backend["dynamodb"].scan(TableName=TABLE)["Items"]
    assert items, "the processor stored nothing"
    outputs.append(json.dumps(items))
    for obj in backend["s3"].list_objects_v2(Bucket=PROCESSED).get("Contents", []):
        outputs.append(backend["s3"].get_object(Bucket=PROCESSED, Key=obj["Key"])["Body"].read().decode())
    for item in items:
        response = _query(backend["app"], f"/api/v1/transactions/{item['transaction_id']['S']}")
        assert response["statusCode"] == 200
        outputs.append(response["body"])
    listed = _query(backend["app"], "/api/v1/transactions", {"provider": provider, "start": "0", "end": "4102444800"})
    assert listed["statusCode"] == 200
    outputs.append(listed["body"])
    return outputs


def _strings(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in (str(k), *_strings(v))]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return [str(value)]


def _assert_clean(outputs: list[str]) -> None:
    for index, text in enumerate(outputs):
        parsed = json.loads(text)
        assert problems(parsed, f"output {index}") == []
        for value in _strings(parsed):  # every value, its separators stripped: none of the fed numbers survives
            digits = "".join(ch for ch in value if ch.isdigit())
            for pan in (VISA, AMEX, MASTERCARD):
                assert pan not in digits


def _stripe_body(clock: Clock) -> bytes:
    event = json.loads(load_sample("stripe", "charge_succeeded"))
    event["created"] = int(clock.now)
    obj = event["data"]["object"]
    obj["description"] = " | ".join(shapes(VISA)) + f" CVV is {CVV}"
    obj["statement_descriptor"] = shapes(AMEX)[3]
    obj["metadata"] = {
        "order_note": shapes(MASTERCARD)[10],
        VISA: "pan as a key",
        "4111 1111 1111 1111": "grouped pan as a key",
        "cvv": CVV,
        "memo": "security code 123",
        "customer_card": shapes(VISA)[8],
    }
    obj["billing_details"] = {
        "name": f"J Doe {shapes(AMEX)[9]}",
        "address": {"line1": shapes(VISA)[2], "line2": f"cvc: {CVV}"},
        "email": "buyer@example.com",
    }
    obj["receipt_email"] = "buyer@example.com"
    return json.dumps(event).encode()


def test_stripe_card_numbers_in_merchant_fields_never_stored_or_answered(
    make_validator: MakeValidator, lambda_stub: RecordingLambda, backend: dict[str, Any], clock: Clock
) -> None:
    validator = make_validator("stripe", {"signing_secrets": [STRIPE_SECRET]})
    body = _stripe_body(clock)
    header = signing.stripe_signature_header(body, STRIPE_SECRET, timestamp=int(clock.now))

    assert (
        validator.process(api_event(body, {"Content-Type": "application/json", "Stripe-Signature": header})).status
        == 200
    )

    _assert_clean(_process_and_query(backend, lambda_stub, "stripe"))


def test_square_card_numbers_in_merchant_fields_never_stored_or_answered(
    make_validator: MakeValidator, lambda_stub: RecordingLambda, backend: dict[str, Any]
) -> None:
    validator = make_validator("square", {"signature_key": SQUARE_KEY})
    event = json.loads(load_sample("square", "payment_updated_completed"))
    payment = event["data"]["object"]["payment"]
    payment["note"] = " ; ".join(shapes(MASTERCARD)) + f" CVV {CVV}"
    payment["reference_id"] = shapes(VISA)[5]
    payment["buyer_email_address"] = "buyer@example.com"
    payment["billing_address"] = {"address_line_1": shapes(AMEX)[6], "address_line_2": f"cvv={CVV}"}
    payment["statement_description_identifier"] = shapes(VISA)[1]
    body = json.dumps(event).encode()
    headers = {
        "Content-Type": "application/json",
        "x-square-hmacsha256-signature": signing.square_signature(body, SQUARE_KEY, SQUARE_URL),
    }

    assert validator.process(api_event(body, headers, provider="square")).status == 200

    _assert_clean(_process_and_query(backend, lambda_stub, "square"))


def test_paypal_ipn_card_numbers_in_custom_memo_item_name_never_stored_or_answered(
    pp: PayPalEnv,  # noqa: F811
    backend: dict[str, Any],
) -> None:
    fields = dict(parse_qsl(load_sample("paypal", "ipn_web_accept_completed").decode(), keep_blank_values=True))
    fields.update(
        custom=" / ".join(shapes(VISA)),
        memo=f"{shapes(AMEX)[4]} CVV is {CVV}",
        item_name=shapes(MASTERCARD)[7],
        address_street=shapes(VISA)[10],
        address_name=f"Card {shapes(AMEX)[0]}",
        transaction_subject=f"cvv: {CVV}",
        payment_date=pp_date(pp.clock.now),
    )
    outcome = pp.ipn(urlencode(fields).encode())

    assert outcome.status == 200
    _assert_clean(_process_and_query(backend, pp.invokes, "paypal"))


def test_paypal_rest_card_numbers_in_custom_id_and_description_never_stored_or_answered(
    pp: PayPalEnv,  # noqa: F811
    backend: dict[str, Any],
) -> None:
    event = json.loads(load_sample("paypal", "payment_capture_completed"))
    resource = event["resource"]
    resource["custom_id"] = shapes(VISA)[9]
    resource["invoice_id"] = shapes(AMEX)[1]
    resource["note_to_payer"] = f"{shapes(MASTERCARD)[2]} cvv {CVV}"
    resource["soft_descriptor"] = shapes(VISA)[4]
    event["summary"] = f"Payment with {shapes(AMEX)[8]}"
    body = json.dumps(event).encode()

    assert pp.rest(body, pp.headers(body)).status == 200

    _assert_clean(_process_and_query(backend, pp.invokes, "paypal"))


def pp_date(now: float) -> str:
    pacific = datetime.fromtimestamp(now, UTC) - timedelta(hours=8)
    return pacific.strftime("%H:%M:%S %b %d, %Y PST")
