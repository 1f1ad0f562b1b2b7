"""PayPal events -> :class:`TransactionRecord`, for both kinds PayPal sends (decision 9; table: docs/providers.md).

* **REST webhooks** (JSON with ``event_type``): the transaction is ``resource`` and its id; the event time is
  ``create_time`` (PayPal's simulator sends year-day-month dates; see ``_times``). Both resource generations are
  read: Payments v2 / Orders / Disputes (``amount.value`` + ``amount.currency_code``) and Payments v1 sale,
  authorization, capture and refund (``amount.total`` + ``amount.currency``), plus billing subscriptions and plans,
  invoices and payouts.
* **Classic IPN** (form fields, no ``event_type``): see :mod:`webhook_core.normalizers._paypal_ipn`.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from webhook_core import ipn
from webhook_core.money import from_decimal_string, normalize_currency
from webhook_core.normalizers._common import event_context, mapping, metadata, optional_str, resolve_time
from webhook_core.normalizers._paypal_ipn import normalize_ipn
from webhook_core.records import (
    Direction,
    EventType,
    MissingObjectId,
    PayloadShapeError,
    TransactionRecord,
    UnprocessableEvent,
    default_direction,
)

PROVIDER = "paypal"

REST_EVENT_TYPES: Mapping[str, EventType] = {
    # Payments v2 (captures, authorizations) and v1 (sales, authorizations, captures, refunds)
    "PAYMENT.CAPTURE.COMPLETED": EventType.PAYMENT_SUCCESS,
    "PAYMENT.CAPTURE.DENIED": EventType.PAYMENT_FAILED,
    "PAYMENT.CAPTURE.DECLINED": EventType.PAYMENT_FAILED,
    "PAYMENT.CAPTURE.PENDING": EventType.PAYMENT_PENDING,
    "PAYMENT.CAPTURE.REFUNDED": EventType.REFUND_CREATED,
    "PAYMENT.CAPTURE.REVERSED": EventType.REVERSAL_CREATED,
    "PAYMENT.SALE.COMPLETED": EventType.PAYMENT_SUCCESS,
    "PAYMENT.SALE.PENDING": EventType.PAYMENT_PENDING,
    "PAYMENT.SALE.DENIED": EventType.PAYMENT_FAILED,
    "PAYMENT.SALE.REFUNDED": EventType.REFUND_CREATED,
    "PAYMENT.SALE.REVERSED": EventType.REVERSAL_CREATED,
    "PAYMENT.AUTHORIZATION.CREATED": EventType.PAYMENT_AUTHORIZED,
    "PAYMENT.AUTHORIZATION.VOIDED": EventType.AUTHORIZATION_VOIDED,
    # Orders v2
    "CHECKOUT.ORDER.APPROVED": EventType.PAYMENT_AUTHORIZED,
    "CHECKOUT.ORDER.COMPLETED": EventType.PAYMENT_SUCCESS,
    "CHECKOUT.ORDER.SAVED": EventType.PAYMENT_PENDING,
    "CHECKOUT.ORDER.VOIDED": EventType.PAYMENT_CANCELED,
    "CHECKOUT.PAYMENT-APPROVAL.REVERSED": EventType.PAYMENT_CANCELED,
    # Disputes v1
    "CUSTOMER.DISPUTE.CREATED": EventType.DISPUTE_CREATED,
    "CUSTOMER.DISPUTE.UPDATED": EventType.DISPUTE_UPDATED,
    "CUSTOMER.DISPUTE.RESOLVED": EventType.DISPUTE_CLOSED,
    "RISK.DISPUTE.CREATED": EventType.DISPUTE_CREATED,
    # Subscriptions v1 and billing plans
    "BILLING.SUBSCRIPTION.CREATED": EventType.SUBSCRIPTION_CREATED,
    "BILLING.SUBSCRIPTION.ACTIVATED": EventType.SUBSCRIPTION_UPDATED,
    "BILLING.SUBSCRIPTION.UPDATED": EventType.SUBSCRIPTION_UPDATED,
    "BILLING.SUBSCRIPTION.RE-ACTIVATED": EventType.SUBSCRIPTION_UPDATED,
    "BILLING.SUBSCRIPTION.SUSPENDED": EventType.SUBSCRIPTION_UPDATED,
    "BILLING.SUBSCRIPTION.RENEWED": EventType.SUBSCRIPTION_RENEWED,
    "BILLING.SUBSCRIPTION.EXPIRED": EventType.SUBSCRIPTION_CANCELED,
    "BILLING.SUBSCRIPTION.CANCELLED": EventType.SUBSCRIPTION_CANCELED,
    "BILLING.SUBSCRIPTION.PAYMENT.FAILED": EventType.SUBSCRIPTION_PAYMENT_FAILED,
    "BILLING.PLAN.CREATED": EventType.PLAN_CHANGED,
    "BILLING.PLAN.UPDATED": EventType.PLAN_CHANGED,
    "BILLING.PLAN.ACTIVATED": EventType.PLAN_CHANGED,
    "BILLING.PLAN.DEACTIVATED": EventType.PLAN_CHANGED,
    "BILLING.PLAN.PRICING-CHANGE.ACTIVATED": EventType.PLAN_CHANGED,
    # Invoicing v2
    "INVOICING.INVOICE.CREATED": EventType.INVOICE_CREATED,
    "INVOICING.INVOICE.UPDATED": EventType.INVOICE_CREATED,
    "INVOICING.INVOICE.PAID": EventType.INVOICE_PAID,
    "INVOICING.INVOICE.CANCELLED": EventType.INVOICE_CANCELED,
    "INVOICING.INVOICE.REFUNDED": EventType.REFUND_CREATED,
    # Payouts v1
    "PAYMENT.PAYOUTSBATCH.PROCESSING": EventType.PAYOUT_CREATED,
    "PAYMENT.PAYOUTSBATCH.SUCCESS": EventType.PAYOUT_PAID,
    "PAYMENT.PAYOUTSBATCH.DENIED": EventType.PAYOUT_FAILED,
    "PAYMENT.PAYOUTS-ITEM.SUCCEEDED": EventType.PAYOUT_PAID,
    "PAYMENT.PAYOUTS-ITEM.UNCLAIMED": EventType.PAYOUT_CREATED,
    "PAYMENT.PAYOUTS-ITEM.HELD": EventType.PAYOUT_CREATED,
    "PAYMENT.PAYOUTS-ITEM.RELEASED": EventType.PAYOUT_CREATED,
    "PAYMENT.PAYOUTS-ITEM.FAILED": EventType.PAYOUT_FAILED,
    "PAYMENT.PAYOUTS-ITEM.BLOCKED": EventType.PAYOUT_FAILED,
    "PAYMENT.PAYOUTS-ITEM.DENIED": EventType.PAYOUT_FAILED,
    "PAYMENT.PAYOUTS-ITEM.RETURNED": EventType.PAYOUT_FAILED,
    "PAYMENT.PAYOUTS-ITEM.REFUNDED": EventType.PAYOUT_FAILED,
    "PAYMENT.PAYOUTS-ITEM.CANCELED": EventType.PAYOUT_CANCELED,
}
# Types whose resource may carry no money (recorded without an amount).
_MONEY_OPTIONAL = frozenset(
    {
        EventType.UNKNOWN,
        EventType.PLAN_CHANGED,
        EventType.SUBSCRIPTION_CREATED,
        EventType.SUBSCRIPTION_UPDATED,
        EventType.SUBSCRIPTION_CANCELED,
        EventType.SUBSCRIPTION_PAYMENT_FAILED,
        EventType.INVOICE_CREATED,
        EventType.INVOICE_CANCELED,
        EventType.DISPUTE_UPDATED,
        EventType.DISPUTE_CLOSED,
    }
)
# Where a resource's money is, in order (each a path of keys to a money object).
_MONEY_PATHS: tuple[tuple[str, ...], ...] = (
    ("dispute_amount",),
    ("amount",),
    ("payout_item", "amount"),
    ("batch_header", "amount"),
    ("billing_info", "last_failed_payment", "amount"),
    ("billing_info", "last_payment", "amount"),
    ("invoice", "amount"),
    ("gross_amount",),
)
_ID_KEYS = ("dispute_id", "id", "payout_item_id")


def _dig(obj: Mapping[str, Any], path: tuple[str, ...]) -> object:
    current: object = obj
    for step in path:
        if not isinstance(current, Mapping):
            return None
        current = current.get(step)
    return current


def money_object(raw: object, where: str) -> Decimal:
    """The *signed* value of a v2 (``value``/``currency_code``) or v1 (``total``/``currency``) money object.

    Old Disputes (``RISK.DISPUTE.*``) mix the two: ``value`` with ``currency``.
    """
    money = mapping(raw, where)
    currency = normalize_currency(money.get("currency_code") or money.get("currency"))
    return from_decimal_string(money.get("value") if "value" in money else money.get("total"), currency)


def _currency(raw: Mapping[str, Any]) -> str:
    return normalize_currency(raw.get("currency_code") or raw.get("currency"))


def _order_money(resource: Mapping[str, Any]) -> tuple[Decimal, str] | None:
    units = resource.get("purchase_units")
    if not isinstance(units, list) or not units:
        return None
    total = Decimal(0)
    currencies: set[str] = set()
    for unit in units:
        raw = mapping(mapping(unit, "purchase_units[]").get("amount"), "purchase_units[].amount")
        total += money_object(raw, "purchase_units[].amount")
        currencies.add(_currency(raw))
    if len(currencies) != 1:
        raise PayloadShapeError("purchase_units are in different currencies")
    return total, currencies.pop()


def _rest_money(resource: Mapping[str, Any], resource_type: str) -> tuple[Decimal, str] | None:
    """``(signed value, currency)`` of the resource, or ``None`` when it carries no money object."""
    if resource_type == "checkout-order" or ("purchase_units" in resource and "amount" not in resource):
        return _order_money(resource)
    for path in _MONEY_PATHS:
        raw = _dig(resource, path)
        if isinstance(raw, Mapping):
            return money_object(raw, ".".join(path)), _currency(raw)
    return None


def _up_link(resource: Mapping[str, Any]) -> str | None:
    links = resource.get("links")
    if not isinstance(links, list):
        return None
    for link in links:
        if isinstance(link, Mapping) and link.get("rel") == "up" and isinstance(link.get("href"), str):
            return str(link["href"]).rstrip("/").rsplit("/", 1)[-1]
    return None


def _customer(resource: Mapping[str, Any]) -> str | None:
    """The payer: v2 ``payer.payer_id``, v1 ``payer.payer_info.payer_id``, subscriptions ``subscriber.payer_id``."""
    for path in (
        ("payer", "payer_id"),
        ("payer", "payer_info", "payer_id"),
        ("subscriber", "payer_id"),
        ("payer_info", "payer_id"),
    ):
        value = _dig(resource, path)
        if isinstance(value, str) and value:
            return value
    disputed = resource.get("disputed_transactions")
    if isinstance(disputed, list) and disputed and isinstance(disputed[0], Mapping):
        value = _dig(disputed[0], ("buyer", "payer_id"))
        if isinstance(value, str) and value:
            return value
    return None


def _rest_details(resource: Mapping[str, Any], resource_type: str) -> dict[str, str]:
    related = _dig(resource, ("supplementary_data", "related_ids"))
    status_details = resource.get("status_details")
    first_capture = _dig(resource, ("purchase_units",))
    capture_id: object = None
    if isinstance(first_capture, list) and first_capture and isinstance(first_capture[0], Mapping):
        captures = _dig(first_capture[0], ("payments", "captures"))
        if isinstance(captures, list) and captures and isinstance(captures[0], Mapping):
            capture_id = captures[0].get("id")
    disputed = resource.get("disputed_transactions")
    if capture_id is None and isinstance(disputed, list) and disputed and isinstance(disputed[0], Mapping):
        capture_id = disputed[0].get("seller_transaction_id")
    outcome = _dig(resource, ("dispute_outcome", "outcome_code"))
    return metadata(
        {
            "resource_type": resource_type,
            "order_id": related.get("order_id") if isinstance(related, Mapping) else None,
            "capture_id": capture_id,
            "parent_id": _up_link(resource) if resource_type == "refund" else None,
            "parent_payment": resource.get("parent_payment"),
            "sale_id": resource.get("sale_id"),
            "billing_agreement_id": resource.get("billing_agreement_id"),
            "plan_id": resource.get("plan_id"),
            "status_reason": status_details.get("reason") if isinstance(status_details, Mapping) else None,
            "dispute_outcome": outcome,
            "invoice_id": resource.get("invoice_id"),
            "invoice_number": resource.get("invoice_number"),
            "custom_id": resource.get("custom_id") or resource.get("custom"),
            "intent": resource.get("intent"),
            "reason": resource.get("reason") or resource.get("reason_code"),
            "transaction_status": resource.get("transaction_status"),
        }
    )


def _refine(provider_type: str, event_type: EventType, resource: Mapping[str, Any]) -> EventType:
    if provider_type == "PAYMENT.SALE.COMPLETED" and isinstance(resource.get("billing_agreement_id"), str):
        return EventType.SUBSCRIPTION_RENEWED  # PayPal Subscriptions: one sale per renewal
    return event_type


def _transaction_id(resource: Mapping[str, Any]) -> str | None:
    for key in _ID_KEYS:
        value = resource.get(key)
        if isinstance(value, str) and value:
            return value
    batch = _dig(resource, ("batch_header", "payout_batch_id"))
    return batch if isinstance(batch, str) and batch else None


def _normalize_rest(event: Mapping[str, Any]) -> TransactionRecord:
    provider_type = optional_str(event, "event_type") or ""
    event_id = optional_str(event, "id") or ""
    resource_type = optional_str(event, "resource_type") or ""
    resource = mapping(event.get("resource"), "resource")
    event_type = _refine(provider_type, REST_EVENT_TYPES.get(provider_type, EventType.UNKNOWN), resource)
    object_ref = _transaction_id(resource)
    event_time, source, notes = resolve_time(
        [
            ("create_time", event.get("create_time")),
            ("resource.update_time", resource.get("update_time")),
            ("resource.create_time", resource.get("create_time")),
        ]
    )
    context: dict[str, Any] = {
        "transaction_id": object_ref,
        "provider_event_type": provider_type,
        "event_type": event_type,
        "event_time": event_time if source != "receipt" else None,
    }
    money: tuple[Decimal, str] | None = None
    with event_context(context):
        if event_type is EventType.UNKNOWN:
            try:
                money = _rest_money(resource, resource_type)
            except UnprocessableEvent:
                money = None
        else:
            if object_ref is None:
                raise MissingObjectId(f"{provider_type} resource has no id", **context)
            money = _rest_money(resource, resource_type)
            if money is None and event_type not in _MONEY_OPTIONAL:
                raise PayloadShapeError("resource has no amount")
    amount: Decimal | None = None
    currency: str | None = None
    direction = Direction.NONE
    if money is not None:
        amount, currency = abs(money[0]), money[1]
        direction = default_direction(event_type)
    status = resource.get("status") or resource.get("state") or resource.get("transaction_status")
    return TransactionRecord(
        provider=PROVIDER,
        event_id=event_id,
        transaction_id=object_ref or event_id,
        event_time=event_time,
        event_type=event_type,
        provider_event_type=provider_type,
        amount=amount,
        currency=currency,
        customer_id=_customer(resource),
        payment_status=status if isinstance(status, str) else None,
        direction=direction,
        time_source=source,
        metadata={**_rest_details(resource, resource_type), **notes},
    )


def normalize(event: Mapping[str, Any]) -> list[TransactionRecord]:
    """The records of one PayPal REST webhook event (one) or classic IPN message (one, or one per MassPay item)."""
    if ipn.is_ipn(event):
        return normalize_ipn(event)
    return [_normalize_rest(event)]
