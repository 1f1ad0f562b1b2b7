"""The normalized transaction record, its event taxonomy, the timestamp tiebreak and the normalizers' errors.

One webhook event becomes one :class:`TransactionRecord` (decisions 4-6). The DynamoDB sort key ``timestamp`` is the
event's Unix second plus a deterministic fraction derived from the provider event id (docs/design.md), so a duplicate
delivery lands on the same key and two distinct events of one transaction in the same second do not collide.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

TIEBREAK_DIGITS = 20


class EventType(StrEnum):
    """The normalized event taxonomy (docs/providers.md). The provider's own type is kept beside it."""

    PAYMENT_SUCCESS = "payment.success"
    PAYMENT_FAILED = "payment.failed"
    PAYMENT_PENDING = "payment.pending"
    PAYMENT_CANCELED = "payment.canceled"
    PAYMENT_AUTHORIZED = "payment.authorized"
    AUTHORIZATION_VOIDED = "authorization.voided"
    AUTHORIZATION_EXPIRED = "authorization.expired"
    REFUND_CREATED = "refund.created"
    REFUND_UPDATED = "refund.updated"
    REFUND_FAILED = "refund.failed"
    REVERSAL_CREATED = "reversal.created"
    REVERSAL_CANCELED = "reversal.canceled"
    DISPUTE_CREATED = "dispute.created"
    DISPUTE_UPDATED = "dispute.updated"
    DISPUTE_CLOSED = "dispute.closed"
    DISPUTE_FUNDS_WITHDRAWN = "dispute.funds_withdrawn"
    DISPUTE_FUNDS_REINSTATED = "dispute.funds_reinstated"
    FRAUD_WARNING = "fraud.warning"
    REVIEW_OPENED = "review.opened"
    REVIEW_CLOSED = "review.closed"
    ADJUSTMENT = "adjustment"
    PAYOUT_CREATED = "payout.created"
    PAYOUT_PAID = "payout.paid"
    PAYOUT_FAILED = "payout.failed"
    PAYOUT_CANCELED = "payout.canceled"
    INVOICE_CREATED = "invoice.created"
    INVOICE_PAID = "invoice.paid"
    INVOICE_PAYMENT_FAILED = "invoice.payment_failed"
    INVOICE_CANCELED = "invoice.canceled"
    SUBSCRIPTION_CREATED = "subscription.created"
    SUBSCRIPTION_UPDATED = "subscription.updated"
    SUBSCRIPTION_RENEWED = "subscription.renewed"
    SUBSCRIPTION_PAYMENT_FAILED = "subscription.payment_failed"
    SUBSCRIPTION_CANCELED = "subscription.canceled"
    PLAN_CHANGED = "plan.changed"
    UNKNOWN = "unknown"


class Direction(StrEnum):
    """Which way the money of the record moved, seen from the merchant's balance (decision 23).

    ``amount`` stays a non-negative magnitude; ``credit`` adds it to the merchant's balance, ``debit`` takes it away,
    ``none`` means no money moved (yet): an authorization, a pending or failed payment, a notice.
    """

    CREDIT = "credit"
    DEBIT = "debit"
    NONE = "none"


_CREDIT_TYPES = frozenset(
    {
        EventType.PAYMENT_SUCCESS,
        EventType.INVOICE_PAID,
        EventType.SUBSCRIPTION_RENEWED,
        EventType.DISPUTE_FUNDS_REINSTATED,
        EventType.REVERSAL_CANCELED,
    }
)
_DEBIT_TYPES = frozenset(
    {
        EventType.REFUND_CREATED,
        EventType.REFUND_UPDATED,
        EventType.REVERSAL_CREATED,
        EventType.DISPUTE_FUNDS_WITHDRAWN,
        EventType.PAYOUT_CREATED,
        EventType.PAYOUT_PAID,
    }
)


def default_direction(event_type: EventType) -> Direction:
    """The direction an event of this type has when the provider says nothing more (docs/providers.md)."""
    if event_type in _CREDIT_TYPES:
        return Direction.CREDIT
    if event_type in _DEBIT_TYPES:
        return Direction.DEBIT
    return Direction.NONE


class ProcessingStatus(StrEnum):
    """Our processing status of the event (not the payment's own status, which is ``payment_status``)."""

    PENDING = "pending"
    PROCESSED = "processed"
    FAILED = "failed"


