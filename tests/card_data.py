"""An independent card-data oracle for the suite-wide capture fixture (issue 8 item 3).

Deliberately simpler than ``webhook_core.masking``: a value fails when, after stripping the separators inside one run
of digit groups, it holds a Luhn-valid 13-19 digit sequence, or when a CVV appears as a field value or in free text.
Time fields (``timestamp``, ``processed_at``, ...) are skipped: they are numbers, not text.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from decimal import Decimal
from typing import Any

# Digit groups joined by up to three separator characters: the shapes a merchant can type a card number in.
_RUN = re.compile(r"[0-9]+(?:[\s\u00a0\u2007\u202f._/\\-]{1,3}[0-9]+)*")
_CONTIGUOUS = re.compile(r"[0-9]{13,19}")
_CVV_TEXT = re.compile(
    r"(?i)\b(?:cvv2?|cvc2?|cvn|csc|security[ _-]?code|card[ _-]?verification)\b[\"'\s:=#.-]{0,6}"
    r"(?:(?:is|was|number|code|value)\b[\"'\s:=#.-]{0,6}){0,2}([0-9]{3,4})\b"
)
_CVV_KEYS = frozenset({"cvv", "cvv2", "cvc", "cvc2", "cvn", "csc", "securitycode", "cardsecuritycode"})
_DYNAMO_TYPES = frozenset({"S", "N", "B", "SS", "NS", "BS", "L", "M", "BOOL", "NULL"})
_TIME_KEYS = ("time", "timestamp", "created", "updated", "date", "_at", "expires", "epoch", "start", "end")
ALLOWED_CVV_VALUES = frozenset({"", "***"})


def luhn(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def _is_time_key(key: str) -> bool:
    lowered = key.lower()
    return any(hint in lowered for hint in _TIME_KEYS)


def pans_in_text(text: str) -> list[str]:
    """Luhn-valid 13-19 digit sequences: whole separator-joined runs, and contiguous digit runs inside them."""
    found: list[str] = []
    for match in _RUN.finditer(text):
        digits = re.sub(r"[^0-9]", "", match.group(0))
        if 13 <= len(digits) <= 19 and luhn(digits):
            found.append(digits)
        for group in _CONTIGUOUS.finditer(match.group(0)):
            whole = group.group(0)
            if len(whole) == len(re.sub(r"[^0-9]", "", match.group(0))) and luhn(whole):
                found.append(whole)
    return found


def _norm(key: str) -> str:
    return re.sub(r"[^a-z0-9]", "", key.lower())


def _is_cvv_key(key: str) -> bool:
    norm = _norm(key)
    parts = [p for p in re.split(r"[^a-z0-9]+", key.lower()) if p]
    return norm in _CVV_KEYS or any(p in _CVV_KEYS for p in parts) or norm.endswith(("cvv", "cvc", "securitycode"))


def _walk(value: Any, key: str, path: str) -> Iterator[tuple[str, str, Any]]:
    if isinstance(value, Mapping):
        for child_key, child in value.items():
            name = str(child_key)
            yield path, "", name  # the key itself is data too
            effective = key if name in _DYNAMO_TYPES else name
            yield from _walk(child, effective, f"{path}.{name}")
    elif isinstance(value, list | tuple):
        for index, child in enumerate(value):
            yield from _walk(child, key, f"{path}[{index}]")
    else:
        yield path, key, value


def problems(value: Any, where: str) -> list[str]:
    """What in ``value`` is card data (by path, never quoting the digits)."""
    found: list[str] = []
    for path, key, leaf in _walk(value, "", where):
        if key and _is_cvv_key(key) and leaf is not None and str(leaf) not in ALLOWED_CVV_VALUES:
            found.append(f"{path}: CVV field holds a value")
            continue
        if isinstance(leaf, bool | float | Decimal) or leaf is None:
            continue
        if key and _is_time_key(key):
            continue
        if isinstance(leaf, int):
            digits = str(abs(leaf)) if abs(leaf) < 10**19 else ""
            if 13 <= len(digits) <= 19 and luhn(digits):
                found.append(f"{path}: integer card number ending {digits[-4:]}")
            continue
        text = leaf.decode("utf-8", "replace") if isinstance(leaf, bytes) else str(leaf)
        parsed = _json(text)
        if parsed is not None:
            found.extend(problems(parsed, path))
            continue
        found.extend(f"{path}: card number ending {pan[-4:]}" for pan in pans_in_text(text))
        if _CVV_TEXT.search(text):
            found.append(f"{path}: CVV in free text")
    return found


def _json(text: str) -> Any:
    stripped = text.strip()
    if not stripped or stripped[0] not in "{[":
        return None
    if "\n" in stripped:  # several JSON lines (a captured log stream)
        lines = [_json(line) for line in stripped.splitlines() if line.strip()]
        return lines if all(line is not None for line in lines) else None
    try:
        return json.loads(stripped)
    except ValueError:
        return None
