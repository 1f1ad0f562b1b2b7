"""The query API against moto, fed by the real processor: lookups, indexes, pagination and parameter errors."""

from __future__ import annotations

import base64
import json
import logging
from decimal import Decimal
from typing import Any

import pytest
from aws_lambda_powertools import Logger
from conftest import TABLE, rendered_event, sample_event
from webhook_core.processing import Processor
from webhook_core.query import TransactionStore, build_app, dumps_exact, parse_list_query
from webhook_core.records import event_timestamp

T0 = 1795768923


@pytest.fixture
def api(aws: dict[str, Any]) -> Any:
    logger = Logger(service="transaction-query-test", level=logging.INFO)
    tables: list[str] = []

    def store_for(stage_variables: Any) -> TransactionStore:
        table = stage_variables.get("dynamodb_table", TABLE)
        tables.append(table)
        return TransactionStore(aws["dynamodb"], table)

    app = build_app(store_for, logger)
    app.tables_used = tables  # type: ignore[attr-defined]
    return app


def get(
    api: Any, path: str, params: dict[str, str] | None = None, stage: dict[str, str] | None = None
) -> tuple[int, Any]:
    resource = "/api/v1/transactions/{id}" if path.count("/") > 3 else "/api/v1/transactions"
    event = {
        "resource": resource,
        "path": path,
        "httpMethod": "GET",
        "headers": {"Accept": "application/json", "x-api-key": "local"},
        "multiValueHeaders": {"Accept": ["application/json"], "x-api-key": ["local"]},
        "queryStringParameters": params,
        "multiValueQueryStringParameters": {k: [v] for k, v in params.items()} if params else None,
        "pathParameters": {"id": path.rsplit("/", 1)[1]} if resource.endswith("{id}") else None,
        "stageVariables": stage or {"dynamodb_table": TABLE},
        "requestContext": {
            "resourcePath": resource,
            "httpMethod": "GET",
            "path": f"/dev{path}",
            "stage": "dev",
            "requestId": "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
            "identity": {"sourceIp": "127.0.0.1"},
        },
        "body": None,
        "isBase64Encoded": False,
    }
    response = api.resolve(event, None)
    # A REST proxy event with multiValueHeaders gets multiValueHeaders back.
    assert response["multiValueHeaders"]["Content-Type"] == ["application/json"]
    return response["statusCode"], json.loads(response["body"], parse_float=Decimal)


@pytest.fixture
def seeded(processor: Processor) -> dict[str, Any]:
    """Stripe: a charge and its refund; a PI; five more charges at T0+10..T0+50. Square: one payment."""
    ids: dict[str, Any] = {}
    processor.process(sample_event("stripe", "charge_succeeded"))  # ch_3QP8...bK7d at T0-2, cus_R4kTz8wYqN2bLm
    processor.process(sample_event("stripe", "charge_refunded"))  # same charge at T0+3600
    processor.process(sample_event("stripe", "payment_intent_succeeded"))  # pi at T0, cus_R4kTz8wYqN2bLm
    for n in range(1, 6):
        processor.process(
            rendered_event(
                "stripe",
                "charge_succeeded",
                event_id=f"evt_page_{n}",
                transaction_id=f"ch_page_{n}",
                created=T0 + 10 * n,
                customer_id="cus_pages",
            )
        )
    processor.process(sample_event("square", "payment_updated_completed"))  # T0+6, customer 7R4W...
    return ids


def test_get_transaction_returns_all_events_newest_first(api: Any, seeded: dict[str, Any]) -> None:
    status, body = get(api, "/api/v1/transactions/ch_3QP8fW2eZvKYlo2C1a9XbK7d")
    assert status == 200
    assert body["transaction_id"] == "ch_3QP8fW2eZvKYlo2C1a9XbK7d"
    assert body["provider"] == "stripe"
    assert [e["event_type"] for e in body["events"]] == ["refund.created", "payment.success"]
    assert [e["amount"] for e in body["events"]] == ["5.00", "20.00"]
    assert body["latest"] == body["events"][0]
    assert body["latest"]["timestamp"] == event_timestamp("stripe", "evt_3QP8fW2eZvKYlo2C1qZ0rM5e", T0 + 3600)
    assert body["latest"]["event_time"] == T0 + 3600
    assert body["events"][1]["customer_id"] == "cus_R4kTz8wYqN2bLm"
    assert body["events"][1]["status"] == "processed"


