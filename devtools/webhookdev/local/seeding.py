"""Demo secret values for the local stack: generated fresh per stack, kept in `.local/secrets.json` (git-ignored),
and put into Secrets Manager in the formats of docs/design.md. Nothing here is ever committed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from webhookdev import providers
from webhookdev.local.deployed import FunctionSpec


def generate() -> dict[str, dict[str, str]]:
    """One fresh set of demo values per registered provider (each plug-in's ``new_local_secret``)."""
    return {name: providers.get(name).new_local_secret() for name in providers.names()}


def load_or_generate(path: Path) -> dict[str, dict[str, str]]:
    """The stored values; a provider registered since they were written gets fresh ones (and the file is updated)."""
    stored: dict[str, dict[str, str]] = json.loads(path.read_text()) if path.exists() else {}
    values = {**generate(), **{k: v for k, v in stored.items() if k in providers.names()}}
    if values != stored:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values, indent=2))
        path.chmod(0o600)
    return values


def secret_strings(values: dict[str, dict[str, str]]) -> dict[str, str]:
    """SecretString per provider, as the validators read them (design.md, "Secrets Manager formats")."""
    return {name: providers.get(name).secret_string(provider_values) for name, provider_values in values.items()}


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
            raise KeyError(f"no local demo secret for provider {provider!r}: is it in webhook_core's registry?")
        try:
            current = client.get_secret_value(SecretId=secret_id).get("SecretString")
        except client.exceptions.ResourceNotFoundException:
            current = None
        if current != secret_string:
            client.put_secret_value(SecretId=secret_id, SecretString=secret_string)
        written.append(secret_id)
    return written
