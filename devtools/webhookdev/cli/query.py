"""`webhookctl query`: the transactions API (GET), signed with SigV4 (AWS_IAM deployments) or sent with x-api-key."""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import ReadOnlyCredentials
from requests.auth import AuthBase

from webhookdev.cli.errors import EXIT_OK, EXIT_REJECTED, CliError
from webhookdev.cli.target import Target

API_KEY_ENV = "WEBHOOKCTL_API_KEY"
DEFAULT_WINDOW = "-24h"
DEFAULT_TIMEOUT = 10.0
MAX_PAGES = 1000  # --all stops here rather than loop forever on a misbehaving next_token
_RELATIVE = re.compile(r"^-(\d+)([smhdw])$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_time(value: str, now: float | None = None) -> int:
    """Unix seconds from `1764201600`, `now`, `-15m`/`-2h`/`-7d`/`-1w`, or ISO 8601 (naive means UTC)."""
    text = value.strip()
    current = int(time.time() if now is None else now)
    if text.isdigit():
        return int(text)
    if text == "now":
        return current
    if match := _RELATIVE.match(text):
        return current - int(match.group(1)) * _UNIT_SECONDS[match.group(2)]
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise CliError(
            f"cannot read time {value!r}: use Unix seconds, ISO 8601 (2026-11-27T08:00:00Z), now, or -15m/-2h/-7d"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp())


@dataclass(frozen=True)
class QueryOptions:
    transaction_id: str | None = None
    provider: str | None = None
    customer_id: str | None = None
    start: str | None = None
    end: str | None = None
    limit: int | None = None
    next_token: str | None = None
    all_pages: bool = False
    api_key: str | None = None


def build_query(options: QueryOptions, base_url: str, now: float | None = None) -> tuple[str, dict[str, str]]:
    """The URL and query parameters for one request (the first page for list queries)."""
    path, params = plan_query(options, now)
    base = base_url.rstrip("/")
    return (f"{base}/{quote(path, safe='')}" if path else base), params


def plan_query(options: QueryOptions, now: float | None = None) -> tuple[str | None, dict[str, str]]:
    """Check the options; return (transaction id or None, query parameters). Needs no target."""
    listing = options.provider or options.customer_id
    if options.transaction_id:
        extras = [n for n, v in (("--provider", options.provider), ("--customer-id", options.customer_id),
                                 ("--start", options.start), ("--end", options.end), ("--limit", options.limit),
                                 ("--next-token", options.next_token)) if v is not None]  # fmt: skip
        if extras or options.all_pages:
            raise CliError(f"a transaction ID cannot be combined with {', '.join(extras or ['--all'])}")
        return options.transaction_id, {}
    if not listing:
        raise CliError("give a transaction ID, --provider P (with --start/--end) or --customer-id C")
    if options.provider and options.customer_id:
        raise CliError("--provider and --customer-id are different indexes: give one of them")
    if options.limit is not None and options.limit < 1:
        raise CliError("--limit must be at least 1")
    params: dict[str, str] = {}
    if options.provider:
        params["provider"] = options.provider
        params["start"] = str(parse_time(options.start or DEFAULT_WINDOW, now))
        params["end"] = str(parse_time(options.end or "now", now))
    else:
        params["customer_id"] = str(options.customer_id)
        if options.start:
            params["start"] = str(parse_time(options.start, now))
        if options.end:
            params["end"] = str(parse_time(options.end, now))
    if "start" in params and "end" in params and int(params["start"]) > int(params["end"]):
        raise CliError("--start is after --end")
    if options.limit is not None:
        params["limit"] = str(options.limit)
    if options.next_token:
        params["next_token"] = options.next_token
    return None, params


def resolve_api_key(options: QueryOptions, target: Target) -> str:
    key = options.api_key or os.environ.get(API_KEY_ENV) or target.query_api_key
    if not key:
        raise CliError(
            f"no API key for the query API: pass --api-key or set {API_KEY_ENV} "
            "(read it with `aws apigateway get-api-key --api-key <id> --include-value`)"
        )
    return key


class ApiKeyAuth(AuthBase):
    """API_KEY mode: the internal-query key as x-api-key."""

    def __init__(self, key: str) -> None:
        self.key = key

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["x-api-key"] = self.key
        return request


class SigV4RequestAuth(AuthBase):
    """AWS_IAM mode: signs the final URL (parameters encoded) for execute-api with botocore, as the AWS SDKs do."""

    def __init__(self, credentials: ReadOnlyCredentials, region: str) -> None:
        self.credentials = credentials
        self.region = region

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        body = request.body if isinstance(request.body, bytes) else (request.body or "").encode()
        signed = AWSRequest(method=request.method, url=request.url, data=body)
        SigV4Auth(self.credentials, "execute-api", self.region).add_auth(signed)
        for name, value in signed.headers.items():
            request.headers[name] = value if isinstance(value, str) else value.decode()
        return request


def resolve_auth(options: QueryOptions, target: Target) -> AuthBase:
    """SigV4 with the caller's AWS credentials when the deployment's query API is AWS_IAM, else the API key."""
    if target.query_authorization() == "AWS_IAM":
        if options.api_key:
            raise CliError("this deployment's query API uses AWS_IAM (SigV4), not API keys: drop --api-key")
        return SigV4RequestAuth(target.credentials(), target.region)
    return ApiKeyAuth(resolve_api_key(options, target))


def _get(session: requests.Session, url: str, params: dict[str, str], auth: AuthBase) -> requests.Response:
    try:
        return session.get(url, params=params, auth=auth, timeout=DEFAULT_TIMEOUT)
    except requests.ConnectionError:
        raise CliError(f"cannot connect to {url} (is the stack up? `make up`)") from None
    except requests.Timeout:
        raise CliError(f"no answer from {url} within {DEFAULT_TIMEOUT:g}s") from None
    except requests.RequestException as exc:
        raise CliError(f"cannot GET {url}: {exc.__class__.__name__}: {exc}") from exc


def _json(resp: requests.Response) -> Any:
    try:
        return resp.json()
    except ValueError:
        return {"message": resp.text}


def run_query(
    options: QueryOptions,
    load_target: Callable[[], Target],
    *,
    out: Callable[[str], None],
    err: Callable[[str], None],
    session: requests.Session | None = None,
    now: float | None = None,
) -> int:
    """Print the API's JSON answer (all pages merged with --all); exit 3 on a non-2xx answer."""
    http = session or requests.Session()
    plan_query(options, now)  # reject a bad command line before looking for a stack
    target = load_target()
    auth = resolve_auth(options, target)
    url, params = build_query(options, target.transactions_url(), now)
    resp = _get(http, url, params, auth)
    body = _json(resp)
    if not resp.ok:
        err(f"HTTP {resp.status_code}: {body.get('message', resp.text) if isinstance(body, dict) else resp.text}")
        out(json.dumps(body, indent=2))
        return EXIT_REJECTED
    if options.all_pages:
        items = list(body.get("items") or [])
        token = body.get("next_token")
        pages = 1
        while token:
            if pages >= MAX_PAGES:
                raise CliError(f"stopped after {MAX_PAGES} pages; narrow the time range")
            resp = _get(http, url, {**params, "next_token": str(token)}, auth)
            page = _json(resp)
            if not resp.ok:
                err(f"HTTP {resp.status_code} on page {pages + 1}: {page.get('message', resp.text)}")
                return EXIT_REJECTED
            items.extend(page.get("items") or [])
            token = page.get("next_token")
            pages += 1
        body = {"items": items, "next_token": None}
    out(json.dumps(body, indent=2))
    return EXIT_OK
