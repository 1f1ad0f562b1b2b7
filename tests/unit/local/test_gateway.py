"""The gateway pipeline against hand-built deployments: what Terraform configured is what is enforced."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from webhookdev.local.deployed import RestApi, Stage, Throttle
from webhookdev.local.functions import Result
from webhookdev.local.gateway import Gateway, Trace
from webhookdev.local.logsink import LogSink
from webhookdev.local.proxy import HttpRequest

from .builders import FUNCTION_ARN, api, method, with_key_enabled

ALLOW = {
    "principalId": "caller",
    "policyDocument": {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": "arn:aws:execute-api:*"}],
    },
    "context": {"route": "/hooks"},
    "usageIdentifierKey": "secret-key-value",
}


class FakeInvoker:
    """Records invocations; the authorizer answers `authorizer_result`, every other function echoes 200."""

    def __init__(self, deployed: RestApi) -> None:
        self.registry = SimpleNamespace(snapshot=SimpleNamespace(deployment=SimpleNamespace(api=deployed)))
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.authorizer_result: Result = Result(json.dumps(ALLOW).encode())
        self.function_result: Result | None = None

    def deploy(self, deployed: RestApi) -> None:
        self.registry.snapshot.deployment.api = deployed

    def invoke(self, function: str, payload: bytes, *_: Any, **__: Any) -> Result:
        event = json.loads(payload)
        self.calls.append((function.rsplit(":", 1)[-1], event))
        if function.endswith(":authorizer"):
            return self.authorizer_result
        if self.function_result is not None:
            return self.function_result
        return Result(json.dumps({"statusCode": 200, "body": json.dumps({"seen": event["body"]})}).encode())

    def functions_called(self) -> list[str]:
        return [name for name, _ in self.calls]


def post(path: str, body: bytes, headers: tuple[tuple[str, str], ...] = (("Content-Type", "application/json"),)):
    return HttpRequest("POST", path, "", headers, body, "127.0.0.1", "127.0.0.1:45661")


def webhook_api(**method_overrides: Any) -> RestApi:
    fields: dict[str, Any] = {
        "authorization_type": "CUSTOM",
        "authorizer_id": "auth1",
        "api_key_required": True,
        "validator_id": "v1",
        "request_models": {"application/json": "Body"},
    }
    fields.update(method_overrides)
    return api(method("/hooks", "POST", **fields), api_key_source="AUTHORIZER")


@pytest.fixture
def gateway_for(tmp_path: Path) -> Any:
    def build(deployed: RestApi) -> tuple[Gateway, FakeInvoker]:
        invoker = FakeInvoker(deployed)
        return Gateway(invoker, LogSink(tmp_path / "access.log")), invoker  # type: ignore[arg-type]

    return build


def handle(gateway: Gateway, request: HttpRequest, stage: str = "local") -> tuple[int, Any]:
    response = gateway.handle(stage, request, Trace("req"))
    return response.status, json.loads(response.body) if response.body else None


def test_valid_webhook_reaches_the_integration_after_authorizer_and_key(gateway_for: Any) -> None:
    gateway, invoker = gateway_for(webhook_api())

    status, body = handle(gateway, post("/hooks", b'{"id": "evt_1"}'))

    assert status == 200
    assert body == {"seen": '{"id": "evt_1"}'}
    assert invoker.functions_called() == ["authorizer", "echo"]
    event = invoker.calls[1][1]
    assert event["requestContext"]["authorizer"]["route"] == "/hooks"
    assert event["requestContext"]["identity"]["apiKeyId"] == "key1"


def test_body_failing_the_deployed_model_is_400_and_invokes_nothing_after_the_authorizer(gateway_for: Any) -> None:
    gateway, invoker = gateway_for(webhook_api())

    status, body = handle(gateway, post("/hooks", b'{"id": 5}'))
    not_json_status, _ = handle(gateway, post("/hooks", b"{nope"))

    assert (status, body) == (400, {"message": "Invalid request body"})
    assert not_json_status == 400
    assert "echo" not in invoker.functions_called()


def test_a_forgotten_validator_lets_the_malformed_body_reach_the_lambda(gateway_for: Any) -> None:
    gateway, invoker = gateway_for(webhook_api(validator_id=None))

    status, _ = handle(gateway, post("/hooks", b'{"id": 5}'))

    assert status == 200
    assert invoker.functions_called()[-1] == "echo"


def test_content_type_without_a_model_is_not_body_validated(gateway_for: Any) -> None:
    gateway, invoker = gateway_for(webhook_api())

    status, _ = handle(gateway, post("/hooks", b"a=1", (("Content-Type", "application/x-www-form-urlencoded"),)))

    assert status == 200
    assert invoker.functions_called()[-1] == "echo"


def test_disabled_key_is_403_and_reenabling_restores_access(gateway_for: Any) -> None:
    deployed = webhook_api()
    gateway, invoker = gateway_for(with_key_enabled(deployed, False))

    assert handle(gateway, post("/hooks", b'{"id": "a"}')) == (403, {"message": "Forbidden"})
    invoker.deploy(deployed)
    assert handle(gateway, post("/hooks", b'{"id": "a"}'))[0] == 200


def test_key_outside_any_usage_plan_of_this_stage_is_403(gateway_for: Any) -> None:
    deployed = webhook_api()
    plan = replace(deployed.usage_plans[0], api_stages=(("api123", "other-stage"),))
    gateway, _ = gateway_for(replace(deployed, usage_plans=(plan,)))

    assert handle(gateway, post("/hooks", b'{"id": "a"}'))[0] == 403


def test_header_api_key_source_reads_x_api_key(gateway_for: Any) -> None:
    deployed = api(method("/q", "POST", api_key_required=True))
    gateway, _ = gateway_for(deployed)

    missing = handle(gateway, post("/q", b"{}"))
    given = handle(gateway, post("/q", b"{}", (("x-api-key", "secret-key-value"),)))

    assert missing[0] == 403
    assert given[0] == 200


def test_authorizer_result_is_cached_per_identity_for_the_ttl(gateway_for: Any) -> None:
    gateway, invoker = gateway_for(webhook_api())

    for _ in range(3):
        assert handle(gateway, post("/hooks", b'{"id": "a"}'))[0] == 200

    assert invoker.functions_called().count("authorizer") == 1


def test_authorizer_saying_unauthorized_is_401(gateway_for: Any) -> None:
    gateway, invoker = gateway_for(webhook_api())
    invoker.authorizer_result = Result(b'{"errorMessage": "Unauthorized", "errorType": "Exception"}', "Unhandled")

    assert handle(gateway, post("/hooks", b'{"id": "a"}')) == (401, {"message": "Unauthorized"})


def test_missing_identity_source_is_401_without_invoking_the_authorizer(gateway_for: Any) -> None:
    deployed = webhook_api()
    authorizer = replace(deployed.authorizers["auth1"], identity_sources=("method.request.header.x-api-key",))
    gateway, invoker = gateway_for(replace(deployed, authorizers={"auth1": authorizer}))

    assert handle(gateway, post("/hooks", b'{"id": "a"}'))[0] == 401
    assert invoker.calls == []


def test_explicit_deny_policy_is_403(gateway_for: Any) -> None:
    gateway, invoker = gateway_for(webhook_api())
    deny = dict(ALLOW, policyDocument={"Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*"}]})
    invoker.authorizer_result = Result(json.dumps(deny).encode())

    status, body = handle(gateway, post("/hooks", b'{"id": "a"}'))

    assert status == 403
    assert "explicit deny" in body["message"]


def test_stage_method_throttle_returns_429_once_the_burst_is_spent(gateway_for: Any) -> None:
    deployed = api(method("/q", "GET"))
    stage = Stage(name="local", variables={}, method_throttles={"q/GET": Throttle(rate_limit=0.001, burst_limit=2)})
    gateway, _ = gateway_for(replace(deployed, stage=stage))
    get = HttpRequest("GET", "/q", "", (), b"", "127.0.0.1", "h")

    statuses = [handle(gateway, get)[0] for _ in range(3)]

    assert statuses == [200, 200, 429]


def test_usage_plan_throttle_applies_per_key(gateway_for: Any) -> None:
    deployed = webhook_api()
    plan = replace(deployed.usage_plans[0], throttle=Throttle(rate_limit=0.001, burst_limit=1))
    gateway, _ = gateway_for(replace(deployed, usage_plans=(plan,)))

    statuses = [handle(gateway, post("/hooks", b'{"id": "a"}'))[0] for _ in range(2)]

    assert statuses == [200, 429]


def test_function_error_and_malformed_proxy_response_are_502(gateway_for: Any) -> None:
    gateway, invoker = gateway_for(api(method("/q", "POST")))

    invoker.function_result = Result(b'{"errorMessage": "boom"}', "Unhandled")
    assert handle(gateway, post("/q", b"{}")) == (502, {"message": "Internal server error"})
    invoker.function_result = Result(b'{"body": "no status code"}')
    assert handle(gateway, post("/q", b"{}")) == (502, {"message": "Internal server error"})


def test_unknown_stage_or_route_is_missing_authentication_token(gateway_for: Any) -> None:
    gateway, invoker = gateway_for(api(method("/q", "POST")))

    assert handle(gateway, post("/q", b"{}"), stage="prod") == (403, {"message": "Missing Authentication Token"})
    assert handle(gateway, post("/nope", b"{}")) == (403, {"message": "Missing Authentication Token"})
    assert invoker.calls == []


def test_integration_arn_comes_from_the_deployed_uri(gateway_for: Any) -> None:
    deployed = api(method("/q", "POST", function="processor"))
    gateway, invoker = gateway_for(deployed)

    handle(gateway, post("/q", b"{}"))

    assert invoker.functions_called() == ["processor"]
    assert deployed.methods[0].function_arn == FUNCTION_ARN.format(name="processor")
