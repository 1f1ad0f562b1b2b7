"""Stripe's tooling: ``Stripe-Signature: t=...,v1=...`` over ``"<t>.<body>"`` (one ``v1`` per secret, as during a
rotation); pretty-printed JSON bodies; the secret is ``{"signing_secrets": ["whsec_..."]}``."""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping
from typing import Any

from webhookdev import signing
from webhookdev.providers._common import present, require, token
from webhookdev.providers.base import Fresh, LocalFacts, SigningFlags


class StripeTooling:
    name = "stripe"

    def headers(self, content_type: str) -> dict[str, str]:
        return {
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
        }

    def event_type(self, raw: bytes, content_type: str) -> str:
        return str(json.loads(raw).get("type"))

    def render(self, raw: bytes, content_type: str, fresh: Fresh) -> bytes:
        body = json.loads(raw)
        body["id"] = fresh.event_id or f"evt_{token(24)}"
        body["created"] = fresh.created
        obj = body["data"]["object"]
        prefix = str(obj.get("id", "obj_")).split("_", 1)[0]
        obj["id"] = fresh.transaction_id or f"{prefix}_{token(24)}"
        if isinstance(obj.get("created"), int):
            obj["created"] = fresh.created - 1
        if fresh.customer_id is not None and "customer" in obj:
            obj["customer"] = fresh.customer_id
        return (json.dumps(body, indent=2, ensure_ascii=False) + "\n").encode("utf-8")

    def material_keys(self, content_type: str) -> tuple[str, ...]:
        return ("secret",)

    def sign(self, body: bytes, content_type: str, material: Mapping[str, str]) -> dict[str, str]:
        (secret,) = require(self.name, material, ("secret",))
        # Extra secrets (newline-separated) add more v1 values, as Stripe does while an endpoint secret is rolled.
        first, *more = secret.split("\n")
        return {"Stripe-Signature": signing.stripe_signature_header(body, first, None, *more)}

    def material_from_flags(self, flags: SigningFlags, url: str) -> dict[str, str]:
        return present(secret="\n".join(flags.secrets))

    def fallback_material(self, url: str) -> dict[str, str]:
        return {}

    def material_from_secret(self, secret: Mapping[str, Any], outputs: Mapping[str, Any]) -> dict[str, str]:
        current = [str(s) for s in secret.get("signing_secrets") or ()][:1]  # sign with the current secret only
        return present(secret="".join(current))

    def new_local_secret(self) -> dict[str, str]:
        return {"secret": "whsec_" + secrets.token_urlsafe(32)}

    def secret_string(self, values: Mapping[str, str]) -> str:
        return json.dumps({"signing_secrets": [values["secret"]]})

    def local_material(self, values: Mapping[str, str], facts: LocalFacts) -> dict[str, str]:
        return {"secret": values["secret"]}


TOOLING = StripeTooling()
