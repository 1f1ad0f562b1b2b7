"""AWS_IAM methods: the gateway recomputes SigV4 with the local stack's credentials and answers 403 as API Gateway does.

Requests are signed the way an AWS SDK signs them: botocore's SigV4Auth over the URL the client sends to.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from webhookdev.local import sigv4
from webhookdev.local.deployed import RestApi
from webhookdev.local.gateway import Gateway, Trace
from webhookdev.local.logsink import LogSink
from webhookdev.local.proxy import HttpRequest

from .builders import api, method
from .test_gateway import FakeInvoker

HOST = "127.0.0.1:45721"
LOCAL = Credentials("testing", "testing", "testing")


def iam_api() -> RestApi:
    return api(
        method("/api/v1/transactions", "GET", authorization_type="AWS_IAM"),
        method("/api/v1/transactions/{id}", "GET", authorization_type="AWS_IAM"),
        api_key_source="AUTHORIZER",
    )


@pytest.fixture
def gateway(tmp_path: Path) -> tuple[Gateway, FakeInvoker]:
    invoker = FakeInvoker(iam_api())
    return Gateway(invoker, LogSink(tmp_path / "access.log")), invoker  # type: ignore[arg-type]


def signed(
    path: str,
    query: str = "",
    *,
    credentials: Credentials = LOCAL,
    service: str = "execute-api",
    region: str = "us-east-1",
    extra: tuple[tuple[str, str], ...] = (),
) -> HttpRequest:
    """A GET to http://HOST/local<path>?<query>, signed by botocore like any SDK client, as the gateway receives it."""
    url = f"http://{HOST}/local{path}" + (f"?{query}" if query else "")
    request = AWSRequest(method="GET", url=url, headers=dict(extra))
    SigV4Auth(credentials, service, region).add_auth(request)
    headers = (("Host", HOST), *((k, str(v)) for k, v in request.headers.items()))
    return HttpRequest("GET", path, query, headers, b"", "127.0.0.1", HOST)


def with_header(request: HttpRequest, name: str, value: str) -> HttpRequest:
    headers = (*tuple((k, v) for k, v in request.headers if k.lower() != name.lower()), (name, value))
    return HttpRequest(request.method, request.path, request.query, headers, request.body, request.source_ip, HOST)


def handle(gateway: Gateway, request: HttpRequest) -> tuple[int, Any]:
    response = gateway.handle("local", request, Trace("req"))
    return response.status, json.loads(response.body) if response.body else None


def test_a_request_signed_with_the_local_credentials_reaches_the_query_function(gateway: Any) -> None:
    gw, invoker = gateway

    status, _ = handle(gw, signed("/api/v1/transactions", "customer_id=cus_1&limit=2"))
    by_id, _ = handle(gw, signed("/api/v1/transactions/ch_3%3A1"))

    assert (status, by_id) == (200, 200)
    assert invoker.functions_called() == ["echo", "echo"]  # no authorizer runs for AWS_IAM methods
    identity = invoker.calls[0][1]["requestContext"]["identity"]
    assert (identity["accessKey"], identity["apiKey"]) == ("testing", None)


def test_an_unsigned_request_is_403_missing_authentication_token(gateway: Any) -> None:
    gw, invoker = gateway
    request = HttpRequest("GET", "/api/v1/transactions", "", (("Host", HOST),), b"", "127.0.0.1", HOST)

    assert handle(gw, request) == (403, {"message": "Missing Authentication Token"})
    assert invoker.functions_called() == []


def test_an_api_key_does_not_open_an_aws_iam_method(gateway: Any) -> None:
    gw, invoker = gateway
    request = HttpRequest(
        "GET", "/api/v1/transactions", "", (("Host", HOST), ("x-api-key", "secret-key-value")), b"", "127.0.0.1", HOST
    )

    assert handle(gw, request) == (403, {"message": "Missing Authentication Token"})
    assert invoker.functions_called() == []


def test_a_wrong_secret_key_is_a_signature_mismatch(gateway: Any) -> None:
    gw, invoker = gateway

    status, body = handle(gw, signed("/api/v1/transactions", credentials=Credentials("testing", "other", "testing")))

    assert (status, body) == (403, {"message": sigv4.BAD_SIGNATURE})
    assert invoker.functions_called() == []


