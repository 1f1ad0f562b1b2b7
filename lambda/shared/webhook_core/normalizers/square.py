"""Square events -> :class:`TransactionRecord` (event-type table: docs/providers.md).

The object is ``data.object.<data.type>`` (a Payment, PaymentRefund, Dispute, Invoice, Payout, TerminalCheckout or
TerminalRefund); its id is ``id``, or ``dispute_id`` in the older Dispute shape that ``dispute.state.changed`` and
the ``dispute.evidence.*`` events still send. The event time is the event's ``created_at``. Square's
``payment.*``/``refund.*``/``terminal.*`` names say only *that* an object changed, so the normalized type comes
from the object's ``status`` (``state`` for disputes). Amounts are integer minor units per ISO 4217 in
``amount_money`` (``{amount, currency}``; Payouts spell it ``currency_code``); an Invoice's money is the sum over its
``payment_requests``.
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

PROVIDER = "square"

PAYMENT_STATUSES: Mapping[str, EventType] = {
    "APPROVED": EventType.PAYMENT_AUTHORIZED,
    "PENDING": EventType.PAYMENT_PENDING,
    "COMPLETED": EventType.PAYMENT_SUCCESS,
    "CANCELED": EventType.PAYMENT_CANCELED,
    "FAILED": EventType.PAYMENT_FAILED,
}
CHECKOUT_STATUSES: Mapping[str, EventType] = {
    "COMPLETED": EventType.PAYMENT_SUCCESS,
    "CANCELED": EventType.PAYMENT_CANCELED,
}
INVOICE_TYPES: Mapping[str, EventType] = {
    "invoice.created": EventType.INVOICE_CREATED,
    "invoice.published": EventType.INVOICE_CREATED,
    "invoice.updated": EventType.INVOICE_CREATED,
    "invoice.payment_made": EventType.INVOICE_PAID,
    "invoice.scheduled_charge_failed": EventType.INVOICE_PAYMENT_FAILED,
    "invoice.refunded": EventType.REFUND_CREATED,
    "invoice.canceled": EventType.INVOICE_CANCELED,
    "invoice.deleted": EventType.INVOICE_CANCELED,
}
PAYOUT_TYPES: Mapping[str, EventType] = {
    "payout.sent": EventType.PAYOUT_CREATED,
    "payout.paid": EventType.PAYOUT_PAID,
    "payout.failed": EventType.PAYOUT_FAILED,
}
DISPUTE_TYPES = frozenset(
    {
        "dispute.created",
        "dispute.state.updated",
        "dispute.state.changed",
        "dispute.evidence.added",
        "dispute.evidence.created",
        "dispute.evidence.removed",
        "dispute.evidence.deleted",
    }
)
_FAILED_REFUND = frozenset({"FAILED", "REJECTED", "CANCELED"})
_CLOSED_DISPUTE = frozenset({"WON", "LOST", "ACCEPTED", "INQUIRY_CLOSED"})
# Types whose object may legitimately carry no money (recorded without an amount).
_MONEY_OPTIONAL = frozenset(
    {EventType.INVOICE_CREATED, EventType.INVOICE_CANCELED, EventType.INVOICE_PAYMENT_FAILED, EventType.UNKNOWN}
)


def _payment_type(provider_type: str, status: str, obj: Mapping[str, Any]) -> EventType:
    card = obj.get("card_details")
    if status == "CANCELED" and isinstance(card, Mapping) and card.get("status") == "VOIDED":
        return EventType.AUTHORIZATION_VOIDED
    return PAYMENT_STATUSES.get(status, EventType.UNKNOWN)


def _refund_type(provider_type: str, status: str, obj: Mapping[str, Any]) -> EventType:
    if status in _FAILED_REFUND:
        return EventType.REFUND_FAILED
    return EventType.REFUND_CREATED if provider_type.endswith(".created") else EventType.REFUND_UPDATED


def _dispute_type(provider_type: str, status: str, obj: Mapping[str, Any]) -> EventType:
    if provider_type == "dispute.created":
        return EventType.DISPUTE_CREATED
    return EventType.DISPUTE_CLOSED if status in _CLOSED_DISPUTE else EventType.DISPUTE_UPDATED


def _checkout_type(provider_type: str, status: str, obj: Mapping[str, Any]) -> EventType:
    return CHECKOUT_STATUSES.get(status, EventType.PAYMENT_PENDING)


_BY_STATUS = {
    "payment.created": _payment_type,
    "payment.updated": _payment_type,
    "refund.created": _refund_type,
    "refund.updated": _refund_type,
    "terminal.refund.created": _refund_type,
    "terminal.refund.updated": _refund_type,
    "terminal.checkout.created": _checkout_type,
    "terminal.checkout.updated": _checkout_type,
    **dict.fromkeys(DISPUTE_TYPES, _dispute_type),
}


def _event_type(provider_type: str, obj: Mapping[str, Any]) -> EventType:
    status = obj.get("state") if provider_type.startswith("dispute.") else obj.get("status")
    by_status = _BY_STATUS.get(provider_type)
    if by_status is not None:
        return by_status(provider_type, status if isinstance(status, str) else "", obj)
    return INVOICE_TYPES.get(provider_type) or PAYOUT_TYPES.get(provider_type) or EventType.UNKNOWN


def _money_of(raw: object, where: str) -> tuple[Decimal, str]:
    money = mapping(raw, where)
    currency = normalize_currency(money.get("currency") or money.get("currency_code"))
    return from_minor_units(money.get("amount"), currency), currency


def _invoice_money(obj: Mapping[str, Any], event_type: EventType) -> tuple[Decimal, str] | None:
    requests = obj.get("payment_requests")
    if not isinstance(requests, list):
        return None
    field = (
        "total_completed_amount_money"
        if event_type in (EventType.INVOICE_PAID, EventType.REFUND_CREATED)
        else ("computed_amount_money")
    )
    total: Decimal | None = None
    currency: str | None = None
    for request in requests:
        raw = mapping(request, "payment_requests[]").get(field)
        if raw is None:
            continue
        value, unit = _money_of(raw, f"payment_requests[].{field}")
        if currency not in (None, unit):
            raise PayloadShapeError("payment_requests are in different currencies")
        total, currency = (value if total is None else total + value), unit
    return (total, currency) if total is not None and currency is not None else None


def _money(obj: Mapping[str, Any], kind: str, event_type: EventType) -> tuple[Decimal, str] | None:
    if kind == "invoice":
        return _invoice_money(obj, event_type)
    raw = obj.get("amount_money")
    return None if raw is None else _money_of(raw, "amount_money")


def _customer(obj: Mapping[str, Any]) -> str | None:
    recipient = obj.get("primary_recipient")
    if isinstance(recipient, Mapping):
        return optional_str(recipient, "customer_id")
    return optional_str(obj, "customer_id")


def _details(obj: Mapping[str, Any], kind: str) -> dict[str, str]:
    card = obj.get("card_details")
    card_status = card.get("status") if isinstance(card, Mapping) else None
    disputed = obj.get("disputed_payment")
    payment_ids = obj.get("payment_ids")
    return metadata(
        {
            "object": kind,
            "location_id": obj.get("location_id"),
            "order_id": obj.get("order_id"),
            "payment_id": obj.get("payment_id")
            or (disputed.get("payment_id") if isinstance(disputed, Mapping) else None)
            or (payment_ids[0] if isinstance(payment_ids, list) and payment_ids else None),
            "source_type": obj.get("source_type"),
            "card_status": card_status,
            "reference_id": obj.get("reference_id"),
            "reason": obj.get("reason"),
            "invoice_number": obj.get("invoice_number"),
            "payout_type": obj.get("type") if kind == "payout" else None,
            "version": obj.get("version"),
        }
    )


def _inner(data: Mapping[str, Any]) -> tuple[str, Mapping[str, Any]] | None:
    """``(kind, object)`` from ``data.object.<data.type>`` (or the only entry of ``data.object``)."""
    objects = data.get("object")
    if not isinstance(objects, Mapping) or not objects:
        return None
    kind = optional_str(data, "type") if isinstance(data.get("type"), str) else None
    if kind and isinstance(objects.get(kind), Mapping):
        return kind, objects[kind]
    if len(objects) == 1:
        key, value = next(iter(objects.items()))
        if isinstance(value, Mapping):
            return str(key), value
    return None


def normalize(event: Mapping[str, Any]) -> list[TransactionRecord]:
    """One record for one Square event."""
    provider_type = optional_str(event, "type") or ""
    event_id = optional_str(event, "event_id") or ""
    data = mapping(event.get("data"), "data")
    found = _inner(data)
    kind, obj = found if found is not None else (optional_str(data, "type") or "", {})
    if found is not None:
        event_type = _event_type(provider_type, obj)
    else:  # e.g. invoice.deleted: data carries only the id (and "deleted": true)
        event_type = INVOICE_TYPES.get(provider_type) or PAYOUT_TYPES.get(provider_type) or EventType.UNKNOWN
    id_key = "dispute_id" if kind == "dispute" and not obj.get("id") else "id"
    object_ref = obj.get(id_key) if isinstance(obj.get(id_key), str) and obj.get(id_key) else None
    event_time, source, notes = resolve_time(
        [("created_at", event.get("created_at")), ("object.updated_at", obj.get("updated_at"))]
    )
    context: dict[str, Any] = {
        "transaction_id": object_ref or optional_str(data, "id"),
        "provider_event_type": provider_type,
        "event_type": event_type,
        "event_time": event_time if source != "receipt" else None,
    }
    money: tuple[Decimal, str] | None = None
    with event_context(context):
        if event_type is EventType.UNKNOWN:
            transaction_id = str(object_ref or optional_str(data, "id") or event_id)
            try:
                money = _money(obj, kind, event_type)
            except UnprocessableEvent:
                money = None
        else:
            transaction_id = object_id(obj or data, id_key, f"{provider_type} data.object.{kind}", **context)
            money = _money(obj, kind, event_type)
            if money is None and event_type not in _MONEY_OPTIONAL:
                raise PayloadShapeError(f"data.object.{kind} has no amount_money")
    amount: Decimal | None = None
    currency: str | None = None
    direction = Direction.NONE
    if money is not None:
        amount, currency = abs(money[0]), money[1]
        direction = default_direction(event_type)
        if money[0] < 0:  # e.g. a debit payout: Square takes money from the bank account
            direction = flipped(direction)
    status_field = "state" if kind == "dispute" else "status"
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
            payment_status=obj.get(status_field) if isinstance(obj.get(status_field), str) else None,
            direction=direction,
            time_source=source,
            metadata={**_details(obj, kind), **notes},
        )
    ]
