"""Stripe events -> :class:`TransactionRecord`.

The transaction is ``data.object`` (a PaymentIntent, Charge, Refund or Dispute) and its ``id``; the event time is
the event's ``created``. Amounts are integer minor units; Stripe's own exponent rules apply (ISK is billed with two
decimals for backwards compatibility, MGA with none; three-decimal currencies are three-decimal).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from webhook_core.money import from_minor_units, normalize_currency
from webhook_core.normalizers._common import (
    event_context,
    mapping,
    metadata,
    object_id,
    optional_str,
    prefixed,
    unix_seconds,
)
from webhook_core.records import EventType, PayloadShapeError, TransactionRecord

PROVIDER = "stripe"

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
    "charge.expired": EventType.PAYMENT_CANCELED,
    "charge.refunded": EventType.REFUND_CREATED,
    "charge.refund.updated": EventType.REFUND_UPDATED,
    "refund.created": EventType.REFUND_CREATED,
    "refund.updated": EventType.REFUND_UPDATED,
    "refund.failed": EventType.REFUND_FAILED,
    "charge.dispute.created": EventType.DISPUTE_CREATED,
    "charge.dispute.updated": EventType.DISPUTE_UPDATED,
    "charge.dispute.funds_withdrawn": EventType.DISPUTE_UPDATED,
    "charge.dispute.funds_reinstated": EventType.DISPUTE_UPDATED,
    "charge.dispute.closed": EventType.DISPUTE_CLOSED,
}

_FAILED_REFUND_STATUSES = frozenset({"failed", "canceled"})


def _customer(obj: Mapping[str, Any]) -> str | None:
    customer = obj.get("customer")
    if isinstance(customer, Mapping):  # an expanded Customer object
        return optional_str(customer, "id")
    return optional_str(obj, "customer")


def _amount(obj: Mapping[str, Any], event_type: EventType, previous: Mapping[str, Any]) -> object:
    if obj.get("object") == "charge" and event_type is EventType.REFUND_CREATED:
        # charge.refunded carries the charge; the refund is the increase of amount_refunded (cumulative).
        refunded = obj.get("amount_refunded")
        before = previous.get("amount_refunded", 0)
        if isinstance(refunded, int) and isinstance(before, int) and not isinstance(before, bool):
            return refunded - before
        return refunded
    return obj.get("amount")


def _details(obj: Mapping[str, Any], event_type: EventType, previous: Mapping[str, Any]) -> dict[str, str]:
    error = obj.get("last_payment_error")
    error = error if isinstance(error, Mapping) else {}
    pairs: dict[str, object] = {
        "object": obj.get("object"),
        "livemode": obj.get("livemode"),
        "payment_intent": obj.get("payment_intent") if isinstance(obj.get("payment_intent"), str) else None,
        "charge": obj.get("charge") if isinstance(obj.get("charge"), str) else None,
        "latest_charge": obj.get("latest_charge") if isinstance(obj.get("latest_charge"), str) else None,
        "failure_code": obj.get("failure_code") or error.get("code"),
        "decline_code": error.get("decline_code"),
        "cancellation_reason": obj.get("cancellation_reason"),
        "reason": obj.get("reason"),
        "previous_status": previous.get("status"),
    }
    if obj.get("object") == "charge" and event_type is EventType.REFUND_CREATED:
        pairs["amount_refunded_total_minor"] = obj.get("amount_refunded")
        pairs["charge_amount_minor"] = obj.get("amount")
    pairs.update(prefixed("meta.", obj.get("metadata")))
    return metadata(pairs)


def normalize(event: Mapping[str, Any]) -> list[TransactionRecord]:
    """One record for one Stripe event."""
    provider_type = optional_str(event, "type") or ""
    event_id = optional_str(event, "id") or ""
    data = mapping(event.get("data"), "data")
    obj = mapping(data.get("object"), "data.object")
    previous_raw = data.get("previous_attributes")
    previous: Mapping[str, Any] = previous_raw if isinstance(previous_raw, Mapping) else {}
    event_type = EVENT_TYPES.get(provider_type, EventType.UNKNOWN)
    if event_type is EventType.REFUND_UPDATED and obj.get("status") in _FAILED_REFUND_STATUSES:
        event_type = EventType.REFUND_FAILED

    object_ref = optional_str(obj, "id") if isinstance(obj.get("id"), str) else None
    context: dict[str, Any] = {
        "transaction_id": object_ref,
        "provider_event_type": provider_type,
        "event_type": event_type,
    }
    event_time = unix_seconds(event.get("created"), "created", **context)
    context["event_time"] = event_time

    amount: Decimal | None = None
    currency: str | None = None
    with event_context(context):
        if event_type is EventType.UNKNOWN:
            # Recorded for completeness: keyed by the object's id (or the event's), amount only when it is plain money.
            transaction_id = object_ref or event_id
            raw_amount, raw_currency = obj.get("amount"), obj.get("currency")
            if isinstance(raw_amount, int) and not isinstance(raw_amount, bool) and isinstance(raw_currency, str):
                currency = normalize_currency(raw_currency)
                amount = from_minor_units(raw_amount, currency, STRIPE_EXPONENT_OVERRIDES)
        else:
            transaction_id = object_id(obj, "id", f"{provider_type} data.object", **context)
            currency = normalize_currency(obj.get("currency"))
            raw_amount = _amount(obj, event_type, previous)
            if raw_amount is None:
                raise PayloadShapeError(f"{provider_type} data.object has no amount")
            amount = from_minor_units(raw_amount, currency, STRIPE_EXPONENT_OVERRIDES)

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
            payment_status=optional_str(obj, "status") if isinstance(obj.get("status"), str) else None,
            metadata=_details(obj, event_type, previous),
        )
    ]