def test_amounts_are_strings_and_timestamps_exact_numbers_in_the_raw_body(api: Any, seeded: dict[str, Any]) -> None:
    response = api.resolve(
        {
            "resource": "/api/v1/transactions/{id}",
            "path": "/api/v1/transactions/pi_3QP8fW2eZvKYlo2C1h6Tq4Ws",
            "httpMethod": "GET",
            "headers": {},
            "queryStringParameters": None,
            "requestContext": {"stage": "dev"},
            "stageVariables": None,
            "body": None,
            "isBase64Encoded": False,
        },
        None,
    )
    expected = event_timestamp("stripe", "evt_3QP8fW2eZvKYlo2C1yK2bT9u", T0)
    assert f'"timestamp":{expected}' in response["body"]
    assert '"amount":"20.00"' in response["body"]


def test_unknown_transaction_is_404(api: Any, seeded: dict[str, Any]) -> None:
    status, body = get(api, "/api/v1/transactions/pi_does_not_exist")
    assert status == 404
    assert body == {"message": "transaction not found"}


def test_a_card_number_as_transaction_id_is_not_echoed(api: Any, seeded: dict[str, Any]) -> None:
    status, body = get(api, "/api/v1/transactions/4111111111111111")
    assert status == 404
    assert "4111" not in json.dumps(body)


def test_unknown_route_is_404(api: Any) -> None:
    status, body = get(api, "/api/v1/nothing")
    assert status == 404
    assert body == {"message": "no such route"}


def test_list_by_provider_and_range_is_newest_first(api: Any, seeded: dict[str, Any]) -> None:
    status, body = get(api, "/api/v1/transactions", {"provider": "stripe", "start": str(T0), "end": str(T0 + 30)})
    assert status == 200
    assert [i["transaction_id"] for i in body["items"]] == [
        "ch_page_3",
        "ch_page_2",
        "ch_page_1",
        "pi_3QP8fW2eZvKYlo2C1h6Tq4Ws",
    ]
    assert body["next_token"] is None
    assert all(i["provider"] == "stripe" for i in body["items"])


def test_integral_end_includes_its_whole_second(api: Any, seeded: dict[str, Any]) -> None:
    status, body = get(api, "/api/v1/transactions", {"provider": "stripe", "start": str(T0 + 50), "end": str(T0 + 50)})
    assert status == 200
    assert [i["transaction_id"] for i in body["items"]] == ["ch_page_5"]


def test_list_by_provider_without_range(api: Any, seeded: dict[str, Any]) -> None:
    status, body = get(api, "/api/v1/transactions", {"provider": "square"})
    assert status == 200
    assert [(i["transaction_id"], i["amount"], i["currency"]) for i in body["items"]] == [
        ("bP9mAsEMYPUGjjGNaNO5ZDVyLhSZY", "10.50", "USD"),
    ]


def test_list_by_customer(api: Any, seeded: dict[str, Any]) -> None:
    status, body = get(api, "/api/v1/transactions", {"customer_id": "cus_R4kTz8wYqN2bLm"})
    assert status == 200
    assert [(i["transaction_id"], i["event_type"]) for i in body["items"]] == [
        ("ch_3QP8fW2eZvKYlo2C1a9XbK7d", "refund.created"),
        ("pi_3QP8fW2eZvKYlo2C1h6Tq4Ws", "payment.success"),
        ("ch_3QP8fW2eZvKYlo2C1a9XbK7d", "payment.success"),
    ]
    status, body = get(api, "/api/v1/transactions", {"customer_id": "cus_R4kTz8wYqN2bLm", "end": str(T0)})
    assert [i["transaction_id"] for i in body["items"]] == [
        "pi_3QP8fW2eZvKYlo2C1h6Tq4Ws",
        "ch_3QP8fW2eZvKYlo2C1a9XbK7d",
    ]
    status, body = get(api, "/api/v1/transactions", {"customer_id": "cus_R4kTz8wYqN2bLm", "provider": "square"})
    assert (status, body["items"]) == (200, [])


