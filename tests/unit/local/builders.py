"""Hand-built deployments for the runtime's unit tests (the end-to-end suites read real ones back from moto)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from webhookdev.local.deployed import (
    ApiKey,
    Authorizer,
    FunctionSpec,
    Method,
    RestApi,
    Stage,
    Throttle,
    UsagePlan,
    Validator,
)

FUNCTION_ARN = "arn:aws:lambda:us-east-1:123456789012:function:{name}"
INTEGRATION_URI = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{arn}/invocations"
SCHEMA: dict[str, Any] = {
    "$schema": "http://json-schema.org/draft-04/schema#",
    "type": "object",
    "required": ["id"],
    "properties": {"id": {"type": "string"}},
}


def method(path: str, verb: str = "POST", **overrides: Any) -> Method:
    arn = FUNCTION_ARN.format(name=overrides.pop("function", "echo"))
    fields: dict[str, Any] = {
        "resource_id": f"res-{path}",
        "resource_path": path,
        "http_method": verb,
        "authorization_type": "NONE",
        "authorizer_id": None,
        "api_key_required": False,
        "validator_id": None,
        "request_models": {},
        "request_parameters": {},
        "integration_type": "AWS_PROXY",
        "integration_uri": INTEGRATION_URI.format(arn=arn),
    }
    fields.update(overrides)
    return Method(**fields)


def api(*methods: Method, **overrides: Any) -> RestApi:
    fields: dict[str, Any] = {
        "id": "api123",
        "name": "test-api",
        "api_key_source": "HEADER",
        "binary_media_types": (),
        "stage": Stage(name="local", variables={"table": "t"}, method_throttles={}),
        "methods": methods,
        "models": {"Body": SCHEMA},
        "validators": {"v1": Validator(id="v1", name="body", validate_body=True, validate_parameters=False)},
        "authorizers": {
            "auth1": Authorizer(
                id="auth1",
                name="route",
                type="REQUEST",
                function_arn=FUNCTION_ARN.format(name="authorizer"),
                identity_sources=("context.resourcePath",),
                ttl_seconds=300,
            )
        },
        "usage_plans": (
            UsagePlan(
                id="plan1",
                name="clients",
                throttle=Throttle(rate_limit=100.0, burst_limit=50),
                api_stages=(("api123", "local"),),
                method_throttles={},
                key_ids=("key1",),
            ),
        ),
        "api_keys": {"key1": ApiKey(id="key1", name="client", value="secret-key-value", enabled=True)},
    }
    fields.update(overrides)
    return RestApi(**fields)


def with_key_enabled(rest_api: RestApi, enabled: bool) -> RestApi:
    key = rest_api.api_keys["key1"]
    return replace(rest_api, api_keys={"key1": replace(key, enabled=enabled)})


def function_spec(name: str = "echo", **overrides: Any) -> FunctionSpec:
    fields: dict[str, Any] = {
        "name": name,
        "arn": FUNCTION_ARN.format(name=name),
        "handler": "index.handler",
        "runtime": "python3.11",
        "environment": {"GREETING": "hello"},
        "memory_mb": 128,
        "timeout_s": 5,
        "code_sha256": "unused",
        "layers": (),
        "reserved_concurrency": None,
        "max_retry_attempts": 2,
        "max_event_age_s": 21600,
        "dead_letter_arn": None,
    }
    fields.update(overrides)
    return FunctionSpec(**fields)
