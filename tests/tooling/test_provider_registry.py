"""The provider registry (webhook_core.providers) is the only place that knows which providers exist (issue 13).

Every tool asks webhookdev.providers, which derives its list from the Lambda registry; a provider is one plug-in per
side plus its schema, Terraform map entry and fixtures. An unknown provider is a clear error, never a wrong signature.
"""

from __future__ import annotations

import json
import re
import sys
import types
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
import webhook_core.providers as lambda_registry
from webhookdev import providers, samples
from webhookdev.cli.errors import CliError
from webhookdev.cli.send import SendOptions, build_requests, resolve_signing, sign_headers
from webhookdev.cli.target import Target
from webhookdev.local import seeding
from webhookdev.providers import Fresh, LocalFacts, SigningFlags

REPO = Path(__file__).resolve().parents[2]
JSON = providers.JSON_CONTENT_TYPE
#: Files that may name a provider literally: the registry, each provider's own plug-ins, and the demo's scripted tour.
PER_PROVIDER = re.compile(
    r"^(lambda/shared/webhook_core/providers/__init__\.py|devtools/webhookdev/providers/(?!__init__|base|_common)\w+\.py"
    r"|lambda/shared/webhook_core/(providers|normalizers)/(?!__init__|base|_common)\w+\.py"
    r"|devtools/webhookdev/demo\.py)$"
)
QUOTED = r"[\"'](?:stripe|paypal|square)[\"']"


def _no_target() -> Target:
    raise CliError("no stack (this test gives every value by flag)")


def test_tooling_registry_is_the_lambda_registry_and_each_provider_has_its_files() -> None:
    names = providers.names()
    assert names == tuple(lambda_registry.PROVIDERS)
    assert names == samples.PROVIDERS
    default = re.search(
        r'variable "webhook_providers" \{.*?default = \{(.*?)\n  \}', (REPO / "variables.tf").read_text(), re.S
    )
    assert default
    assert sorted(re.findall(r"^\s+(\w+)\s*=\s*\{", default.group(1), re.M)) == sorted(names)
    for name in names:
        assert providers.get(name).name == name
        assert (REPO / "lambda" / f"{name}-validator" / "index.py").is_file()
        assert (REPO / "lambda" / "shared" / "webhook_core" / "normalizers" / f"{name}.py").is_file()
        assert (REPO / "schemas" / f"{name}-webhook.json").is_file()
        assert samples.list_samples(name), f"no samples in devtools/webhookdev/samples/data/{name}/"


def test_no_shared_tooling_file_hard_codes_a_provider_name() -> None:
    """Outside the per-provider plug-ins, no `== "stripe"` branch and no literal list/map of providers."""
    offenders = []
    for path in sorted([*(REPO / "devtools" / "webhookdev").rglob("*.py"), *(REPO / "lambda").rglob("*.py")]):
        rel = path.relative_to(REPO).as_posix()
        if PER_PROVIDER.match(rel) or "/samples/data/" in rel:
            continue
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            code = line.split("#", 1)[0]
            branch = re.search(rf"(==|!=|\bin)\s*\(?{QUOTED}", code)
            listed = len(re.findall(rf"{QUOTED}\s*[:,)]", code)) >= 2 or re.match(
                rf"\s*{QUOTED}\s*:\s*[\{{\[(\"']", code
            )
            if branch or listed:
                offenders.append(f"{rel}:{number}: {line.strip()}")
    assert offenders == []


def test_an_unknown_provider_is_a_clear_error_never_a_signature() -> None:
    flags = SigningFlags(secrets=("some-shared-secret",))
    with pytest.raises(CliError, match="unknown provider 'acme'"):
        resolve_signing("acme", flags, _no_target, "https://x/api/v1/webhooks/acme", JSON)
    with pytest.raises(CliError, match="unknown provider 'acme'"):
        sign_headers("acme", b"{}", JSON, {"signature_key": "k", "notification_url": "https://x"})
    with pytest.raises(CliError, match="unknown provider 'acme'"):
        list(build_requests(SendOptions("acme", "anything", url="https://x", signing=flags), _no_target))


def test_a_registered_provider_without_a_tooling_plugin_is_named_not_guessed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lambda_registry, "PROVIDERS", {**lambda_registry.PROVIDERS, "acme": "acme_plugin"})
    with pytest.raises(CliError, match=r"no tooling plug-in: add devtools/webhookdev/providers/acme\.py"):
        resolve_signing("acme", SigningFlags(secrets=("k",)), _no_target, "https://x", JSON)