def test_pagination_walks_every_item_once(api: Any, seeded: dict[str, Any]) -> None:
    seen: list[str] = []
    params = {"customer_id": "cus_pages", "limit": "2"}
    pages = 0
    while True:
        status, body = get(api, "/api/v1/transactions", params)
        assert status == 200
        assert len(body["items"]) <= 2
        seen += [i["transaction_id"] for i in body["items"]]
        pages += 1
        if body["next_token"] is None:
            break
        params = {**params, "next_token": body["next_token"]}
    assert seen == ["ch_page_5", "ch_page_4", "ch_page_3", "ch_page_2", "ch_page_1"]
    assert pages == 3


def test_default_limit_is_25(api: Any) -> None:
    assert parse_list_query({"provider": "stripe"}).limit == 25


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({}, "provide provider (with optional start and end) or customer_id"),
        ({"start": "1"}, "provide provider (with optional start and end) or customer_id"),
        ({"provider": "venmo"}, "unknown provider 'venmo'; expected one of paypal, square, stripe"),
        ({"provider": "stripe", "start": "20", "end": "10"}, "start (20) must not be after end (10)"),
        (
            {"provider": "stripe", "start": "yesterday"},
            "start must be a Unix timestamp in seconds (a non-negative number), got 'yesterday'",
        ),
        (
            {"provider": "stripe", "end": "-5"},
            "end must be a Unix timestamp in seconds (a non-negative number), got '-5'",
        ),
        (
            {"provider": "stripe", "start": "1e9"},
            "start must be a Unix timestamp in seconds (a non-negative number), got '1e9'",
        ),
        ({"provider": "stripe", "limit": "0"}, "limit must be an integer from 1 to 100, got '0'"),
        ({"provider": "stripe", "limit": "101"}, "limit must be an integer from 1 to 100, got '101'"),
        ({"provider": "stripe", "limit": "ten"}, "limit must be an integer from 1 to 100, got 'ten'"),
    ],
)
def test_bad_parameters_are_400_with_a_clear_message(api: Any, params: dict[str, str], message: str) -> None:
    status, body = get(api, "/api/v1/transactions", params)
    assert status == 400
    assert body == {"message": message}


def first_page_token(api: Any) -> str:
    status, body = get(api, "/api/v1/transactions", {"customer_id": "cus_pages", "limit": "2"})
    assert status == 200
    token: str = body["next_token"]
    return token


TOKEN_ERROR = {"message": "next_token is invalid (use the value from the previous page of the same query)"}


def test_tampered_next_token_is_400(api: Any, seeded: dict[str, Any]) -> None:
    token = first_page_token(api)
    payload = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    payload["k"][0]["transaction_id"] = "ch_page_1"  # structurally valid, but not what we issued
    forged = base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")
    flipped = token[:10] + ("A" if token[10] != "A" else "B") + token[11:]
    for bad in (forged, flipped, "not-a-token", token[:-4], base64.urlsafe_b64encode(b"[1,2]").decode()):
        status, body = get(api, "/api/v1/transactions", {"customer_id": "cus_pages", "limit": "2", "next_token": bad})
        assert (status, body) == (400, TOKEN_ERROR)


def test_next_token_of_another_query_is_400(api: Any, seeded: dict[str, Any]) -> None:
    token = first_page_token(api)
    status, body = get(api, "/api/v1/transactions", {"customer_id": "cus_other", "limit": "2", "next_token": token})
    assert (status, body) == (400, TOKEN_ERROR)


def test_stage_variable_selects_the_table(api: Any, seeded: dict[str, Any]) -> None:
    get(api, "/api/v1/transactions", {"provider": "stripe"}, stage={"dynamodb_table": "webhook-transactions"})
    assert api.tables_used == ["webhook-transactions"]


def test_dumps_exact_keeps_every_digit() -> None:
    text = dumps_exact({"t": Decimal("1795768923.01234567890123456789"), "n": [Decimal(5)], "s": "x"})
    assert text == '{"t":1795768923.01234567890123456789,"n":[5],"s":"x"}'
