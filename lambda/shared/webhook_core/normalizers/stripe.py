"""Stripe events -> :class:`TransactionRecord` (event-type table: docs/providers.md).

The transaction is ``data.object`` and its ``id``; the event time is the event's ``created`` (Unix seconds).
Amounts are integer minor units; Stripe's own exponent rules apply (ISK is billed with two decimals for backwards
compatibility, MGA with none; three-decimal currencies are three-decimal). The amount field depends on the object:
``amount`` (PaymentIntent, Charge, Refund, Dispute, Payout), ``amount_paid``/``amount_due`` (Invoice),
``amount_total`` (Checkout Session); a Charge's refund is the increase of ``amount_refunded``.

Thin v2 event notifications (``"object": "v2.core.event"``) carry no object, only ``related_object``: they are
recorded as ``unknown`` with the related object's id (nothing is fetched from Stripe), so they are never lost.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from webhook_core.money import from_minor_units, normalize_currency
from webhook_core.normalizers._common import (
    event_context,
    flipped,
    mapping,
    metadata,
    object_id,
    optional_str,
    prefixed,
    resolve_time,
)
from webhook_core.records import (
    Direction,
    EventType,
    PayloadShapeError,
    TransactionRecord,
    UnprocessableEvent,
    default_direction,
)

PROVIDER = "stripe"
THIN_EVENT_OBJECT = "v2.core.event"

# Where Stripe's API amounts differ from ISO 4217 (docs.stripe.com/currencies, "special cases" / zero-decimal).
STRIPE_EXPONENT_OVERRIDES: Mapping[str, int] = {"ISK": 2, "MGA": 0}

EVENT_TYPES: Mapping[str, EventType] = {
    "payment_intent.succeeded": EventType.PAYMENT_SUCCESS,
    "payment_intent.payment_failed": EventType.PAYMENT_FAILED,
    "payment_intent.processing": EventType.PAYMENT_PENDING,
    "payment_intent.created": EventType.PAYMENT_PENDING,
    "payment_intent.requires_action": EventType.PAYMENT_PENDING,
    "payment_intent.partially_funded": EventType.PAYMENT_PENDING,
    "payment_intent.amount_capturable_updated": EventType.PAYMENT_AUTHORIZED,
    "payment_intent.canceled": EventType.PAYMENT_CANCELED,
    "charge.succeeded": EventType.PAYMENT_SUCCESS,
    "charge.captured": EventType.PAYMENT_SUCCESS,
    "charge.failed": EventType.PAYMENT_FAILED,
    "charge.pending": EventType.PAYMENT_PENDING,
    "charge.expired": EventType.AUTHORIZATION_EXPIRED,
    "charge.refunded": EventType.REFUND_CREATED,
    "charge.refund.updated": EventType.REFUND_UPDATED,
    "refund.created": EventType.REFUND_CREATED,
    "refund.updated": EventType.REFUND_UPDATED,
    "refund.failed": EventType.REFUND_FAILED,
    "charge.dispute.created": EventType.DISPUTE_CREATED,
    "charge.dispute.updated": EventType.DISPUTE_UPDATED,
    "charge.dispute.funds_withdrawn": EventType.DISPUTE_FUNDS_WITHDRAWN,
    "charge.dispute.funds_reinstated": EventType.DISPUTE_FUNDS_REINSTATED,
    "charge.dispute.closed": EventType.DISPUTE_CLOSED,
    "invoice.created": EventType.INVOICE_CREATED,
    "invoice.finalized": EventType.INVOICE_CREATED,
    "invoice.paid": EventType.INVOICE_PAID,
    "invoice.payment_succeeded": EventType.INVOICE_PAID,
    "invoice.payment_failed": EventType.INVOICE_PAYMENT_FAILED,
    "invoice.voided": EventType.INVOICE_CANCELED,
    "invoice.marked_uncollectible": EventType.INVOICE_CANCELED,
    "customer.subscription.created": EventType.SUBSCRIPTION_CREATED,
    "customer.subscription.updated": EventType.SUBSCRIPTION_UPDATED,
    "customer.subscription.paused": EventType.SUBSCRIPTION_UPDATED,
    "customer.subscription.resumed": EventType.SUBSCRIPTION_UPDATED,
    "customer.subscription.deleted": EventType.SUBSCRIPTION_CANCELED,
    "checkout.session.completed": EventType.PAYMENT_SUCCESS,
    "checkout.session.async_payment_succeeded": EventType.PAYMENT_SUCCESS,
    "checkout.session.async_payment_failed": EventType.PAYMENT_FAILED,
    "checkout.session.expired": EventType.PAYMENT_CANCELED,
    "payout.created": EventType.PAYOUT_CREATED,
    "payout.updated": EventType.PAYOUT_CREATED,
    "payout.paid": EventType.PAYOUT_PAID,
    "payout.failed": EventType.PAYOUT_FAILED,
    "payout.canceled": EventType.PAYOUT_CANCELED,
    "radar.early_fraud_warning.created": EventType.FRAUD_WARNING,
    "radar.early_fraud_warning.updated": EventType.FRAUD_WARNING,
    "review.opened": EventType.REVIEW_OPENED,
    "review.closed": EventType.REVIEW_CLOSED,
}

# The field holding the money, by the object's ``object`` value (default ``amount``).
_AMOUNT_FIELDS: Mapping[str, str] = {"checkout.session": "amount_total"}
# Types whose object carries no money at all: recorded without an amount.
_NO_MONEY = frozenset(
    {
        EventType.FRAUD_WARNING,
        EventType.REVIEW_OPENED,
        EventType.REVIEW_CLOSED,
        EventType.SUBSCRIPTION_CREATED,
        EventType.SUBSCRIPTION_UPDATED,
        EventType.SUBSCRIPTION_CANCELED,
    }
)
_FAILED_REFUND_STATUSES = frozenset({"failed", "canceled"})
_PAYOUT_STATUSES: Mapping[str, EventType] = {
    "paid": EventType.PAYOUT_PAID,
    "failed": EventType.PAYOUT_FAILED,
    "canceled": EventType.PAYOUT_CANCELED,
}


def _customer(obj: Mapping[str, Any]) -> str | None:
    customer = obj.get("customer")
    if isinstance(customer, Mapping):  # an expanded Customer object
        return optional_str(customer, "id")
    return optional_str(obj, "customer")


def _refine_invoice(event_type: EventType, obj: Mapping[str, Any]) -> EventType:
    if not isinstance(obj.get("subscription"), str | Mapping):
        return event_type
    if event_type is EventType.INVOICE_PAID and obj.get("billing_reason") == "subscription_cycle":
        return EventType.SUBSCRIPTION_RENEWED
    if event_type is EventType.INVOICE_PAYMENT_FAILED:
        return EventType.SUBSCRIPTION_PAYMENT_FAILED
    return event_type


def _refine_checkout(event_type: EventType, obj: Mapping[str, Any]) -> EventType:
    payment_status = obj.get("payment_status")
    if payment_status == "unpaid":  # an asynchronous method: async_payment_succeeded/failed follows
        return EventType.PAYMENT_PENDING
    if payment_status == "no_payment_required":
        return EventType.SUBSCRIPTION_CREATED if obj.get("mode") == "subscription" else EventType.UNKNOWN
    return event_type


def _refine(provider_type: str, event_type: EventType, obj: Mapping[str, Any]) -> EventType:
    """Where the object's own state says more than the event name."""
    status = obj.get("status")
    if event_type is EventType.REFUND_UPDATED and status in _FAILED_REFUND_STATUSES:
        return EventType.REFUND_FAILED
    if provider_type == "payout.updated" and isinstance(status, str):
        return _PAYOUT_STATUSES.get(status, event_type)
    if obj.get("object") == "invoice":
        return _refine_invoice(event_type, obj)
    if provider_type == "checkout.session.completed":
        return _refine_checkout(event_type, obj)
    return event_type


