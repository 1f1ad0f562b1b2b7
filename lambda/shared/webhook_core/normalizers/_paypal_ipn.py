"""PayPal classic IPN messages -> :class:`TransactionRecord` (table: docs/providers.md, "PayPal IPN").

The normalized type follows ``txn_type`` where it names the family (``new_case`` disputes, ``adjustment``,
``masspay``, the ``subscr_*``/``recurring_payment*``/``mp_*`` agreement messages) and ``payment_status``
otherwise. The transaction is ``txn_id`` (a refund or reversal has its own; the original is ``parent_txn_id``), a
dispute's ``case_id``, a subscription's ``subscr_id``/``recurring_payment_id``, or each MassPay item's
``masspay_txn_id_<n>``. ``mc_gross`` is signed as the merchant's ledger sees it: the record keeps the magnitude and
the sign gives the direction, so a ``-225.00`` chargeback adjustment is a debit, never a ``payment.success``.
The event time is ``payment_date`` (or ``subscr_date``, ``case_creation_date``, ``time_created``), in any shape
``_times`` reads. The id of the event is :func:`webhook_core.ipn.event_id`.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from webhook_core import ipn
from webhook_core.money import from_decimal_string, normalize_currency
from webhook_core.normalizers._common import event_context, ledger_direction, metadata, optional_str, resolve_time
from webhook_core.records import (
    Direction,
    EventType,
    MissingObjectId,
    PayloadShapeError,
    TransactionRecord,
    default_direction,
)

PROVIDER = "paypal"
MAX_MASSPAY_ITEMS = 250

PAYMENT_STATUSES: Mapping[str, EventType] = {
    "Completed": EventType.PAYMENT_SUCCESS,
    "Processed": EventType.PAYMENT_PENDING,
    "Pending": EventType.PAYMENT_PENDING,
    "Created": EventType.PAYMENT_PENDING,
    "In-Progress": EventType.PAYMENT_PENDING,
    "Denied": EventType.PAYMENT_FAILED,
    "Declined": EventType.PAYMENT_FAILED,
    "Failed": EventType.PAYMENT_FAILED,
    "Expired": EventType.AUTHORIZATION_EXPIRED,
    "Voided": EventType.AUTHORIZATION_VOIDED,
    "Refunded": EventType.REFUND_CREATED,
    "Partially_Refunded": EventType.REFUND_CREATED,
    "Reversed": EventType.REVERSAL_CREATED,
    "Canceled_Reversal": EventType.REVERSAL_CANCELED,
}
# txn_type values that name the family regardless of payment_status.
TXN_TYPES: Mapping[str, EventType] = {
    "new_case": EventType.DISPUTE_CREATED,
    "subscr_signup": EventType.SUBSCRIPTION_CREATED,
    "subscr_cancel": EventType.SUBSCRIPTION_CANCELED,
    "subscr_eot": EventType.SUBSCRIPTION_CANCELED,
    "subscr_modify": EventType.SUBSCRIPTION_UPDATED,
    "subscr_failed": EventType.SUBSCRIPTION_PAYMENT_FAILED,
    "recurring_payment_profile_created": EventType.SUBSCRIPTION_CREATED,
    "recurring_payment_profile_cancel": EventType.SUBSCRIPTION_CANCELED,
    "recurring_payment_expired": EventType.SUBSCRIPTION_CANCELED,
    "recurring_payment_suspended": EventType.SUBSCRIPTION_UPDATED,
    "recurring_payment_suspended_due_to_max_failed_payment": EventType.SUBSCRIPTION_PAYMENT_FAILED,
    "recurring_payment_failed": EventType.SUBSCRIPTION_PAYMENT_FAILED,
    "recurring_payment_skipped": EventType.SUBSCRIPTION_PAYMENT_FAILED,
    "mp_signup": EventType.SUBSCRIPTION_CREATED,
    "mp_cancel": EventType.SUBSCRIPTION_CANCELED,
}
# A completed payment of these txn_types is a subscription renewal.
RENEWAL_TXN_TYPES = frozenset({"subscr_payment", "recurring_payment"})
MASSPAY_STATUSES: Mapping[str, EventType] = {
    "Completed": EventType.PAYOUT_PAID,
    "Processed": EventType.PAYOUT_CREATED,
    "Pending": EventType.PAYOUT_CREATED,
    "Unclaimed": EventType.PAYOUT_CREATED,
    "Failed": EventType.PAYOUT_FAILED,
    "Denied": EventType.PAYOUT_FAILED,
    "Blocked": EventType.PAYOUT_FAILED,
    "Returned": EventType.PAYOUT_FAILED,
    "Reversed": EventType.PAYOUT_FAILED,
}
_CHARGEBACK_DEBIT = ("chargeback", "chargeback_settlement", "buyer-complaint", "guarantee", "other")
_CHARGEBACK_CREDIT = ("chargeback_reimbursement", "chargeback_reversal", "adjustment_reversal")
_AMOUNT_OPTIONAL = frozenset(
    {
        EventType.DISPUTE_CREATED,
        EventType.SUBSCRIPTION_CREATED,
        EventType.SUBSCRIPTION_CANCELED,
        EventType.SUBSCRIPTION_UPDATED,
        EventType.SUBSCRIPTION_PAYMENT_FAILED,
        EventType.PAYMENT_FAILED,
        EventType.PAYMENT_PENDING,
        EventType.AUTHORIZATION_EXPIRED,
        EventType.AUTHORIZATION_VOIDED,
        EventType.UNKNOWN,
    }
)
_TIME_FIELDS = ("payment_date", "subscr_date", "case_creation_date", "time_created", "retry_at")


def _text(event: Mapping[str, Any], key: str) -> str | None:
    value = event.get(key)
    return value.strip() or None if isinstance(value, str) else None


def _adjustment_type(event: Mapping[str, Any], signed: Decimal | None) -> EventType:
    """A chargeback settled against the merchant (or reimbursed) is a dispute's money; anything else an adjustment."""
    reason = (_text(event, "reason_code") or "").lower()
    if signed is not None and signed < 0 and reason in _CHARGEBACK_DEBIT:
        return EventType.DISPUTE_FUNDS_WITHDRAWN
    if signed is not None and signed > 0 and reason in _CHARGEBACK_CREDIT:
        return EventType.DISPUTE_FUNDS_REINSTATED
    return EventType.ADJUSTMENT


