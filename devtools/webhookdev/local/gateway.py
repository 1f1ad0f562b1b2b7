"""The API Gateway runtime: serves the deployed REST API stage at http://127.0.0.1:<port>/<stage>/….

For each request, in API Gateway's order: route -> SigV4 (AWS_IAM methods) or authorizer (cached) -> API key and
usage plan -> throttling
(usage plan, then stage method settings) -> request validation against the deployed model -> AWS_PROXY integration.
Every decision comes from the deployment read back from moto; one JSON access-log line is written per request.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from jsonschema import Draft4Validator

from webhookdev.local.authorizers import (
    AuthorizerCache,
    AuthorizerFailed,
    Denied,
    Grant,
    Unauthorized,
    check_policy,
    identity_values,
    parse_result,
)
from webhookdev.local.deployed import ApiKey, Authorizer, Method, RestApi
from webhookdev.local.functions import Throttled
from webhookdev.local.invoker import FunctionNotFound, FunctionNotRunnable, Invoker
from webhookdev.local.logsink import LogSink
from webhookdev.local.proxy import (
    HttpRequest,
    HttpResponse,
    MalformedResponse,
    Route,
    authorizer_event,
    json_response,
    map_proxy_response,
    match_route,
    method_arn,
    proxy_event,
)
from webhookdev.local.sigv4 import Caller, LocalCredentials, SigV4Rejected
from webhookdev.local.sigv4 import verify as verify_sigv4
from webhookdev.local.throttle import Buckets

FORBIDDEN = json_response(403, {"message": "Forbidden"})
MISSING_TOKEN = json_response(403, {"message": "Missing Authentication Token"})
UNAUTHORIZED = json_response(401, {"message": "Unauthorized"})
TOO_MANY = json_response(429, {"message": "Too Many Requests"})
INVALID_BODY = json_response(400, {"message": "Invalid request body"})
INTERNAL = json_response(502, {"message": "Internal server error"})


class Rejected(Exception):
    """Ends the pipeline with `response` (API Gateway's own answer; the integration is not called)."""

    def __init__(self, response: HttpResponse, reason: str) -> None:
        super().__init__(reason)
        self.response = response
        self.reason = reason


@dataclass
class Trace:
    """What happened to one request, for the access log."""

    request_id: str
    stage: str = "-"
    resource_path: str | None = None
    authorizer: str = "none"
    api_key_id: str | None = None
    validation: str = "skipped"
    integration: str | None = None
    error: str | None = None
    #: Milliseconds per pipeline stage (the access log's ``stageMs``; the bench's per-stage profile).
    stage_ms: dict[str, float] = field(default_factory=dict)

    @contextmanager
    def timed(self, stage: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self.stage_ms[stage] = round((time.perf_counter() - started) * 1000, 2)


class Gateway:
    def __init__(self, invoker: Invoker, access_log: LogSink, credentials: LocalCredentials | None = None) -> None:
        self.invoker = invoker
        self.access_log = access_log
        #: What AWS_IAM methods accept: SigV4 with the local stack's own credentials.
        self.credentials = credentials or LocalCredentials.of_stack()
        self.cache = AuthorizerCache()
        self.buckets = Buckets()
        self._validators: dict[str, Draft4Validator] = {}

    # ---- pipeline -----------------------------------------------------------------------------------------------

    def handle(self, stage: str, request: HttpRequest, trace: Trace) -> HttpResponse:
        try:
            return self._pipeline(stage, request, trace)
        except Rejected as rejection:
            trace.error = trace.error or rejection.reason
            return rejection.response

    def _pipeline(self, stage: str, request: HttpRequest, trace: Trace) -> HttpResponse:
        api = self.invoker.registry.snapshot.deployment.api
        if api is None:
            raise Rejected(json_response(503, {"message": "The local stack has no deployed REST API yet"}), "no API")
        route = match_route(api, request.path, request.method) if stage == api.stage.name else None
        if route is None:
            raise Rejected(MISSING_TOKEN, "no such stage, resource or method")
        trace.resource_path = route.method.resource_path
        with trace.timed("auth"):
            caller = self._verify_iam(api, route, request, trace)
            grant = self._authorize(api, route, request, trace)
            key = self._api_key(api, request, grant)
            if route.method.api_key_required and key is None:
                raise Rejected(FORBIDDEN, "no enabled API key in a usage plan of this stage")
            trace.api_key_id = key.id if key else None
            if not self._within_limits(api, route.method, key):
                raise Rejected(TOO_MANY, "throttled")
        with trace.timed("validation"):
            self._validate(api, route.method, request, trace)
        with trace.timed("integration"):
            return self._integrate(api, route, request, grant=grant, key=key, caller=caller, trace=trace)

    def _verify_iam(self, api: RestApi, route: Route, request: HttpRequest, trace: Trace) -> Caller | None:
        """AWS_IAM methods: a valid SigV4 signature with the local credentials, else API Gateway's 403."""
        if route.method.authorization_type != "AWS_IAM":
            return None
        trace.authorizer = "sigv4"
        url = f"http://{request.host}/{api.stage.name}{request.path}" + (f"?{request.query}" if request.query else "")
        try:
            return verify_sigv4(request, url=url, credentials=self.credentials)
        except SigV4Rejected as error:
            raise Rejected(json_response(403, {"message": error.message}), f"SigV4: {error.message}") from error

    def _authorize(self, api: RestApi, route: Route, request: HttpRequest, trace: Trace) -> Grant | None:
        method = route.method
        if method.authorization_type != "CUSTOM" or method.authorizer_id is None:
            return None
        authorizer = api.authorizers.get(method.authorizer_id)
        if authorizer is None or authorizer.function_arn is None:
            raise Rejected(json_response(500, {"message": None}), f"authorizer {method.authorizer_id} not deployed")
        try:
            return self._grant(api, route, request, trace, authorizer)
        except Unauthorized as error:
            raise Rejected(UNAUTHORIZED, str(error)) from error
        except Denied as error:
            raise Rejected(json_response(403, {"message": str(error)}), str(error)) from error
        except AuthorizerFailed as error:
            raise Rejected(json_response(500, {"message": None}), str(error)) from error

    def _grant(self, api: RestApi, route: Route, request: HttpRequest, trace: Trace, authorizer: Authorizer) -> Grant:
        function_arn = authorizer.function_arn or ""
        identity = identity_values(authorizer, api, route, request)
        grant = self.cache.get(authorizer, identity)
        trace.authorizer = "cached" if grant else "invoked"
        if grant is None:
            if authorizer.type == "TOKEN":
                event: dict[str, Any] = {
                    "type": "TOKEN",
                    "authorizationToken": identity[0],
                    "methodArn": method_arn(api, route, request),
                }
            else:
                event = authorizer_event(api, route, request, trace.request_id)
            try:
                result = self.invoker.invoke(function_arn, json.dumps(event).encode())
            except (FunctionNotFound, FunctionNotRunnable, Throttled) as error:
                raise AuthorizerFailed(str(error)) from error
            if result.function_error is not None:
                if _error_message(result.payload) == "Unauthorized":
                    raise Unauthorized("authorizer returned Unauthorized")
                raise AuthorizerFailed(f"authorizer failed: {result.payload[:300]!r}")
            grant = parse_result(result.payload)
            self.cache.put(authorizer, identity, grant)
        check_policy(grant, method_arn(api, route, request))
        return grant

    def _api_key(self, api: RestApi, request: HttpRequest, grant: Grant | None) -> ApiKey | None:
        """The usage identifier key, if it is an existing, enabled key in a usage plan on this API stage."""
        if api.api_key_source == "AUTHORIZER":
            value = grant.usage_identifier_key if grant else None
        else:
            value = request.header("x-api-key")
        if not value:
            return None
        for key in api.api_keys.values():
            if key.value == value and key.enabled and api.plans_for_key(key.id):
                return key
        return None

    def _within_limits(self, api: RestApi, method: Method, key: ApiKey | None) -> bool:
        if key is not None:
            for plan in api.plans_for_key(key.id):
                override = plan.method_throttles.get(f"{method.resource_path}/{method.http_method}")
                throttle = override or plan.throttle
                if throttle is not None and not self.buckets.take(
                    f"plan:{plan.id}:{key.id}:{method.settings_path}" if override else f"plan:{plan.id}:{key.id}",
                    throttle,
                ):
                    return False
        stage_throttle = api.stage_throttle(method)
        if stage_throttle is not None:
            scope = method.settings_path if method.settings_path in api.stage.method_throttles else "*/*"
            return self.buckets.take(f"stage:{api.id}:{api.stage.name}:{scope}", stage_throttle)
        return True

    def _validate(self, api: RestApi, method: Method, request: HttpRequest, trace: Trace) -> None:
        """Raise Rejected(400) when the deployed validator rejects the request; record the outcome in `trace`."""
        validator = api.validators.get(method.validator_id or "")
        if validator is None:
            trace.validation = "no validator"
            return
        if validator.validate_parameters:
            missing = [
                name
                for name, required in method.request_parameters.items()
                if required and not _parameter_present(name, request)
            ]
            if missing:
                trace.validation = "parameters rejected"
                message = f"Missing required request parameters: [{', '.join(missing)}]"
                raise Rejected(json_response(400, {"message": message}), message)
        if not validator.validate_body:
            trace.validation = "parameters only"
            return
        content_type = request.content_type or "application/json"
        model_name = method.request_models.get(content_type) or method.request_models.get("$default")
        if model_name is None or model_name not in api.models:
            trace.validation = f"no model for {content_type}"
            return
        try:
            document = json.loads(request.body or b"null")
        except ValueError as error:
            trace.validation = "rejected: not JSON"
            raise Rejected(INVALID_BODY, "body is not JSON") from error
        first = next(iter(self._schema_validator(api, model_name).iter_errors(document)), None)
        if first is not None:
            trace.validation = f"rejected by {model_name}: {first.message[:200]}"
            raise Rejected(INVALID_BODY, trace.validation)
        trace.validation = f"passed {model_name}"

    def _schema_validator(self, api: RestApi, model_name: str) -> Draft4Validator:
        schema = api.models[model_name]
        cache_key = f"{api.id}:{model_name}:{json.dumps(schema, sort_keys=True)}"
        if cache_key not in self._validators:
            self._validators[cache_key] = Draft4Validator(schema)
        return self._validators[cache_key]

    def _integrate(
        self,
        api: RestApi,
        route: Route,
        request: HttpRequest,
        *,
        grant: Grant | None,
        key: ApiKey | None,
        trace: Trace,
        caller: Caller | None = None,
    ) -> HttpResponse:
        method = route.method
        function = method.function_arn
        if method.integration_type != "AWS_PROXY" or function is None:
            raise Rejected(INTERNAL, f"unsupported integration {method.integration_type}")
        trace.integration = function.rsplit(":", 1)[-1]
        event = proxy_event(
            api,
            route,
            request,
            trace.request_id,
            authorizer=grant.request_context() if grant else None,
            api_key=(key.id, key.value) if key else None,
        )
        if caller is not None:  # what API Gateway fills in for an IAM-authorized call
            event["requestContext"]["identity"].update(
                {
                    "accessKey": caller.access_key,
                    "accountId": "123456789012",
                    "caller": caller.access_key,
                    "user": caller.access_key,
                    "userArn": caller.user_arn,
                }
            )
        try:
            result = self.invoker.invoke(function, json.dumps(event).encode())
        except Throttled as error:
            raise Rejected(TOO_MANY, str(error)) from error
        except (FunctionNotFound, FunctionNotRunnable) as error:
            raise Rejected(INTERNAL, str(error)) from error
        if result.function_error is not None:
            raise Rejected(INTERNAL, f"function error: {_error_message(result.payload)}")
        try:
            return map_proxy_response(result.payload)
        except MalformedResponse as error:
            raise Rejected(INTERNAL, f"malformed integration response: {error}") from error


def _parameter_present(name: str, request: HttpRequest) -> bool:
    if name.startswith("method.request.header."):
        return bool(request.header(name.removeprefix("method.request.header.")))
    if name.startswith("method.request.querystring."):
        wanted = name.removeprefix("method.request.querystring.") + "="
        return any(part.startswith(wanted) for part in request.query.split("&"))
    return True


def _error_message(payload: bytes) -> str:
    try:
        return str(json.loads(payload).get("errorMessage", ""))
    except (ValueError, AttributeError):
        return payload.decode("utf-8", errors="replace")[:300]


def make_server(gateway: Gateway, host: str, port: int) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _serve(self) -> None:
            started = time.monotonic()
            request_id = str(uuid.uuid4())
            trace = Trace(request_id)
            url = urlsplit(self.path)
            _, _, rest = url.path.partition("/")
            stage, _, path = rest.partition("/")
            trace.stage = stage
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            request = HttpRequest(
                method=self.command,
                path="/" + path,
                query=url.query,
                headers=tuple((k, v) for k, v in self.headers.items()),
                body=body,
                source_ip=self.client_address[0],
                host=self.headers.get("Host", f"{host}:{port}"),
            )
            try:
                response = gateway.handle(stage, request, trace)
            except Exception as error:  # a runtime bug must not kill the server: answer 500 and log it
                trace.error = repr(error)
                response = json_response(500, {"message": "Internal server error"})
            try:
                self.send_response(response.status)
                for name, value in response.headers:
                    self.send_header(name, value)
                self.send_header("x-amzn-RequestId", request_id)
                self.send_header("Content-Length", str(len(response.body)))
                self.end_headers()
                self.wfile.write(response.body)
            except (BrokenPipeError, ConnectionResetError):  # the client gave up (its timeout): log it, no traceback
                trace.error = trace.error or "client closed the connection before the response"
                self.close_connection = True
            gateway.access_log.write(
                {
                    "requestId": request_id,
                    "ip": request.source_ip,
                    "requestTime": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                    "httpMethod": request.method,
                    "path": url.path,
                    "stage": trace.stage,
                    "resourcePath": trace.resource_path,
                    "status": response.status,
                    "responseLength": len(response.body),
                    "authorizer": trace.authorizer,
                    "apiKeyId": trace.api_key_id,
                    "validation": trace.validation,
                    "integration": trace.integration,
                    "error": trace.error,
                    "latencyMs": round((time.monotonic() - started) * 1000, 1),
                    "stageMs": trace.stage_ms,
                }
            )

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _serve

        def log_message(self, format: str, *args: Any) -> None:
            return  # the access log above replaces the default stderr line

    server = ThreadingHTTPServer((host, port), Handler)
    server.daemon_threads = True
    return server