def _raw_amount(obj: Mapping[str, Any], event_type: EventType, previous: Mapping[str, Any]) -> object:
    kind = obj.get("object")
    if kind == "charge" and event_type is EventType.REFUND_CREATED:
        # charge.refunded carries the charge; the refund is the increase of amount_refunded (cumulative).
        refunded = obj.get("amount_refunded")
        before = previous.get("amount_refunded", 0)
        if isinstance(refunded, int) and isinstance(before, int) and not isinstance(before, bool):
            return refunded - before
        return refunded
    if kind == "invoice":
        paid = event_type in (EventType.INVOICE_PAID, EventType.SUBSCRIPTION_RENEWED)
        return obj.get("amount_paid" if paid else "amount_due")
    return obj.get(_AMOUNT_FIELDS.get(str(kind), "amount"))


def _money(
    obj: Mapping[str, Any], event_type: EventType, previous: Mapping[str, Any], required: bool
) -> tuple[Decimal | None, str | None, bool]:
    """``(magnitude, currency, negative)``; a required amount that is absent is a :class:`PayloadShapeError`."""
    raw_amount = _raw_amount(obj, event_type, previous)
    raw_currency = obj.get("currency")
    if raw_amount is None or raw_currency is None:
        if required:
            missing = "currency" if raw_amount is not None else "amount"
            raise PayloadShapeError(f"data.object has no {missing}")
        return None, None, False
    currency = normalize_currency(raw_currency)
    amount = from_minor_units(raw_amount, currency, STRIPE_EXPONENT_OVERRIDES)
    return abs(amount), currency, amount < 0


def _optional_money(obj: Mapping[str, Any]) -> tuple[Decimal | None, str | None, bool]:
    """An unmapped type's plain ``amount``/``currency`` when both are well-formed, else nothing (never fails)."""
    try:
        return _money(obj, EventType.UNKNOWN, {}, required=False)
    except UnprocessableEvent:
        return None, None, False