class _AcmeTooling:
    """A new provider's tooling plug-in: HMAC-SHA256 hex of the body in `Acme-Signature`."""

    name = "acme"

    def headers(self, content_type: str) -> dict[str, str]:
        return {"Content-Type": content_type, "User-Agent": "Acme-Hookshot/1"}

    def event_type(self, raw: bytes, content_type: str) -> str:
        return str(json.loads(raw)["kind"])

    def render(self, raw: bytes, content_type: str, fresh: Fresh) -> bytes:
        body = json.loads(raw)
        body["id"] = fresh.event_id or "evt_acme_new"
        return json.dumps(body).encode()

    def material_keys(self, content_type: str) -> tuple[str, ...]:
        return ("key",)

    def sign(self, body: bytes, content_type: str, material: Mapping[str, str]) -> dict[str, str]:
        import hashlib  # noqa: PLC0415
        import hmac  # noqa: PLC0415

        if not material.get("key"):
            raise providers.MissingSigningMaterial("cannot sign for acme: no key in the signing material")
        return {"Acme-Signature": hmac.new(material["key"].encode(), body, hashlib.sha256).hexdigest()}

    def material_from_flags(self, flags: SigningFlags, url: str) -> dict[str, str]:
        return {"key": flags.secrets[0]} if flags.secrets else {}

    def fallback_material(self, url: str) -> dict[str, str]:
        return {}

    def material_from_secret(self, secret: Mapping[str, Any], outputs: Mapping[str, Any]) -> dict[str, str]:
        return {"key": str(secret.get("key", ""))}

    def new_local_secret(self) -> dict[str, str]:
        return {"key": "acme-local"}

    def secret_string(self, values: Mapping[str, str]) -> str:
        return json.dumps({"key": values["key"]})

    def local_material(self, values: Mapping[str, str], facts: LocalFacts) -> dict[str, str]:
        return {"key": values["key"]}


@pytest.fixture
def acme(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A provider added the documented way: a registry entry, a tooling module and a sample (no other file)."""
    monkeypatch.setattr(lambda_registry, "PROVIDERS", {**lambda_registry.PROVIDERS, "acme": "acme_plugin"})
    module = types.ModuleType("webhookdev.providers.acme")
    module.TOOLING = _AcmeTooling()  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "webhookdev.providers.acme", module)
    lambda_half = types.ModuleType("acme_plugin")  # the Lambda plug-in: only what the tooling asks of it here
    lambda_half.PLUGIN = types.SimpleNamespace(  # type: ignore[attr-defined]
        name="acme", parse_body=lambda raw, content_type: json.loads(raw), event_id=lambda parsed: parsed["id"]
    )
    monkeypatch.setitem(sys.modules, "acme_plugin", lambda_half)
    data = tmp_path / "data"
    for name in providers.names():
        (data / name).mkdir(parents=True)
    (data / "acme" / "charge_done.json").write_text('{"id": "evt_1", "kind": "charge.done"}')
    monkeypatch.setattr(samples, "DATA_DIR", data)


@pytest.mark.usefixtures("acme")
def test_a_new_provider_needs_no_change_to_the_shared_tooling() -> None:
    flags = SigningFlags(material=(("key", "acme-secret"),))
    [request] = build_requests(  # by event type; the event id is the Lambda plug-in's
        SendOptions("acme", "charge.done", url="https://x/api/v1/webhooks/acme", event_id="evt_9", signing=flags),
        _no_target,
    )
    assert json.loads(request.body) == {"id": "evt_9", "kind": "charge.done"}
    assert request.event_id == "evt_9"
    assert request.headers["User-Agent"] == "Acme-Hookshot/1"
    import hashlib  # noqa: PLC0415
    import hmac  # noqa: PLC0415

    assert request.headers["Acme-Signature"] == hmac.new(b"acme-secret", request.body, hashlib.sha256).hexdigest()
    assert seeding.generate()["acme"] == {"key": "acme-local"}
    assert json.loads(seeding.secret_strings({"acme": {"key": "k"}})["acme"]) == {"key": "k"}


@pytest.mark.usefixtures("acme")
def test_missing_material_names_the_keys_never_a_value() -> None:
    with pytest.raises(CliError, match=r"cannot sign a acme webhook without key") as raised:
        list(build_requests(SendOptions("acme", "charge_done", url="https://x", signing=SigningFlags()), _local_empty))
    assert "acme-local" not in str(raised.value)


def _local_empty() -> Target:
    return Target(name="local", base_url="https://x", signing={})


def test_local_secrets_gain_a_provider_registered_after_they_were_written(tmp_path: Path) -> None:
    path = tmp_path / "secrets.json"
    path.write_text(json.dumps({"stripe": {"secret": "whsec_kept"}}))
    values = seeding.load_or_generate(path)
    assert sorted(values) == sorted(providers.names())
    assert values["stripe"] == {"secret": "whsec_kept"}
    assert json.loads(path.read_text()) == values
