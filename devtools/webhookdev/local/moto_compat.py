"""Small, documented patches for moto 5.2.5 gaps that would otherwise break the Terraform round trip.

Each patch makes moto remember and return a field AWS returns; none changes behaviour beyond that.

- Lambda `DeadLetterConfig`: moto drops it on CreateFunction/UpdateFunctionConfiguration, so Terraform would see
  drift on every plan and the runtime could not find the deployed DLQ.
- API Gateway stage method settings for a nested resource (`api/v1/webhooks/stripe/POST`): moto splits the patch
  path assuming a single path segment and stores nothing, so `aws_api_gateway_method_settings` fails to read back.
- S3 lifecycle rule filters: moto reads an empty `<Filter/>` back as `Prefix: ""` and drops `ObjectSizeGreaterThan`,
  so the provider's wait for the configuration to read back as written times out. The filter is returned as sent.
- API Gateway UpdateMethod, UpdateIntegration and UpdateModel are not implemented (HTTP 500, which the provider
  retries for minutes): any in-place change to a method, integration or model on a re-apply would hang `make up`.
  They are added for the fields Terraform patches.
- S3 bucket policy conditions: moto ignores `Condition`, so the TLS-only statement (Deny when
  `aws:SecureTransport` is false, decision 17) denies every object request. The local endpoint is plain http while
  every SDK call in AWS is TLS, so that one statement is evaluated as AWS would for TLS traffic: not matching.
- API Gateway CreateStage retried by the SDK: under load, the provider's HTTP client occasionally sends a CreateStage
  again after moto has already created the stage (seen once in the moto log as 201 then 409 within one second),
  and the 409 fails the whole apply. A repeat of an identical request (same deployment, variables, description and
  tracing) now returns the stage that exists; a conflicting one still gets 409.
- DynamoDB stream event source mappings: on every write moto pushes the stream to the mapped function itself, through
  Docker (an ImportError without it, failing the write), and then forgets the stream records. The push is turned off:
  the local runtime polls the stream as Lambda does (`streams`), and the records stay readable with GetRecords.
- Firehose dynamic partitioning: moto writes every PutRecord(Batch) call to one object under the literal `Prefix`
  plus `YYYY/MM/DD/HH/`, so `!{partitionKeyFromQuery:provider}` would become a folder name. For an ExtendedS3
  destination with dynamic partitioning and a `MetadataExtraction` (jq) processor, each record's keys are now
  evaluated (the jq subset `{key: .path, key: (.path | strftime("%Y"))}`), the prefix is rendered from them (and
  `!{timestamp:...}` from the arrival time), records are grouped per rendered prefix, and one object per group is
  written with Firehose's object name and `FileExtension`. A record that cannot be partitioned goes under the
  rendered `ErrorOutputPrefix`. There is no buffering: each call's records are delivered at once (docs/scaling.md).
- S3 conditional PutObject (`If-None-Match: *`, `If-Match`): moto 5.2.5 honours the condition, but checks it and
  stores the object in two steps with no lock, so under the threaded server two concurrent writers can both pass the
  check and the second overwrites the first. S3 makes the check and the write one atomic step (decision 24's
  write-once raw payloads rely on it); conditional puts are now serialised so moto does the same.
"""

from __future__ import annotations

import json
import re
import threading
import time
from datetime import datetime
from typing import Any


def apply() -> list[str]:
    """Apply every patch; returns their names (logged by the moto process)."""
    return [
        _lambda_dead_letter_config(),
        _apigateway_nested_method_settings(),
        _s3_lifecycle_filters(),
        _s3_tls_only_policy(),
        _apigateway_updates(),
        _apigateway_idempotent_create_stage(),
        _dynamodb_stream_push_off(),
        _firehose_dynamic_partitioning(),
        _s3_atomic_conditional_put(),
    ]


def _dynamodb_stream_push_off() -> str:
    from moto.awslambda import models  # noqa: PLC0415 - only the moto process imports moto

    def send_dynamodb_items(self: Any, function_arn: str, items: list[Any], source: str) -> str:
        return ""  # falsy: moto keeps the records for GetRecords

    backend: Any = models.LambdaBackend
    backend.send_dynamodb_items = send_dynamodb_items
    return "dynamodb-stream-push-off"


