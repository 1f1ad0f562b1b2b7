"""PayPal's tooling, both kinds: REST webhooks (JSON, SHA256withRSA over ``id|time|webhook_id|crc32(body)`` with the
key behind ``PAYPAL-CERT-URL``) and classic IPN (form-encoded, unsigned: the receiver posts it back to PayPal)."""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, parse_qsl, urlencode

from webhookdev import signing
from webhookdev.providers._common import UPPER_DIGITS, compact_json, iso_z, present, require, token
from webhookdev.providers.base import FORM_CONTENT_TYPE, Fresh, LocalFacts, SigningFlags

REST_KEYS = ("webhook_id", "cert_url", "private_key_pem")


def _ipn_date(created: int) -> str:
    # PayPal stamps IPN dates in Pacific time; use the fixed PST offset (what the samples carry).
    local = datetime.fromtimestamp(created, tz=UTC) - timedelta(hours=8)
    return local.strftime("%H:%M:%S %b %d, %Y") + " PST"


def _is_ipn(content_type: str) -> bool:
    return content_type.split(";", maxsplit=1)[0].strip().lower() == FORM_CONTENT_TYPE


class PayPalTooling:
    name = "paypal"

    def headers(self, content_type: str) -> dict[str, str]:
        if _is_ipn(content_type):
            return {"Content-Type": FORM_CONTENT_TYPE, "User-Agent": "PayPal IPN ( https://www.paypal.com/ipn )"}
        return {"Content-Type": "application/json", "User-Agent": "PayPal/AUHD-214.0-58843523"}

    def event_type(self, raw: bytes, content_type: str) -> str:
        if _is_ipn(content_type):
            fields = parse_qs(raw.decode("ascii"))
            return "ipn:" + (fields.get("txn_type") or fields.get("payment_status") or ["?"])[0]
        return str(json.loads(raw).get("event_type"))

    def render(self, raw: bytes, content_type: str, fresh: Fresh) -> bytes:
        if _is_ipn(content_type):
            return self._render_ipn(raw, fresh)
        body = json.loads(raw)
        new_event_id = fresh.event_id or f"WH-{token(17, UPPER_DIGITS)}-{token(17, UPPER_DIGITS)}"
        old_event_id = body["id"]
        body["id"] = new_event_id
        body["create_time"] = iso_z(fresh.created, millis=True)
        for link in body.get("links", []):
            link["href"] = str(link["href"]).replace(old_event_id, new_event_id)
        resource = body["resource"]
        id_field = "dispute_id" if "dispute_id" in resource else "id"
        resource[id_field] = fresh.transaction_id or token(17, UPPER_DIGITS)
        if "update_time" in resource:
            resource["update_time"] = iso_z(fresh.created, millis=False)
        payer = resource.get("payer")
        if fresh.customer_id is not None and isinstance(payer, dict) and "payer_id" in payer:
            payer["payer_id"] = fresh.customer_id
        return compact_json(body)

    @staticmethod
    def _render_ipn(raw: bytes, fresh: Fresh) -> bytes:
        fields = parse_qsl(raw.decode("ascii"), keep_blank_values=True)
        replacements = {
            "ipn_track_id": fresh.event_id or token(13, "abcdef0123456789"),
            "txn_id": fresh.transaction_id or token(17, UPPER_DIGITS),
            "payment_date": _ipn_date(fresh.created),
        }
        if fresh.customer_id is not None:
            replacements["payer_id"] = fresh.customer_id
        return urlencode([(key, replacements.get(key, value)) for key, value in fields]).encode("ascii")

    def material_keys(self, content_type: str) -> tuple[str, ...]:
        return () if _is_ipn(content_type) else REST_KEYS

    def sign(self, body: bytes, content_type: str, material: Mapping[str, str]) -> dict[str, str]:
        if _is_ipn(content_type):
            return {}  # IPN is not signed: the receiver posts the message back to PayPal to verify it.
        webhook_id, cert_url, key_pem = require(self.name, material, REST_KEYS)
        return signing.paypal_transmission_headers(body, webhook_id, cert_url, key_pem.encode())

    def material_from_flags(self, flags: SigningFlags, url: str) -> dict[str, str]:
        if flags.secrets:
            raise ValueError(
                "PayPal REST webhooks are signed with an RSA key, not a shared secret: "
                "use --paypal-key, --paypal-cert-url and --paypal-webhook-id"
            )
        key = flags.paypal_key_file.read_text() if flags.paypal_key_file else None
        return present(webhook_id=flags.paypal_webhook_id, cert_url=flags.paypal_cert_url, private_key_pem=key)

    def fallback_material(self, url: str) -> dict[str, str]:
        return {}

    def material_from_secret(self, secret: Mapping[str, Any], outputs: Mapping[str, Any]) -> dict[str, str]:
        # Only the webhook id is ours; nobody but PayPal holds a key whose certificate PayPal serves.
        return present(webhook_id=str(secret.get("webhook_id") or ""))

    def new_local_secret(self) -> dict[str, str]:
        return {"webhook_id": "WH-LOCAL-" + secrets.token_hex(8).upper()}

    def secret_string(self, values: Mapping[str, str]) -> str:
        return json.dumps({"webhook_id": values["webhook_id"]})

    def local_material(self, values: Mapping[str, str], facts: LocalFacts) -> dict[str, str]:
        return {
            "webhook_id": values["webhook_id"],
            "cert_url": facts.certificate_url,
            "private_key_pem": facts.signing_key_pem,
        }


TOOLING = PayPalTooling()
