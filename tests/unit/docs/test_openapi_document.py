"""docs/openapi.yaml is a valid OpenAPI 3.0 document and agrees with the code that serves the API.

The e2e suite (tests/e2e/test_openapi_conformance.py) compares its paths and methods with the routes deployed into
the local stack and runs schemathesis against the query API; these tests need no stack.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml  # type: ignore[import-untyped]
from openapi_spec_validator import validate
from referencing.exceptions import Unresolvable
from webhook_core import query
from webhook_core.providers import PROVIDERS
from webhook_core.validator import CLIENT_MESSAGES

ROOT = Path(__file__).resolve().parents[3]
DOCUMENT = ROOT / "docs" / "openapi.yaml"
MODULE = ROOT / "modules" / "api-gateway" / "main.tf"


def _load(path: Path = DOCUMENT) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return loaded


def _validate(document: dict[str, Any], path: Path = DOCUMENT) -> None:
    validate(document, base_uri=path.resolve().as_uri())


def test_openapi_document_is_valid_openapi_3_0_with_its_external_refs() -> None:
    document = _load()
    assert str(document["openapi"]).startswith("3.0.")
    _validate(document)


def test_validator_rejects_a_document_whose_schema_ref_points_nowhere(tmp_path: Path) -> None:
    """The external $refs to schemas/*.json are followed, so a moved or renamed schema fails the check."""
    shutil.copytree(ROOT / "schemas", tmp_path / "schemas")
    copy = tmp_path / "docs" / "openapi.yaml"
    copy.parent.mkdir()
    copy.write_text(DOCUMENT.read_text(encoding="utf-8").replace("stripe-webhook.json", "no-such.json"))
    with pytest.raises(Unresolvable, match=r"no-such\.json"):
        _validate(_load(copy), copy)


def test_every_registered_provider_has_a_webhook_route_with_the_model_terraform_uploads() -> None:
    paths = _load()["paths"]
    webhooks = {p for p in paths if p.startswith("/api/v1/webhooks/")}
    assert webhooks == {f"/api/v1/webhooks/{name}" for name in PROVIDERS}
    schemas = _load()["components"]["schemas"]
    for name in PROVIDERS:
        operation = paths[f"/api/v1/webhooks/{name}"]["post"]
        ref = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
        target = schemas[ref.rsplit("/", 1)[-1]]["$ref"]
        assert target == f"../schemas/{name}-webhook.json"  # api-gateway.tf: file("schemas/${p}-webhook.json")
        assert (DOCUMENT.parent / target).resolve().is_file()
        assert {"200", "400", "401", "403", "429", "5XX"} <= set(operation["responses"])


def test_query_parameters_equal_the_request_parameters_terraform_declares() -> None:
    text = MODULE.read_text(encoding="utf-8")
    block = re.search(r"list_transactions_parameters = \{(.*?)\}", text, re.DOTALL)
    assert block is not None
    declared = set(re.findall(r'"method\.request\.querystring\.(\w+)"', block.group(1)))
    paths = _load()["paths"]
    documented = {p["name"] for p in paths["/api/v1/transactions"]["get"]["parameters"] if p["in"] == "query"}
    assert documented == declared
    assert re.search(r'"method\.request\.path\.id"\s*=\s*true', text)
    (path_param,) = paths["/api/v1/transactions/{id}"]["get"]["parameters"]
    assert (path_param["name"], path_param["in"], path_param["required"]) == ("id", "path", True)


def test_query_parameter_constraints_equal_the_handlers() -> None:
    params = {p["name"]: p["schema"] for p in _load()["paths"]["/api/v1/transactions"]["get"]["parameters"]}
    assert params["provider"]["enum"] == sorted(PROVIDERS)
    assert (params["limit"]["minimum"], params["limit"]["maximum"]) == (1, query.MAX_LIMIT)
    assert params["limit"]["default"] == query.DEFAULT_LIMIT
    for name in ("start", "end"):
        assert params[name]["pattern"] == f"^{query._NUMBER.pattern}$"


def test_documented_webhook_messages_are_the_validators() -> None:
    text = DOCUMENT.read_text(encoding="utf-8")
    for status in (401, 500, 503):
        assert CLIENT_MESSAGES[status] in text, status
    assert "Malformed payload: <reason>" in text
