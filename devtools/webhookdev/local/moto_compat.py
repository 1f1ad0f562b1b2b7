"""Small, documented patches for moto 5.2.5 gaps that would otherwise break the Terraform round trip.

Each patch makes moto remember and return a field AWS returns; none changes behaviour beyond that.

- Lambda `DeadLetterConfig`: moto drops it on CreateFunction/UpdateFunctionConfiguration, so Terraform would see
  drift on every plan and the runtime could not find the deployed DLQ.
- API Gateway stage method settings for a nested resource (`api/v1/webhooks/stripe/POST`): moto splits the patch
  path assuming a single path segment and stores nothing, so `aws_api_gateway_method_settings` fails to read back.
"""

from __future__ import annotations

from typing import Any


def apply() -> list[str]:
    """Apply every patch; returns their names (logged by the moto process)."""
    return [_lambda_dead_letter_config(), _apigateway_nested_method_settings()]


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
    for setting in ("metrics/enabled", "logging/loglevel", "logging/dataTrace", "throttling/burstLimit",
                    "throttling/rateLimit", "caching/enabled", "caching/ttlInSeconds", "caching/dataEncrypted",
                    "caching/requireAuthorizationForCacheControl", "caching/unauthorizedCacheControlHeaderStrategy"):
        if path.endswith("/" + setting):
            method_path = path[: -len(setting) - 1].replace("~1", "/").lstrip("/")
            if method_path.count("/") >= 2:
                return method_path, setting
            return None
    return None
