"""Every date shape the providers and their simulators send -> Unix seconds, never an exception.

Shapes seen in real deliveries (docs/providers.md, "Times"):

* Unix seconds as an integer (Stripe ``created``) or a digit string;
* RFC 3339 / ISO 8601 (``2026-11-27T08:42:04.000Z``, ``2014-10-23T17:23:52Z``, ``2020-02-19T21:34:41.851+00:00``);
* PayPal's webhook simulator swaps month and day (``2018-19-12T22:20:32.000Z``): read as year-day-month when the
  month field cannot be a month;
* classic IPN ``payment_date`` in Pacific time (``20:12:59 Jan 13, 2009 PST``, ``08:28:11 Mar. 02, 2010 PDT``,
  and from the IPN simulator ``05:09:52 11 Feb 2015 PST``);
* PayPal's IPN simulator sends a JavaScript ``Date.toString()`` (``Sun May 24 2015 14:32:31 GMT-0700 (PDT)``);
* RFC 2822 (``Tue, 15 Nov 1994 08:12:31 GMT``).

:func:`event_time` walks an ordered list of candidate fields (the envelope's first) and reports which one it used,
so a record can say that its time came from elsewhere in the body, or that none was readable at all.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from email.utils import parsedate_to_datetime

MAX_TIME_TEXT = 64
_ZONES = {
    "PST": timezone(timedelta(hours=-8)),
    "PDT": timezone(timedelta(hours=-7)),
    "GMT": UTC,
    "UTC": UTC,
    "Z": UTC,
}
_IPN = re.compile(r"(\d{1,2}):(\d{2}):(\d{2}) ([A-Za-z]{3})\.? (\d{1,2}), (\d{4}) ([A-Za-z]{1,3})")
# PayPal's IPN simulator also sends the day first: "05:09:52 11 Feb 2015 PST".
_IPN_DAY_FIRST = re.compile(r"(\d{1,2}):(\d{2}):(\d{2}) (\d{1,2}) ([A-Za-z]{3}) (\d{4}) ([A-Za-z]{1,3})")
_JS = re.compile(
    r"[A-Za-z]{3} ([A-Za-z]{3}) (\d{1,2}) (\d{4}) (\d{2}):(\d{2}):(\d{2}) "
    r"(?:GMT|UTC)([+-]\d{2}):?(\d{2})(?: \([^()]{0,40}\))?"
)
_ISO_PARTS = re.compile(r"(\d{4})-(\d{2})-(\d{2})([T ].{0,40})")
_MONTH_NAMES = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_MONTHS = {name: index for index, name in enumerate(_MONTH_NAMES, 1)}


def _seconds(moment: datetime) -> int | None:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    value = int(moment.timestamp() // 1)
    return value if value >= 0 else None


def _iso(text: str) -> int | None:
    try:
        return _seconds(datetime.fromisoformat(text))
    except ValueError:
        pass
    parts = _ISO_PARTS.fullmatch(text)
    if parts is None:
        return None
    year, first, second, rest = parts.groups()
    if int(first) > 12 >= int(second) >= 1:  # PayPal's simulator: year-day-month
        try:
            return _seconds(datetime.fromisoformat(f"{year}-{second}-{first}{rest}"))
        except ValueError:
            return None
    return None


def _ipn(text: str) -> int | None:
    match = _IPN.fullmatch(text)
    if match is not None:
        hour, minute, second, month, day, year, zone = match.groups()
    else:
        match = _IPN_DAY_FIRST.fullmatch(text)
        if match is None:
            return None
        hour, minute, second, day, month, year, zone = match.groups()
    month_number = _MONTHS.get(month.lower())
    tz = _ZONES.get(zone.upper())
    if month_number is None or tz is None:
        return None
    try:
        moment = datetime(int(year), month_number, int(day), int(hour), int(minute), int(second), tzinfo=tz)
    except ValueError:
        return None
    return _seconds(moment)


def _javascript(text: str) -> int | None:
    match = _JS.fullmatch(text)
    if match is None:
        return None
    month, day, year, hour, minute, second, offset_hours, offset_minutes = match.groups()
    month_number = _MONTHS.get(month.lower())
    if month_number is None:
        return None
    sign = -1 if offset_hours.startswith("-") else 1
    offset = timedelta(hours=abs(int(offset_hours)), minutes=int(offset_minutes)) * sign
    try:
        moment = datetime(
            int(year), month_number, int(day), int(hour), int(minute), int(second), tzinfo=timezone(offset)
        )
    except ValueError:
        return None
    return _seconds(moment)


def _rfc2822(text: str) -> int | None:
    try:
        return _seconds(parsedate_to_datetime(text))
    except (TypeError, ValueError, IndexError):
        return None


_PARSERS = (_iso, _ipn, _javascript, _rfc2822)


def parse_time(value: object) -> int | None:
    """Unix seconds for any supported shape; ``None`` for absent, unreadable or pre-1970 values (never raises)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value if 0 <= value < 10**11 else None
    text = value.strip() if isinstance(value, str) else ""
    if not text or len(text) > MAX_TIME_TEXT:
        return None
    if text.isdigit():
        return parse_time(int(text))
    return next((seconds for parser in _PARSERS if (seconds := parser(text)) is not None), None)


@dataclass(frozen=True)
class ResolvedTime:
    """The event time and where it came from: ``source`` is ``event``, ``body`` or ``receipt``."""

    seconds: int | None
    source: str
    field: str | None = None
    note: str | None = None


def event_time(candidates: Iterable[tuple[str, object]]) -> ResolvedTime:
    """The first readable time among ``(field, value)`` candidates, the envelope's first.

    When the first candidate is present but unreadable, or only a later one is readable, the note names the fields
    (never the values). ``seconds is None`` means no time is readable: the processor then uses the receipt time and
    deduplicates by the event id instead (docs/providers.md, "Times").
    """
    unreadable: list[str] = []
    for index, (field, value) in enumerate(candidates):
        seconds = parse_time(value)
        if seconds is not None:
            if index == 0:
                return ResolvedTime(seconds, "event", field)
            note = f"time taken from {field}"
            if unreadable:
                note += f"; unreadable: {', '.join(unreadable)}"
            return ResolvedTime(seconds, "body", field, note)
        if value is not None and value != "":
            unreadable.append(field)
    note = "no readable event time; receipt time used"
    if unreadable:
        note += f"; unreadable: {', '.join(unreadable)}"
    return ResolvedTime(None, "receipt", None, note)
