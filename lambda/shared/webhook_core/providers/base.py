"""The provider plug-in protocol (decision 7): parse, identify and verify one provider's webhooks.

Normalization is the other half of a provider; it lives in ``webhook_core.normalizers.<provider>`` and is resolved
lazily by :func:`webhook_core.providers.get_normalizer`, so a validator never imports it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from webhook_core.config import Settings


@dataclass(frozen=True)
class Verified:
    """Proof that a body was signed by the provider."""

    provider: str
    scheme: str  # e.g. "stripe-v1", "paypal-rest", "paypal-ipn", "square-hmac-sha256"
    signed_at: int | None = None  # the signed timestamp, when the scheme has one
    key_index: int | None = None  # which configured secret matched (rotation visibility)
    notes: tuple[str, ...] = ()  # checks a verified body failed that do not stop it (logged, counted), by field name


@dataclass(frozen=True)
class VerifyContext:
    """What a verifier may use besides the request: resolved settings, the parsed secret JSON and the clock."""

    settings: Settings
    secret: Mapping[str, Any] = field(default_factory=dict)
    now: float = 0.0


class ProviderPlugin(Protocol):
    """One payment provider's ingest half."""

    name: str

    def needs_secret(self, content_type: str) -> bool:
        """Whether verifying a body of this content type needs the provider secret (PayPal IPN does not)."""
        ...

    def parse_body(self, raw: bytes, content_type: str) -> dict[str, Any]:
        """The body as the provider sends it; :class:`MalformedPayload` when it is not."""
        ...

    def event_id(self, parsed: Mapping[str, Any]) -> str:
        """The provider's unique event (notification) id; :class:`MalformedPayload` when absent."""
        ...

    def transaction_id(self, parsed: Mapping[str, Any]) -> str:
        """Best-effort id of the payment/refund/dispute object, for logs and traces ("" when unknown).

        The processor's normalizer is authoritative for the stored record; this is only a correlation hint.
        """
        ...

    def verify(self, raw: bytes, headers: Mapping[str, str], ctx: VerifyContext) -> Verified:
        """Check the signature over the exact raw bytes; raise :class:`InvalidSignature` (or a subclass)."""
        ...
