"""GSI write sharding of ``ProviderTimestampIndex`` (docs/scaling.md).

Every record carries ``provider_shard = "<provider>#<k>"`` with ``k = sha256(provider:event_id) mod PROVIDER_SHARDS``.
With one shard the index is keyed by ``provider`` (the request's shape) and the attribute is only carried along, so a
later switch to N shards needs no backfill: DynamoDB builds the new index from the attribute every item already has.
With N > 1 the index is keyed by ``provider_shard`` and a list query reads the N partitions and merges them.

``k`` is stable for an event whatever N is, and an item written with N shards lies in a shard below any larger N, so
raising N never hides an item; lowering it does (see docs/scaling.md before doing that).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping

from webhook_core.errors import ConfigurationError

SHARD_ATTRIBUTE = "provider_shard"
SHARDS_ENV = "PROVIDER_SHARDS"
MAX_SHARDS = 16


def provider_shards(environ: Mapping[str, str] | None = None) -> int:
    """``PROVIDER_SHARDS`` (1 when unset); :class:`ConfigurationError` outside 1..:data:`MAX_SHARDS`."""
    env = os.environ if environ is None else environ
    raw = env.get(SHARDS_ENV, "").strip()
    if not raw:
        return 1
    if not raw.isascii() or not raw.isdigit() or not 1 <= int(raw) <= MAX_SHARDS:
        raise ConfigurationError(f"{SHARDS_ENV} must be an integer from 1 to {MAX_SHARDS}")
    return int(raw)


def shard_of(provider: str, event_id: str, shards: int) -> int:
    """The shard number of one event: deterministic, uniform, independent of when or how often it is delivered."""
    digest = hashlib.sha256(f"{provider}:{event_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % shards


def shard_key(provider: str, shard: int) -> str:
    """The index partition key value of one shard: ``stripe#3``."""
    return f"{provider}#{shard}"


def shard_attribute(provider: str, event_id: str, shards: int) -> dict[str, str]:
    """The attribute the processor adds to every item."""
    return {SHARD_ATTRIBUTE: shard_key(provider, shard_of(provider, event_id, shards))}


def provider_partitions(provider: str, shards: int) -> tuple[str, ...]:
    """The index partition key values a list query by provider must read, in shard order."""
    if shards == 1:
        return (provider,)
    return tuple(shard_key(provider, k) for k in range(shards))
