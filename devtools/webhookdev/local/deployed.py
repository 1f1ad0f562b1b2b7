"""Read back from moto what Terraform deployed: the REST API and every Lambda function (decision 21).

The result is an immutable `Deployment`. The runtime never holds a hand-written copy of this configuration: every
route, authorizer, key, validator, model, stage variable, throttle and function setting it enforces comes from here.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError

_FUNCTION_IN_URI = re.compile(r"/functions/(?P<arn>arn:[^/]+)/invocations$")


class NotDeployed(LookupError):
    """The REST API or stage the runtime should serve is not (yet) in moto."""


@dataclass(frozen=True)
class Throttle:
    rate_limit: float
    burst_limit: int


@dataclass(frozen=True)
class Validator:
    id: str
    name: str
    validate_body: bool
    validate_parameters: bool


@dataclass(frozen=True)
class Authorizer:
    id: str
    name: str
    type: str
    function_arn: str | None
    identity_sources: tuple[str, ...]
    ttl_seconds: int


@dataclass(frozen=True)
class Method:
    resource_id: str
    resource_path: str
    http_method: str
    authorization_type: str
    authorizer_id: str | None
    api_key_required: bool
    validator_id: str | None
    request_models: dict[str, str]
    request_parameters: dict[str, bool]
    integration_type: str | None
    integration_uri: str | None

    @property
    def function_arn(self) -> str | None:
        """The Lambda an AWS_PROXY integration invokes (parsed from its `…/functions/<arn>/invocations` URI)."""
        match = _FUNCTION_IN_URI.search(self.integration_uri or "")
        return match.group("arn") if match else None

    @property
    def settings_path(self) -> str:
        """The key used by stage method settings: `resource/path/METHOD` without the leading slash."""
        return f"{self.resource_path.lstrip('/')}/{self.http_method}"


@dataclass(frozen=True)
class ApiKey:
    id: str
    name: str
    value: str
    enabled: bool


@dataclass(frozen=True)
class UsagePlan:
    id: str
    name: str
    throttle: Throttle | None
    #: (api id, stage) pairs this plan is attached to, with per-method throttle overrides ("/path/METHOD").
    api_stages: tuple[tuple[str, str], ...]
    method_throttles: dict[str, Throttle]
    key_ids: tuple[str, ...]


@dataclass(frozen=True)
class Stage:
    name: str
    variables: dict[str, str]
    #: method settings keyed `resource/path/METHOD` or `*/*`.
    method_throttles: dict[str, Throttle]


@dataclass(frozen=True)
class RestApi:
    id: str
    name: str
    api_key_source: str
    binary_media_types: tuple[str, ...]
    stage: Stage
    methods: tuple[Method, ...]
    models: dict[str, dict[str, Any]]
    validators: dict[str, Validator]
    authorizers: dict[str, Authorizer]
    usage_plans: tuple[UsagePlan, ...]
    api_keys: dict[str, ApiKey]

    def method_for(self, resource_path: str, http_method: str) -> Method | None:
        exact = [m for m in self.methods if m.resource_path == resource_path and m.http_method == http_method]
        fallback = [m for m in self.methods if m.resource_path == resource_path and m.http_method == "ANY"]
        found = exact or fallback
        return found[0] if found else None

    def stage_throttle(self, method: Method) -> Throttle | None:
        throttles = self.stage.method_throttles
        return throttles.get(method.settings_path) or throttles.get("*/*")

    def plans_for_key(self, key_id: str) -> tuple[UsagePlan, ...]:
        """Usage plans that hold `key_id` and are attached to this API's deployed stage."""
        here = (self.id, self.stage.name)
        return tuple(p for p in self.usage_plans if key_id in p.key_ids and here in p.api_stages)


@dataclass(frozen=True)
class Layer:
    arn: str
    code_sha256: str


@dataclass(frozen=True)
class FunctionSpec:
    name: str
    arn: str
    handler: str
    runtime: str
    environment: dict[str, str]
    memory_mb: int
    timeout_s: int
    code_sha256: str
    layers: tuple[Layer, ...]
    reserved_concurrency: int | None
    max_retry_attempts: int
    max_event_age_s: int
    dead_letter_arn: str | None
    on_failure_arn: str | None = None
    architectures: tuple[str, ...] = field(default=())


@dataclass(frozen=True)
class Deployment:
    api: RestApi | None
    functions: dict[str, FunctionSpec]

    def function(self, name_or_arn: str) -> FunctionSpec | None:
        """Look a function up by name, full ARN or partial ARN (`function:name`), ignoring a qualifier."""
        name = name_or_arn
        if name.startswith("arn:"):
            parts = name.split(":")
            name = parts[6] if len(parts) > 6 else parts[-1]
        elif ":" in name:
            parts = name.split(":")
            name = parts[1] if parts[0] == "function" else parts[0]
        return self.functions.get(name)


