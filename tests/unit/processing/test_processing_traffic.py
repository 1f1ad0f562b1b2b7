"""Issue 9: real traffic shapes: IPN charsets and event ids, every date shape, money direction, thin events."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from conftest import RECEIVED_AT, async_event
from webhook_core import ipn
from webhook_core.normalizers import paypal, square, stripe
from webhook_core.normalizers._times import event_time, parse_time
from webhook_core.processing import Outcome, Processor
from webhook_core.providers import get_provider
from webhook_core.records import Direction, EventType, PayloadShapeError, TransactionRecord, UnprocessableEvent

CORPUS = Path(__file__).resolve().parents[2] / "fixtures" / "providers"
FORM = "application/x-www-form-urlencoded"


def corpus_body(provider: str, name: str) -> bytes:
    return (CORPUS / provider / name).read_bytes()


def corpus_event(provider: str, name: str) -> dict[str, Any]:
    body = corpus_body(provider, name)
    content_type = FORM if name.endswith(".txt") else "application/json"
    return dict(get_provider(provider).parse_body(body, content_type))


# --- IPN ------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b"charset=windows-1252&first_name=J%F6rg&txn_id=1", "J\u00f6rg"),
        (b"first_name=J%F6rg&charset=windows-1252&txn_id=1", "J\u00f6rg"),  # charset need not come first
        (b"charset=Shift_JIS&first_name=%93%FA%96%7B&txn_id=1", "\u65e5\u672c"),
        (b"charset=UTF-8&first_name=D%C3%BAn&txn_id=1", "D\u00fan"),
        (b"first_name=D%C3%BAn&txn_id=1", "D\u00fan"),  # no charset: UTF-8
        (b"charset=x-no-such-charset&first_name=J%F6rg&txn_id=1", "J\u00f6rg"),  # unknown: UTF-8, then windows-1252
    ],
)
def test_ipn_percent_escapes_are_decoded_in_the_declared_charset(body: bytes, expected: str) -> None:
    assert ipn.parse_ipn(body)["first_name"] == expected
    assert get_provider("paypal").parse_body(body, FORM)["first_name"] == expected


def test_ipn_signup_and_payment_sharing_a_track_id_get_distinct_stable_event_ids() -> None:
    signup = corpus_event("paypal", "ipn_subscr_signup_eur.txt")
    payment = corpus_event("paypal", "ipn_subscr_payment_eur.txt")
    assert signup["ipn_track_id"] == payment["ipn_track_id"]
    assert ipn.event_id(signup) != ipn.event_id(payment)
    assert ipn.event_id(signup) == ipn.event_id(dict(signup))  # a resend of the same message: the same id
    assert get_provider("paypal").event_id(signup) == ipn.event_id(signup)
    assert ipn.event_id(signup).startswith("ipn-546a4aa4300a0-subscr_signup-")


def test_ipn_signup_and_payment_sharing_a_track_id_are_both_stored(processor: Processor, aws: dict[str, Any]) -> None:
    results = [
        processor.process(async_event("paypal", corpus_body("paypal", name), FORM))[0]
        for name in ("ipn_subscr_signup_eur.txt", "ipn_subscr_payment_eur.txt")
    ]
    assert [r.outcome for r in results] == [Outcome.PROCESSED, Outcome.PROCESSED]
    assert len({r.processed_s3_key for r in results}) == 2
    types = sorted(item["event_type"]["S"] for item in aws["dynamodb"].scan(TableName="webhook-transactions")["Items"])
    assert types == ["subscription.created", "subscription.renewed"]


def test_chargeback_adjustment_with_negative_gross_is_a_debit_never_income() -> None:
    [record] = paypal.normalize(corpus_event("paypal", "ipn_adjustment_chargeback_settlement.txt"))
    assert (record.event_type, record.direction) == (EventType.DISPUTE_FUNDS_WITHDRAWN, Direction.DEBIT)
    assert (record.amount, record.currency) == (Decimal("225.00"), "USD")
    assert record.metadata["parent_txn_id"] == "64069225M7674061K"


def test_masspay_is_one_payout_debit_per_item() -> None:
    records = paypal.normalize(corpus_event("paypal", "ipn_masspay_completed_gbp.txt"))
    assert [(r.transaction_id, r.amount, r.event_type, r.direction) for r in records] == [
        ("7XW35917TG8293137", Decimal("10.00"), EventType.PAYOUT_PAID, Direction.DEBIT),
        ("79512417EL9296629", Decimal("24.50"), EventType.PAYOUT_PAID, Direction.DEBIT),
        ("75X24749Y32677910", Decimal("20.00"), EventType.PAYOUT_PAID, Direction.DEBIT),
    ]


def test_ipn_keeps_the_receiver_id_in_metadata() -> None:
    [record] = paypal.normalize(corpus_event("paypal", "ipn_web_accept_completed_cad.txt"))
    assert record.metadata["receiver_id"] == "UQ8PDYXJZQD9Y"


def test_ipn_value_errors_name_the_field_never_the_value() -> None:
    event = corpus_event("paypal", "ipn_web_accept_completed_usd.txt")
    event["mc_gross"] = "4111111111111111x"
    with pytest.raises(UnprocessableEvent) as caught:
        paypal.normalize(event)
    assert "4111" not in str(caught.value)
    assert "amount" in str(caught.value)


# --- times ----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1795768923, 1795768923),
        ("1795768923", 1795768923),
        ("2026-11-27T08:42:03Z", 1795768923),
        ("2026-11-27T08:42:03.000Z", 1795768923),
        ("2026-11-27T09:42:03+01:00", 1795768923),
        ("2018-19-12T22:20:32.000Z", 1545258032),  # PayPal's webhook simulator: year-day-month
        ("Sun May 24 2015 14:32:31 GMT-0700 (PDT)", 1432503151),  # PayPal's IPN simulator: JavaScript Date
        ("20:12:59 Jan 13, 2009 PST", 1231906379),  # IPN payment_date
        ("08:28:11 Mar. 02, 2010 PST", 1267547291),
        ("05:09:52 11 Feb 2015 PST", 1423660192),  # IPN simulator, day first
        ("Tue, 15 Nov 1994 08:12:31 GMT", 784887151),
    ],
)
def test_every_provider_date_shape_is_read(value: object, expected: int) -> None:
    assert parse_time(value) == expected


@pytest.mark.parametrize("value", [None, "", "not a time", "2018-19-40T22:20:32Z", True, 1.5, {"t": 1}, "9" * 80, -5])
def test_unreadable_times_are_none_never_an_exception(value: object) -> None:
    assert parse_time(value) is None


def test_time_falls_back_to_the_body_then_to_receipt_with_a_note() -> None:
    assert event_time([("create_time", "junk"), ("resource.update_time", "2014-10-23T17:23:04Z")]).note == (
        "time taken from resource.update_time; unreadable: create_time"
    )
    resolved = event_time([("created", None)])
    assert (resolved.seconds, resolved.source) == (None, "receipt")


def test_simulator_dates_no_longer_crash_the_normalizers() -> None:
    [renewed] = paypal.normalize(corpus_event("paypal", "billing_subscription_renewed_simulator.json"))
    assert (renewed.event_time, renewed.time_source) == (1545258032, "event")
    [reversed_] = paypal.normalize(corpus_event("paypal", "ipn_web_accept_reversed_simulator_jsdate.txt"))
    assert (reversed_.event_time, reversed_.direction) == (1432503151, Direction.DEBIT)


# --- direction and the taxonomy -------------------------------------------------------------------------------------


def test_a_debit_can_never_be_a_payment_success() -> None:
    with pytest.raises(ValueError, match=r"never a payment\.success"):
        TransactionRecord(
            provider="paypal",
            event_id="e",
            transaction_id="t",
            event_time=0,
            event_type=EventType.PAYMENT_SUCCESS,
            provider_event_type="x",
            amount=Decimal(1),
            currency="USD",
            customer_id=None,
            payment_status=None,
            direction=Direction.DEBIT,
        )


def test_paypal_v1_sale_of_a_subscription_is_a_renewal_credit_and_customer_comes_from_the_payer() -> None:
    event = corpus_event("paypal", "payment_sale_completed_eur.json")
    [sale] = paypal.normalize(event)
    assert (sale.event_type, sale.direction, sale.amount, sale.currency) == (
        EventType.PAYMENT_SUCCESS,
        Direction.CREDIT,
        Decimal("130.95"),
        "EUR",
    )
    event["resource"]["billing_agreement_id"] = "I-BW452GLLEP1G"
    assert paypal.normalize(event)[0].event_type is EventType.SUBSCRIPTION_RENEWED
    [cancelled] = paypal.normalize(corpus_event("paypal", "billing_subscription_cancelled_v1_agreement.json"))
    assert cancelled.customer_id == "XLHKRXRA4H7QY"


def test_negative_stripe_payout_is_money_in() -> None:
    event = corpus_event("stripe", "payout_paid.json")
    assert stripe.normalize(event)[0].direction is Direction.DEBIT
    event["data"]["object"]["amount"] = -1100
    [record] = stripe.normalize(event)
    assert (record.direction, record.amount) == (Direction.CREDIT, Decimal("11.00"))


def test_stripe_thin_v2_event_is_recorded_as_unknown_with_its_related_object() -> None:
    # The shape of a thin event notification (docs.stripe.com/api/v2/core/events): no data, a related_object.
    thin = {
        "id": "evt_test_65R9Ijk8Lmno3tq7qkCv2fUuuxPVfbpC3AGGAgBrnrjbIO",
        "object": "v2.core.event",
        "type": "v1.billing.meter.error_report_triggered",
        "livemode": False,
        "created": "2024-09-17T06:20:52.246Z",
        "related_object": {"id": "mtr_test_61R9IjkDjqEV6ZbIs41J6Q7hUFF8dsCo", "type": "billing.meter", "url": "/v1/x"},
    }
    [record] = stripe.normalize(thin)
    assert (record.event_type, record.transaction_id, record.amount) == (
        EventType.UNKNOWN,
        "mtr_test_61R9IjkDjqEV6ZbIs41J6Q7hUFF8dsCo",
        None,
    )
    assert record.event_time == 1726554052
    assert record.metadata["object"] == "v2.core.event"


def test_square_old_dispute_shape_is_read_by_dispute_id() -> None:
    [record] = square.normalize(corpus_event("square", "dispute_state_changed.json"))
    assert (record.transaction_id, record.event_type, record.payment_status) == (
        "ORSEVtZAJxb37RA1EiGw",
        EventType.DISPUTE_CLOSED,
        "WON",
    )


def test_event_with_no_time_is_deduplicated_across_days(processor: Processor, aws: dict[str, Any]) -> None:
    body = json.loads(corpus_body("stripe", "payment_intent_succeeded.json"))
    del body["created"]
    del body["data"]["object"]["created"]
    raw = json.dumps(body).encode()
    outcomes = [
        processor.process(async_event("stripe", raw, "application/json", received_at=RECEIVED_AT + day * 86400))[0]
        for day in range(3)
    ]
    assert [o.outcome for o in outcomes] == [Outcome.PROCESSED, Outcome.DUPLICATE, Outcome.DUPLICATE]


def test_replay_replaces_a_failed_record_stored_under_the_same_key(processor: Processor, aws: dict[str, Any]) -> None:
    # The failed attempt could read the object id and the time, so its record sits at the very key of the real one.
    event = async_event("stripe", corpus_body("stripe", "charge_succeeded.json"), "application/json")
    real = stripe.normalize(json.loads(corpus_body("stripe", "charge_succeeded.json")))[0]

    def shape_error(provider: str, parsed: Any) -> Any:
        raise PayloadShapeError(
            "amount must be an integer", transaction_id=real.transaction_id, event_time=real.event_time
        )

    broken = Processor(dynamodb=aws["dynamodb"], s3=aws["s3"], logger=processor._logger, normalize=shape_error)
    assert broken.process(event)[0].outcome is Outcome.FAILED
    assert processor.process(event)[0].outcome is Outcome.PROCESSED
    assert broken.process(event)[0].outcome is Outcome.DUPLICATE  # a failed attempt never overwrites a good record
    records = [i for i in aws["dynamodb"].scan(TableName="webhook-transactions")["Items"] if "record_status" not in i]
    assert [(r["status"]["S"], r["direction"]["S"]) for r in records] == [("processed", "credit")]


def test_the_merchant_of_a_chargeback_adjustment_or_masspay_is_the_payer() -> None:
    # A live chargeback-settlement adjustment names no receiver at all: the merchant is its payer (decision 25 must
    # not drop the debit). A payment names the merchant as receiver, never the buyer who paid.
    adjustment = corpus_event("paypal", "ipn_adjustment_chargeback_settlement.txt")
    assert ipn.merchant_account_names(adjustment) == {"lch38tma5h5te", "accounts@example.com"}
    masspay = corpus_event("paypal", "ipn_masspay_completed_gbp.txt")
    assert "lpv4f4hzhce" in ipn.merchant_account_names(masspay)
    payment = corpus_event("paypal", "ipn_web_accept_completed_cad.txt")
    assert ipn.merchant_account_names(payment) == {"uq8pdyxjzqd9y", "tobi@leetsoft.com"}


def test_utf8_escapes_under_a_windows_1252_label_are_read_as_utf8_field_by_field() -> None:
    # A site's own UTF-8 in one field must not become mojibake ("\u00c2\u00a0" hides a card number from the masker),
    # while a real windows-1252 byte in another field still decodes as windows-1252.
    parsed = ipn.parse_ipn(b"charset=windows-1252&first_name=J%F6rg&custom=4111%C2%A01111&city=D%C3%BAn")
    assert (parsed["first_name"], parsed["custom"], parsed["city"]) == ("J\u00f6rg", "4111\u00a01111", "D\u00fan")
