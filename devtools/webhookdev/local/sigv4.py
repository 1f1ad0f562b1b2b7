"""SigV4 verification for AWS_IAM methods, as API Gateway does it before any authorizer or integration runs.

The signature is recomputed with botocore's own `SigV4Auth` (over exactly the headers the client signed, at the
client's X-Amz-Date) with the local stack's credentials and compared in constant time. The credential scope must name
this stack's access key, region and the `execute-api` service, and X-Amz-Date must be within 5 minutes of now. Every
failure is a `SigV4Rejected` carrying API Gateway's 403 message. IAM policies are not evaluated: the local
credentials stand for the account itself, which may call everything.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from webhookdev.local.proxy import HttpRequest
from webhookdev.local.settings import DUMMY_CREDENTIALS, REGION

SERVICE = "execute-api"
ALGORITHM = "AWS4-HMAC-SHA256"
#: API Gateway (like every SigV4 service) refuses signatures more than 5 minutes from its clock.
MAX_SKEW_S = 300
AMZ_DATE = "%Y%m%dT%H%M%SZ"
MISSING_TOKEN = "Missing Authentication Token"  # noqa: S105 - API Gateway's message, not a secret
BAD_SIGNATURE = (
    "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access "
    "Key and signing method. Consult the service documentation for details."
)
INVALID_TOKEN = "The security token included in the request is invalid."  # noqa: S105 - a message


class SigV4Rejected(Exception):
    """403 with API Gateway's message."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class LocalCredentials:
    access_key: str
    secret_key: str
    session_token: str | None = None

    @classmethod
    def of_stack(cls) -> LocalCredentials:
        """The credentials every local client uses (moto accepts any; this gateway accepts only these)."""
        return cls(
            DUMMY_CREDENTIALS["AWS_ACCESS_KEY_ID"],
            DUMMY_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
            DUMMY_CREDENTIALS.get("AWS_SESSION_TOKEN"),
        )


@dataclass(frozen=True)
class Caller:
    """Who signed: what API Gateway puts into `requestContext.identity` for an IAM-authorized call."""

    access_key: str
    user_arn: str


@dataclass(frozen=True)
class _Authorization:
    access_key: str
    date: str
    region: str
    service: str
    terminator: str
    signed_headers: tuple[str, ...]
    signature: str


class _FixedHeadersSigner(SigV4Auth):
    """botocore's signer, restricted to the headers the client listed in SignedHeaders."""

    def __init__(self, credentials: Credentials, region: str, signed: tuple[str, ...]) -> None:
        super().__init__(credentials, SERVICE, region)
        self._signed = signed

    def headers_to_sign(self, request: AWSRequest) -> Any:
        headers = super().headers_to_sign(request)
        for name in list(headers.keys()):
            if name not in self._signed:
                del headers[name]
        return headers


def _parse_authorization(value: str) -> _Authorization:
    algorithm, _, rest = value.strip().partition(" ")
    if algorithm != ALGORITHM:
        raise SigV4Rejected(MISSING_TOKEN if not value.strip() else f"Unsupported signing algorithm: {algorithm[:40]}")
    fields: dict[str, str] = {}
    for part in rest.split(","):
        name, sep, field = part.strip().partition("=")
        if sep:
            fields[name] = field
    missing = [n for n in ("Credential", "SignedHeaders", "Signature") if not fields.get(n)]
    if missing:
        raise SigV4Rejected(f"Authorization header requires '{missing[0]}' parameter.")
    scope = fields["Credential"].split("/")
    if len(scope) != 5:
        raise SigV4Rejected("Credential should be scoped to a valid region and service (Credential=<key>/<date>/…).")
    access_key, date, region, service, terminator = scope
    signed = tuple(h for h in fields["SignedHeaders"].lower().split(";") if h)
    return _Authorization(access_key, date, region, service, terminator, signed, fields["Signature"])