# --------------------------------------------------------------------------------------------------------------------
# Reading


def _throttle(
    raw: dict[str, Any] | None, rate_key: str = "rateLimit", burst_key: str = "burstLimit"
) -> Throttle | None:
    if not raw or (rate_key not in raw and burst_key not in raw):
        return None
    return Throttle(rate_limit=float(raw.get(rate_key, 0.0)), burst_limit=int(raw.get(burst_key, 0)))


def _settings_key(path: str) -> str:
    return path.replace("~1", "/").lstrip("/")


def _items(page: dict[str, Any]) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = page.get("items") or page.get("item") or []
    return items


def read_rest_api(apigw: Any, api_id: str | None, api_name: str | None, stage_name: str | None) -> RestApi:
    apis = _items(apigw.get_rest_apis(limit=500))
    if api_id:
        apis = [a for a in apis if a["id"] == api_id]
    elif api_name:
        apis = [a for a in apis if a["name"] == api_name]
    if len(apis) != 1:
        raise NotDeployed(f"expected one REST API (id={api_id}, name={api_name}), found {len(apis)}")
    api = apis[0]
    rest_id = api["id"]

    stage = _read_stage(apigw, rest_id, stage_name)
    validators, authorizers = _read_validators(apigw, rest_id), _read_authorizers(apigw, rest_id)
    api_keys = {
        k["id"]: ApiKey(id=k["id"], name=k.get("name", ""), value=k.get("value", ""), enabled=bool(k.get("enabled")))
        for k in _items(apigw.get_api_keys(includeValues=True, limit=500))
    }
    return RestApi(
        id=rest_id,
        name=api["name"],
        api_key_source=api.get("apiKeySource", "HEADER"),
        binary_media_types=tuple(api.get("binaryMediaTypes") or ()),
        stage=stage,
        methods=_read_methods(apigw, rest_id),
        models=_read_models(apigw, rest_id),
        validators=validators,
        authorizers=authorizers,
        usage_plans=_read_usage_plans(apigw, rest_id, stage.name),
        api_keys=api_keys,
    )


def _read_stage(apigw: Any, rest_id: str, stage_name: str | None) -> Stage:
    stages = _items(apigw.get_stages(restApiId=rest_id))
    if stage_name:
        stages = [s for s in stages if s["stageName"] == stage_name]
    if len(stages) != 1:
        raise NotDeployed(f"expected one stage {stage_name or ''} on {rest_id}, found {len(stages)}")
    raw_stage = stages[0]
    stage = Stage(
        name=raw_stage["stageName"],
        variables=dict(raw_stage.get("variables") or {}),
        method_throttles={
            _settings_key(path): t
            for path, s in (raw_stage.get("methodSettings") or {}).items()
            if (t := _throttle(s, "throttlingRateLimit", "throttlingBurstLimit")) is not None
        },
    )
    return stage


def _read_methods(apigw: Any, rest_id: str) -> tuple[Method, ...]:
    methods: list[Method] = []
    for resource in _items(apigw.get_resources(restApiId=rest_id, limit=500)):
        for verb in resource.get("resourceMethods") or {}:
            raw = apigw.get_method(restApiId=rest_id, resourceId=resource["id"], httpMethod=verb)
            integration = raw.get("methodIntegration") or {}
            methods.append(
                Method(
                    resource_id=resource["id"],
                    resource_path=resource["path"],
                    http_method=verb,
                    authorization_type=raw.get("authorizationType", "NONE"),
                    authorizer_id=raw.get("authorizerId"),
                    api_key_required=bool(raw.get("apiKeyRequired")),
                    validator_id=raw.get("requestValidatorId"),
                    request_models=dict(raw.get("requestModels") or {}),
                    request_parameters={k: bool(v) for k, v in (raw.get("requestParameters") or {}).items()},
                    integration_type=integration.get("type"),
                    integration_uri=integration.get("uri"),
                )
            )
    return tuple(methods)


def _read_models(apigw: Any, rest_id: str) -> dict[str, dict[str, Any]]:
    models: dict[str, dict[str, Any]] = {}
    for model in _items(apigw.get_models(restApiId=rest_id, limit=500)):
        schema = model.get("schema")
        models[model["name"]] = json.loads(schema) if isinstance(schema, str) and schema else {}
    return models