def _event_type(event: Mapping[str, Any], signed: Decimal | None) -> EventType:
    txn_type = _text(event, "txn_type") or ""
    status = _text(event, "payment_status") or ""
    if txn_type == "adjustment":
        return _adjustment_type(event, signed)
    if txn_type in TXN_TYPES:
        return TXN_TYPES[txn_type]
    event_type = PAYMENT_STATUSES.get(status, EventType.UNKNOWN)
    if event_type is EventType.PAYMENT_SUCCESS:
        if signed is not None and signed < 0:  # money the merchant sent (send_money, a payment made): a debit
            return EventType.ADJUSTMENT
        if txn_type in RENEWAL_TXN_TYPES:
            return EventType.SUBSCRIPTION_RENEWED
    return event_type


def _signed_amount(event: Mapping[str, Any], suffix: str = "") -> tuple[Decimal, str] | None:
    """``(signed mc_gross, currency)``; ``None`` when absent. Subscription sign-ups carry ``mc_amount3``."""
    raw = event.get(f"mc_gross{suffix}")
    if raw in (None, "") and not suffix:
        raw = event.get("mc_amount3") or event.get("amount_per_cycle") or event.get("amount")
    if raw in (None, ""):
        return None
    currency = normalize_currency(event.get(f"mc_currency{suffix}") or event.get("currency_code"))
    return from_decimal_string(raw, currency), currency


def _transaction_id(event: Mapping[str, Any], event_type: EventType) -> str | None:
    keys: tuple[str, ...] = ("txn_id", "subscr_id", "recurring_payment_id", "case_id")
    if event_type is EventType.DISPUTE_CREATED:
        keys = ("case_id", "txn_id")
    elif event_type.value.startswith("subscription.") and event_type is not EventType.SUBSCRIPTION_RENEWED:
        keys = ("subscr_id", "recurring_payment_id", "mp_id", "txn_id")
    return next((value for value in (_text(event, key) for key in keys) if value), None)


