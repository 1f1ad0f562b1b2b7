"""API Gateway REST (v1) request shapes: route matching, the Lambda proxy event, the REQUEST authorizer event,
and mapping a proxy integration's response back to HTTP. Pure functions: no I/O."""

from __future__ import annotations

import base64
import fnmatch
import json
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl

from webhookdev.local.deployed import Method, RestApi
from webhookdev.local.settings import REGION

_TEXT_TYPES = (
    "application/json",
    "application/x-www-form-urlencoded",
    "application/xml",
    "application/javascript",
)


@dataclass(frozen=True)
class HttpRequest:
    """One request as the gateway received it; `headers` keeps the client's names and order, repeats included."""

    method: str
    path: str  # without the stage prefix, e.g. /api/v1/webhooks/stripe
    query: str
    headers: tuple[tuple[str, str], ...]
    body: bytes
    source_ip: str
    host: str

    def header(self, name: str) -> str | None:
        wanted = name.lower()
        values = [v for k, v in self.headers if k.lower() == wanted]
        return values[-1] if values else None

    @property
    def content_type(self) -> str:
        return (self.header("content-type") or "").split(";")[0].strip().lower()


@dataclass(frozen=True)
class Route:
    method: Method
    path_parameters: dict[str, str]


def match_route(api: RestApi, path: str, http_method: str) -> Route | None:
    """The deployed method for `path`, preferring literal segments over `{param}` and `{proxy+}` ones."""
    segments = [s for s in path.split("/") if s]
    candidates: list[tuple[tuple[int, ...], Route]] = []
    for resource_path in {m.resource_path for m in api.methods}:
        params = _match(resource_path, segments)
        if params is None:
            continue
        method = api.method_for(resource_path, http_method)
        if method is None:
            continue
        rank = tuple(0 if "{" not in s else (1 if not s.endswith("+}") else 2) for s in resource_path.split("/") if s)
        candidates.append((rank, Route(method, params)))
    if not candidates:
        return None
    return min(candidates, key=lambda item: item[0])[1]


def _match(resource_path: str, segments: list[str]) -> dict[str, str] | None:
    pattern = [s for s in resource_path.split("/") if s]
    params: dict[str, str] = {}
    for index, part in enumerate(pattern):
        if part.startswith("{") and part.endswith("+}"):
            if index >= len(segments):
                return None
            params[part[1:-2]] = "/".join(segments[index:])
            return params
        if index >= len(segments):
            return None
        if part.startswith("{") and part.endswith("}"):
            params[part[1:-1]] = segments[index]
        elif part != segments[index]:
            return None
    return params if len(pattern) == len(segments) else None


def is_binary(api: RestApi, content_type: str) -> bool:
    """Bodies go to the function base64-encoded when they are binary media: a deployed binaryMediaTypes entry
    matches, or the content type is not a text type."""
    if any(fnmatch.fnmatch(content_type, pattern.lower()) for pattern in api.binary_media_types):
        return True
    if not content_type:
        return False
    return not (content_type.startswith("text/") or content_type.endswith("+json") or content_type in _TEXT_TYPES)


def _multi(pairs: list[tuple[str, str]]) -> tuple[dict[str, str] | None, dict[str, list[str]] | None]:
    if not pairs:
        return None, None
    single: dict[str, str] = {}
    multi: dict[str, list[str]] = {}
    for key, value in pairs:
        single[key] = value
        multi.setdefault(key, []).append(value)
    return single, multi


def request_context(
    api: RestApi, route: Route, request: HttpRequest, request_id: str, api_key: tuple[str, str] | None = None
) -> dict[str, Any]:
    now = datetime.now(UTC)
    key_id, key_value = api_key or (None, None)
    return {
        "accountId": "123456789012",
        "apiId": api.id,
        "resourceId": route.method.resource_id,
        "resourcePath": route.method.resource_path,
        "httpMethod": request.method,
        "path": f"/{api.stage.name}{request.path}",
        "stage": api.stage.name,
        "requestId": request_id,
        "extendedRequestId": request_id,
        "requestTime": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
        "requestTimeEpoch": int(time.time() * 1000),
        "protocol": "HTTP/1.1",
        "domainName": request.host,
        "domainPrefix": request.host.split(".")[0],
        "identity": {
            "sourceIp": request.source_ip,
            "userAgent": request.header("user-agent"),
            "apiKey": key_value,
            "apiKeyId": key_id,
            "accessKey": None,
            "accountId": None,
            "caller": None,
            "cognitoAuthenticationProvider": None,
            "cognitoAuthenticationType": None,
            "cognitoIdentityId": None,
            "cognitoIdentityPoolId": None,
            "principalOrgId": None,
            "user": None,
            "userArn": None,
        },
    }


