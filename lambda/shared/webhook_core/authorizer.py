"""The API Gateway REQUEST authorizer (decision 12): maps a request to the usage plan key that meters it.

The API's key source is ``AUTHORIZER``. Webhook routes cannot carry an ``x-api-key`` (providers do not send one),
so the authorizer hands back *that provider's* API key value as ``usageIdentifierKey``; its usage plan then
throttles and meters the traffic, and disabling the key stops only that provider (403).

Query routes (only where the API runs with ``query_api_authorization = "API_KEY"``; with ``AWS_IAM`` API Gateway
checks SigV4 and never calls this function for them) hand back the caller's own ``x-api-key``, which API Gateway then
checks against the ``internal-query`` usage plan. API keys are for metering, not authentication: with key source
``AUTHORIZER`` API Gateway would accept *any* enabled key of any usage plan on the stage, a provider's webhook key
included. So the caller's key must also be one of ``QUERY_API_KEY_IDS`` (compared in constant time) and never a
provider's key; anything else is denied, and with no query key configured (IAM mode) every query request is denied.

Key values are looked up by id (``PROVIDER_API_KEY_IDS``, ``QUERY_API_KEY_IDS``) with ``apigateway:GET`` on first use
and cached for the life of the container; they are never logged.
"""

from __future__ import annotations

import hmac
import json
import os
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from webhook_core.errors import ConfigurationError, Unauthorized

WEBHOOK_ROUTE = re.compile(r"^/api/v1/webhooks/(?P<provider>[a-z0-9-]+)/?$")
QUERY_ROUTE = re.compile(r"^/api/v1/transactions(?:/[^/]+)?/?$")
QUERY_PRINCIPAL = "query-caller"
#: principalId of a denied query caller; never the key itself.
UNKNOWN_QUERY_KEY = "unknown-query-key"
# methodArn: arn:aws:execute-api:<region>:<account>:<api id>/<stage>/<METHOD>/<resource path>
METHOD_ARN = re.compile(
    r"^(?P<prefix>arn:[^:]+:execute-api:[^:]*:[^:]*:[^/]+/[^/]+)/(?P<method>[A-Z*]+)(?P<path>/.*)?$"
)


@dataclass(frozen=True)
class Decision:
    principal_id: str
    effect: str  # "Allow" | "Deny"
    resources: tuple[str, ...]
    usage_identifier_key: str | None = None
    route: str = ""

    def policy(self) -> dict[str, Any]:
        result: dict[str, Any] = {
            "principalId": self.principal_id,
            "policyDocument": {
                "Version": "2012-10-17",
                "Statement": [
                    {"Action": "execute-api:Invoke", "Effect": self.effect, "Resource": list(self.resources)}
                ],
            },
            "context": {"principal": self.principal_id, "route": self.route},
        }
        if self.usage_identifier_key is not None:
            result["usageIdentifierKey"] = self.usage_identifier_key
        return result


def parse_key_ids(raw: str) -> dict[str, str]:
    """``PROVIDER_API_KEY_IDS``: a JSON object provider -> API key id."""
    try:
        parsed = json.loads(raw or "{}")
    except ValueError as exc:
        raise ConfigurationError("PROVIDER_API_KEY_IDS must be a JSON object") from exc
    if not isinstance(parsed, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in parsed.items()):
        raise ConfigurationError("PROVIDER_API_KEY_IDS must map provider names to API key ids")
    return {k.lower(): v for k, v in parsed.items()}


def parse_query_key_ids(raw: str) -> tuple[str, ...]:
    """``QUERY_API_KEY_IDS``: a JSON list of the API key ids that may open the query routes (empty in IAM mode)."""
    try:
        parsed = json.loads(raw or "[]")
    except ValueError as exc:
        raise ConfigurationError("QUERY_API_KEY_IDS must be a JSON list") from exc
    if not isinstance(parsed, list) or not all(isinstance(v, str) and v for v in parsed):
        raise ConfigurationError("QUERY_API_KEY_IDS must be a list of API key ids")
    return tuple(parsed)


def _resource_path(event: Mapping[str, Any]) -> str:
    context = event.get("requestContext") or {}
    for candidate in (context.get("resourcePath"), event.get("resource")):
        if isinstance(candidate, str) and candidate:
            return candidate
    match = METHOD_ARN.match(str(event.get("methodArn", "")))
    if match is None:
        return ""
    return match.group("path") or ""


def _header(event: Mapping[str, Any], name: str) -> str:
    headers = event.get("headers") or {}
    for key, value in headers.items():
        if str(key).lower() == name and isinstance(value, str):
            return value.strip()
    return ""


