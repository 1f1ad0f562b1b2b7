"""Every sample normalizes to exactly the expected record; money, tiebreak and error classification."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qsl

import pytest
from conftest import parse_sample
from webhook_core.money import format_amount, from_decimal_string, from_minor_units, minor_unit_exponent
from webhook_core.normalizers import paypal, square, stripe
from webhook_core.normalizers._times import parse_time
from webhook_core.providers import get_normalizer
from webhook_core.records import (
    EventType,
    InvalidAmount,
    MissingObjectId,
    PayloadShapeError,
    TransactionRecord,
    UnsupportedCurrency,
    event_timestamp,
    timestamp_tiebreak,
)
from webhookdev.samples import PROVIDERS, list_samples, load_sample, render_sample

T0 = 1795768923  # 2026-11-27T08:42:03Z, the samples' reference time
DAY = 86400
E = EventType

# provider, sample -> transaction_id, event_type, provider_event_type, amount, currency, customer_id, payment_status,
# event_time (Unix seconds)
EXPECTED: dict[tuple[str, str], tuple[str, EventType, str, str | None, str | None, str | None, str | None, int]] = {
    ("stripe", "payment_intent_succeeded"): (
        "pi_3QP8fW2eZvKYlo2C1h6Tq4Ws",
        E.PAYMENT_SUCCESS,
        "payment_intent.succeeded",
        "20.00",
        "USD",
        "cus_R4kTz8wYqN2bLm",
        "succeeded",
        T0,
    ),
    ("stripe", "payment_intent_succeeded_jpy"): (
        "pi_3QP9aB2eZvKYlo2C0vN4eW8q",
        E.PAYMENT_SUCCESS,
        "payment_intent.succeeded",
        "5000",
        "JPY",
        "cus_R4mYk2JpTz9aQe",
        "succeeded",
        T0 + 123,
    ),
    ("stripe", "payment_intent_payment_failed"): (
        "pi_3QP8hK2eZvKYlo2C0bS9yU1e",
        E.PAYMENT_FAILED,
        "payment_intent.payment_failed",
        "45.99",
        "USD",
        "cus_R4kTz8wYqN2bLm",
        "requires_payment_method",
        T0 + 60,
    ),
    ("stripe", "payment_intent_processing"): (
        "pi_3QP8jD2eZvKYlo2C1nR2wP7t",
        E.PAYMENT_PENDING,
        "payment_intent.processing",
        "1250.00",
        "EUR",
        "cus_R4nQw1XyZa8bVc",
        "processing",
        T0 + 201,
    ),
    ("stripe", "payment_intent_canceled"): (
        "pi_3QP8kL2eZvKYlo2C0xM8aZ2f",
        E.PAYMENT_CANCELED,
        "payment_intent.canceled",
        "31.50",
        "GBP",
        "cus_R4pLk9MnBv3cXz",
        "canceled",
        T0 + 900,
    ),
    ("stripe", "charge_succeeded"): (
        "ch_3QP8fW2eZvKYlo2C1a9XbK7d",
        E.PAYMENT_SUCCESS,
        "charge.succeeded",
        "20.00",
        "USD",
        "cus_R4kTz8wYqN2bLm",
        "succeeded",
        T0 - 2,
    ),
    ("stripe", "charge_succeeded_kwd"): (
        "ch_3QP8mN2eZvKYlo2C0jH4kW1s",
        E.PAYMENT_SUCCESS,
        "charge.succeeded",
        "12.340",
        "KWD",
        "cus_R4qXv7NpLm2kJd",
        "succeeded",
        T0 + 401,
    ),
    ("stripe", "charge_failed"): (
        "ch_3QP8hK2eZvKYlo2C0pQ3vX6m",
        E.PAYMENT_FAILED,
        "charge.failed",
        "45.99",
        "USD",
        None,
        "failed",
        T0 + 59,
    ),
    ("stripe", "charge_refunded"): (  # 500 of 2000 refunded: amount_refunded 0 -> 500
        "ch_3QP8fW2eZvKYlo2C1a9XbK7d",
        E.REFUND_CREATED,
        "charge.refunded",
        "5.00",
        "USD",
        "cus_R4kTz8wYqN2bLm",
        "succeeded",
        T0 + 3600,
    ),
    ("stripe", "charge_refund_updated"): (
        "re_3QP8fW2eZvKYlo2C1kR7uV3n",
        E.REFUND_UPDATED,
        "charge.refund.updated",
        "5.00",
        "USD",
        None,
        "succeeded",
        T0 + 7200,
    ),
    ("stripe", "charge_dispute_created"): (
        "du_1QP9xR2eZvKYlo2CdS4wK8Lm",
        E.DISPUTE_CREATED,
        "charge.dispute.created",
        "20.00",
        "USD",
        None,
        "needs_response",
        T0 + 2 * DAY + 1,
    ),
    ("stripe", "charge_dispute_closed"): (
        "du_1QP9xR2eZvKYlo2CdS4wK8Lm",
        E.DISPUTE_CLOSED,
        "charge.dispute.closed",
        "20.00",
        "USD",
        None,
        "won",
        T0 + 30 * DAY,
    ),
    ("stripe", "customer_updated_unknown"): (
        "cus_R4kTz8wYqN2bLm",
        E.UNKNOWN,
        "customer.updated",
        None,
        None,
        None,
        None,
        T0 + 1000,
    ),
    ("square", "payment_created"): (
        "bP9mAsEMYPUGjjGNaNO5ZDVyLhSZY",
        E.PAYMENT_AUTHORIZED,
        "payment.created",
        "10.50",
        "USD",
        "7R4WRKJ5GW1S9BZ3JTW0R6QYB8",
        "APPROVED",
        T0 + 1,
    ),
    ("square", "payment_updated_completed"): (
        "bP9mAsEMYPUGjjGNaNO5ZDVyLhSZY",
        E.PAYMENT_SUCCESS,
        "payment.updated",
        "10.50",
        "USD",
        "7R4WRKJ5GW1S9BZ3JTW0R6QYB8",
        "COMPLETED",
        T0 + 6,
    ),
    ("square", "payment_updated_completed_jpy"): (
        "XkJ2nVtq8RbmA4ZpY6wLcH9dEfGZY",
        E.PAYMENT_SUCCESS,
        "payment.updated",
        "3300",
        "JPY",
        "R1G5YQ2A3SZBV7J0C6K8M4N9PT",
        "COMPLETED",
        T0 + 185,
    ),
    ("square", "payment_updated_failed"): (
        "hYy9pRFVxpDsO1FB05SunFWUe9JZY",
        E.PAYMENT_FAILED,
        "payment.updated",
        "25.99",
        "USD",
        "JDKYHBWT1D4F8MFH63DBMEN8Y4",
        "FAILED",
        T0 + 62,
    ),
    ("square", "payment_updated_canceled"): (
        "GQTFp1ZlXdpoW4o6eGiZhbjosiDFf",
        E.AUTHORIZATION_VOIDED,  # CANCELED with card_details.status VOIDED: the authorization was voided
        "payment.updated",
        "42.00",
        "USD",
        "7R4WRKJ5GW1S9BZ3JTW0R6QYB8",
        "CANCELED",
        T0 + 3721,
    ),
    ("square", "refund_created"): (
        "bP9mAsEMYPUGjjGNaNO5ZDVyLhSZY_Hf3kQ2mN8pLw5rTzXvB7cJ1dYaEsGu4oKi6nMb0qWe",
        E.REFUND_CREATED,
        "refund.created",
        "5.00",
        "USD",
        None,
        "PENDING",
        T0 + 7201,
    ),
    ("square", "refund_updated"): (
        "bP9mAsEMYPUGjjGNaNO5ZDVyLhSZY_Hf3kQ2mN8pLw5rTzXvB7cJ1dYaEsGu4oKi6nMb0qWe",
        E.REFUND_UPDATED,
        "refund.updated",
        "5.00",
        "USD",
        None,
        "COMPLETED",
        T0 + 7261,
    ),
    ("square", "dispute_created"): (
        "XDgyFu7yo1E2S5lQGGpYn",
        E.DISPUTE_CREATED,
        "dispute.created",
        "10.50",
        "USD",
        None,
        "EVIDENCE_REQUIRED",
        T0 + 3 * DAY + 1,
    ),
    ("square", "dispute_state_updated_won"): (
        "XDgyFu7yo1E2S5lQGGpYn",
        E.DISPUTE_CLOSED,
        "dispute.state.updated",
        "10.50",
        "USD",
        None,
        "WON",
        T0 + 40 * DAY + 2,
    ),
    ("paypal", "customer_dispute_created"): (
        "PP-D-27803",
        E.DISPUTE_CREATED,
        "CUSTOMER.DISPUTE.CREATED",
        "26.99",
        "USD",
        None,
        "OPEN",
        T0 + 4 * DAY + 5,
    ),
    ("paypal", "payment_capture_completed"): (
        "2GG279541U471931P",
        E.PAYMENT_SUCCESS,
        "PAYMENT.CAPTURE.COMPLETED",
        "26.99",
        "USD",
        None,
        "COMPLETED",
        T0 + 31,
    ),
    ("paypal", "payment_capture_completed_jpy"): (
        "9HW93194UP0912311",
        E.PAYMENT_SUCCESS,
        "PAYMENT.CAPTURE.COMPLETED",
        "1500",
        "JPY",
        None,
        "COMPLETED",
        T0 + 241,
    ),
    ("paypal", "payment_capture_denied"): (
        "7NW873794T343360M",
        E.PAYMENT_FAILED,
        "PAYMENT.CAPTURE.DENIED",
        "42.00",
        "USD",
        None,
        "DECLINED",
        T0 + 91,
    ),
    ("paypal", "payment_capture_pending"): (
        "02T21492PP3782704",
        E.PAYMENT_PENDING,
        "PAYMENT.CAPTURE.PENDING",
        "40.00",
        "EUR",
        None,
        "PENDING",
        T0 + 151,
    ),
    ("paypal", "payment_capture_refunded"): (
        "1JU08902781691411",
        E.REFUND_CREATED,
        "PAYMENT.CAPTURE.REFUNDED",
        "10.00",
        "USD",
        None,
        "COMPLETED",
        T0 + 5001,
    ),
    ("paypal", "checkout_order_approved"): (
        "5O190127TN364715T",
        E.PAYMENT_AUTHORIZED,
        "CHECKOUT.ORDER.APPROVED",
        "26.99",
        "USD",
        "QYR5Z8XDVJNXQ",
        "APPROVED",
        T0 + 26,
    ),
    ("paypal", "checkout_order_completed"): (
        "5O190127TN364715T",
        E.PAYMENT_SUCCESS,
        "CHECKOUT.ORDER.COMPLETED",
        "26.99",
        "USD",
        "QYR5Z8XDVJNXQ",
        "COMPLETED",
        T0 + 32,
    ),
    # IPN payment_date is Pacific time (PST = UTC-8) with whole seconds.
    ("paypal", "ipn_web_accept_completed"): (
        "61E67681CH3238416",
        E.PAYMENT_SUCCESS,
        "ipn:web_accept",
        "19.95",
        "USD",
        "LPLWNMTBWMFAY",
        "Completed",
        T0 + 45,
    ),
    ("paypal", "ipn_express_checkout_pending"): (
        "9TY58411SB4569839",
        E.PAYMENT_PENDING,
        "ipn:express_checkout",
        "250.00",
        "USD",
        "LPLWNMTBWMFAY",
        "Pending",
        T0 + 330,
    ),
    ("paypal", "ipn_web_accept_refunded"): (  # mc_gross=-19.95: the record keeps the magnitude
        "3PT01658XL9853202",
        E.REFUND_CREATED,
        "ipn",
        "19.95",
        "USD",
        "LPLWNMTBWMFAY",
        "Refunded",
        T0 + DAY,
    ),
    ("paypal", "ipn_web_accept_reversed"): (
        "5RL62301VJ4710432",
        E.REVERSAL_CREATED,
        "ipn",
        "19.95",
        "USD",
        "LPLWNMTBWMFAY",
        "Reversed",
        T0 + 9 * DAY,
    ),
}


def normalize_sample(provider: str, name: str) -> TransactionRecord:
    records = get_normalizer(provider)(parse_sample(provider, name))
    assert len(records) == 1
    record: TransactionRecord = records[0]
    return record


@pytest.mark.parametrize(("provider", "name"), sorted(EXPECTED))
def test_sample_normalizes_to_expected_record(provider: str, name: str) -> None:
    txn, event_type, provider_type, amount, currency, customer, payment_status, event_time = EXPECTED[provider, name]
    record = normalize_sample(provider, name)
    assert record.provider == provider
    assert record.transaction_id == txn
    assert record.event_type is event_type
    assert record.provider_event_type == provider_type
    assert record.amount == (Decimal(amount) if amount is not None else None)
    if amount is not None:
        assert record.amount is not None
        assert str(record.amount) == amount  # exact digits, including the currency's exponent
    assert record.currency == currency
    assert record.customer_id == customer
    assert record.payment_status == payment_status
    assert record.event_time == event_time
    assert int(record.timestamp) == event_time


def test_every_sample_except_poison_has_an_expectation() -> None:
    names = {(p, n) for p in PROVIDERS for n in list_samples(p)}
    assert names - set(EXPECTED) == {("stripe", "poison_amount_object")}


def test_zero_and_three_decimal_amounts_are_exact() -> None:
    jpy = normalize_sample("stripe", "payment_intent_succeeded_jpy")
    kwd = normalize_sample("stripe", "charge_succeeded_kwd")
    assert jpy.amount == Decimal(5000)
    assert jpy.amount is not None
    assert jpy.amount.as_tuple().exponent == 0
    assert kwd.amount == Decimal("12.34")
    assert kwd.amount is not None
    assert kwd.amount.as_tuple() == Decimal("12.340").as_tuple()
    assert normalize_sample("square", "payment_updated_completed_jpy").amount == Decimal(3300)
    assert normalize_sample("paypal", "payment_capture_completed_jpy").amount == Decimal(1500)


@pytest.mark.parametrize(
    ("minor", "currency", "expected"),
    [
        (2000, "usd", "20.00"),
        (1, "USD", "0.01"),
        (-250, "EUR", "-2.50"),
        (5000, "jpy", "5000"),
        (1000, "KRW", "1000"),
        (12345, "BHD", "12.345"),
        (12340, "KWD", "12.340"),
        (7, "JOD", "0.007"),
        (10000, "OMR", "10.000"),
        (999, "TND", "0.999"),
        (123456789012345678901234567890, "USD", "1234567890123456789012345678.90"),
    ],
)
def test_minor_units_convert_exactly(minor: int, currency: str, expected: str) -> None:
    amount = from_minor_units(minor, currency)
    assert str(amount) == expected


def test_stripe_special_cases_override_iso() -> None:
    # ISO says ISK has no minor unit, but Stripe's API keeps it two-decimal (100 = 1 krona); MGA is the reverse.
    assert minor_unit_exponent("ISK") == 0
    assert from_minor_units(50000, "isk", stripe.STRIPE_EXPONENT_OVERRIDES) == Decimal(500)
    assert minor_unit_exponent("MGA") == 2
    assert from_minor_units(5000, "mga", stripe.STRIPE_EXPONENT_OVERRIDES) == Decimal(5000)


def test_decimal_strings_are_exact_and_checked() -> None:
    assert str(from_decimal_string("26.99", "USD")) == "26.99"
    assert str(from_decimal_string("1500", "JPY")) == "1500"
    assert str(from_decimal_string("-19.95", "USD")) == "-19.95"
    assert from_decimal_string("0.1", "USD") + from_decimal_string("0.2", "USD") == Decimal("0.3")
    with pytest.raises(InvalidAmount):
        from_decimal_string("10.001", "USD")
    with pytest.raises(InvalidAmount):
        from_decimal_string("1500.5", "JPY")
    with pytest.raises(PayloadShapeError):
        from_decimal_string(26.99, "USD")
    with pytest.raises(PayloadShapeError):
        from_decimal_string("1e3", "USD")


def test_amount_types_that_were_never_anticipated_are_shape_errors() -> None:
    for bad in (20.0, "2000", True, None, {"value": 2000}):
        with pytest.raises(PayloadShapeError):
            from_minor_units(bad, "USD")


def test_unknown_currency_is_unsupported() -> None:
    for code in ("XYZ", "US", "usdd", "XAU"):
        with pytest.raises(UnsupportedCurrency):
            from_minor_units(100, code)


def test_format_amount_uses_the_currency_digits_without_losing_any() -> None:
    assert format_amount(Decimal(20), "USD") == "20.00"
    assert format_amount(Decimal("12.34"), "KWD") == "12.340"
    assert format_amount(Decimal(5000), "JPY") == "5000"
    assert format_amount(Decimal("0.125"), "USD") == "0.125"  # never rounds
    assert format_amount(Decimal("7.5"), None) == "7.5"


def test_tiebreak_is_deterministic_distinct_and_exact() -> None:
    first = event_timestamp("stripe", "evt_1", T0)
    assert first == event_timestamp("stripe", "evt_1", T0)
    assert first != event_timestamp("stripe", "evt_2", T0)
    assert first != event_timestamp("square", "evt_1", T0)
    digits = timestamp_tiebreak("stripe", "evt_1")
    assert len(digits) == 20
    assert digits.isdigit()
    assert str(first) == f"{T0}.{digits}"  # 30 significant digits, none rounded away
    assert int(first) == T0


def test_poison_sample_raises_a_shape_error() -> None:
    event = parse_sample("stripe", "poison_amount_object")
    assert isinstance(event["data"]["object"]["amount"], dict)
    with pytest.raises(PayloadShapeError):
        stripe.normalize(event)


def stripe_event(**object_fields: Any) -> dict[str, Any]:
    event: dict[str, Any] = json.loads(load_sample("stripe", "payment_intent_succeeded"))
    event["data"]["object"].update(object_fields)
    return event


def test_unsupported_currency_is_unprocessable_with_context() -> None:
    with pytest.raises(UnsupportedCurrency) as caught:
        stripe.normalize(stripe_event(currency="zzz"))
    assert caught.value.transaction_id == "pi_3QP8fW2eZvKYlo2C1h6Tq4Ws"
    assert caught.value.event_time == T0
    assert caught.value.event_type is EventType.PAYMENT_SUCCESS


def test_missing_object_id_is_unprocessable() -> None:
    event = stripe_event()
    del event["data"]["object"]["id"]
    with pytest.raises(MissingObjectId) as caught:
        stripe.normalize(event)
    assert caught.value.transaction_id is None
    assert caught.value.event_time == T0


def test_missing_event_time_falls_back_to_the_object_time_then_receipt() -> None:
    event: dict[str, Any] = json.loads(load_sample("square", "payment_updated_completed"))
    del event["created_at"]
    record = square.normalize(event)[0]
    assert record.time_source == "body"
    assert record.metadata["time_note"] == "time taken from object.updated_at"
    del event["data"]["object"]["payment"]["updated_at"]
    record = square.normalize(event)[0]
    assert (record.time_source, record.event_time) == ("receipt", 0)  # the processor substitutes the receipt time


def test_stripe_refund_failure_maps_to_refund_failed() -> None:
    event: dict[str, Any] = json.loads(load_sample("stripe", "charge_refund_updated"))
    event["data"]["object"]["status"] = "failed"
    assert stripe.normalize(event)[0].event_type is EventType.REFUND_FAILED


def test_square_refund_rejected_maps_to_refund_failed() -> None:
    event: dict[str, Any] = json.loads(load_sample("square", "refund_updated"))
    event["data"]["object"]["refund"]["status"] = "REJECTED"
    assert square.normalize(event)[0].event_type is EventType.REFUND_FAILED


def test_unknown_square_and_paypal_types_are_recorded_as_unknown() -> None:
    sq: dict[str, Any] = json.loads(load_sample("square", "payment_updated_completed"))
    sq["type"] = "loyalty.account.updated"
    record = square.normalize(sq)[0]
    assert (record.event_type, record.provider_event_type, record.transaction_id) == (
        EventType.UNKNOWN,
        "loyalty.account.updated",
        "bP9mAsEMYPUGjjGNaNO5ZDVyLhSZY",
    )
    pp: dict[str, Any] = json.loads(load_sample("paypal", "payment_capture_completed"))
    pp["event_type"] = "PAYMENT.NEVER-HEARD-OF.IT"
    record = paypal.normalize(pp)[0]
    assert (record.event_type, record.transaction_id, record.amount) == (
        EventType.UNKNOWN,
        "2GG279541U471931P",
        Decimal("26.99"),
    )


def test_ipn_pdt_dates_use_the_summer_offset() -> None:
    assert parse_time("12:00:00 Jul 01, 2026 PDT") == 1782932400  # 2026-07-01T19:00:00Z
    assert parse_time("12:00:00 Jan 01, 2026 PST") == 1767297600  # 2026-01-01T20:00:00Z


def test_rendered_samples_get_fresh_ids_and_times() -> None:
    body, content_type = render_sample("stripe", "charge_refunded", transaction_id="ch_fixed", created=T0 + 99)
    first = stripe.normalize(json.loads(body))[0]
    second = stripe.normalize(
        json.loads(render_sample("stripe", "charge_refunded", transaction_id="ch_fixed", created=T0 + 99)[0])
    )[0]
    assert content_type == "application/json"
    assert first.transaction_id == second.transaction_id == "ch_fixed"
    assert first.event_time == second.event_time == T0 + 99
    assert first.event_id != second.event_id
    ipn_body, ipn_type = render_sample("paypal", "ipn_web_accept_completed", created=T0, customer_id="PAYER123")
    fields = dict(parse_qsl(ipn_body.decode()))
    assert ipn_type == "application/x-www-form-urlencoded"
    assert fields["payer_id"] == "PAYER123"
    assert paypal.normalize(fields)[0].event_time == T0


def test_dispute_metadata_links_the_disputed_payment() -> None:
    assert normalize_sample("square", "dispute_created").metadata["payment_id"] == "bP9mAsEMYPUGjjGNaNO5ZDVyLhSZY"
    assert normalize_sample("paypal", "customer_dispute_created").metadata["capture_id"] == "2GG279541U471931P"


def test_rendered_dispute_samples_replace_the_dispute_id() -> None:
    body, _ = render_sample("paypal", "customer_dispute_created", transaction_id="PP-D-1")
    event = json.loads(body)
    assert event["resource"]["dispute_id"] == "PP-D-1"
    assert "id" not in event["resource"]
    assert paypal.normalize(event)[0].transaction_id == "PP-D-1"
    square_body, _ = render_sample("square", "dispute_created", transaction_id="SQD1")
    square_event = json.loads(square_body)
    assert square_event["data"]["object"]["dispute"]["dispute_id"] == "SQD1"
    assert square.normalize(square_event)[0].transaction_id == "SQD1"
