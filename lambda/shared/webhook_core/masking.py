"""Card-data redaction for log lines, traces, S3 keys and the data the processor stores (PCI DSS 3.3/3.4).

:func:`mask` walks nested dicts/lists and returns a copy in which

* any Luhn-valid run of 13-19 digits keeps only its last four digits (``************4242``), in every string, in
  every mapping key and in integers under non-time keys. Digits may be grouped by up to three separator characters
  (spaces, tabs, newlines, no-break spaces, ``.``, ``/``, ``_``, ``-``, so ``4111 - 1111 - ...`` too);
* CVV/CVC/security-code and track-data fields are replaced entirely (``"***"``), also when the name is a dotted or
  prefixed path (``metadata.cvv``, ``meta[cvv]``, ``card_cvc``);
* card-number fields (``pan``, ``card_number``, ``number`` inside a ``card`` object, ...) keep only their last four;
* track 1/track 2 data and ``cvv: 123`` / ``CVV is 9731``-style fragments inside free text are redacted.

A contiguous run of more than 19 digits is an identifier, not a card number, and is left alone; grouped runs are
checked group-aligned, so ``4111 1111 1111 1111 2030`` still loses its card number.

Cost is linear in the text (issue 8): one pass finds the digit groups, each candidate window holds at most 19
digits, and every window's Luhn check costs O(1) from prefix sums. Every regex has bounded repetition. Callers that
mask values taken from an unverified body bound them first with :func:`clip`.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

REDACTED = "***"
TRACK_REDACTED = "[track data redacted]"
MIN_PAN_DIGITS = 13
MAX_PAN_DIGITS = 19
MAX_SEPARATOR_CHARS = 3
# Longest identifier (event id, transaction id) kept from a request before any work is done on it.
MAX_ID_CHARS = 128

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
        "csc",
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
# A name ending in one of these (``metacvv``, ``cardsecuritycode``) is secret too; short names only as a whole token.
_SECRET_SUFFIXES = tuple(sorted(name for name in _SECRET_FIELDS if len(name) >= 3 and name != "csc"))
_PAN_FIELDS = frozenset({"pan", "cardnumber", "primaryaccountnumber", "ccnumber", "creditcardnumber", "cardno"})
_PAN_SUFFIXES = tuple(sorted(name for name in _PAN_FIELDS if len(name) >= 6))
_CARD_PARENTS = ("card",)  # "number" under a key containing one of these is a PAN
_TIME_HINTS = ("time", "created", "updated", "date", "timestamp", "at", "expires", "epoch")

# Track 1: %B<PAN>^<NAME>^<YYMM><service code + discretionary>?   Track 2: ;<PAN>=<YYMM><...>?
_TRACK1 = re.compile(r"%?B[0-9]{13,19}\^[^^\n]{2,26}\^[0-9]{4}[^?\s\"']{0,80}\??")
_TRACK2 = re.compile(r";?[0-9]{13,19}=[0-9]{4}[0-9]{0,40}\??")
_DIGITS = re.compile(r"[0-9]+")
_ANY_DIGIT = re.compile(r"[0-9]")
# What may stand between two digit groups of one card number (at most MAX_SEPARATOR_CHARS of them).
_SEPARATOR = re.compile(r"[\s\u00a0\u2007\u202f._/\\-]{1,3}")
_FILLER = r"[\"'\s\u00a0:=#.\-]{0,6}"
_CVV_TEXT = re.compile(
    r"(?i)(\b(?:cvv2?|cvc2?|cvn|csc|cav2|cid2?|security[ _-]?code|card[ _-]?verification(?:[ _-]?(?:value|code))?)"
    r"\b(?:" + _FILLER + r"(?:is|was|number|no|code|value|of)\b){0,2}" + _FILLER + r")"
    r"([0-9]{3,4})(?![0-9])"
)
_KEY_TOKENS = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|[0-9]+")


def _norm(key: str) -> str:
    return "".join(ch for ch in key.lower() if ch.isalnum())


def clip(value: str, limit: int = MAX_ID_CHARS) -> str:
    """``value`` bounded to ``limit`` characters; a longer value keeps a prefix plus a digest of the whole.

    Used on anything taken from an unverified body before it is masked, logged or traced: bounded work, and two
    different long ids stay different.
    """
    if len(value) <= limit:
        return value
    digest = hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()[:16]
    return f"{value[: limit - 17]}~{digest}"


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
    return MIN_PAN_DIGITS <= len(digits) <= MAX_PAN_DIGITS and luhn_valid(digits)


_DOUBLED = (0, 2, 4, 6, 8, 1, 3, 5, 7, 9)


class _Run:
    """Digit groups joined by separators, with Luhn prefix sums over their concatenated digits.

    ``odd[i]`` sums digits ``0..i-1`` with the odd positions doubled, ``even[i]`` with the even ones doubled; the
    Luhn sum of any window is then a difference of two prefix sums (the rightmost digit is never doubled).
    """

    def __init__(self, text: str, spans: list[tuple[int, int]]) -> None:
        self.spans = spans
        self.offsets = [0]
        odd = [0]
        even = [0]
        position = 0
        for start, end in spans:
            for char in text[start:end]:
                digit = ord(char) - 48
                odd.append(odd[-1] + (_DOUBLED[digit] if position % 2 else digit))
                even.append(even[-1] + (digit if position % 2 else _DOUBLED[digit]))
                position += 1
            self.offsets.append(position)
        self.odd = odd
        self.even = even

    def luhn(self, first: int, last: int) -> bool:
        """Luhn over digits ``first..last-1``."""
        sums = self.even if (last - 1) % 2 else self.odd
        return (sums[last] - sums[first]) % 10 == 0

    def windows(self) -> list[tuple[int, int]]:
        """Group-aligned ``(first_group, end_group)`` windows holding a card number, longest first, no overlap."""
        found: list[tuple[int, int]] = []
        count = len(self.spans)
        offsets = self.offsets
        start = 0
        while start < count:
            hit = None
            end = start + 1
            while end <= count and offsets[end] - offsets[start] <= MAX_PAN_DIGITS:
                end += 1
            for stop in range(end - 1, start, -1):  # at most 19 candidate ends, each O(1)
                length = offsets[stop] - offsets[start]
                if length < MIN_PAN_DIGITS:
                    break
                if self.luhn(offsets[start], offsets[stop]):
                    hit = stop
                    break
            if hit is None:
                start += 1
            else:
                found.append((start, hit))
                start = hit
        return found


def _runs(text: str) -> list[list[tuple[int, int]]]:
    """Spans of digit groups, grouped into runs joined by short separators; a >19-digit group stands alone."""
    runs: list[list[tuple[int, int]]] = []
    current: list[tuple[int, int]] = []
    previous_end = -1
    for match in _DIGITS.finditer(text):
        start, end = match.span()
        if end - start > MAX_PAN_DIGITS:  # an identifier, and a barrier between its neighbours
            if current:
                runs.append(current)
            current, previous_end = [], -1
            continue
        joined = (
            current
            and start - previous_end <= MAX_SEPARATOR_CHARS
            and _SEPARATOR.fullmatch(text, previous_end, start) is not None
        )
        if not joined and current:
            runs.append(current)
            current = []
        current.append((start, end))
        previous_end = end
    if current:
        runs.append(current)
    return runs


def _mask_digits(text: str) -> str:
    pieces: list[str] = []
    cursor = 0
    for spans in _runs(text):
        if len(spans) == 1 and not MIN_PAN_DIGITS <= spans[0][1] - spans[0][0] <= MAX_PAN_DIGITS:
            continue
        run = _Run(text, spans)
        for first, stop in run.windows():
            begin, finish = spans[first][0], spans[stop - 1][1]
            pieces.append(text[cursor:begin])
            digits = "".join(text[s:e] for s, e in spans[first:stop])
            pieces.append(mask_pan(digits))
            cursor = finish
    if not pieces:
        return text
    pieces.append(text[cursor:])
    return "".join(pieces)


def mask_text(text: str) -> str:
    """Redact track data, CVV fragments and card numbers inside free text (linear time)."""
    if _ANY_DIGIT.search(text) is None:
        return text
    text = _TRACK1.sub(TRACK_REDACTED, text)
    text = _TRACK2.sub(TRACK_REDACTED, text)
    text = _CVV_TEXT.sub(lambda m: m.group(1) + REDACTED, text)
    return _mask_digits(text)


def mask_id(value: str, limit: int = MAX_ID_CHARS) -> str:
    """An identifier from a request, bounded then masked: what goes into traces, logs and S3 keys."""
    return mask_text(clip(value, limit))


def _tokens(key: str) -> list[str]:
    return [token.lower() for token in _KEY_TOKENS.findall(key)]


def is_secret_field(key: str) -> bool:
    """CVV/CVC, security-code, track or PIN-block field, also as the last part of a path (``meta.cvv``)."""
    norm = _norm(key)
    if norm in _SECRET_FIELDS or norm.endswith(_SECRET_SUFFIXES):
        return True
    return any(token in _SECRET_FIELDS for token in _tokens(key))


def is_pan_field(key: str, parent: str = "") -> bool:
    """A field that holds a card number by name (``pan``, ``card_number``, ``card.number``, ``meta.pan``)."""
    norm = _norm(key)
    if norm in _PAN_FIELDS or norm.endswith(_PAN_SUFFIXES) or "pan" in _tokens(key):
        return True
    return norm == "number" and any(p in _norm(parent) for p in _CARD_PARENTS)


def _looks_like_time(key: str) -> bool:
    lowered = key.lower()
    return any(lowered == hint or lowered.endswith(hint) or lowered.startswith(hint) for hint in _TIME_HINTS)


def _mask_value(value: Any, key: str, parent: str, stringify: bool) -> Any:
    if is_secret_field(key):
        return REDACTED if value not in (None, "") else value
    if is_pan_field(key, parent) and isinstance(value, str | int) and not isinstance(value, bool):
        return mask_pan(str(value))
    return _mask(value, key, stringify)


_PLAIN = (bool, float, Decimal, type(None))


def _mask(obj: Any, key: str, stringify: bool) -> Any:
    if isinstance(obj, str):
        masked: Any = mask_text(obj)
    elif isinstance(obj, Mapping):
        masked = {mask_text(str(k)): _mask_value(v, str(k), key, stringify) for k, v in obj.items()}
    elif isinstance(obj, list | tuple):
        masked = [_mask(item, key, stringify) for item in obj]
    elif isinstance(obj, int) and not isinstance(obj, bool):
        # Only 13-19 digit integers can be card numbers (and str() of a huge int is itself costly).
        candidate = 10 ** (MIN_PAN_DIGITS - 1) <= abs(obj) < 10**MAX_PAN_DIGITS and not _looks_like_time(key)
        masked = mask_pan(str(obj)) if candidate and _is_pan(str(abs(obj))) else obj
    elif stringify and not isinstance(obj, _PLAIN):
        masked = mask_text(str(obj))  # exceptions, datetimes...: as the JSON encoder would print them
    else:
        masked = obj
    return masked


def mask(obj: Any, *, stringify_unknown: bool = False) -> Any:
    """A masked copy of ``obj`` (dicts, lists, tuples, strings, numbers); the input is not modified.

    Mapping keys are masked like values. Other objects (``Decimal``, ``datetime``, exceptions) are returned as they
    are, unless ``stringify_unknown`` is set (the log formatter does), in which case they become their masked
    ``str()``.
    """
    return _mask(obj, "", stringify_unknown)