def _common(api: RestApi, route: Route, request: HttpRequest) -> dict[str, Any]:
    headers, multi_headers = _multi(list(request.headers))
    query, multi_query = _multi(parse_qsl(request.query, keep_blank_values=True))
    return {
        "resource": route.method.resource_path,
        "path": request.path,
        "httpMethod": request.method,
        "headers": headers,
        "multiValueHeaders": multi_headers,
        "queryStringParameters": query,
        "multiValueQueryStringParameters": multi_query,
        "pathParameters": route.path_parameters or None,
        "stageVariables": dict(api.stage.variables) or None,
    }


def method_arn(api: RestApi, route: Route, request: HttpRequest) -> str:
    return f"arn:aws:execute-api:{REGION}:123456789012:{api.id}/{api.stage.name}/{request.method}{request.path}"


def authorizer_event(api: RestApi, route: Route, request: HttpRequest, request_id: str) -> dict[str, Any]:
    """The REQUEST authorizer's input (no body)."""
    event = {"type": "REQUEST", "methodArn": method_arn(api, route, request), **_common(api, route, request)}
    event["requestContext"] = request_context(api, route, request, request_id)
    return event


def proxy_event(
    api: RestApi,
    route: Route,
    request: HttpRequest,
    request_id: str,
    *,
    authorizer: dict[str, Any] | None = None,
    api_key: tuple[str, str] | None = None,
) -> dict[str, Any]:
    """The AWS_PROXY integration's input event (REST API, payload format 1.0)."""
    event = _common(api, route, request)
    context = request_context(api, route, request, request_id, api_key)
    if authorizer is not None:
        context["authorizer"] = authorizer
    event["requestContext"] = context
    if not request.body:
        event["body"], event["isBase64Encoded"] = None, False
    elif is_binary(api, request.content_type):
        event["body"], event["isBase64Encoded"] = base64.b64encode(request.body).decode(), True
    else:
        event["body"], event["isBase64Encoded"] = request.body.decode("utf-8", errors="replace"), False
    return event


class MalformedResponse(ValueError):
    """The integration's result is not a valid proxy response (API Gateway answers 502)."""


@dataclass(frozen=True)
class HttpResponse:
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes


def map_proxy_response(payload: bytes) -> HttpResponse:
    try:
        result = json.loads(payload)
    except ValueError as error:
        raise MalformedResponse("integration response is not JSON") from error
    if not isinstance(result, dict):
        raise MalformedResponse("integration response is not an object")
    status = result.get("statusCode")
    if not isinstance(status, int) or isinstance(status, bool) or not 100 <= status <= 599:
        raise MalformedResponse(f"invalid statusCode {status!r}")
    headers: list[tuple[str, str]] = []
    single = result.get("headers") or {}
    multi = result.get("multiValueHeaders") or {}
    if not isinstance(single, dict) or not isinstance(multi, dict):
        raise MalformedResponse("headers must be objects")
    for name, values in multi.items():
        if not isinstance(values, list):
            raise MalformedResponse("multiValueHeaders values must be lists")
        headers.extend((str(name), str(v)) for v in values)
    # API Gateway merges the two maps; an identical pair is sent once.
    seen = {(n.lower(), v) for n, v in headers}
    headers.extend((str(n), str(v)) for n, v in single.items() if (str(n).lower(), str(v)) not in seen)
    body = result.get("body")
    if body is None:
        raw = b""
    elif not isinstance(body, str):
        raise MalformedResponse("body must be a string")
    elif result.get("isBase64Encoded"):
        try:
            raw = base64.b64decode(body, validate=True)
        except ValueError as error:
            raise MalformedResponse("body is not valid base64") from error
    else:
        raw = body.encode("utf-8")
    return HttpResponse(status, tuple(headers), raw)


def json_response(status: int, document: dict[str, Any]) -> HttpResponse:
    return HttpResponse(status, (("Content-Type", "application/json"),), json.dumps(document).encode())
