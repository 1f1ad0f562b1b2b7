"""The REQUEST authorizer: provider key values for webhook routes, the caller's key for query routes (only an
internal-query key: a provider's webhook key never opens the query API)."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from webhook_core import authorizer as authorizer_module
from webhook_core.authorizer import Authorizer, apigateway_key_fetcher, parse_query_key_ids
from webhook_core.errors import ConfigurationError

from .conftest import REGION

PREFIX = "arn:aws:execute-api:us-east-1:123456789012:abc123/dev"


class Context:
    function_name = "webhook-api-authorizer"
    memory_limit_in_mb = 128
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:webhook-api-authorizer"
    aws_request_id = "req-1"


def request_event(method: str, path: str, resource: str, headers: dict[str, str] | None = None) -> dict[str, Any]:
    return {
        "type": "REQUEST",
        "methodArn": f"{PREFIX}/{method}{path}",
        "resource": resource,
        "path": path,
        "httpMethod": method,
        "headers": headers or {},
        "requestContext": {"resourcePath": resource, "stage": "dev"},
    }


@pytest.fixture
def keys(aws_env: None, monkeypatch: pytest.MonkeyPatch) -> dict[str, dict[str, str]]:
    client = boto3.client("apigateway", region_name=REGION)
    created = {}
    for provider in ("stripe", "paypal", "square"):
        key = client.create_api_key(name=f"webhooks-{provider}", enabled=True, value=f"{provider}-key-value-0123456789")
        created[provider] = {"id": key["id"], "value": key["value"]}
    monkeypatch.setenv("PROVIDER_API_KEY_IDS", json.dumps({p: k["id"] for p, k in created.items()}))
    query = client.create_api_key(name="internal-query", enabled=True, value="internal-query-key-value-0123456789")
    created["query"] = {"id": query["id"], "value": query["value"]}
    monkeypatch.setenv("QUERY_API_KEY_IDS", json.dumps([query["id"]]))
    return created


PROVIDERS = ("stripe", "paypal", "square")


def provider_key_ids(keys: dict[str, dict[str, str]]) -> dict[str, str]:
    return {p: keys[p]["id"] for p in PROVIDERS}


def moto_fetcher() -> Any:
    return apigateway_key_fetcher(boto3.client("apigateway", region_name=REGION))


class CountingFetcher:
    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.calls: list[str] = []

    def __call__(self, key_id: str) -> str:
        self.calls.append(key_id)
        return str(self.inner(key_id))


def test_webhook_route_gets_that_providers_key_value_fetched_once(keys: dict[str, dict[str, str]]) -> None:
    fetcher = CountingFetcher(apigateway_key_fetcher(boto3.client("apigateway", region_name=REGION)))
    authorizer = Authorizer(provider_key_ids(keys), fetcher)
    event = request_event("POST", "/api/v1/webhooks/stripe", "/api/v1/webhooks/stripe")
    assert fetcher.calls == []  # nothing fetched before the first request

    first = authorizer.decide(event).policy()
    second = authorizer.decide(event).policy()

    assert first == second
    assert first["principalId"] == "stripe"
    assert first["usageIdentifierKey"] == keys["stripe"]["value"]
    (statement,) = first["policyDocument"]["Statement"]
    assert statement == {
        "Action": "execute-api:Invoke",
        "Effect": "Allow",
        "Resource": [f"{PREFIX}/POST/api/v1/webhooks/stripe"],
    }
    assert fetcher.calls == [keys["stripe"]["id"]]


def test_query_route_uses_the_callers_key_and_covers_both_query_routes(keys: dict[str, dict[str, str]]) -> None:
    values = {"query-key-id": "caller-key-abc"}
    authorizer = Authorizer(provider_key_ids(keys), values.__getitem__, ["query-key-id"])
    event = request_event(
        "GET", "/api/v1/transactions/ch_123", "/api/v1/transactions/{id}", {"X-API-Key": "caller-key-abc"}
    )

    policy = authorizer.decide(event).policy()

    assert policy["principalId"] == "query-caller"
    assert policy["usageIdentifierKey"] == "caller-key-abc"
    assert policy["policyDocument"]["Statement"][0]["Resource"] == [
        f"{PREFIX}/GET/api/v1/transactions",
        f"{PREFIX}/GET/api/v1/transactions/*",
    ]


def test_handler_wires_apigateway_and_never_logs_key_values(
    keys: dict[str, dict[str, str]], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", "authorizer-test-wiring")
    handler = authorizer_module.create_handler()

    for provider in ("stripe", "paypal", "square"):
        path = f"/api/v1/webhooks/{provider}"
        policy = handler(request_event("POST", path, path), Context())
        assert policy["usageIdentifierKey"] == keys[provider]["value"]
        assert policy["principalId"] == provider

    out = capsys.readouterr().out
    assert all(k["value"] not in out for k in keys.values())
    lines = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    assert [line["effect"] for line in lines] == ["Allow", "Allow", "Allow"]


def test_query_route_without_api_key_is_unauthorized(
    keys: dict[str, dict[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", "authorizer-test-unauthorized")
    handler = authorizer_module.create_handler()

    with pytest.raises(Exception, match=r"^Unauthorized$"):
        handler(request_event("GET", "/api/v1/transactions", "/api/v1/transactions"), Context())


def test_unknown_provider_and_unknown_route_are_denied(keys: dict[str, dict[str, str]]) -> None:
    authorizer = Authorizer({"stripe": keys["stripe"]["id"]}, lambda _: "never")

    unknown_provider = authorizer.decide(request_event("POST", "/api/v1/webhooks/adyen", "/api/v1/webhooks/adyen"))
    unknown_route = authorizer.decide(request_event("GET", "/admin", "/admin", {"x-api-key": "k"}))

    for decision in (unknown_provider, unknown_route):
        policy = decision.policy()
        assert policy["policyDocument"]["Statement"][0]["Effect"] == "Deny"
        assert "usageIdentifierKey" not in policy


def test_route_falls_back_to_method_arn_when_resource_is_absent(keys: dict[str, dict[str, str]]) -> None:
    authorizer = Authorizer({"square": keys["square"]["id"]}, lambda _: "square-value")
    event = {"type": "REQUEST", "methodArn": f"{PREFIX}/POST/api/v1/webhooks/square", "headers": {}}

    assert authorizer.decide(event).policy()["usageIdentifierKey"] == "square-value"


QUERY_RESOURCES = [f"{PREFIX}/GET/api/v1/transactions", f"{PREFIX}/GET/api/v1/transactions/*"]


def query_event(api_key: str) -> dict[str, Any]:
    return request_event("GET", "/api/v1/transactions/ch_1", "/api/v1/transactions/{id}", {"x-api-key": api_key})


@pytest.mark.parametrize("provider", PROVIDERS)
def test_a_providers_webhook_key_never_opens_the_query_api(keys: dict[str, dict[str, str]], provider: str) -> None:
    authorizer = Authorizer(provider_key_ids(keys), moto_fetcher(), [keys["query"]["id"]])
    authorizer.decide(request_event("POST", f"/api/v1/webhooks/{provider}", f"/api/v1/webhooks/{provider}"))

    policy = authorizer.decide(query_event(keys[provider]["value"])).policy()

    assert policy["policyDocument"]["Statement"] == [
        {"Action": "execute-api:Invoke", "Effect": "Deny", "Resource": QUERY_RESOURCES}
    ]
    assert "usageIdentifierKey" not in policy
    assert policy["principalId"] == "unknown-query-key"


def test_the_internal_query_key_opens_the_query_api(keys: dict[str, dict[str, str]]) -> None:
    authorizer = Authorizer(provider_key_ids(keys), moto_fetcher(), [keys["query"]["id"]])

    policy = authorizer.decide(query_event(keys["query"]["value"])).policy()

    assert policy["policyDocument"]["Statement"][0] == {
        "Action": "execute-api:Invoke",
        "Effect": "Allow",
        "Resource": QUERY_RESOURCES,
    }
    assert policy["usageIdentifierKey"] == keys["query"]["value"]


@pytest.mark.parametrize("presented", ["not-a-key", "internal-query-key-value-012345678", "x" * 4096])
def test_any_other_key_is_denied_on_query_routes(keys: dict[str, dict[str, str]], presented: str) -> None:
    authorizer = Authorizer(provider_key_ids(keys), moto_fetcher(), [keys["query"]["id"]])

    policy = authorizer.decide(query_event(presented)).policy()

    assert policy["policyDocument"]["Statement"][0]["Effect"] == "Deny"
    assert "usageIdentifierKey" not in policy


def test_without_query_keys_iam_mode_every_query_request_is_denied(keys: dict[str, dict[str, str]]) -> None:
    authorizer = Authorizer(provider_key_ids(keys), moto_fetcher(), parse_query_key_ids("[]"))

    for presented in (keys["query"]["value"], keys["stripe"]["value"]):
        policy = authorizer.decide(query_event(presented)).policy()
        assert policy["policyDocument"]["Statement"][0]["Effect"] == "Deny"
        assert "usageIdentifierKey" not in policy


def test_a_webhook_key_configured_as_a_query_key_still_never_opens_the_query_api(
    keys: dict[str, dict[str, str]],
) -> None:
    authorizer = Authorizer(provider_key_ids(keys), moto_fetcher(), [keys["square"]["id"], keys["query"]["id"]])

    square = authorizer.decide(query_event(keys["square"]["value"])).policy()
    query = authorizer.decide(query_event(keys["query"]["value"])).policy()
    webhook = authorizer.decide(request_event("POST", "/api/v1/webhooks/square", "/api/v1/webhooks/square")).policy()

    assert square["policyDocument"]["Statement"][0]["Effect"] == "Deny"
    assert "usageIdentifierKey" not in square
    assert query["usageIdentifierKey"] == keys["query"]["value"]
    assert webhook["usageIdentifierKey"] == keys["square"]["value"]  # webhooks keep flowing


@pytest.mark.parametrize("raw", ["{}", "[1]", '[""]', "not json"])
def test_malformed_query_key_ids_are_a_configuration_error(raw: str) -> None:
    with pytest.raises(ConfigurationError, match="QUERY_API_KEY_IDS"):
        parse_query_key_ids(raw)


def test_handler_opens_queries_only_with_the_query_key_and_never_logs_it(
    keys: dict[str, dict[str, str]], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", "authorizer-test-query-keys")
    handler = authorizer_module.create_handler()

    allowed = handler(query_event(keys["query"]["value"]), Context())
    denied = [handler(query_event(keys[p]["value"]), Context()) for p in PROVIDERS]

    assert allowed["policyDocument"]["Statement"][0]["Effect"] == "Allow"
    assert [d["policyDocument"]["Statement"][0]["Effect"] for d in denied] == ["Deny"] * 3
    assert all("usageIdentifierKey" not in d for d in denied)
    out = capsys.readouterr().out
    assert all(k["value"] not in out for k in keys.values())