def _read_validators(apigw: Any, rest_id: str) -> dict[str, Validator]:
    validators = {
        v["id"]: Validator(
            id=v["id"],
            name=v.get("name", ""),
            validate_body=bool(v.get("validateRequestBody")),
            validate_parameters=bool(v.get("validateRequestParameters")),
        )
        for v in _items(apigw.get_request_validators(restApiId=rest_id, limit=500))
    }
    return validators


def _read_authorizers(apigw: Any, rest_id: str) -> dict[str, Authorizer]:
    authorizers: dict[str, Authorizer] = {}
    for a in _items(apigw.get_authorizers(restApiId=rest_id, limit=500)):
        match = _FUNCTION_IN_URI.search(a.get("authorizerUri") or "")
        authorizers[a["id"]] = Authorizer(
            id=a["id"],
            name=a.get("name", ""),
            type=a.get("type", "TOKEN"),
            function_arn=match.group("arn") if match else None,
            identity_sources=tuple(s.strip() for s in (a.get("identitySource") or "").split(",") if s.strip()),
            ttl_seconds=int(a.get("authorizerResultTtlInSeconds", 300)),
        )
    return authorizers


def _read_usage_plans(apigw: Any, rest_id: str, stage_name: str) -> tuple[UsagePlan, ...]:
    plans: list[UsagePlan] = []
    for plan in _items(apigw.get_usage_plans(limit=500)):
        attached: list[tuple[str, str]] = []
        overrides: dict[str, Throttle] = {}
        for api_stage in plan.get("apiStages") or []:
            attached.append((api_stage.get("apiId", ""), api_stage.get("stage", "")))
            if api_stage.get("apiId") == rest_id and api_stage.get("stage") == stage_name:
                for path, raw_throttle in (api_stage.get("throttle") or {}).items():
                    if (t := _throttle(raw_throttle)) is not None:
                        overrides[path] = t
        keys = _items(apigw.get_usage_plan_keys(usagePlanId=plan["id"], limit=500))
        plans.append(
            UsagePlan(
                id=plan["id"],
                name=plan.get("name", ""),
                throttle=_throttle(plan.get("throttle")),
                api_stages=tuple(attached),
                method_throttles=overrides,
                key_ids=tuple(k["id"] for k in keys),
            )
        )
    return tuple(plans)


def _layer(lam: Any, arn: str, cache: dict[str, Layer]) -> Layer:
    if arn not in cache:
        parts = arn.split(":")  # arn:aws:lambda:region:acct:layer:name:version
        raw = lam.get_layer_version(LayerName=parts[6], VersionNumber=int(parts[7]))
        cache[arn] = Layer(arn=arn, code_sha256=raw["Content"]["CodeSha256"])
    return cache[arn]


def _not_found(error: ClientError) -> bool:
    return error.response.get("Error", {}).get("Code") == "ResourceNotFoundException"


def read_functions(lam: Any, layer_cache: dict[str, Layer]) -> dict[str, FunctionSpec]:
    functions: dict[str, FunctionSpec] = {}
    for page in lam.get_paginator("list_functions").paginate():
        for fn in page["Functions"]:
            name = fn["FunctionName"]
            concurrency = lam.get_function_concurrency(FunctionName=name).get("ReservedConcurrentExecutions")
            try:
                invoke_config = lam.get_function_event_invoke_config(FunctionName=name)
            except ClientError as error:
                if not _not_found(error):
                    raise
                invoke_config = {}
            on_failure = (invoke_config.get("DestinationConfig") or {}).get("OnFailure") or {}
            functions[name] = FunctionSpec(
                name=name,
                arn=fn["FunctionArn"],
                handler=fn.get("Handler", ""),
                runtime=fn.get("Runtime", ""),
                environment=dict((fn.get("Environment") or {}).get("Variables") or {}),
                memory_mb=int(fn.get("MemorySize", 128)),
                timeout_s=int(fn.get("Timeout", 3)),
                code_sha256=fn["CodeSha256"],
                layers=tuple(_layer(lam, layer["Arn"], layer_cache) for layer in fn.get("Layers") or []),
                reserved_concurrency=concurrency,
                # Lambda's defaults when no event invoke config exists: 2 retries, 6 hours.
                max_retry_attempts=int(invoke_config.get("MaximumRetryAttempts", 2)),
                max_event_age_s=int(invoke_config.get("MaximumEventAgeInSeconds", 21600)),
                dead_letter_arn=(fn.get("DeadLetterConfig") or {}).get("TargetArn"),
                on_failure_arn=on_failure.get("Destination"),
                architectures=tuple(fn.get("Architectures") or ()),
            )
    return functions