def test_a_request_changed_after_signing_is_rejected(gateway: Any) -> None:
    gw, invoker = gateway
    original = signed("/api/v1/transactions", "customer_id=cus_1")
    tampered = HttpRequest("GET", original.path, "customer_id=cus_2", original.headers, b"", "127.0.0.1", HOST)
    other_path = HttpRequest("GET", "/api/v1/transactions/x", "customer_id=cus_1", original.headers, b"", "", HOST)

    assert handle(gw, tampered) == (403, {"message": sigv4.BAD_SIGNATURE})
    assert handle(gw, other_path) == (403, {"message": sigv4.BAD_SIGNATURE})
    assert invoker.functions_called() == []


def test_an_unknown_access_key_or_session_token_is_an_invalid_token(gateway: Any) -> None:
    gw, _ = gateway

    unknown_key = signed("/api/v1/transactions", credentials=Credentials("AKIAOTHER", "testing", "testing"))
    foreign_token = signed("/api/v1/transactions", credentials=Credentials("testing", "testing", "someone-else"))

    assert handle(gw, unknown_key) == (403, {"message": sigv4.INVALID_TOKEN})
    assert handle(gw, foreign_token) == (403, {"message": sigv4.INVALID_TOKEN})


@pytest.mark.parametrize(
    ("service", "region", "message"),
    [
        ("s3", "us-east-1", "Credential should be scoped to correct service: 'execute-api'. "),
        ("execute-api", "eu-west-1", "Credential should be scoped to a valid region, not 'eu-west-1'. "),
    ],
)
def test_the_credential_scope_must_be_execute_api_in_this_region(
    gateway: Any, service: str, region: str, message: str
) -> None:
    gw, invoker = gateway

    assert handle(gw, signed("/api/v1/transactions", service=service, region=region)) == (403, {"message": message})
    assert invoker.functions_called() == []


@pytest.mark.parametrize("offset", [-301, 301])
def test_a_signature_more_than_five_minutes_from_now_is_rejected(
    gateway: Any, monkeypatch: pytest.MonkeyPatch, offset: int
) -> None:
    gw, invoker = gateway
    request = signed("/api/v1/transactions")
    real_time = time.time()
    monkeypatch.setattr(sigv4.time, "time", lambda: real_time - offset)

    status, body = handle(gw, request)

    assert status == 403
    assert body["message"].startswith("Signature expired: " if offset < 0 else "Signature not yet current: ")
    assert invoker.functions_called() == []


def test_a_signature_within_the_window_is_accepted(gateway: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    gw, _ = gateway
    request = signed("/api/v1/transactions")
    real_time = time.time()
    monkeypatch.setattr(sigv4.time, "time", lambda: real_time + 240)

    assert handle(gw, request)[0] == 200


def test_x_amz_date_must_be_signed_and_match_the_scope(gateway: Any) -> None:
    gw, _ = gateway
    request = signed("/api/v1/transactions")
    auth = request.header("authorization") or ""
    unsigned_date = with_header(request, "Authorization", auth.replace("host;x-amz-date", "host"))
    other_day = with_header(request, "X-Amz-Date", "20200101T000000Z")

    assert handle(gw, unsigned_date)[0] == 403
    assert handle(gw, other_day)[0] == 403


def test_a_body_hash_header_must_match_the_body(gateway: Any) -> None:
    gw, _ = gateway
    request = signed("/api/v1/transactions", extra=(("X-Amz-Content-SHA256", "0" * 64),))

    assert handle(gw, request) == (
        403,
        {"message": "The provided 'x-amz-content-sha256' header does not match what was computed."},
    )


def test_a_non_sigv4_authorization_header_is_rejected(gateway: Any) -> None:
    gw, _ = gateway
    request = HttpRequest(
        "GET", "/api/v1/transactions", "", (("Host", HOST), ("Authorization", "Bearer abc")), b"", "", HOST
    )

    status, body = handle(gw, request)

    assert status == 403
    assert "Bearer" in body["message"]
    assert "abc" not in body["message"]


def test_the_host_is_part_of_the_signature(gateway: Any) -> None:
    gw, _ = gateway
    request = with_header(signed("/api/v1/transactions"), "Host", "127.0.0.1:9999")

    assert handle(gw, request) == (403, {"message": sigv4.BAD_SIGNATURE})
