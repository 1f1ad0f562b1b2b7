"""Helpers shared by the tooling plug-ins (random ids in the providers' own shapes, JSON and time formats)."""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from webhookdev.providers.base import MissingSigningMaterial

ALPHANUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
UPPER_DIGITS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


_CARD_LENGTH_RUN = re.compile(r"\d{13}")


def token(length: int, alphabet: str = ALPHANUM) -> str:
    """A random id in the provider's alphabet, redrawn if it holds a card-length digit run (it would be masked)."""
    while True:
        value = "".join(secrets.choice(alphabet) for _ in range(length))
        if not _CARD_LENGTH_RUN.search(value):
            return value


def iso_z(moment: int, *, millis: bool) -> str:
    stamp = datetime.fromtimestamp(moment, tz=UTC)
    return stamp.strftime("%Y-%m-%dT%H:%M:%S") + (".000Z" if millis else "Z")


def compact_json(body: Any) -> bytes:
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def require(provider: str, material: Mapping[str, str], keys: tuple[str, ...]) -> list[str]:
    """The values of ``keys``; :class:`MissingSigningMaterial` naming every missing key (never a value)."""
    missing = [key for key in keys if not material.get(key)]
    if missing:
        raise MissingSigningMaterial(f"cannot sign for {provider}: no {', '.join(missing)} in the signing material")
    return [material[key] for key in keys]


def present(**values: str | None) -> dict[str, str]:
    """Only the keys that have a value."""
    return {key: value for key, value in values.items() if value}