def timestamp_tiebreak(provider: str, event_id: str) -> str:
    """The 20 fractional digits: ``sha256(provider:event_id)`` as an integer, modulo 10**20, zero-padded."""
    digest = hashlib.sha256(f"{provider}:{event_id}".encode()).digest()
    return f"{int.from_bytes(digest, 'big') % 10**TIEBREAK_DIGITS:0{TIEBREAK_DIGITS}d}"


def event_timestamp(provider: str, event_id: str, event_time: int) -> Decimal:
    """``event_time + 0.<20 tiebreak digits>``, exact.

    Built from a string because ``Decimal`` arithmetic would round to the default 28-digit context; 10 integer plus
    20 fractional digits fit DynamoDB's 38-digit Number. ``floor()`` of the result is ``event_time``.
    """
    if event_time < 0:
        raise ValueError(f"event time must not be negative, got {event_time}")
    return Decimal(f"{event_time}.{timestamp_tiebreak(provider, event_id)}")


@dataclass(frozen=True)
class TransactionRecord:
    """One normalized webhook event.

    ``amount`` is an exact ``Decimal`` in major units (``None`` when the event carries no amount), ``currency`` is
    ISO 4217 upper case, ``metadata`` holds a few short provider-specific strings (never card data; the processor
    masks it again before storing).
    """

    provider: str
    event_id: str
    transaction_id: str
    event_time: int
    event_type: EventType
    provider_event_type: str
    amount: Decimal | None
    currency: str | None
    customer_id: str | None
    payment_status: str | None
    status: ProcessingStatus = ProcessingStatus.PROCESSED
    failure_reason: str | None = None
    metadata: Mapping[str, str] = field(default_factory=dict)
    direction: Direction = Direction.NONE
    # "event" (the envelope's time), "body" (another time in the body) or "receipt" (none readable: receipt time)
    time_source: str = "event"

    def __post_init__(self) -> None:
        if self.direction is Direction.DEBIT and self.event_type is EventType.PAYMENT_SUCCESS:
            raise ValueError("a debit is never a payment.success")
        if self.amount is not None and self.amount < 0:
            raise ValueError("amount is a magnitude and must not be negative")

    @property
    def timestamp(self) -> Decimal:
        """The DynamoDB sort key: event second plus the deterministic tiebreak fraction."""
        return event_timestamp(self.provider, self.event_id, self.event_time)


# --- normalizer errors ---------------------------------------------------------------------------------------------


class UnprocessableEvent(Exception):
    """The event is understood but can never become a transaction (retrying will not help).

    The processor records it with ``status = "failed"`` and ``failure_reason``, emits ``ProcessingFailed`` and
    returns normally. Whatever the normalizer could still read is attached so the failed record is findable.
    """

    reason = "unprocessable_event"

    def __init__(
        self,
        message: str,
        *,
        transaction_id: str | None = None,
        event_time: int | None = None,
        provider_event_type: str | None = None,
        event_type: EventType = EventType.UNKNOWN,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.transaction_id = transaction_id
        self.event_time = event_time
        self.provider_event_type = provider_event_type
        self.event_type = event_type


class UnsupportedCurrency(UnprocessableEvent):
    """The currency is not an ISO 4217 code we know the minor unit of."""

    reason = "unsupported_currency"


class MissingObjectId(UnprocessableEvent):
    """The payment/refund/dispute object has no id, so there is no transaction to key the record by."""

    reason = "missing_object_id"


class MissingEventTime(UnprocessableEvent):
    """The event carries no usable time."""

    reason = "missing_event_time"


class InvalidAmount(UnprocessableEvent):
    """The amount is well-formed but impossible for its currency (more decimals than the currency has)."""

    reason = "invalid_amount"


class PayloadShapeError(UnprocessableEvent):
    """A field has a type or format the code never anticipated (e.g. an ``amount`` that is an object).

    A signature-valid body is evidence that money moved (decision 22): it becomes a durable ``failed`` record that
    ``webhookctl replay`` re-processes after a fix, never a DLQ message (the DLQ is for infrastructure failures).
    The message names the field and the problem, never the value.
    """

    reason = "invalid_field"