def _details(obj: Mapping[str, Any], event_type: EventType, previous: Mapping[str, Any]) -> dict[str, str]:
    error = obj.get("last_payment_error")
    error = error if isinstance(error, Mapping) else {}

    def ref(key: str) -> object:
        value = obj.get(key)
        return value if isinstance(value, str) else None

    pairs: dict[str, object] = {
        "object": obj.get("object"),
        "livemode": obj.get("livemode"),
        "payment_intent": ref("payment_intent"),
        "charge": ref("charge"),
        "latest_charge": ref("latest_charge"),
        "invoice": ref("invoice"),
        "subscription": ref("subscription"),
        "billing_reason": obj.get("billing_reason"),
        "mode": obj.get("mode"),
        "checkout_payment_status": obj.get("payment_status") if obj.get("object") == "checkout.session" else None,
        "failure_code": obj.get("failure_code") or error.get("code"),
        "decline_code": error.get("decline_code"),
        "cancellation_reason": obj.get("cancellation_reason"),
        "reason": obj.get("reason"),
        "fraud_type": obj.get("fraud_type"),
        "closed_reason": obj.get("closed_reason"),
        "payout_type": obj.get("type") if obj.get("object") == "payout" else None,
        "previous_status": previous.get("status"),
    }
    if obj.get("object") == "charge" and event_type is EventType.REFUND_CREATED:
        pairs["amount_refunded_total_minor"] = obj.get("amount_refunded")
        pairs["charge_amount_minor"] = obj.get("amount")
    pairs.update(prefixed("meta.", obj.get("metadata")))
    return metadata(pairs)


def _thin_event(event: Mapping[str, Any], provider_type: str, event_id: str) -> TransactionRecord:
    related = event.get("related_object")
    related_id = optional_str(related, "id") if isinstance(related, Mapping) else None
    event_time, source, notes = resolve_time([("created", event.get("created"))])
    return TransactionRecord(
        provider=PROVIDER,
        event_id=event_id,
        transaction_id=related_id or event_id,
        event_time=event_time,
        event_type=EventType.UNKNOWN,
        provider_event_type=provider_type,
        amount=None,
        currency=None,
        customer_id=None,
        payment_status=None,
        time_source=source,
        metadata=metadata(
            {
                "object": THIN_EVENT_OBJECT,
                "related_object_type": related.get("type") if isinstance(related, Mapping) else None,
                **notes,
            }
        ),
    )


def normalize(event: Mapping[str, Any]) -> list[TransactionRecord]:
    """One record for one Stripe event."""
    provider_type = optional_str(event, "type") or ""
    event_id = optional_str(event, "id") or ""
    if event.get("object") == THIN_EVENT_OBJECT:
        return [_thin_event(event, provider_type, event_id)]
    data = mapping(event.get("data"), "data")
    obj = mapping(data.get("object"), "data.object")
    previous_raw = data.get("previous_attributes")
    previous: Mapping[str, Any] = previous_raw if isinstance(previous_raw, Mapping) else {}
    event_type = _refine(provider_type, EVENT_TYPES.get(provider_type, EventType.UNKNOWN), obj)

    # Disputes of API versions before 2014 have no id of their own: they are keyed by their charge.
    id_key = "charge" if obj.get("object") == "dispute" and not obj.get("id") else "id"
    object_ref = obj.get(id_key) if isinstance(obj.get(id_key), str) and obj.get(id_key) else None
    event_time, source, notes = resolve_time(
        [("created", event.get("created")), ("data.object.created", obj.get("created"))]
    )
    context: dict[str, Any] = {
        "transaction_id": object_ref,
        "provider_event_type": provider_type,
        "event_type": event_type,
        "event_time": event_time if source != "receipt" else None,
    }
    with event_context(context):
        if event_type is EventType.UNKNOWN:
            transaction_id = str(object_ref or event_id)
        else:
            transaction_id = object_id(obj, id_key, f"{provider_type} data.object", **context)
        if event_type is EventType.UNKNOWN:
            amount, currency, negative = _optional_money(obj)
        else:
            amount, currency, negative = _money(obj, event_type, previous, event_type not in _NO_MONEY)
    direction = default_direction(event_type)
    if negative:  # e.g. a negative payout: Stripe debits the bank account into the balance
        direction = flipped(direction)
    if amount is None:
        direction = Direction.NONE
    return [
        TransactionRecord(
            provider=PROVIDER,
            event_id=event_id,
            transaction_id=transaction_id,
            event_time=event_time,
            event_type=event_type,
            provider_event_type=provider_type,
            amount=amount,
            currency=currency,
            customer_id=_customer(obj),
            payment_status=obj.get("status") if isinstance(obj.get("status"), str) else None,
            direction=direction,
            time_source=source,
            metadata={**_details(obj, event_type, previous), **notes},
        )
    ]
