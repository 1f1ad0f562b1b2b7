"""Square's tooling: ``x-square-hmacsha256-signature = base64(HMAC-SHA256(key, notification_url + body))``; the URL
is the one the subscription is registered with (the stage variable), else the URL the request is POSTed to."""

from __future__ import annotations

import json
import secrets
import uuid
from collections.abc import Mapping
from typing import Any

from webhookdev import signing
from webhookdev.providers._common import compact_json, iso_z, present, require, token
from webhookdev.providers.base import Fresh, LocalFacts, SigningFlags

NOTIFICATION_URL_STAGE_VARIABLE = "square_notification_url"  # also the Terraform output's name


class SquareTooling:
    name = "square"

    def headers(self, content_type: str) -> dict[str, str]:
        return {"Content-Type": "application/json", "User-Agent": "Square Connect v2"}

    def event_type(self, raw: bytes, content_type: str) -> str:
        return str(json.loads(raw).get("type"))

    def render(self, raw: bytes, content_type: str, fresh: Fresh) -> bytes:
        body = json.loads(raw)
        body["event_id"] = fresh.event_id or str(uuid.uuid4())
        body["created_at"] = iso_z(fresh.created, millis=True)
        data = body["data"]
        obj = data["object"][data["type"]]
        new_id = fresh.transaction_id or token(29)
        data["id"] = new_id
        obj["id"] = new_id
        if "dispute_id" in obj:
            obj["dispute_id"] = new_id
        obj["updated_at"] = iso_z(fresh.created, millis=True)
        if fresh.customer_id is not None and "customer_id" in obj:
            obj["customer_id"] = fresh.customer_id
        return compact_json(body)

    def material_keys(self, content_type: str) -> tuple[str, ...]:
        return ("signature_key", "notification_url")

    def sign(self, body: bytes, content_type: str, material: Mapping[str, str]) -> dict[str, str]:
        key, url = require(self.name, material, self.material_keys(content_type))
        return {"x-square-hmacsha256-signature": signing.square_signature(body, key, url)}

    def material_from_flags(self, flags: SigningFlags, url: str) -> dict[str, str]:
        if len(flags.secrets) > 1:
            raise ValueError("Square has one signature key: give --secret once")
        key = flags.secrets[0] if flags.secrets else None
        return present(signature_key=key, notification_url=flags.square_notification_url)

    def fallback_material(self, url: str) -> dict[str, str]:
        # Square signs the URL the subscription is registered with; unknown, the URL the request is POSTed to.
        return {"notification_url": url}

    def material_from_secret(self, secret: Mapping[str, Any], outputs: Mapping[str, Any]) -> dict[str, str]:
        url = outputs.get(NOTIFICATION_URL_STAGE_VARIABLE)
        return present(signature_key=str(secret.get("signature_key") or ""), notification_url=str(url or ""))

    def new_local_secret(self) -> dict[str, str]:
        return {"signature_key": secrets.token_urlsafe(22)}

    def secret_string(self, values: Mapping[str, str]) -> str:
        return json.dumps({"signature_key": values["signature_key"]})

    def local_material(self, values: Mapping[str, str], facts: LocalFacts) -> dict[str, str]:
        url = facts.stage_variables.get(NOTIFICATION_URL_STAGE_VARIABLE)
        return present(signature_key=values["signature_key"], notification_url=url)


TOOLING = SquareTooling()
