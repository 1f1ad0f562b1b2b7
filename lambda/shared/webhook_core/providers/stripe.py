"""Stripe: ``Stripe-Signature: t=<unix>,v1=<hex>[,v1=<hex>...]`` (decision 8).

The signed payload is ``"<t>.<raw body>"``; the key is the whole ``whsec_...`` string; any ``v1`` matching any
configured secret is accepted (rotation); other schemes (``v0``) are ignored; the timestamp must be within the
tolerance in both directions.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Mapping
from typing import Any

from webhook_core.errors import ConfigurationError, InvalidSignature, StaleTimestamp
from webhook_core.providers._common import dig, header, parse_json_object, required_str
from webhook_core.providers.base import Verified, VerifyContext

SIGNATURE_HEADER = "Stripe-Signature"
SCHEME = "v1"
MAX_HEADER_CHARS = 8192  # a real header holds a timestamp and a few signatures
MAX_SIGNATURES = 16
_HEX_SHA256 = re.compile(r"[0-9a-f]{64}")
_TIMESTAMP = re.compile(r"[0-9]{1,12}")


def parse_signature_header(value: str) -> tuple[int, list[str]]:
    """``(timestamp, [v1 signatures])``; :class:`InvalidSignature` when the header has no usable elements."""
    if len(value) > MAX_HEADER_CHARS:
        raise InvalidSignature("Stripe-Signature is too long")
    timestamp: int | None = None
    signatures: list[str] = []
    for element in value.split(","):
        prefix, sep, item = element.strip().partition("=")
        if not sep:
            continue
        if prefix == "t":
            if not _TIMESTAMP.fullmatch(item.strip()):
                raise InvalidSignature("Stripe-Signature timestamp is not an integer")
            timestamp = int(item)
        elif prefix == SCHEME and item:
            candidate = item.strip().lower()
            # Only a hex SHA-256 can match; anything else (non-ASCII included) is skipped, never compared.
            if _HEX_SHA256.fullmatch(candidate) and len(signatures) < MAX_SIGNATURES:
                signatures.append(candidate)
    if timestamp is None:
        raise InvalidSignature("Stripe-Signature has no timestamp")
    if not signatures:
        raise InvalidSignature("Stripe-Signature has no v1 signature")
    return timestamp, signatures


def signing_secrets(secret: Mapping[str, Any]) -> list[str]:
    values = secret.get("signing_secrets")
    if isinstance(values, str):
        values = [values]
    if not isinstance(values, list) or not values or not all(isinstance(v, str) and v for v in values):
        raise ConfigurationError('stripe secret must be {"signing_secrets": ["whsec_...", ...]}')
    return list(values)


class StripePlugin:
    name = "stripe"

    def needs_secret(self, content_type: str) -> bool:
        return True

    def parse_body(self, raw: bytes, content_type: str) -> dict[str, Any]:
        parsed = parse_json_object(raw, content_type)
        required_str(parsed, "type")
        return parsed

    def event_id(self, parsed: Mapping[str, Any]) -> str:
        return required_str(parsed, "id")

    def transaction_id(self, parsed: Mapping[str, Any]) -> str:
        return dig(parsed, "data", "object", "id")

    def verify(self, raw: bytes, headers: Mapping[str, str], ctx: VerifyContext) -> Verified:
        timestamp, signatures = parse_signature_header(header(headers, SIGNATURE_HEADER))
        secrets = signing_secrets(ctx.secret)
        signed = str(timestamp).encode() + b"." + raw
        matched: int | None = None
        for index, secret in enumerate(secrets):
            expected = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
            # Every secret is tried (no early exit), each comparison in constant time.
            hit = any([hmac.compare_digest(expected, candidate) for candidate in signatures])  # noqa: C419
            if hit and matched is None:
                matched = index
        if matched is None:
            raise InvalidSignature("no v1 signature matches a configured secret", secret_mismatch=True)
        tolerance = ctx.settings.stripe_tolerance_seconds
        age = ctx.now - timestamp
        if age > tolerance:
            raise StaleTimestamp(f"timestamp is {int(age)} s old (tolerance {tolerance} s)")
        if -age > tolerance:
            raise StaleTimestamp(f"timestamp is {int(-age)} s in the future (tolerance {tolerance} s)")
        return Verified(provider=self.name, scheme="stripe-v1", signed_at=timestamp, key_index=matched)


PLUGIN = StripePlugin()