def _details(event: Mapping[str, Any], txn_type: str | None) -> dict[str, str]:
    return metadata(
        {
            "kind": "ipn",
            "txn_type": txn_type,
            "parent_txn_id": event.get("parent_txn_id"),
            "receiver_id": event.get("receiver_id"),
            "reason_code": event.get("reason_code"),
            "case_id": event.get("case_id"),
            "case_type": event.get("case_type"),
            "subscr_id": event.get("subscr_id"),
            "recurring_payment_id": event.get("recurring_payment_id"),
            "pending_reason": event.get("pending_reason"),
            "payment_type": event.get("payment_type"),
            "mc_gross": event.get("mc_gross"),
            "invoice": event.get("invoice"),
            "custom": event.get("custom"),
            "item_number": event.get("item_number"),
            "test_ipn": event.get("test_ipn"),
            "charset": event.get("charset"),
        }
    )


def _masspay(event: Mapping[str, Any], base: dict[str, Any], notes: Mapping[str, str]) -> list[TransactionRecord]:
    """One payout record per ``masspay_txn_id_<n>`` item of a MassPay IPN."""
    records: list[TransactionRecord] = []
    for index in range(1, MAX_MASSPAY_ITEMS + 1):
        item_id = _text(event, f"masspay_txn_id_{index}")
        if item_id is None:
            break
        status = _text(event, f"status_{index}") or _text(event, "payment_status") or ""
        event_type = MASSPAY_STATUSES.get(status, EventType.PAYOUT_CREATED)
        with event_context({**base, "transaction_id": item_id, "event_type": event_type}):
            money = _signed_amount(event, f"_{index}")
            if money is None:
                raise PayloadShapeError(f"mc_gross_{index} is missing")
        records.append(
            TransactionRecord(
                **base,
                transaction_id=item_id,
                event_type=event_type,
                amount=abs(money[0]),
                currency=money[1],
                customer_id=None,
                payment_status=status or None,
                direction=default_direction(event_type),
                metadata={**_details(event, "masspay"), **notes},
            )
        )
    if not records:
        raise MissingObjectId("masspay IPN has no masspay_txn_id_1", **base)
    return records


def normalize_ipn(event: Mapping[str, Any]) -> list[TransactionRecord]:
    """The records of one IPN message."""
    txn_type = _text(event, "txn_type")
    provider_type = f"ipn:{txn_type}" if txn_type else "ipn"
    # IPN has no envelope: the first time field the message carries is its event time.
    present = [(name, event.get(name)) for name in _TIME_FIELDS if event.get(name)]
    event_time, source, notes = resolve_time(present)
    base: dict[str, Any] = {
        "provider": PROVIDER,
        "event_id": ipn.event_id(event),
        "event_time": event_time,
        "provider_event_type": provider_type,
        "time_source": source,
    }
    if txn_type == "masspay":
        return _masspay(event, base, notes)
    context: dict[str, Any] = {
        "transaction_id": _text(event, "txn_id"),
        "provider_event_type": provider_type,
        "event_time": event_time if source != "receipt" else None,
    }
    with event_context(context):
        money = _signed_amount(event)
    signed = money[0] if money else None
    event_type = _event_type(event, signed)
    context["event_type"] = event_type
    transaction_id = _transaction_id(event, event_type)
    if transaction_id is None:
        if event_type is not EventType.UNKNOWN:
            raise MissingObjectId("IPN has no txn_id", **context)
        transaction_id = base["event_id"]
    if money is None and event_type not in _AMOUNT_OPTIONAL:
        raise PayloadShapeError("mc_gross is missing", **{**context, "transaction_id": transaction_id})
    direction = ledger_direction(event_type, signed) if money is not None else Direction.NONE
    if event_type is EventType.SUBSCRIPTION_CREATED:
        direction = Direction.NONE  # mc_amount3 is the price, not money moved
    return [
        TransactionRecord(
            **base,
            transaction_id=transaction_id,
            event_type=event_type,
            amount=abs(signed) if signed is not None else None,
            currency=money[1] if money else None,
            customer_id=optional_str(event, "payer_id"),
            payment_status=_text(event, "payment_status"),
            direction=direction,
            metadata={**_details(event, txn_type), **notes},
        )
    ]
