"""PayPal classic IPN messages: decoding in the declared charset, and an event id that never collides.

Used by both halves of the PayPal provider: the validator plug-in (``providers/paypal.py``: parse, event id) and the
normalizer (``normalizers/_paypal_ipn.py``). Kept free of AWS and HTTP imports.

* **Charset.** An IPN names its own charset in the ``charset`` field (``windows-1252``, ``Shift_JIS``, ``UTF-8``,
  ``gb2312``, ...); the percent-escapes are bytes in that charset, so ``J%F6rg`` with ``charset=windows-1252`` is
  ``Jörg``. Each field is decoded alone; an unknown charset name falls back to UTF-8, then to ``windows-1252``.
  Under a single-byte Latin label, a field whose bytes are valid multi-byte UTF-8 is read as UTF-8 (see
  :func:`_decode`).
* **Event id.** ``ipn_track_id`` is shared by distinct messages (a ``subscr_signup`` and its first ``subscr_payment``;
  a payment and its refund), so the id is ``ipn-<track or object id>-<kind>-<digest>``, where the digest covers the
  fields that tell messages apart (``txn_type``, ``txn_id``, ``subscr_id``, ``payment_status``, ...). A resend of
  the same message carries the same fields and gets the same id.
"""

from __future__ import annotations

import codecs
import hashlib
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl

from webhook_core.errors import MalformedPayload

DEFAULT_CHARSET = "utf-8"
FALLBACK_CHARSET = "windows-1252"
LAST_RESORT_CHARSET = "latin-1"  # decodes any byte
SINGLE_BYTE_LATIN = frozenset({"cp1252", "iso8859-1", "iso8859-15"})
MAX_ID_PART = 64
_CHARSET_FIELD = re.compile(rb"(?:^|&)charset=([A-Za-z0-9_.:+-]{1,40})(?:&|$)")
_SAFE = re.compile(r"[^A-Za-z0-9_.-]")

# Fields that distinguish two messages which share an ipn_track_id.
DISCRIMINATORS = (
    "txn_type",
    "txn_id",
    "parent_txn_id",
    "subscr_id",
    "recurring_payment_id",
    "case_id",
    "masspay_txn_id_1",
    "payment_status",
    "reason_code",
    "mc_gross",
)
_ID_FIELDS = ("ipn_track_id", "txn_id", "subscr_id", "recurring_payment_id", "case_id", "masspay_txn_id_1")


def declared_charset(raw: bytes) -> str:
    """The Python codec for the body's ``charset`` field (UTF-8 when absent or unknown)."""
    match = _CHARSET_FIELD.search(raw)
    if match is None:
        return DEFAULT_CHARSET
    name = match.group(1).decode("ascii")
    try:
        return codecs.lookup(name).name
    except LookupError:
        return DEFAULT_CHARSET


def _decode(data: bytes, charset: str) -> str:
    """One field's bytes in the declared charset; under a single-byte Latin label, valid multi-byte UTF-8 first.

    Valid multi-byte UTF-8 is next to impossible in real Latin-1/windows-1252 text, while a site's own UTF-8 under
    PayPal's default windows-1252 label does happen: reading it as UTF-8 keeps a no-break space one character
    (which the card-number masker knows) instead of ``\u00c2\u00a0``.
    """
    if data.isascii():
        return data.decode("ascii")
    candidates: tuple[str, ...] = (charset, DEFAULT_CHARSET, FALLBACK_CHARSET)
    if charset in SINGLE_BYTE_LATIN:
        candidates = (DEFAULT_CHARSET, *candidates)
    for candidate in dict.fromkeys(candidates):
        try:
            return data.decode(candidate)
        except UnicodeDecodeError:
            continue
    return data.decode(LAST_RESORT_CHARSET)


def parse_ipn(raw: bytes) -> dict[str, str]:
    """The IPN form fields, percent-escapes decoded in the declared charset (last value wins for repeats).

    :class:`MalformedPayload` when the body is empty or not form-encoded; the message never quotes the body.
    """
    charset = declared_charset(raw)
    try:
        # latin-1 maps every byte to one character, so each field's exact bytes can be recovered and decoded alone.
        pairs = parse_qsl(
            raw.decode(LAST_RESORT_CHARSET),
            keep_blank_values=True,
            strict_parsing=True,
            encoding=LAST_RESORT_CHARSET,
            errors="strict",
        )
    except ValueError as exc:
        raise MalformedPayload("IPN body is not form-encoded") from exc
    if not pairs:
        raise MalformedPayload("empty IPN body")
    return {
        _decode(key.encode(LAST_RESORT_CHARSET), charset): _decode(value.encode(LAST_RESORT_CHARSET), charset)
        for key, value in pairs
    }


def _field(parsed: Mapping[str, Any], name: str) -> str:
    value = parsed.get(name)
    return value.strip() if isinstance(value, str) else ""


def _safe(text: str) -> str:
    return _SAFE.sub("_", text[:MAX_ID_PART])  # bounded before any work (unverified input)


def event_id(parsed: Mapping[str, Any]) -> str:
    """A stable, collision-free id for one IPN message (see the module docstring)."""
    base = next((_field(parsed, name) for name in _ID_FIELDS if _field(parsed, name)), "")
    kind = _field(parsed, "txn_type") or _field(parsed, "payment_status") or "ipn"
    if base:
        material = "\x1f".join(f"{name}={_field(parsed, name)}" for name in DISCRIMINATORS)
    else:  # nothing identifies it: the whole message does
        material = "\x1f".join(f"{key}={value}" for key, value in sorted(parsed.items()))
    digest = hashlib.sha256(material.encode("utf-8", "surrogatepass")).hexdigest()[:16]
    return f"ipn-{_safe(base or 'message')}-{_safe(kind)}-{digest}"


# Messages about the merchant's own outgoing money name the merchant as the *payer*: an ``adjustment`` (a chargeback
# settled against the account carries only payer_id/payer_email, no receiver fields) and ``masspay`` (receiver_*_<n>
# are the recipients).
PAYER_IS_MERCHANT_TXN_TYPES = frozenset({"adjustment", "masspay"})
RECEIVER_FIELDS = ("receiver_id", "receiver_email", "business")
PAYER_FIELDS = ("payer_id", "payer_email")


def merchant_account_names(parsed: Mapping[str, Any]) -> set[str]:
    """The account ids/e-mails (lower case) an IPN names as the merchant whose notification it is (decision 25)."""
    fields: tuple[str, ...] = RECEIVER_FIELDS
    if _field(parsed, "txn_type") in PAYER_IS_MERCHANT_TXN_TYPES:
        fields = RECEIVER_FIELDS + PAYER_FIELDS
    return {_field(parsed, name)[: MAX_ID_PART * 4].lower() for name in fields} - {""}


def is_ipn(parsed: Mapping[str, Any]) -> bool:
    """Classic IPN form fields rather than a REST webhook event."""
    return "event_type" not in parsed and any(
        name in parsed for name in ("txn_type", "payment_status", "ipn_track_id", "txn_id", "case_id")
    )
