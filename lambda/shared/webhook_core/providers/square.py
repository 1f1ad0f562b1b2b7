"""Square: ``x-square-hmacsha256-signature = base64(HMAC-SHA256(key, notification_url + raw body))`` (decision 10).

The URL is the one registered with Square, taken from configuration (stage variable ``square_notification_url``,
then ``SQUARE_NOTIFICATION_URL``), never from the request. Square signs no timestamp: replay protection is the
processor's event-id deduplication.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping
from typing import Any

from webhook_core.errors import ConfigurationError, InvalidSignature
from webhook_core.providers._common import dig, header, parse_json_object, required_str
from webhook_core.providers.base import Verified, VerifyContext

SIGNATURE_HEADER = "x-square-hmacsha256-signature"


def signature_key(secret: Mapping[str, Any]) -> str:
    value = secret.get("signature_key")
    if not isinstance(value, str) or not value:
        raise ConfigurationError('square secret must be {"signature_key": "..."}')
    return value


def expected_signature(raw: bytes, key: str, notification_url: str) -> str:
    digest = hmac.new(key.encode(), notification_url.encode() + raw, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


class SquarePlugin:
    name = "square"

    def needs_secret(self, content_type: str) -> bool:
        return True

    def parse_body(self, raw: bytes, content_type: str) -> dict[str, Any]:
        parsed = parse_json_object(raw, content_type)
        required_str(parsed, "type")
        return parsed

    def event_id(self, parsed: Mapping[str, Any]) -> str:
        return required_str(parsed, "event_id")

    def transaction_id(self, parsed: Mapping[str, Any]) -> str:
        return dig(parsed, "data", "id") or dig(parsed, "data", "object", "payment", "id")

    def verify(self, raw: bytes, headers: Mapping[str, str], ctx: VerifyContext) -> Verified:
        received = header(headers, SIGNATURE_HEADER)
        url = ctx.settings.square_notification_url
        if not url:
            raise ConfigurationError("square notification URL is not configured (stage variable or env)")
        expected = expected_signature(raw, signature_key(ctx.secret), url)
        if not hmac.compare_digest(expected.encode(), received.encode()):
            raise InvalidSignature("x-square-hmacsha256-signature does not match", secret_mismatch=True)
        return Verified(provider=self.name, scheme="square-hmac-sha256", key_index=0)


PLUGIN = SquarePlugin()
