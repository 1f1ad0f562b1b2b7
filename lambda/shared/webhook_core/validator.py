"""The webhook validator: one implementation, configured per function by ``PROVIDER_NAME`` (decisions 2, 3, 7, 11).

Per request: decode the exact raw body, parse it as the provider sends it (400 otherwise), verify the signature
over the raw bytes (401 otherwise, nothing stored), store the raw body in S3 with SSE-S3, invoke the processor
asynchronously, and answer 200 only when both the put and the invoke (202) succeeded; any failure there is a 5xx
so the provider retries. One log line per outcome; metrics and X-Ray annotations per provider.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from aws_lambda_powertools import Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit

from webhook_core.clients import validator_clients
from webhook_core.config import Settings
from webhook_core.errors import (
    ConfigurationError,
    InvalidSignature,
    MalformedPayload,
    ProcessorInvokeFailed,
    StorageUnavailable,
    WebhookError,
    http_status,
)
from webhook_core.keys import raw_payload_key, stored_content_type
from webhook_core.log import get_logger
from webhook_core.masking import clip, mask_id
from webhook_core.observability import set_tracer, subsegment
from webhook_core.providers import ProviderPlugin, Verified, VerifyContext, get_provider
from webhook_core.rawstore import StoredPayload, put_once
from webhook_core.secrets import SecretCache, secrets_manager_fetcher

ASYNC_EVENT_VERSION = 1
MAX_INLINE_BODY_BYTES = 200 * 1024  # larger bodies travel by S3 key only (async invoke payload limit)
METRIC_NAMESPACE = "PaymentWebhooks"

# outcome -> metric name (one count per request besides WebhookReceived)
OUTCOME_METRICS: Mapping[str, str] = {
    "accepted": "WebhookAccepted",
    "foreign_receiver": "ForeignReceiver",
    "invalid_signature": "InvalidSignature",
    "stale_timestamp": "InvalidSignature",
    "missing_header": "InvalidSignature",
    "untrusted_certificate": "InvalidSignature",
    "malformed_payload": "MalformedPayload",
    "unsupported_content_type": "MalformedPayload",
    "storage_unavailable": "StorageFailed",
    "processor_invoke_failed": "ProcessorInvokeFailed",
    "secret_unavailable": "ValidatorError",
    "verification_unavailable": "VerificationUnavailable",
    "configuration_error": "ValidatorError",
    "error": "ValidatorError",
}

CLIENT_MESSAGES: Mapping[int, str] = {
    400: "Malformed payload",
    401: "Invalid signature",
    500: "Internal error",
    502: "Temporarily unavailable, retry later",
    503: "Temporarily unavailable, retry later",
}


@dataclass(frozen=True)
class Request:
    """The parts of an API Gateway proxy event the validator uses."""

    raw: bytes
    headers: dict[str, str]  # lowercase names
    stage_variables: dict[str, str]

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "")


def _raw_body(event: Mapping[str, Any]) -> bytes:
    """The exact bytes the provider sent: base64-decoded when flagged, else the UTF-8 of the body string."""
    body = event.get("body")
    if body is None or body == "":
        raise MalformedPayload("empty body")
    if not isinstance(body, str):
        raise MalformedPayload("body is not a string")
    if event.get("isBase64Encoded"):
        try:
            raw = base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise MalformedPayload("body is flagged base64 but is not") from exc
    else:
        try:
            raw = body.encode("utf-8")
        except UnicodeEncodeError as exc:  # lone surrogates from a JSON-escaped event body
            raise MalformedPayload("body is not valid UTF-8") from exc
    if not raw:
        raise MalformedPayload("empty body")
    return raw


def parse_request(event: Mapping[str, Any]) -> Request:
    """Headers (lowercased), stage variables and the exact raw body (base64-decoded when flagged)."""
    headers: dict[str, str] = {}
    multi = event.get("multiValueHeaders") or {}
    if isinstance(multi, Mapping):
        for name, values in multi.items():
            if isinstance(values, list) and values:
                headers[str(name).lower()] = str(values[0])
    single = event.get("headers") or {}
    if isinstance(single, Mapping):
        for name, value in single.items():
            if value is not None:
                headers[str(name).lower()] = str(value)
    stage = event.get("stageVariables") or {}
    stage_variables = {str(k): str(v) for k, v in stage.items()} if isinstance(stage, Mapping) else {}
    raw = _raw_body(event)
    return Request(raw=raw, headers=headers, stage_variables=stage_variables)


def _describe(exc: Exception) -> str:
    """``ClientError (NoSuchBucket)``: the exception type and, for AWS errors, the error code; never the message."""
    code = getattr(exc, "response", {}).get("Error", {}).get("Code") if hasattr(exc, "response") else None
    name = type(exc).__name__
    return f"{name} ({code})" if code and code != name else name


def _ascii(value: str, limit: int = 200) -> str:
    """S3 user metadata must be ASCII: drop anything else rather than fail the put."""
    return value.encode("ascii", "ignore").decode()[:limit]


def response(status: int, body: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "statusCode": status,
        "headers": {"Content-Type": "application/json"},
        "body": json.dumps(body, separators=(",", ":")),
        "isBase64Encoded": False,
    }


@dataclass
class Outcome:
    """What happened to one request, for the single log line, the metrics and the trace annotations."""

    status: int
    outcome: str
    event_id: str = ""
    transaction_id: str = ""
    s3_key: str = ""
    reason: str = ""
    verified: Verified | None = None


class Validator:
    """The provider-independent webhook path; all I/O goes through the injected clients."""

    def __init__(
        self,
        provider: str,
        *,
        s3: Any,
        lambda_client: Any,
        secrets: SecretCache,
        clock: Callable[[], float] = time.time,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self.plugin: ProviderPlugin = get_provider(provider)
        self.provider = self.plugin.name
        self.s3 = s3
        self.lambda_client = lambda_client
        self.secrets = secrets
        self.clock = clock
        self.environ = os.environ if environ is None else environ

    # -- steps ---------------------------------------------------------------------------------------------------

    def verify(self, request: Request, settings: Settings, now: float) -> Verified:
        needs_secret = self.plugin.needs_secret(request.content_type)
        secret = self.secrets.get() if needs_secret else {}
        try:
            return self.plugin.verify(request.raw, request.headers, VerifyContext(settings, secret, now))
        except InvalidSignature as exc:
            # Decision 11: a mismatch may be a rotation; re-read (rate-limited) and try once more.
            if needs_secret and exc.secret_mismatch and self.secrets.refresh_after_mismatch():
                ctx = VerifyContext(settings, self.secrets.get(), now)
                return self.plugin.verify(request.raw, request.headers, ctx)
            raise

    def store(self, request: Request, settings: Settings, key: str, received_at: float) -> StoredPayload:
        """Write-once (decision 24): an identical redelivery is a success; a different body is kept beside."""
        bucket = settings.require("s3_bucket")
        metadata = {
            "provider": self.provider,
            "received-content-type": _ascii(request.content_type),
            "received-at": str(int(received_at)),
        }
        try:
            with subsegment("s3.put_raw_payload", provider=self.provider):
                return put_once(
                    self.s3,
                    bucket=bucket,
                    key=key,
                    body=request.raw,
                    content_type=stored_content_type(request.content_type),
                    metadata=metadata,
                    encryption=settings.raw_payload_encryption(),
                )
        except Exception as exc:  # botocore ClientError/BotoCoreError and anything else: provider must retry
            raise StorageUnavailable(f"raw payload put failed: {_describe(exc)}") from exc

    def invoke_processor(self, payload: Mapping[str, Any], settings: Settings) -> None:
        function = settings.require("processor_function_arn")
        try:
            with subsegment("lambda.invoke_processor", provider=self.provider):
                result = self.lambda_client.invoke(
                    FunctionName=function,
                    InvocationType="Event",
                    Payload=json.dumps(payload, separators=(",", ":")).encode(),
                )
        except Exception as exc:
            raise ProcessorInvokeFailed(f"async invoke failed: {_describe(exc)}") from exc
        status = result.get("StatusCode")
        if status != 202:
            raise ProcessorInvokeFailed(f"async invoke returned {status}, not 202")

    def async_event(self, request: Request, event_id: str, received_at: float, bucket: str, key: str) -> dict[str, Any]:
        payload: dict[str, Any] = {
            "version": ASYNC_EVENT_VERSION,
            "provider": self.provider,
            "event_id": event_id,
            "received_at": int(received_at),
            "content_type": request.content_type,
            "raw_payload_s3_bucket": bucket,
            "raw_payload_s3_key": key,
            "stage_variables": request.stage_variables,
        }
        if len(request.raw) <= MAX_INLINE_BODY_BYTES:
            payload["body_base64"] = base64.b64encode(request.raw).decode()
        return payload

    # -- the request ---------------------------------------------------------------------------------------------

    def process(self, event: Mapping[str, Any]) -> Outcome:
        """Run one request to an :class:`Outcome`; every failure is mapped by :func:`http_status`."""
        received_at = self.clock()
        outcome = Outcome(status=500, outcome="error")
        try:
            request = parse_request(event)
            settings = Settings.load(request.stage_variables, self.environ)
            parsed = self.plugin.parse_body(request.raw, request.content_type)
            # Bounded before any other work: these come from a body nobody has verified yet (issue 8).
            outcome.event_id = clip(self.plugin.event_id(parsed))
            outcome.transaction_id = clip(self.plugin.transaction_id(parsed))
            outcome.verified = self.verify(request, settings, received_at)
            key = raw_payload_key(self.provider, outcome.event_id, received_at, request.content_type)
            stored = self.store(request, settings, key, received_at)
            outcome.s3_key = stored.key
            payload = self.async_event(request, outcome.event_id, received_at, stored.bucket, stored.key)
            self.invoke_processor(payload, settings)
        except WebhookError as exc:
            outcome.status = http_status(exc)
            outcome.outcome = exc.outcome
            outcome.reason = exc.message
            return outcome
        outcome.status = 200
        outcome.outcome = "accepted"
        return outcome


def render(outcome: Outcome) -> dict[str, Any]:
    """The API Gateway proxy response for an outcome (no internal detail for 401/5xx)."""
    if outcome.status == 200 and outcome.outcome != "accepted":
        return response(200, {"received": True, "booked": False})
    if outcome.status == 200:
        return response(200, {"received": True, "event_id": mask_id(outcome.event_id)})
    if outcome.status == 400:
        return response(400, {"message": f"Malformed payload: {outcome.reason}"})
    return response(outcome.status, {"message": CLIENT_MESSAGES.get(outcome.status, "Internal error")})


def annotate(tracer: Any, provider: str, outcome: Outcome) -> None:
    """X-Ray annotations of one request. Traces are not masked by the log formatter: ids are masked here."""
    tracer.put_annotation("provider", provider)
    tracer.put_annotation("status", outcome.outcome)
    tracer.put_annotation("http_status", str(outcome.status))
    if outcome.transaction_id:
        tracer.put_annotation("transaction_id", mask_id(outcome.transaction_id))
    if outcome.event_id:
        tracer.put_annotation("event_id", mask_id(outcome.event_id))


def log_outcome(logger: Any, metrics: Any, outcome: Outcome, fields: dict[str, Any]) -> None:
    """The one log line per request (masked by the formatter), at the level its outcome deserves."""
    if outcome.status == 200 and outcome.outcome != "accepted":
        logger.warning(f"Webhook acknowledged, not booked: {outcome.reason}", extra=fields)
    elif outcome.status == 200:
        fields["s3_key"] = outcome.s3_key
        if outcome.verified is not None:
            fields["scheme"] = outcome.verified.scheme
            if outcome.verified.notes:
                fields["checks_failed"] = list(outcome.verified.notes)
                metrics.add_metric(name="VerifiedPayloadSuspect", unit=MetricUnit.Count, value=1)
        logger.info("Webhook accepted", extra=fields)
    elif outcome.status == 401:
        # The literal "Invalid signature" is what the CloudWatch metric filter counts.
        logger.warning(f"Invalid signature: {outcome.reason}", extra=fields)
    elif outcome.status < 500:
        logger.warning(f"Rejected webhook: {outcome.reason}", extra=fields)
    else:
        logger.error(f"Webhook not accepted, provider will retry: {outcome.reason}", extra=fields)


def create_handler(default_provider: str) -> Callable[[dict[str, Any], Any], dict[str, Any]]:
    """Build the Lambda handler: clients, secret cache and Powertools objects are created once, here.

    ``PROVIDER_NAME`` selects the provider; ``default_provider`` (the function's directory) is used when it is
    unset and must agree with it when set, so a miswired function fails at init rather than per request.
    """
    provider = (os.environ.get("PROVIDER_NAME") or default_provider).strip().lower()
    if provider != default_provider:
        raise ConfigurationError(f"PROVIDER_NAME={provider!r} but this is the {default_provider} validator")
    service = os.environ.get("POWERTOOLS_SERVICE_NAME") or f"{provider}-webhook-validator"
    logger = get_logger(service=service)
    logger.append_keys(provider=provider)
    # Only botocore is patched: requests (PayPal path) gets explicit subsegments and is never imported at init.
    tracer = Tracer(service=service, patch_modules=["botocore"])
    set_tracer(tracer)
    # service="" keeps Powertools from adding a `service` dimension: metrics are keyed by provider alone, which is
    # what the alarms and dashboards select on.
    metrics = Metrics(namespace=os.environ.get("POWERTOOLS_METRICS_NAMESPACE") or METRIC_NAMESPACE, service="")
    metrics.set_default_dimensions(provider=provider)
    clients = validator_clients()
    secrets = SecretCache(os.environ.get("PROVIDER_SECRET_ARN", ""), secrets_manager_fetcher(clients["secretsmanager"]))
    validator = Validator(provider, s3=clients["s3"], lambda_client=clients["lambda"], secrets=secrets)

    @metrics.log_metrics
    @tracer.capture_lambda_handler(capture_response=False, capture_error=False)
    @logger.inject_lambda_context(log_event=False)
    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        started = time.perf_counter()
        metrics.add_metric(name="WebhookReceived", unit=MetricUnit.Count, value=1)
        try:
            outcome = validator.process(event)
        except Exception:  # a bug: answer 500 so the provider retries, and say so once
            logger.exception("Unhandled validator error", extra={"outcome": "error"})
            metrics.add_metric(name="ValidatorError", unit=MetricUnit.Count, value=1)
            tracer.put_annotation("provider", provider)
            tracer.put_annotation("status", "error")
            tracer.put_annotation("http_status", "500")
            return response(500, {"message": CLIENT_MESSAGES[500]})
        annotate(tracer, provider, outcome)
        metrics.add_metric(name=OUTCOME_METRICS.get(outcome.outcome, "ValidatorError"), unit=MetricUnit.Count, value=1)
        elapsed_ms = (time.perf_counter() - started) * 1000
        metrics.add_metric(name="ValidationLatency", unit=MetricUnit.Milliseconds, value=elapsed_ms)
        fields = {
            "event_id": outcome.event_id,
            "transaction_id": outcome.transaction_id,
            "outcome": outcome.outcome,
            "status_code": outcome.status,
            "duration_ms": round(elapsed_ms, 2),
        }
        log_outcome(logger, metrics, outcome, fields)
        return render(outcome)

    return handler
