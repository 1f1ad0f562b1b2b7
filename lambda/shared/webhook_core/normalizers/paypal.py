"""PayPal events -> :class:`TransactionRecord`, for both kinds PayPal sends (decision 9).

* **REST webhooks** (JSON with ``event_type``): the transaction is ``resource`` (a capture, refund, order,
  authorization or dispute) and its id; the event time is ``create_time``; amounts are decimal strings.
* **Classic IPN** (form fields, no ``event_type``): the transaction is ``txn_id`` (a refund or reversal has its own
  ``txn_id``; the original is kept as ``parent_txn_id``); the event time is ``payment_date`` (Pacific time); the
  normalized type follows ``payment_status``; the amount is ``mc_gross``. Refund and reversal IPNs carry a negative
  ``mc_gross``; the record keeps its magnitude and the event type says the direction.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

from webhook_core.money import from_decimal_string, normalize_currency
from webhook_core.normalizers._common import event_context, mapping, metadata, object_id, optional_str, rfc3339_seconds
from webhook_core.records import EventType, MissingEventTime, PayloadShapeError, TransactionRecord

PROVIDER = "paypal"

REST_EVENT_TYPES: Mapping[str, EventType] = {
    "PAYMENT.CAPTURE.COMPLETED": EventType.PAYMENT_SUCCESS,
    "PAYMENT.CAPTURE.DENIED": EventType.PAYMENT_FAILED,
    "PAYMENT.CAPTURE.DECLINED": EventType.PAYMENT_FAILED,
    "PAYMENT.CAPTURE.PENDING": EventType.PAYMENT_PENDING,
    "PAYMENT.CAPTURE.REFUNDED": EventType.REFUND_CREATED,
    "PAYMENT.CAPTURE.REVERSED": EventType.REFUND_CREATED,
    "PAYMENT.AUTHORIZATION.CREATED": EventType.PAYMENT_AUTHORIZED,
    "PAYMENT.AUTHORIZATION.VOIDED": EventType.PAYMENT_CANCELED,
    "CHECKOUT.ORDER.APPROVED": EventType.PAYMENT_AUTHORIZED,
    "CHECKOUT.ORDER.COMPLETED": EventType.PAYMENT_SUCCESS,
    "CHECKOUT.ORDER.SAVED": EventType.PAYMENT_PENDING,
    "CHECKOUT.ORDER.VOIDED": EventType.PAYMENT_CANCELED,
    "CHECKOUT.PAYMENT-APPROVAL.REVERSED": EventType.PAYMENT_CANCELED,
    "CUSTOMER.DISPUTE.CREATED": EventType.DISPUTE_CREATED,
    "CUSTOMER.DISPUTE.UPDATED": EventType.DISPUTE_UPDATED,
    "CUSTOMER.DISPUTE.RESOLVED": EventType.DISPUTE_CLOSED,
}

IPN_PAYMENT_STATUSES: Mapping[str, EventType] = {
    "Completed": EventType.PAYMENT_SUCCESS,
    "Processed": EventType.PAYMENT_PENDING,
    "Pending": EventType.PAYMENT_PENDING,
    "Created": EventType.PAYMENT_PENDING,
    "Denied": EventType.PAYMENT_FAILED,
    "Failed": EventType.PAYMENT_FAILED,
    "Expired": EventType.PAYMENT_CANCELED,
    "Voided": EventType.PAYMENT_CANCELED,
    "Refunded": EventType.REFUND_CREATED,
    "Reversed": EventType.DISPUTE_CREATED,
    "Canceled_Reversal": EventType.DISPUTE_CLOSED,
}

# PayPal stamps IPN dates in Pacific time, naming the zone.
_PACIFIC = {"PST": timezone(timedelta(hours=-8)), "PDT": timezone(timedelta(hours=-7))}
_IPN_DATE = re.compile(r"(\d{1,2}:\d{2}:\d{2} [A-Za-z]{3} \d{1,2}, \d{4}) ([A-Z]{3})")


def is_ipn(event: Mapping[str, Any]) -> bool:
    """Classic IPN form fields rather than a REST webhook event."""
    return "event_type" not in event and ("txn_type" in event or "payment_status" in event or "ipn_track_id" in event)


def ipn_event_id(event: Mapping[str, Any]) -> str:
    """The notification id of an IPN, as the ingest plug-in derives it: ``ipn-<ipn_track_id>`` (PayPal keeps it
    across resends), else ``ipn-<txn_id>-<payment_status>``. The processor uses the id the validator sent."""
    track = optional_str(event, "ipn_track_id")
    if track:
        return f"ipn-{track}"
    txn = optional_str(event, "txn_id") or optional_str(event, "recurring_payment_id")
    txn = txn or optional_str(event, "subscr_id")
    return f"ipn-{txn or ''}-{event.get('payment_status') or event.get('txn_type') or 'ipn'}"


# --- REST ----------------------------------------------------------------------------------------------------------


def _rest_amount(resource: Mapping[str, Any], resource_type: str) -> tuple[Decimal, str]:
    if resource_type == "checkout-order":
        units = resource.get("purchase_units")
        if not isinstance(units, list) or not units:
            raise PayloadShapeError("checkout-order has no purchase_units")
        amounts: list[tuple[Decimal, str]] = []
        for unit in units:
            money = mapping(mapping(unit, "purchase_unit").get("amount"), "purchase_units[].amount")
            unit_currency = normalize_currency(money.get("currency_code"))
            amounts.append((from_decimal_string(money.get("value"), unit_currency), unit_currency))
        currencies = {unit_currency for _, unit_currency in amounts}
        if len(currencies) != 1:
            raise PayloadShapeError("purchase_units in different currencies")
        return sum((value for value, _ in amounts), Decimal(0)), currencies.pop()
    key = "dispute_amount" if resource_type == "dispute" or "dispute_id" in resource else "amount"
    money = mapping(resource.get(key), key)
    currency = normalize_currency(money.get("currency_code"))
    return from_decimal_string(money.get("value"), currency), currency


def _up_link(resource: Mapping[str, Any]) -> str | None:
    links = resource.get("links")
    if not isinstance(links, list):
        return None
    for link in links:
        if isinstance(link, Mapping) and link.get("rel") == "up" and isinstance(link.get("href"), str):
            return str(link["href"]).rstrip("/").rsplit("/", 1)[-1]
    return None


def _rest_details(resource: Mapping[str, Any], resource_type: str) -> dict[str, str]:
    supplementary = resource.get("supplementary_data")
    related = supplementary.get("related_ids") if isinstance(supplementary, Mapping) else None
    status_details = resource.get("status_details")
    captures: list[Any] = []
    units = resource.get("purchase_units")
    if isinstance(units, list) and units and isinstance(units[0], Mapping):
        payments = units[0].get("payments")
        if isinstance(payments, Mapping) and isinstance(payments.get("captures"), list):
            captures = payments["captures"]
    first_capture = captures[0] if captures and isinstance(captures[0], Mapping) else {}
    disputed = resource.get("disputed_transactions")
    if not first_capture and isinstance(disputed, list) and disputed and isinstance(disputed[0], Mapping):
        first_capture = {"id": disputed[0].get("seller_transaction_id")}
    return metadata(
        {
            "resource_type": resource_type,
            "order_id": related.get("order_id") if isinstance(related, Mapping) else None,
            "capture_id": first_capture.get("id"),
            "parent_id": _up_link(resource) if resource_type == "refund" else None,
            "status_reason": status_details.get("reason") if isinstance(status_details, Mapping) else None,
            "invoice_id": resource.get("invoice_id"),
            "custom_id": resource.get("custom_id"),
            "intent": resource.get("intent"),
            "reason": resource.get("reason"),
        }
    )


def _normalize_rest(event: Mapping[str, Any]) -> TransactionRecord:
    provider_type = optional_str(event, "event_type") or ""
    event_id = optional_str(event, "id") or ""
    resource_type = optional_str(event, "resource_type") or ""
    resource = mapping(event.get("resource"), "resource")
    event_type = REST_EVENT_TYPES.get(provider_type, EventType.UNKNOWN)
    id_key = "dispute_id" if "dispute_id" in resource else "id"
    object_ref = resource.get(id_key) if isinstance(resource.get(id_key), str) else None
    context: dict[str, Any] = {
        "transaction_id": object_ref,
        "provider_event_type": provider_type,
        "event_type": event_type,
    }
    event_time = rfc3339_seconds(event.get("create_time"), "create_time", **context)
    context["event_time"] = event_time
    payer = resource.get("payer")
    customer = optional_str(payer, "payer_id") if isinstance(payer, Mapping) else None

    amount: Decimal | None = None
    currency: str | None = None
    with event_context(context):
        if event_type is EventType.UNKNOWN:
            transaction_id = object_ref or event_id
            money = resource.get("amount")
            if isinstance(money, Mapping) and isinstance(money.get("value"), str):
                currency = normalize_currency(money.get("currency_code"))
                amount = from_decimal_string(money.get("value"), currency)
        else:
            transaction_id = object_id(resource, id_key, f"{provider_type} resource", **context)
            amount, currency = _rest_amount(resource, resource_type)
    return TransactionRecord(
        provider=PROVIDER,
        event_id=event_id,
        transaction_id=transaction_id,
        event_time=event_time,
        event_type=event_type,
        provider_event_type=provider_type,
        amount=amount,
        currency=currency,
        customer_id=customer,
        payment_status=optional_str(resource, "status"),
        metadata=_rest_details(resource, resource_type),
    )


# --- classic IPN ---------------------------------------------------------------------------------------------------


def ipn_date_seconds(value: object, **context: Any) -> int:
    """``"00:42:48 Nov 27, 2026 PST"`` -> Unix seconds."""
    if value is None or value == "":
        raise MissingEventTime("payment_date is missing", **context)
    if not isinstance(value, str):
        raise PayloadShapeError(f"payment_date must be a string, got {type(value).__name__}")
    match = _IPN_DATE.fullmatch(value.strip())
    if not match or match.group(2) not in _PACIFIC:
        raise PayloadShapeError(f"payment_date {value!r} is not PayPal's IPN date format")
    local = datetime.strptime(match.group(1), "%H:%M:%S %b %d, %Y").replace(tzinfo=_PACIFIC[match.group(2)])
    return int(local.astimezone(UTC).timestamp())


def _normalize_ipn(event: Mapping[str, Any]) -> TransactionRecord:
    txn_type = optional_str(event, "txn_type")
    payment_status = optional_str(event, "payment_status")
    provider_type = f"ipn:{txn_type}" if txn_type else "ipn"
    event_type = IPN_PAYMENT_STATUSES.get(payment_status or "", EventType.UNKNOWN)
    event_id = ipn_event_id(event)
    object_ref = optional_str(event, "txn_id")
    context: dict[str, Any] = {
        "transaction_id": object_ref,
        "provider_event_type": provider_type,
        "event_type": event_type,
    }
    amount: Decimal | None = None
    currency: str | None = None
    if event_type is EventType.UNKNOWN:
        # e.g. subscription sign-ups: no payment, no payment_date; keyed by what identifies them.
        transaction_id = object_ref or optional_str(event, "subscr_id") or optional_str(event, "recurring_payment_id")
        transaction_id = transaction_id or event_id
        raw_time = event.get("payment_date") or event.get("subscr_date") or event.get("time_created")
        event_time = ipn_date_seconds(raw_time, **context)
    else:
        event_time = ipn_date_seconds(event.get("payment_date"), **context)
        context["event_time"] = event_time
        transaction_id = object_id(event, "txn_id", "IPN", **context)
        with event_context(context):
            currency = normalize_currency(event.get("mc_currency"))
            amount = abs(from_decimal_string(event.get("mc_gross"), currency))
    return TransactionRecord(
        provider=PROVIDER,
        event_id=event_id,
        transaction_id=transaction_id,
        event_time=event_time,
        event_type=event_type,
        provider_event_type=provider_type,
        amount=amount,
        currency=currency,
        customer_id=optional_str(event, "payer_id"),
        payment_status=payment_status,
        metadata=metadata(
            {
                "kind": "ipn",
                "txn_type": txn_type,
                "parent_txn_id": event.get("parent_txn_id"),
                "reason_code": event.get("reason_code"),
                "pending_reason": event.get("pending_reason"),
                "payment_type": event.get("payment_type"),
                "mc_gross": event.get("mc_gross"),
                "invoice": event.get("invoice"),
                "custom": event.get("custom"),
                "item_number": event.get("item_number"),
                "test_ipn": event.get("test_ipn"),
            }
        ),
    )


def normalize(event: Mapping[str, Any]) -> list[TransactionRecord]:
    """One record for one PayPal REST webhook event or classic IPN message."""
    return [_normalize_ipn(event) if is_ipn(event) else _normalize_rest(event)]
