"""Real stored sizes, computed from the sample payloads through the real parse/normalize/record code.

For every sample of every provider: the raw body (S3 raw object), the DynamoDB item the processor writes (sized by
DynamoDB's rules: attribute names plus values, numbers by significant digits), and the processed JSON (S3 processed
object or Firehose record). The capacity model uses the medians and maxima, not hand-typed guesses.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from webhook_core.keys import processed_key, raw_payload_key
from webhook_core.processing import expires_at, processed_json, record_document
from webhook_core.providers import get_normalizer, get_provider
from webhook_core.records import UnprocessableEvent

from webhookdev import samples

RECEIVED_AT = 1_767_225_600.0  # 2026-01-01T00:00:00Z: only the key's date digits depend on it
TTL_DAYS = 2557
SKIPPED_SAMPLES = {"poison_amount_object"}  # a deliberate bug-shaped payload that goes to the DLQ, not a record


def number_size(value: Decimal) -> int:
    """DynamoDB: a number takes about one byte per two significant digits, plus one byte."""
    digits = list(value.normalize().as_tuple().digits)
    while len(digits) > 1 and digits[0] == 0:
        digits.pop(0)
    return max(1, math.ceil(len(digits) / 2)) + 1


def attribute_value_size(value: Any) -> int:
    """Size of one attribute value by DynamoDB's item-size rules (strings UTF-8, maps 3 bytes + 1 per element)."""
    if isinstance(value, bool) or value is None:
        return 1
    if isinstance(value, str):
        return len(value.encode("utf-8"))
    if isinstance(value, bytes):
        return len(value)
    if isinstance(value, int | float | Decimal):
        return number_size(Decimal(str(value)))
    if isinstance(value, Mapping):
        return 3 + sum(len(str(k).encode("utf-8")) + attribute_value_size(v) + 1 for k, v in value.items())
    if isinstance(value, list | tuple):
        return 3 + sum(attribute_value_size(v) + 1 for v in value)
    raise TypeError(f"unsized attribute type {type(value).__name__}")


def item_size(item: Mapping[str, Any]) -> int:
    """Bytes DynamoDB bills an item for: sum of attribute name lengths plus value sizes."""
    return sum(len(name.encode("utf-8")) + attribute_value_size(value) for name, value in item.items())


@dataclass(frozen=True)
class SampleSizes:
    """Sizes of one sample event as stored."""

    provider: str
    name: str
    raw_bytes: int
    item_bytes: int
    processed_bytes: int
    has_customer_id: bool


def sample_sizes(provider: str, name: str) -> list[SampleSizes]:
    """One entry per record the sample becomes (normally one)."""
    raw = samples.load_sample(provider, name)
    content_type = samples.content_type_for(provider, name)
    plugin = get_provider(provider)
    event_id = f"evt_{name}"
    raw_key = raw_payload_key(provider, event_id, RECEIVED_AT, content_type)
    try:
        records = get_normalizer(provider)(plugin.parse_body(raw, content_type))
    except UnprocessableEvent:
        return []
    sizes = []
    for record in records:
        document = record_document(
            record,
            raw_payload_s3_key=raw_key,
            processed_s3_key=processed_key(provider, event_id, record.event_time),
            processed_at=Decimal(int(RECEIVED_AT * 1000)).scaleb(-3),
            expires=expires_at(record.event_time, TTL_DAYS),
        )
        sizes.append(
            SampleSizes(
                provider=provider,
                name=name,
                raw_bytes=len(raw),
                item_bytes=item_size(document),
                processed_bytes=len(processed_json(document, event_time=record.event_time)),
                has_customer_id="customer_id" in document,
            )
        )
    return sizes


def all_sample_sizes(providers: Iterable[str] = samples.PROVIDERS) -> list[SampleSizes]:
    """Sizes for every sample of every provider that becomes a record."""
    return [
        size
        for provider in providers
        for name in samples.list_samples(provider)
        if name not in SKIPPED_SAMPLES
        for size in sample_sizes(provider, name)
    ]


@dataclass(frozen=True)
class ProviderSizes:
    """Median and maximum stored sizes of one provider's samples."""

    provider: str
    samples: int
    raw_median: float
    raw_max: int
    item_median: float
    item_max: int
    processed_median: float
    processed_max: int
    customer_id_share: float


def summarize(sizes: Iterable[SampleSizes]) -> dict[str, ProviderSizes]:
    """Per-provider medians and maxima."""
    by_provider: dict[str, list[SampleSizes]] = {}
    for size in sizes:
        by_provider.setdefault(size.provider, []).append(size)
    return {
        provider: ProviderSizes(
            provider=provider,
            samples=len(rows),
            raw_median=statistics.median(r.raw_bytes for r in rows),
            raw_max=max(r.raw_bytes for r in rows),
            item_median=statistics.median(r.item_bytes for r in rows),
            item_max=max(r.item_bytes for r in rows),
            processed_median=statistics.median(r.processed_bytes for r in rows),
            processed_max=max(r.processed_bytes for r in rows),
            customer_id_share=sum(r.has_customer_id for r in rows) / len(rows),
        )
        for provider, rows in by_provider.items()
    }
