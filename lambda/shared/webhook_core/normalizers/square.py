"""Square events -> :class:`TransactionRecord`.

The transaction is ``data.object.<data.type>`` (a Payment, PaymentRefund or Dispute) and its ``id``; the event time
is the event's ``created_at``. Square's ``payment.created``/``payment.updated`` say only *that* a payment changed,
so the normalized type comes from the payment's ``status``. Amounts are integer minor units per ISO 4217.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from webhook_core.money import from_minor_units, normalize_currency
from webhook_core.normalizers._common import event_context, mapping, metadata, object_id, optional_str, rfc3339_seconds
from webhook_core.records import EventType, PayloadShapeError, TransactionRecord

PROVIDER = "square"

PAYMENT_STATUSES: Mapping[str, EventType] = {
    "APPROVED": EventType.PAYMENT_AUTHORIZED,
    "PENDING": EventType.PAYMENT_PENDING,
    "COMPLETED": EventType.PAYMENT_SUCCESS,
    "CANCELED": EventType.PAYMENT_CANCELED,
    "FAILED": EventType.PAYMENT_FAILED,
}
_FAILED_REFUND = frozenset({"FAILED", "REJECTED"})
_CLOSED_DISPUTE = frozenset({"WON", "LOST", "ACCEPTED", "INQUIRY_CLOSED"})
# event type -> the key of the object inside data.object
OBJECT_KEYS: Mapping[str, str] = {
    "payment.created": "payment",
    "payment.updated": "payment",
    "refund.created": "refund",
    "refund.updated": "refund",
    "dispute.created": "dispute",
    "dispute.state.updated": "dispute",
    "dispute.state.changed": "dispute",
}


def _event_type(provider_type: str, status: str | None) -> EventType:
    kind = provider_type.split(".", 1)[0]
    if kind == "payment":
        return PAYMENT_STATUSES.get(status or "", EventType.UNKNOWN)
    if kind == "refund":
        if status in _FAILED_REFUND:
            return EventType.REFUND_FAILED
        return EventType.REFUND_CREATED if provider_type == "refund.created" else EventType.REFUND_UPDATED
    if provider_type == "dispute.created":
        return EventType.DISPUTE_CREATED
    return EventType.DISPUTE_CLOSED if status in _CLOSED_DISPUTE else EventType.DISPUTE_UPDATED


def _money(obj: Mapping[str, Any]) -> tuple[Decimal, str]:
    raw = obj.get("amount_money")
    money = mapping(raw, "amount_money") if raw is not None else None
    if money is None:
        raise PayloadShapeError("object has no amount_money")
    currency = normalize_currency(money.get("currency"))
    return from_minor_units(money.get("amount"), currency), currency


def _details(obj: Mapping[str, Any], kind: str) -> dict[str, str]:
    card = obj.get("card_details")
    card_status = card.get("status") if isinstance(card, Mapping) else None
    disputed = obj.get("disputed_payment")
    return metadata(
        {
            "object": kind,
            "location_id": obj.get("location_id"),
            "order_id": obj.get("order_id"),
            "payment_id": obj.get("payment_id")
            or (disputed.get("payment_id") if isinstance(disputed, Mapping) else None),
            "source_type": obj.get("source_type"),
            "card_status": card_status,
            "reference_id": obj.get("reference_id"),
            "reason": obj.get("reason"),
            "version": obj.get("version"),
        }
    )


def normalize(event: Mapping[str, Any]) -> list[TransactionRecord]:
    """One record for one Square event."""
    provider_type = optional_str(event, "type") or ""
    event_id = optional_str(event, "event_id") or ""
    data = mapping(event.get("data"), "data")
    key = OBJECT_KEYS.get(provider_type)
    objects = data.get("object")
    inner = objects.get(key) if key and isinstance(objects, Mapping) else None

    if key is None or inner is None:
        transaction_id = optional_str(data, "id") or event_id
        event_time = rfc3339_seconds(event.get("created_at"), "created_at", transaction_id=transaction_id)
        return [
            TransactionRecord(
                provider=PROVIDER,
                event_id=event_id,
                transaction_id=transaction_id,
                event_time=event_time,
                event_type=EventType.UNKNOWN,
                provider_event_type=provider_type,
                amount=None,
                currency=None,
                customer_id=None,
                payment_status=None,
                metadata=metadata({"object": optional_str(data, "type")}),
            )
        ]

    obj = mapping(inner, f"data.object.{key}")
    status_field = "state" if key == "dispute" else "status"
    status = optional_str(obj, status_field)
    event_type = _event_type(provider_type, status)
    object_ref = obj.get("id") if isinstance(obj.get("id"), str) else None
    context: dict[str, Any] = {
        "transaction_id": object_ref or optional_str(data, "id"),
        "provider_event_type": provider_type,
        "event_type": event_type,
    }
    event_time = rfc3339_seconds(event.get("created_at"), "created_at", **context)
    context["event_time"] = event_time
    transaction_id = object_id(obj, "id", f"{provider_type} data.object.{key}", **context)
    with event_context(context):
        amount, currency = _money(obj)
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
            customer_id=optional_str(obj, "customer_id"),
            payment_status=status,
            metadata=_details(obj, key),
        )
    ]