def _lambda_dead_letter_config() -> str:
    from moto.awslambda import models  # noqa: PLC0415 - only the moto process imports moto

    cls: Any = models.LambdaFunction
    if getattr(cls, "_webhookdev_dlq_patch", False):
        return "lambda-dead-letter-config"
    original_init = cls.__init__
    original_get = cls.get_configuration
    original_update = cls.update_configuration

    def __init__(self: Any, account_id: str, spec: dict[str, Any], *args: Any, **kwargs: Any) -> None:
        original_init(self, account_id, spec, *args, **kwargs)
        self.webhookdev_dead_letter_config = _clean(spec.get("DeadLetterConfig"))

    def get_configuration(self: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
        config: dict[str, Any] = original_get(self, *args, **kwargs)
        dlq = getattr(self, "webhookdev_dead_letter_config", None)
        if dlq:
            config["DeadLetterConfig"] = dlq
        return config

    def update_configuration(self: Any, updates: dict[str, Any]) -> dict[str, Any]:
        if "DeadLetterConfig" in updates:
            self.webhookdev_dead_letter_config = _clean(updates["DeadLetterConfig"])
        result: dict[str, Any] = original_update(self, updates)
        return result

    cls.__init__ = __init__
    cls.get_configuration = get_configuration
    cls.update_configuration = update_configuration
    cls._webhookdev_dlq_patch = True
    return "lambda-dead-letter-config"


def _clean(value: Any) -> dict[str, str] | None:
    if isinstance(value, dict) and value.get("TargetArn"):
        return {"TargetArn": str(value["TargetArn"])}
    return None


def _apigateway_nested_method_settings() -> str:
    from moto.apigateway import models  # noqa: PLC0415 - only the moto process imports moto

    cls: Any = models.Stage
    if getattr(cls, "_webhookdev_settings_patch", False):
        return "apigateway-nested-method-settings"
    original = cls.apply_operations

    def apply_operations(self: Any, patch_operations: list[dict[str, Any]]) -> Any:
        remaining = []
        for op in patch_operations:
            parsed = _method_setting(self, op)
            if parsed is None:
                remaining.append(op)
            else:
                self._patch_method_setting(parsed[0], parsed[1], op["value"])
        return original(self, remaining)

    cls.apply_operations = apply_operations
    cls._webhookdev_settings_patch = True
    return "apigateway-nested-method-settings"


def _method_setting(stage: Any, op: dict[str, Any]) -> tuple[str, str] | None:
    """(`resource/path/METHOD`, setting) for a `replace` of a method setting on a multi-segment resource path."""
    path = str(op.get("path", ""))
    if op.get("op") != "replace" or "variables/" in path:
        return None
    for setting in (
        "metrics/enabled",
        "logging/loglevel",
        "logging/dataTrace",
        "throttling/burstLimit",
        "throttling/rateLimit",
        "caching/enabled",
        "caching/ttlInSeconds",
        "caching/dataEncrypted",
        "caching/requireAuthorizationForCacheControl",
        "caching/unauthorizedCacheControlHeaderStrategy",
    ):
        if path.endswith("/" + setting):
            method_path = path[: -len(setting) - 1].replace("~1", "/").lstrip("/")
            if method_path.count("/") >= 2:
                return method_path, setting
            return None
    return None


def _s3_lifecycle_filters() -> str:
    import xmltodict  # type: ignore[import-untyped]  # noqa: PLC0415 - a moto dependency
    from moto.s3 import models, responses  # noqa: PLC0415

    bucket_cls: Any = models.FakeBucket
    response_cls: Any = responses.S3Response
    if getattr(bucket_cls, "_webhookdev_lifecycle_patch", False):
        return "s3-lifecycle-filters"
    original_set = bucket_cls.set_lifecycle
    original_get = response_cls.get_bucket_lifecycle

    def set_lifecycle(self: Any, rules: list[dict[str, Any]]) -> None:
        original_set(self, rules)
        self.webhookdev_lifecycle_filters = {rule.get("ID"): rule.get("Filter") for rule in rules if "Filter" in rule}

    def get_bucket_lifecycle(self: Any) -> Any:
        result = original_get(self)
        filters = getattr(self.backend.get_bucket(self.bucket_name), "webhookdev_lifecycle_filters", None)
        if not filters:
            return result
        status, headers, body = result
        document = xmltodict.parse(body)
        rules = document["LifecycleConfiguration"].get("Rule") or []
        for rule in rules if isinstance(rules, list) else [rules]:
            if rule.get("ID") in filters:
                rule["Filter"] = filters[rule["ID"]]  # None renders as an empty <Filter/>
        return status, headers, xmltodict.unparse(document)

    bucket_cls.set_lifecycle = set_lifecycle
    response_cls.get_bucket_lifecycle = get_bucket_lifecycle
    bucket_cls._webhookdev_lifecycle_patch = True
    return "s3-lifecycle-filters"


def _s3_tls_only_policy() -> str:
    from moto.iam.access_control import IAMPolicy, PermissionResult  # noqa: PLC0415
    from moto.s3 import models  # noqa: PLC0415

    cls: Any = models.FakeBucket
    if getattr(cls, "_webhookdev_tls_patch", False):
        return "s3-tls-only-policy"

    def get_permission(self: Any, action: str, resource: str) -> Any:
        if self.policy is None:
            return PermissionResult.NEUTRAL
        document = json.loads(self.policy)
        statements = document.get("Statement", [])
        if isinstance(statements, dict):
            statements = [statements]
        document["Statement"] = [s for s in statements if not _denies_insecure_transport(s)]
        if not document["Statement"]:
            return PermissionResult.NEUTRAL
        return IAMPolicy(json.dumps(document)).is_action_permitted(action, resource)

    cls.get_permission = get_permission
    cls._webhookdev_tls_patch = True
    return "s3-tls-only-policy"


def _denies_insecure_transport(statement: dict[str, Any]) -> bool:
    condition = statement.get("Condition") or {}
    secure = (condition.get("Bool") or {}).get("aws:SecureTransport")
    values = secure if isinstance(secure, list) else [secure]
    return statement.get("Effect") == "Deny" and len(condition) == 1 and [str(v).lower() for v in values] == ["false"]


# API Gateway PATCH paths -> (attribute, conversion). A JSON pointer escapes "/" as "~1" and "~" as "~0".
_METHOD_FIELDS = {
    "/authorizationType": ("authorization_type", str),
    "/authorizerId": ("authorizer_id", str),
    "/apiKeyRequired": ("api_key_required", lambda v: str(v).lower() == "true"),
    "/requestValidatorId": ("request_validator_id", str),
    "/operationName": ("operation_name", str),
}
_METHOD_MAPS = {"/requestModels/": ("request_models", str), "/requestParameters/": ("request_parameters", None)}
_INTEGRATION_FIELDS = {
    "/uri": ("uri", str),
    "/httpMethod": ("http_method", str),
    "/credentials": ("credentials", str),
    "/passthroughBehavior": ("passthrough_behaviour", str),
    "/contentHandling": ("content_handling", str),
    "/cacheNamespace": ("cache_namespace", str),
    "/timeoutInMillis": ("timeout_in_millis", int),
    "/connectionType": ("connection_type", str),
}
_INTEGRATION_MAPS = {
    "/requestTemplates/": ("request_templates", str),
    "/requestParameters/": ("request_parameters", str),
}
_MODEL_FIELDS = {"/schema": ("schema", str), "/description": ("description", str)}


def _unescape(pointer: str) -> str:
    return pointer.replace("~1", "/").replace("~0", "~")


def _patch(target: Any, operations: list[dict[str, Any]], fields: dict[str, Any], maps: dict[str, Any]) -> None:
    for op in operations:
        path, kind, value = str(op.get("path", "")), op.get("op"), op.get("value")
        if path in fields:
            attribute, convert = fields[path]
            setattr(target, attribute, None if kind == "remove" or value is None else convert(value))
            continue
        for prefix, (attribute, convert) in maps.items():
            if path.startswith(prefix):
                key = _unescape(path[len(prefix) :])
                mapping = dict(getattr(target, attribute) or {})
                if kind == "remove":
                    mapping.pop(key, None)
                else:
                    mapping[key] = (str(value).lower() == "true") if convert is None else convert(value)
                setattr(target, attribute, mapping or None)
                break


def _apigateway_updates() -> str:
    from moto.apigateway import responses  # noqa: PLC0415

    cls: Any = responses.APIGatewayResponse
    if getattr(cls, "_webhookdev_updates_patch", False):
        return "apigateway-update-method-integration-model"

    def path_parts(self: Any) -> list[str]:
        return str(self.path).split("/")

    def update_method(self: Any) -> str:
        parts = path_parts(self)  # /restapis/{api}/resources/{resource}/methods/{verb}
        method = self.backend.get_method(parts[2], parts[4], parts[6])
        _patch(method, self._get_param("patchOperations") or [], _METHOD_FIELDS, _METHOD_MAPS)
        return json.dumps(method.to_json())

    def update_integration(self: Any) -> str:
        parts = path_parts(self)  # /restapis/{api}/resources/{resource}/methods/{verb}/integration
        integration = self.backend.get_integration(parts[2], parts[4], parts[6])
        _patch(integration, self._get_param("patchOperations") or [], _INTEGRATION_FIELDS, _INTEGRATION_MAPS)
        return json.dumps(integration.to_json())

    def update_model(self: Any) -> str:
        parts = path_parts(self)  # /restapis/{api}/models/{name}
        model = self.backend.get_model(parts[2], parts[4])
        _patch(model, self._get_param("patchOperations") or [], _MODEL_FIELDS, {})
        return json.dumps(model.to_json())

    cls.update_method = update_method
    cls.update_integration = update_integration
    cls.update_model = update_model
    cls._webhookdev_updates_patch = True
    return "apigateway-update-method-integration-model"


def _apigateway_idempotent_create_stage() -> str:
    from moto.apigateway import models  # noqa: PLC0415 - only the moto process imports moto

    cls: Any = models.RestAPI
    if getattr(cls, "_webhookdev_create_stage_patch", False):
        return "apigateway-idempotent-create-stage"
    original = cls.create_stage

    def create_stage(self: Any, name: str, deployment_id: str, *args: Any, **kwargs: Any) -> Any:
        existing = self.stages.get(name)
        if existing is not None and _same_stage(existing, deployment_id, kwargs):
            return existing
        return original(self, name, deployment_id, *args, **kwargs)

    cls.create_stage = create_stage
    cls._webhookdev_create_stage_patch = True
    return "apigateway-idempotent-create-stage"


def _same_stage(stage: Any, deployment_id: str, request: dict[str, Any]) -> bool:
    """Whether a CreateStage request repeats the one that created ``stage``."""
    return bool(
        stage.deployment_id == deployment_id
        and (stage.variables or {}) == (request.get("variables") or {})
        and (stage.description or "") == (request.get("description") or "")
        and bool(stage.tracing_enabled) == bool(request.get("tracing_enabled"))
    )


# --- Firehose dynamic partitioning ------------------------------------------------------------------------------------

_EXPRESSION = re.compile(r"!\{(partitionKeyFromQuery|timestamp|firehose):([^}]+)\}")
_JQ_ENTRY = re.compile(r'\s*(\w+)\s*:\s*\(?\s*\.([\w.]+)\s*(?:\|\s*strftime\(\s*"([^"]*)"\s*\)\s*)?\)?\s*')
_JAVA_TIME = {"yyyy": "%Y", "MM": "%m", "dd": "%d", "HH": "%H", "mm": "%M", "ss": "%S"}


def _firehose_dynamic_partitioning() -> str:
    from moto.core.utils import utcnow  # noqa: PLC0415
    from moto.firehose import models  # noqa: PLC0415
    from moto.moto_api._internal import mock_random  # noqa: PLC0415
    from moto.s3.models import s3_backends  # noqa: PLC0415

    cls: Any = models.FirehoseBackend
    if getattr(cls, "_webhookdev_firehose_patch", False):
        return "firehose-dynamic-partitioning"
    original = cls.put_s3_records

    def put_s3_records(
        self: Any, stream: str, version_id: str, destination: dict[str, Any], records: list[dict[str, Any]]
    ) -> list[dict[str, str]]:
        query = _partition_query(destination)
        if query is None:
            result: list[dict[str, str]] = original(self, stream, version_id, destination, records)
            return result
        now = utcnow()
        groups: dict[str, list[bytes]] = {}
        for record in records:
            data = _record_bytes(record["Data"])
            try:
                prefix = _render(destination.get("Prefix", ""), jq_partition_keys(query, json.loads(data)), now, "")
            except (ValueError, KeyError, TypeError):
                prefix = _render(destination.get("ErrorOutputPrefix", ""), {}, now, "partitioning-failed")
            groups.setdefault(prefix, []).append(data)
        bucket = destination["BucketARN"].split(":")[-1]
        for prefix, lines in groups.items():
            name = f"{stream}-{version_id}-{now:%Y-%m-%d-%H-%M-%S}-{mock_random.uuid4()}"
            key = f"{prefix}{name}{destination.get('FileExtension', '')}"
            s3_backends[self.account_id][self.partition].put_object(bucket, key, b"".join(lines))
        return [{"RecordId": str(mock_random.uuid4())} for _ in records]

    cls.put_s3_records = put_s3_records
    cls._webhookdev_firehose_patch = True
    return "firehose-dynamic-partitioning"


def _record_bytes(data: Any) -> bytes:
    if isinstance(data, bytes):
        return data
    import base64  # noqa: PLC0415

    return base64.b64decode(str(data))


def _partition_query(destination: dict[str, Any]) -> str | None:
    """The MetadataExtractionQuery of a destination with dynamic partitioning on, else None."""
    if not (destination.get("DynamicPartitioningConfiguration") or {}).get("Enabled"):
        return None
    for processor in (destination.get("ProcessingConfiguration") or {}).get("Processors") or []:
        if processor.get("Type") != "MetadataExtraction":
            continue
        for parameter in processor.get("Parameters") or []:
            if parameter.get("ParameterName") == "MetadataExtractionQuery":
                return str(parameter.get("ParameterValue"))
    return None


def jq_partition_keys(query: str, record: Any) -> dict[str, str]:
    """Evaluate the jq subset Firehose partition queries use: ``{k: .a.b, k: (.t | strftime("%Y"))}``.

    Anything outside the subset raises ``ValueError``; a missing field or a non-object record too, as in Firehose
    (the record then goes to the error prefix).
    """
    body = query.strip()
    if not (body.startswith("{") and body.endswith("}")):
        raise ValueError(f"unsupported jq query {query!r}")
    keys: dict[str, str] = {}
    for entry in body[1:-1].split(","):
        match = _JQ_ENTRY.fullmatch(entry)
        if match is None:
            raise ValueError(f"unsupported jq entry {entry!r}")
        name, path, fmt = match.groups()
        value: Any = record
        for part in path.split("."):
            if not isinstance(value, dict) or part not in value or value[part] is None:
                raise KeyError(path)
            value = value[part]
        if fmt is not None:
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise TypeError(f"strftime needs a number at .{path}")
            value = time.strftime(fmt, time.gmtime(value))
        elif isinstance(value, dict | list):
            raise TypeError(f".{path} is not a scalar")
        keys[name] = str(value)
    return keys


def _render(prefix: str, keys: dict[str, str], now: datetime, error_type: str) -> str:
    def value(match: re.Match[str]) -> str:
        namespace, name = match.groups()
        if namespace == "partitionKeyFromQuery":
            return keys[name]
        if namespace == "timestamp":
            return now.strftime(re.sub("yyyy|MM|dd|HH|mm|ss", lambda m: _JAVA_TIME[m.group(0)], name))
        if name == "error-output-type":
            return error_type
        return str(int(now.timestamp()))

    return _EXPRESSION.sub(value, prefix)


_CONDITIONAL_PUT_LOCK = threading.Lock()


def _s3_atomic_conditional_put() -> str:
    from moto.s3 import responses  # noqa: PLC0415 - only the moto process imports moto

    cls: Any = responses.S3Response
    if getattr(cls, "_webhookdev_conditional_put_patch", False):
        return "s3-atomic-conditional-put"
    original = cls.put_object

    def put_object(self: Any) -> Any:
        if self.headers.get("If-None-Match") is None and self.headers.get("If-Match") is None:
            return original(self)
        with _CONDITIONAL_PUT_LOCK:
            return original(self)

    cls.put_object = put_object
    cls._webhookdev_conditional_put_patch = True
    return "s3-atomic-conditional-put"
