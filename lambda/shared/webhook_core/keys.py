"""S3 object keys (docs/design.md): ``{provider}/{yyyy}/{mm}/{dd}/{event_id}.{json|txt}``.

Keying by the provider event id keeps two events of one transaction on one day apart. Raw objects are write-once
(:mod:`webhook_core.rawstore`): a duplicate delivery on the same day finds its own object and writes nothing. Raw and
processed keys name the event with :func:`object_name`: an id that sanitising changes gets a digest of the masked
original id appended (``~id-<sha256/16>``), so ids that differ only in sanitised characters never share a key.
"""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime

from webhook_core.masking import mask_id

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")
MAX_EVENT_ID_LENGTH = 200
FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"


def sanitize_event_id(event_id: str) -> str:
    """Masked (a card number in an id never becomes a key or an annotation), restricted to ``[A-Za-z0-9._-]``
    (others become ``_``), no leading dot, at most 200 characters."""
    cleaned = _UNSAFE.sub("_", mask_id(event_id, MAX_EVENT_ID_LENGTH))[:MAX_EVENT_ID_LENGTH]
    if cleaned.startswith("."):
        cleaned = "_" + cleaned[1:]
    return cleaned or "_"


def object_name(event_id: str) -> str:
    """The event id as a key segment, one-to-one: sanitised, plus ``~id-<digest>`` when sanitising changed it.

    ``~`` is never in a sanitised id, so a suffixed name cannot equal another id's plain name.
    """
    cleaned = sanitize_event_id(event_id)
    if cleaned == event_id:
        return _guarded(cleaned)
    # The digest is of the *masked* id: an unkeyed hash of an id that held a card number would let anyone who knows
    # the visible BIN and last four recover the PAN by brute force (PCI DSS 3.5.1.1 wants keyed hashes). Ids that
    # differ only in masked digits therefore share a name; the write-once store keeps a different body beside it.
    digest = hashlib.sha256(mask_id(event_id, MAX_EVENT_ID_LENGTH).encode("utf-8", "surrogatepass")).hexdigest()[:16]
    return _guarded(f"{cleaned}~id-{digest}")


def _date_prefix(provider: str, when: float | datetime) -> str:
    moment = when if isinstance(when, datetime) else datetime.fromtimestamp(when, tz=UTC)
    moment = moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
    return f"{provider}/{moment:%Y/%m/%d}"


def is_form_encoded(content_type: str) -> bool:
    return content_type.split(";", 1)[0].strip().lower() == FORM_CONTENT_TYPE


def stored_content_type(content_type: str) -> str:
    """The Content-Type for the raw object: form bodies (IPN) are stored as text, matching their ``.txt`` key.

    The percent-encoded form body is plain ASCII; the original header is kept in the object's metadata.
    """
    if is_form_encoded(content_type):
        return "text/plain"
    return content_type or "application/octet-stream"


def _guarded(name: str) -> str:
    """``~`` before a key segment that starts with a digit.

    Otherwise the day and the id's leading digits read as one digit run across the ``/`` (``…/04/14/116038d3…``
    is ``20200414116038``), which can look like a card number to a scanner. ``~`` is never in a sanitised id, so
    the guarded name cannot equal another id's name.
    """
    return f"~{name}" if name[:1].isdigit() else name


def raw_payload_key(provider: str, event_id: str, received_at: float | datetime, content_type: str) -> str:
    """Key of the raw body in the payloads bucket; the date is the receipt time (UTC)."""
    extension = "txt" if is_form_encoded(content_type) else "json"
    return f"{_date_prefix(provider, received_at)}/{object_name(event_id)}.{extension}"


def processed_key(provider: str, event_id: str, event_time: float | datetime, index: int = 0) -> str:
    """Key of the normalized record in the processed bucket; the date is the event time (UTC).

    ``index`` numbers the records of one event after the first (a PayPal IPN can carry several): ``~<index>`` before
    the extension. ``~`` is never in a sanitised id, so record 1 of ``a`` cannot take the key of an event ``a.1``.
    """
    suffix = f"~{index}" if index else ""
    return f"{_date_prefix(provider, event_time)}/{object_name(event_id)}{suffix}.json"
