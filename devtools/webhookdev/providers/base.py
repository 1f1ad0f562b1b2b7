"""The protocol every provider's tooling plug-in implements, and the small shapes it exchanges.

Signing material is a flat ``str -> str`` mapping in the shape of ``stack.json``'s ``signing.<provider>`` entry
(documented in docs/local-stack.md); each plug-in names the keys it needs for a content type.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

JSON_CONTENT_TYPE = "application/json"
FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"


class UnknownProvider(ValueError):
    """A provider name that the registry does not know, or one without a tooling plug-in."""


class MissingSigningMaterial(ValueError):
    """Signing material lacks a value the provider's scheme needs; the message names the keys, never values."""


@dataclass(frozen=True)
class Fresh:
    """What a rendered sample replaces: ids (None: a new random one), the event time, the customer (None: keep)."""

    event_id: str | None
    transaction_id: str | None
    created: int
    customer_id: str | None


@dataclass(frozen=True)
class SigningFlags:
    """The signing-related command-line flags of `webhookctl send` (and the load generator)."""

    secrets: tuple[str, ...] = ()
    secret_from_aws: bool = False
    square_notification_url: str | None = None
    paypal_webhook_id: str | None = None
    paypal_cert_url: str | None = None
    paypal_key_file: Path | None = None
    #: ``--signing KEY=VALUE``: any material key of any provider (so a new provider needs no new flag).
    material: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class LocalFacts:
    """What the local stack knows when it writes stack.json: the stage's variables and its local signing CA."""

    stage_variables: Mapping[str, str]
    certificate_url: str
    signing_key_pem: str


class ProviderTooling(Protocol):
    """One provider's tooling half (the Lambda half is webhook_core.providers.<name> and its normalizer)."""

    name: str

    def headers(self, content_type: str) -> dict[str, str]:
        """What a delivery of this content type carries besides the signature (Content-Type exactly as sent)."""
        ...

    def event_type(self, raw: bytes, content_type: str) -> str:
        """The provider's own event type written in a sample body."""
        ...

    def render(self, raw: bytes, content_type: str, fresh: Fresh) -> bytes:
        """A copy of a stored sample with fresh ids and times, serialized in the provider's own style."""
        ...

    def material_keys(self, content_type: str) -> tuple[str, ...]:
        """The signing material keys a body of this content type needs (empty: the provider does not sign it)."""
        ...

    def sign(self, body: bytes, content_type: str, material: Mapping[str, str]) -> dict[str, str]:
        """The signature headers, computed as the provider computes them; :class:`MissingSigningMaterial`."""
        ...

    def material_from_flags(self, flags: SigningFlags, url: str) -> dict[str, str]:
        """Material the command-line flags give (``url``: where the request is POSTed); ValueError on misuse."""
        ...

    def fallback_material(self, url: str) -> dict[str, str]:
        """Material used when neither the flags nor the target give it (``url``: where the request is POSTed)."""
        ...

    def material_from_secret(self, secret: Mapping[str, Any], outputs: Mapping[str, Any]) -> dict[str, str]:
        """Material from the deployed secret (Secrets Manager JSON, docs/design.md) and the Terraform outputs."""
        ...

    def new_local_secret(self) -> dict[str, str]:
        """Fresh demo values for a local stack (kept in .local/secrets.json, never committed)."""
        ...

    def secret_string(self, values: Mapping[str, str]) -> str:
        """The SecretString the validator reads, built from :meth:`new_local_secret`'s values."""
        ...

    def local_material(self, values: Mapping[str, str], facts: LocalFacts) -> dict[str, str]:
        """stack.json's ``signing.<provider>`` entry: the material to sign for the local stack."""
        ...
