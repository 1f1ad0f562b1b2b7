"""Lambda REQUEST (and TOKEN) authorizers: identity sources, the result cache, and policy evaluation."""

from __future__ import annotations

import fnmatch
import json
import threading
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from webhookdev.local.deployed import Authorizer, RestApi
from webhookdev.local.proxy import HttpRequest, Route


class Unauthorized(Exception):
    """401 {"message": "Unauthorized"}: missing identity source, or the authorizer said `Unauthorized`."""


class Denied(Exception):
    """403: the returned policy does not allow this method ARN."""


class AuthorizerFailed(Exception):
    """500: the authorizer errored or returned something unusable (AuthorizerConfigurationException)."""


@dataclass(frozen=True)
class Grant:
    principal_id: str
    policy: dict[str, Any]
    context: dict[str, Any]
    usage_identifier_key: str | None

    def request_context(self) -> dict[str, Any]:
        """`requestContext.authorizer` as the integration sees it."""
        return {"principalId": self.principal_id, "integrationLatency": 0, **self.context}


def identity_values(authorizer: Authorizer, api: RestApi, route: Route, request: HttpRequest) -> tuple[str, ...]:
    """The values of the authorizer's identity sources; raises Unauthorized if any is missing or empty."""
    query = dict(parse_qsl(request.query, keep_blank_values=True))
    values: list[str] = []
    for source in authorizer.identity_sources:
        value: str | None
        if source.startswith("method.request.header."):
            value = request.header(source.removeprefix("method.request.header."))
        elif source.startswith("method.request.querystring."):
            value = query.get(source.removeprefix("method.request.querystring."))
        elif source.startswith("stageVariables."):
            value = api.stage.variables.get(source.removeprefix("stageVariables."))
        elif source == "context.resourcePath":
            value = route.method.resource_path
        elif source == "context.httpMethod":
            value = request.method
        elif source == "context.path":
            value = f"/{api.stage.name}{request.path}"
        elif source == "context.identity.sourceIp":
            value = request.source_ip
        else:
            value = None
        if not value:
            raise Unauthorized(f"identity source {source} is missing")
        values.append(value)
    return tuple(values)


def parse_result(payload: bytes) -> Grant:
    try:
        result = json.loads(payload)
        policy = result["policyDocument"]
        context = result.get("context") or {}
        if not isinstance(policy, dict) or not isinstance(context, dict):
            raise TypeError("policyDocument and context must be objects")
    except (ValueError, KeyError, TypeError) as error:
        raise AuthorizerFailed(f"invalid authorizer response: {error}") from error
    key = result.get("usageIdentifierKey")
    return Grant(str(result.get("principalId", "")), policy, context, str(key) if key is not None else None)


def _resources(statement: dict[str, Any]) -> list[str]:
    resource = statement.get("Resource", [])
    return [resource] if isinstance(resource, str) else [str(r) for r in resource]


def _actions(statement: dict[str, Any]) -> list[str]:
    action = statement.get("Action", [])
    return [action] if isinstance(action, str) else [str(a) for a in action]


def check_policy(grant: Grant, method_arn: str) -> None:
    """IAM-style evaluation: an explicit Deny wins, otherwise an Allow must match; raises Denied."""
    statements = grant.policy.get("Statement", [])
    if isinstance(statements, dict):
        statements = [statements]
    allowed = False
    for statement in statements:
        if not any(fnmatch.fnmatchcase("execute-api:Invoke", a) for a in _actions(statement)):
            continue
        if any(fnmatch.fnmatchcase(method_arn, r) for r in _resources(statement)):
            if statement.get("Effect") == "Deny":
                raise Denied("User is not authorized to access this resource with an explicit deny")
            if statement.get("Effect") == "Allow":
                allowed = True
    if not allowed:
        raise Denied("User is not authorized to access this resource")


class AuthorizerCache:
    """Results cached per authorizer and identity values for the deployed TTL (0 disables caching)."""

    def __init__(self) -> None:
        self._entries: dict[tuple[str, tuple[str, ...]], tuple[float, Grant]] = {}
        self._lock = threading.Lock()

    def get(self, authorizer: Authorizer, identity: tuple[str, ...]) -> Grant | None:
        with self._lock:
            entry = self._entries.get((authorizer.id, identity))
            if entry is None or entry[0] < time.monotonic():
                return None
            return entry[1]

    def put(self, authorizer: Authorizer, identity: tuple[str, ...], grant: Grant) -> None:
        if authorizer.ttl_seconds <= 0:
            return
        with self._lock:
            if len(self._entries) > 10_000:
                self._entries.clear()
            self._entries[(authorizer.id, identity)] = (time.monotonic() + authorizer.ttl_seconds, grant)