class Authorizer:
    """Decides per request; ``fetch_key_value(key_id)`` is only called once per provider and container."""

    def __init__(
        self,
        key_ids: Mapping[str, str],
        fetch_key_value: Callable[[str], str],
        query_key_ids: Sequence[str] = (),
    ) -> None:
        self.key_ids = dict(key_ids)
        # A provider's webhook key never opens the query API, even if configured as a query key by mistake. Dropping
        # it (rather than failing the cold start) keeps webhooks flowing while the query API stays closed to it.
        self.query_key_ids = tuple(k for k in query_key_ids if k not in set(self.key_ids.values()))
        self._fetch = fetch_key_value
        self._values: dict[str, str] = {}  # key id -> value

    def _value_of(self, key_id: str) -> str:
        if key_id not in self._values:
            value = self._fetch(key_id)
            if not value:
                raise ConfigurationError(f"API key {key_id} has no value")
            self._values[key_id] = value
        return self._values[key_id]

    def key_value(self, provider: str) -> str:
        key_id = self.key_ids.get(provider)
        if not key_id:
            raise ConfigurationError(f"no API key id configured for provider {provider!r}")
        return self._value_of(key_id)

    def is_query_key(self, presented: str) -> bool:
        """Whether ``presented`` is one of the query keys; every configured key is compared, in constant time."""
        given = presented.encode()
        matches = [hmac.compare_digest(given, self._value_of(key_id).encode()) for key_id in self.query_key_ids]
        return any(matches)

    def decide(self, event: Mapping[str, Any]) -> Decision:
        method_arn = str(event.get("methodArn", ""))
        arn = METHOD_ARN.match(method_arn)
        if arn is None:
            raise Unauthorized("methodArn is missing or malformed")
        prefix = arn.group("prefix")
        path = _resource_path(event)

        webhook = WEBHOOK_ROUTE.match(path)
        if webhook:
            provider = webhook.group("provider")
            if provider not in self.key_ids:
                return Decision(provider, "Deny", (method_arn,), route=path)
            # The result is cached per resource path, so the policy names exactly this route.
            return Decision(
                provider,
                "Allow",
                (f"{prefix}/POST/api/v1/webhooks/{provider}",),
                usage_identifier_key=self.key_value(provider),
                route=path,
            )

        if QUERY_ROUTE.match(path):
            api_key = _header(event, "x-api-key")
            if not api_key:
                raise Unauthorized("query route without x-api-key")
            # Cached per x-api-key header, so the one policy (Allow or Deny) must cover both query routes.
            resources = (f"{prefix}/GET/api/v1/transactions", f"{prefix}/GET/api/v1/transactions/*")
            if not self.is_query_key(api_key):
                # A webhook key, another plan's key, or any key in IAM mode: no usage key is handed back.
                return Decision(UNKNOWN_QUERY_KEY, "Deny", resources, route=path)
            return Decision(QUERY_PRINCIPAL, "Allow", resources, usage_identifier_key=api_key, route=path)

        return Decision("unknown", "Deny", (method_arn,), route=path)


def apigateway_key_fetcher(client: Any) -> Callable[[str], str]:
    def fetch(key_id: str) -> str:
        value = client.get_api_key(apiKey=key_id, includeValue=True).get("value")
        return value if isinstance(value, str) else ""

    return fetch


def create_handler() -> Callable[[dict[str, Any], Any], dict[str, Any]]:
    """The Lambda handler; the API Gateway client is created here, once, and called lazily."""
    from webhook_core.clients import client  # noqa: PLC0415 - keeps this module importable without boto3 set up
    from webhook_core.log import get_logger  # noqa: PLC0415

    logger = get_logger(service=os.environ.get("POWERTOOLS_SERVICE_NAME") or "webhook-api-authorizer")
    authorizer = Authorizer(
        parse_key_ids(os.environ.get("PROVIDER_API_KEY_IDS", "")),
        apigateway_key_fetcher(client("apigateway")),
        parse_query_key_ids(os.environ.get("QUERY_API_KEY_IDS", "")),
    )

    @logger.inject_lambda_context(log_event=False)
    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        try:
            decision = authorizer.decide(event)
        except Unauthorized as exc:
            logger.info("Unauthorized", extra={"outcome": "unauthorized", "reason": exc.message})
            # API Gateway turns exactly this message into a 401 response.
            raise Exception("Unauthorized") from None
        logger.info(
            "Authorizer decision",
            extra={"principal": decision.principal_id, "effect": decision.effect, "route": decision.route},
        )
        return decision.policy()

    return handler
