"""Small typed accessors shared by the normalizers.

They separate the two kinds of bad input (docs/design.md, "Failure path"): a missing id or time is an
:class:`UnprocessableEvent` (recorded as failed), a value of a type nobody anticipated is a
:class:`PayloadShapeError` (propagates, retried, then parked in the DLQ).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from webhook_core.records import EventType, MissingEventTime, MissingObjectId, PayloadShapeError, UnprocessableEvent

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


def unix_seconds(value: object, where: str, **context: Any) -> int:
    """An integer Unix time; :class:`MissingEventTime` when absent."""
    if value is None:
        raise MissingEventTime(f"{where} is missing", **context)
    if isinstance(value, bool) or not isinstance(value, int):
        raise PayloadShapeError(f"{where} must be an integer Unix time, got {type(value).__name__}")
    return value


def rfc3339_seconds(value: object, where: str, **context: Any) -> int:
    """``2026-11-27T08:42:04.000Z`` -> Unix seconds (floor); :class:`MissingEventTime` when absent."""
    if value is None or value == "":
        raise MissingEventTime(f"{where} is missing", **context)
    if not isinstance(value, str):
        raise PayloadShapeError(f"{where} must be an RFC 3339 string, got {type(value).__name__}")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as exc:
        raise PayloadShapeError(f"{where} {value!r} is not RFC 3339") from exc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp() // 1)


def metadata(pairs: Mapping[str, object]) -> dict[str, str]:
    """A small string-to-string map: drops empty values and non-scalars, truncates long strings."""
    out: dict[str, str] = {}
    for key, value in pairs.items():
        if value is None or value == "" or isinstance(value, Mapping | list):
            continue
        text = ("true" if value else "false") if isinstance(value, bool) else str(value)
        out[key] = text[:MAX_METADATA_VALUE]
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
