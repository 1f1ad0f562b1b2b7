"""Small typed accessors shared by the normalizers.

Bad input never raises out of the processor (decision 22): a missing id is a :class:`MissingObjectId`, a value of a
type nobody anticipated a :class:`PayloadShapeError`; both are :class:`UnprocessableEvent` and become a durable
``failed`` record. Messages name the field, never the value.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

from webhook_core.masking import mask_text
from webhook_core.normalizers._times import event_time
from webhook_core.records import (
    Direction,
    EventType,
    MissingObjectId,
    PayloadShapeError,
    UnprocessableEvent,
    default_direction,
)

MAX_METADATA_ITEMS = 24
MAX_METADATA_VALUE = 256


def mapping(value: object, where: str) -> Mapping[str, Any]:
    """``value`` as a JSON object; anything else is a shape error."""
    if not isinstance(value, Mapping):
        raise PayloadShapeError(f"{where} must be an object, got {type(value).__name__}")
    return value


def optional_str(obj: Mapping[str, Any], key: str) -> str | None:
    """A non-empty string field, or ``None`` when absent/null/empty; another type is a shape error."""
    value = obj.get(key)
    if value is None or value == "":
        return None
    if isinstance(value, str):
        return value
    raise PayloadShapeError(f"{key} must be a string, got {type(value).__name__}")


def object_id(obj: Mapping[str, Any], key: str, what: str, **context: Any) -> str:
    """The transaction's object id; :class:`MissingObjectId` when it is absent or empty."""
    value = optional_str(obj, key)
    if value is None:
        raise MissingObjectId(f"{what} has no {key}", **context)
    return value


def flipped(direction: Direction) -> Direction:
    """Credit <-> debit (``none`` stays ``none``): for a provider amount whose sign reverses the usual flow."""
    if direction is Direction.CREDIT:
        return Direction.DEBIT
    if direction is Direction.DEBIT:
        return Direction.CREDIT
    return Direction.NONE


def ledger_direction(event_type: EventType, signed: Decimal | None) -> Direction:
    """The direction of a record whose amount may be signed as the merchant's ledger sees it (PayPal IPN).

    The type decides (a refund or reversal is a debit whatever sign a simulator sends); only an ``adjustment``,
    which can go either way, takes its direction from the sign.
    """
    if event_type is EventType.ADJUSTMENT and signed is not None and signed != 0:
        return Direction.CREDIT if signed > 0 else Direction.DEBIT
    return default_direction(event_type)


def resolve_time(candidates: list[tuple[str, object]]) -> tuple[int, str, dict[str, str]]:
    """``(event_time, time_source, notes)`` from the candidate fields (:mod:`._times`); never raises.

    With no readable time the event time is 0 and the source ``receipt``: the processor substitutes the receipt time
    and deduplicates by the event id.
    """
    resolved = event_time(candidates)
    notes = {"time_note": resolved.note} if resolved.note else {}
    return (resolved.seconds if resolved.seconds is not None else 0), resolved.source, notes


def metadata(pairs: Mapping[str, object]) -> dict[str, str]:
    """A small string-to-string map: drops empty values and non-scalars, truncates long strings.

    Card data in a value that is cut is masked *before* the cut: a cut through a card number would leave a prefix
    the masker no longer recognises (the processor masks the whole record again before storing it).
    """
    out: dict[str, str] = {}
    for key, value in pairs.items():
        if value is None or value == "" or isinstance(value, Mapping | list):
            continue
        text = ("true" if value else "false") if isinstance(value, bool) else str(value)
        if len(text) > MAX_METADATA_VALUE:
            text = mask_text(text[: MAX_METADATA_VALUE * 2])[:MAX_METADATA_VALUE]
        out[key] = text
        if len(out) >= MAX_METADATA_ITEMS:
            break
    return out


def prefixed(prefix: str, user_metadata: object, limit: int = 8) -> dict[str, object]:
    """The merchant's own key/value metadata under ``prefix`` (first ``limit`` scalar entries)."""
    if not isinstance(user_metadata, Mapping):
        return {}
    return {f"{prefix}{key}": value for key, value in list(user_metadata.items())[:limit]}


@contextmanager
def event_context(context: Mapping[str, Any]) -> Iterator[None]:
    """Attach what is known about the event (transaction id, time, types) to an :class:`UnprocessableEvent`."""
    try:
        yield
    except UnprocessableEvent as exc:
        for name in ("transaction_id", "event_time", "provider_event_type"):
            if getattr(exc, name) in (None, "") and context.get(name) is not None:
                setattr(exc, name, context[name])
        if exc.event_type is EventType.UNKNOWN and isinstance(context.get("event_type"), EventType):
            exc.event_type = context["event_type"]
        raise