def _check_time(amz_date: str, scope_date: str, now: float) -> None:
    try:
        signed_at = datetime.strptime(amz_date, AMZ_DATE).replace(tzinfo=UTC)
    except ValueError:
        raise SigV4Rejected("Authorization header requires existence of a valid 'X-Amz-Date' header.") from None
    if scope_date != amz_date[:8]:
        raise SigV4Rejected("Date in Credential scope does not match YYYYMMDD from ISO-8601 version of X-Amz-Date.")
    stamp = signed_at.timestamp()
    server = datetime.fromtimestamp(now, UTC).strftime(AMZ_DATE)
    if stamp < now - MAX_SKEW_S:
        limit = datetime.fromtimestamp(now - MAX_SKEW_S, UTC).strftime(AMZ_DATE)
        raise SigV4Rejected(f"Signature expired: {amz_date} is now earlier than {limit} ({server} - 5 min.)")
    if stamp > now + MAX_SKEW_S:
        limit = datetime.fromtimestamp(now + MAX_SKEW_S, UTC).strftime(AMZ_DATE)
        raise SigV4Rejected(f"Signature not yet current: {amz_date} is still later than {limit} ({server} + 5 min.)")


def verify(
    request: HttpRequest,
    *,
    url: str,
    credentials: LocalCredentials,
    region: str = REGION,
    now: float | None = None,
) -> Caller:
    """Check `request` (received at `url`, scheme://host/stage/path?query as sent) or raise SigV4Rejected."""
    header = request.header("authorization")
    if not header:
        raise SigV4Rejected(MISSING_TOKEN)
    auth = _parse_authorization(header)
    if auth.service != SERVICE:
        raise SigV4Rejected(f"Credential should be scoped to correct service: '{SERVICE}'. ")
    if auth.region != region:
        raise SigV4Rejected(f"Credential should be scoped to a valid region, not '{auth.region[:40]}'. ")
    if auth.terminator != "aws4_request":
        raise SigV4Rejected("Credential should be scoped with a valid terminator: 'aws4_request'. ")
    if "host" not in auth.signed_headers:
        raise SigV4Rejected("'Host' must be a 'SignedHeader' in the AWS Authorization.")
    amz_date = request.header("x-amz-date") or ""
    if "x-amz-date" not in auth.signed_headers:
        raise SigV4Rejected("'X-Amz-Date' must be a 'SignedHeader' in the AWS Authorization.")
    _check_time(amz_date, auth.date, time.time() if now is None else now)
    # Unknown key or a session token that is not ours: the same answer API Gateway gives for a bad key.
    token = request.header("x-amz-security-token")
    if not hmac.compare_digest(auth.access_key.encode(), credentials.access_key.encode()) or (
        token is not None and token != (credentials.session_token or "")
    ):
        raise SigV4Rejected(INVALID_TOKEN)
    content_sha256 = request.header("x-amz-content-sha256")
    if content_sha256 is not None and content_sha256 != hashlib.sha256(request.body).hexdigest():
        raise SigV4Rejected("The provided 'x-amz-content-sha256' header does not match what was computed.")
    expected = _signature(request, url, auth, credentials, amz_date)
    if not hmac.compare_digest(expected.encode(), auth.signature.encode()):
        raise SigV4Rejected(BAD_SIGNATURE)
    return Caller(credentials.access_key, f"arn:aws:iam::123456789012:user/{credentials.access_key}")


def _signature(
    request: HttpRequest, url: str, auth: _Authorization, credentials: LocalCredentials, amz_date: str
) -> str:
    headers: Mapping[str, str] = {k: v for k, v in _merged_headers(request).items() if k in auth.signed_headers}
    aws_request = AWSRequest(method=request.method, url=url, headers=dict(headers), data=request.body)
    aws_request.context["timestamp"] = amz_date
    signer = _FixedHeadersSigner(
        Credentials(credentials.access_key, credentials.secret_key, credentials.session_token),
        auth.region,
        auth.signed_headers,
    )
    canonical = signer.canonical_request(aws_request)
    return str(signer.signature(signer.string_to_sign(aws_request, canonical), aws_request))


def _merged_headers(request: HttpRequest) -> dict[str, str]:
    """Lower-cased names; a repeated header's values joined with commas, as SigV4 canonicalizes them."""
    merged: dict[str, list[str]] = {}
    for name, value in request.headers:
        merged.setdefault(name.lower(), []).append(value)
    return {name: ",".join(values) for name, values in merged.items()}
