"""Demo secret values for the local stack: generated fresh per stack, kept in `.local/secrets.json` (git-ignored),
and put into Secrets Manager in the formats of docs/design.md. Nothing here is ever committed."""

from __future__ import annotations

import json
import secrets
from pathlib import Path
from typing import Any

from webhookdev.local.deployed import FunctionSpec


def generate() -> dict[str, dict[str, str]]:
    """One fresh set of signing material per provider (the PayPal signing key is the local TLS one)."""
    return {
        "stripe": {"secret": "whsec_" + secrets.token_urlsafe(32)},
        "square": {"signature_key": secrets.token_urlsafe(22)},
        "paypal": {"webhook_id": "WH-LOCAL-" + secrets.token_hex(8).upper()},
    }


def load_or_generate(path: Path) -> dict[str, dict[str, str]]:
    if path.exists():
        stored: dict[str, dict[str, str]] = json.loads(path.read_text())
        return stored
    values = generate()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(values, indent=2))
    path.chmod(0o600)
    return values


def secret_strings(values: dict[str, dict[str, str]]) -> dict[str, str]:
    """SecretString per provider, as the validators read them (design.md, "Secrets Manager formats")."""
    return {
        "stripe": json.dumps({"signing_secrets": [values["stripe"]["secret"]]}),
        "paypal": json.dumps({"webhook_id": values["paypal"]["webhook_id"]}),
        "square": json.dumps({"signature_key": values["square"]["signature_key"]}),
    }


def secret_ids(functions: dict[str, FunctionSpec]) -> dict[str, str]:
    """provider -> secret ARN, from the deployed validators' PROVIDER_NAME and PROVIDER_SECRET_ARN."""
    found: dict[str, str] = {}
    for spec in functions.values():
        provider = spec.environment.get("PROVIDER_NAME")
        arn = spec.environment.get("PROVIDER_SECRET_ARN")
        if provider and arn:
            found[provider] = arn
    return found


def put_secrets(client: Any, values: dict[str, dict[str, str]], functions: dict[str, FunctionSpec]) -> list[str]:
    """Put the secret of every deployed validator's provider (only when it differs); returns the secret ids."""
    strings = secret_strings(values)
    ids = secret_ids(functions)
    written = []
    for provider, secret_id in sorted(ids.items()):
        secret_string = strings.get(provider)
        if secret_string is None:
            raise KeyError(f"no local demo secret for provider {provider!r}: add one to webhookdev.local.seeding")
        try:
            current = client.get_secret_value(SecretId=secret_id).get("SecretString")
        except client.exceptions.ResourceNotFoundException:
            current = None
        if current != secret_string:
            client.put_secret_value(SecretId=secret_id, SecretString=secret_string)
        written.append(secret_id)
    return written
