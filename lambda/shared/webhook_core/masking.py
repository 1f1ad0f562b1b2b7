"""Card-data redaction for log lines and for the data the processor stores (PCI DSS 3.3/3.4).

:func:`mask` walks nested dicts/lists and returns a copy in which

* any Luhn-valid run of 13-19 digits (optionally grouped with single spaces or dashes) keeps only its last four
  digits (``************4242``), in every string and in integers under non-time keys;
* CVV/CVC/security-code and track-data fields are replaced entirely (``"***"``);
* card-number fields (``pan``, ``card_number``, ``number`` inside a ``card`` object, ...) keep only their last four;
* track 1/track 2 data and ``cvv: 123``-style fragments inside free text are redacted.

A contiguous run of more than 19 digits is an identifier, not a card number, and is left alone; grouped runs are
checked group-aligned, so ``4111 1111 1111 1111 2030`` still loses its card number.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

REDACTED = "***"
TRACK_REDACTED = "[track data redacted]"

# Field names compared after lowercasing and dropping everything but letters and digits.
_SECRET_FIELDS = frozenset(
    {
        "cvv",
        "cvv2",
        "cvc",
        "cvc2",
        "cvn",
        "cav2",
        "cid2",
        "securitycode",
        "cardsecuritycode",
        "cardverificationvalue",
        "cardverificationcode",
        "track1",
        "track2",
        "track1data",
        "track2data",
        "trackdata",
        "magstripe",
        "magneticstripe",
        "pinblock",
    }
)
_PAN_FIELDS = frozenset({"pan", "cardnumber", "primaryaccountnumber", "ccnumber", "creditcardnumber", "cardno"})
_CARD_PARENTS = ("card",)  # "number" under a key containing one of these is a PAN
_TIME_HINTS = ("time", "created", "updated", "date", "timestamp", "at", "expires", "epoch")

# Track 1: %B<PAN>^<NAME>^<YYMM><service code + discretionary>?   Track 2: ;<PAN>=<YYMM><...>?
_TRACK1 = re.compile(r"%?B\d{13,19}\^[^^\n]{2,26}\^\d{4}[^?\s\"']*\??")
_TRACK2 = re.compile(r";?\d{13,19}=\d{4}\d*\??")
# A run of digit groups separated by single spaces or dashes, not touching other digits.
_DIGIT_RUN = re.compile(r"(?<!\d)\d+(?:[ -]\d+)*(?!\d)")
_GROUP_SEPARATOR = re.compile(r"[ -]")
_CVV_TEXT = re.compile(
    r"(?i)(\b(?:cvv2?|cvc2?|cvn|security[ _-]?code|card[ _-]?verification(?:[ _-]?(?:value|code))?)\b"
    r"[\"'\s]*[:=]?[\"'\s]*)"
    r"(\d{3,4})(?!\d)"
)


def _norm(key: str) -> str:
    return "".join(ch for ch in key.lower() if ch.isalnum())


def luhn_valid(digits: str) -> bool:
    """The Luhn (mod 10) check used by every card brand."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = ord(char) - 48
        if position % 2:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def mask_pan(value: str) -> str:
    """Keep the last four digits of a card number; everything else becomes ``*``."""
    digits = "".join(ch for ch in value if ch.isdigit())
    if len(digits) <= 4:
        return "****"
    return "*" * (len(digits) - 4) + digits[-4:]


def _is_pan(digits: str) -> bool:
    return 13 <= len(digits) <= 19 and luhn_valid(digits)


def _mask_run(match: re.Match[str]) -> str:
    run = match.group(0)
    digits = run.replace(" ", "").replace("-", "")
    if len(digits) < 13:
        return run
    if _is_pan(digits):
        return mask_pan(digits)
    groups = _GROUP_SEPARATOR.split(run)
    if len(groups) == 1:  # one long contiguous run: an identifier, not a card number
        return run
    # Check every group-aligned window (e.g. a PAN followed by an expiry year in the same run).
    separators = _GROUP_SEPARATOR.findall(run)
    masked = list(groups)
    start = 0
    while start < len(groups):
        hit = None
        for end in range(len(groups), start, -1):
            candidate = "".join(groups[start:end])
            if _is_pan(candidate):
                hit = end
                break
        if hit is None:
            start += 1
            continue
        window = mask_pan("".join(groups[start:hit]))
        masked[start:hit] = [window] + [""] * (hit - start - 1)
        start = hit
    out = masked[0]
    for separator, group in zip(separators, masked[1:], strict=True):
        out = out + (separator + group if group else "")
    return out


def mask_text(text: str) -> str:
    """Redact track data, CVV fragments and card numbers inside free text."""
    if not any(ch.isdigit() for ch in text):
        return text
    text = _TRACK1.sub(TRACK_REDACTED, text)
    text = _TRACK2.sub(TRACK_REDACTED, text)
    text = _CVV_TEXT.sub(lambda m: m.group(1) + REDACTED, text)
    return _DIGIT_RUN.sub(_mask_run, text)


def _looks_like_time(key: str) -> bool:
    lowered = key.lower()
    return any(lowered == hint or lowered.endswith(hint) or lowered.startswith(hint) for hint in _TIME_HINTS)


def _mask_value(value: Any, key: str, parent: str, stringify: bool) -> Any:
    norm = _norm(key)
    if norm in _SECRET_FIELDS:
        return REDACTED if value not in (None, "") else value
    is_pan_field = norm in _PAN_FIELDS or (norm == "number" and any(p in _norm(parent) for p in _CARD_PARENTS))
    if is_pan_field and isinstance(value, str | int) and not isinstance(value, bool):
        return mask_pan(str(value))
    return _mask(value, key, stringify)


_PLAIN = (bool, float, Decimal, type(None))


def _mask(obj: Any, key: str, stringify: bool) -> Any:
    if isinstance(obj, str):
        masked: Any = mask_text(obj)
    elif isinstance(obj, Mapping):
        masked = {k: _mask_value(v, str(k), key, stringify) for k, v in obj.items()}
    elif isinstance(obj, list | tuple):
        masked = [_mask(item, key, stringify) for item in obj]
    elif isinstance(obj, int) and not isinstance(obj, bool):
        masked = mask_pan(str(obj)) if not _looks_like_time(key) and _is_pan(str(abs(obj))) else obj
    elif stringify and not isinstance(obj, _PLAIN):
        masked = mask_text(str(obj))  # exceptions, datetimes...: as the JSON encoder would print them
    else:
        masked = obj
    return masked


def mask(obj: Any, *, stringify_unknown: bool = False) -> Any:
    """A masked copy of ``obj`` (dicts, lists, tuples, strings, numbers); the input is not modified.

    Other objects (``Decimal``, ``datetime``, exceptions) are returned as they are, unless ``stringify_unknown`` is
    set (the log formatter does), in which case they become their masked ``str()``.
    """
    return _mask(obj, "", stringify_unknown)
