"""Fixtures for the ingest suite: moto in-process, a recording Lambda client, signed API Gateway events."""

from __future__ import annotations

import base64
import json
import ssl
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws
from webhook_core.providers import paypal as paypal_plugin
from webhook_core.secrets import SecretCache, secrets_manager_fetcher
from webhook_core.validator import Validator
from webhookdev import signing

REGION = "us-east-1"
BUCKET = "123456789012-webhook-payloads-test"
PROCESSOR_ARN = "arn:aws:lambda:us-east-1:123456789012:function:webhook-processor"
SQUARE_URL = "https://hooks.example.com/api/v1/webhooks/square"
STRIPE_SECRET = "whsec_test_current_0123456789abcdef"
SQUARE_KEY = "sq-signature-key-0123456789"
PAYPAL_WEBHOOK_ID = "WH-1AB23456CD789012E-3FG45678HJ901234K"
FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"


@dataclass
class RecordingLambda:
    """Stands in for the Lambda client: records async invokes and answers 202 (or fails on demand)."""

    status: int = 202
    error: Exception | None = None
    calls: list[dict[str, Any]] = field(default_factory=list)

    def invoke(self, **kwargs: Any) -> dict[str, Any]:
        if self.error is not None:
            raise self.error
        self.calls.append(kwargs)
        return {"StatusCode": self.status}

    def payloads(self) -> list[dict[str, Any]]:
        return [json.loads(call["Payload"]) for call in self.calls]


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
        "S3_BUCKET": BUCKET,
        "PROCESSOR_FUNCTION_ARN": PROCESSOR_ARN,
        "DYNAMODB_TABLE": "webhook-transactions",
        "ENVIRONMENT": "test",
        "SQUARE_NOTIFICATION_URL": SQUARE_URL,
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_METRICS_NAMESPACE": "PaymentWebhooks",
    }.items():
        monkeypatch.setenv(name, value)
    for name in ("PROVIDER_NAME", "PROVIDER_SECRET_ARN", "STRIPE_TOLERANCE_SECONDS", "PAYPAL_CERT_ALLOWED_HOSTS"):
        monkeypatch.delenv(name, raising=False)
    with mock_aws():
        yield


@pytest.fixture
def s3(aws_env: None) -> Any:
    client = boto3.client("s3", region_name=REGION)
    client.create_bucket(Bucket=BUCKET)
    return client


@pytest.fixture
def secretsmanager(aws_env: None) -> Any:
    return boto3.client("secretsmanager", region_name=REGION)


@pytest.fixture
def lambda_stub() -> RecordingLambda:
    return RecordingLambda()


class Clock:
    """A settable wall clock for timestamps and a monotonic one for the refresh interval."""

    def __init__(self, now: float = 1_795_000_000.0) -> None:
        self.now = now
        self.mono = 1000.0

    def __call__(self) -> float:
        return self.now

    def monotonic(self) -> float:
        return self.mono


@pytest.fixture
def clock() -> Clock:
    return Clock()


MakeValidator = Callable[..., Validator]


@pytest.fixture
def make_validator(
    s3: Any, secretsmanager: Any, lambda_stub: RecordingLambda, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> MakeValidator:
    """Build a validator for ``provider`` whose secret (a JSON-able dict) is stored in moto's Secrets Manager."""

    def build(provider: str, secret: dict[str, Any] | None = None, **env: str) -> Validator:
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        arn = ""
        if secret is not None:
            arn = secretsmanager.create_secret(
                Name=f"webhook-processor/{provider}/secret", SecretString=json.dumps(secret)
            )["ARN"]
        monkeypatch.setenv("PROVIDER_NAME", provider)
        monkeypatch.setenv("PROVIDER_SECRET_ARN", arn)
        cache = SecretCache(arn, secrets_manager_fetcher(secretsmanager), clock=clock.monotonic)
        return Validator(provider, s3=s3, lambda_client=lambda_stub, secrets=cache, clock=clock)

    return build


def api_event(
    body: bytes,
    headers: dict[str, str],
    *,
    provider: str = "stripe",
    base64_body: bool = False,
    stage_variables: dict[str, str] | None = None,
) -> dict[str, Any]:
    """An API Gateway REST proxy event as the webhook routes receive it."""
    return {
        "resource": f"/api/v1/webhooks/{provider}",
        "path": f"/api/v1/webhooks/{provider}",
        "httpMethod": "POST",
        "headers": headers,
        "multiValueHeaders": {name: [value] for name, value in headers.items()},
        "queryStringParameters": None,
        "stageVariables": stage_variables,
        "requestContext": {"stage": "test", "resourcePath": f"/api/v1/webhooks/{provider}"},
        "body": base64.b64encode(body).decode() if base64_body else body.decode("utf-8"),
        "isBase64Encoded": base64_body,
    }


def stored_keys(s3: Any) -> list[str]:
    return [item["Key"] for item in s3.list_objects_v2(Bucket=BUCKET).get("Contents", [])]


# --- a local https server for PayPal certificates and the IPN postback ----------------------------------------------


@dataclass
class PayPalStub:
    """Serves PEM files over https on 127.0.0.1 and answers IPN postbacks; records every request."""

    base_url: str
    files: dict[str, bytes]
    ca_bundle: str = ""
    ipn_answer: bytes = b"VERIFIED"
    ipn_status: int = 200
    get_status: int = 200
    requests: list[tuple[str, str, bytes]] = field(default_factory=list)

    def url(self, path: str) -> str:
        return self.base_url + path


@pytest.fixture(scope="session")
def paypal_pki() -> signing.PayPalTestPKI:
    return signing.paypal_test_pki(server_hosts=("127.0.0.1",), key_size=2048)


@pytest.fixture
def paypal_stub(paypal_pki: signing.PayPalTestPKI, tmp_path: Path) -> Iterator[PayPalStub]:
    paths = paypal_pki.write(tmp_path / "pki")
    stub = PayPalStub(base_url="", files={"/certs/paypal.pem": paypal_pki.signing_cert_pem + paypal_pki.ca_cert_pem})

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            return

        def do_GET(self) -> None:
            stub.requests.append(("GET", self.path, b""))
            body = stub.files.get(self.path) if stub.get_status == 200 else b"upstream error"
            self.send_response(stub.get_status if body is not None else 404)
            self.send_header("Content-Length", str(len(body or b"")))
            self.end_headers()
            self.wfile.write(body or b"")

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            data = self.rfile.read(length)
            stub.requests.append(("POST", self.path, data))
            self.send_response(stub.ipn_status)
            self.send_header("Content-Length", str(len(stub.ipn_answer)))
            self.end_headers()
            self.wfile.write(stub.ipn_answer)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(paths["server_cert"], paths["server_key"])
    server.socket = context.wrap_socket(server.socket, server_side=True)
    stub.base_url = f"https://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    paypal_plugin.reset_caches()
    stub.ca_bundle = str(paths["ca_cert"])
    try:
        yield stub
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
        paypal_plugin.reset_caches()


def one_byte_changed(body: bytes) -> bytes:
    """``body`` with exactly one byte changed inside the first ``"id"`` value (still valid JSON, same length)."""
    for marker in (b'"id":"', b'"id": "'):
        at = body.find(marker)
        if at >= 0:
            index = at + len(marker)
            replacement = b"Z" if body[index : index + 1] != b"Z" else b"Y"
            changed = body[:index] + replacement + body[index + 1 :]
            assert len(changed) == len(body)
            assert sum(a != b for a, b in zip(changed, body, strict=True)) == 1
            return changed
    raise AssertionError("no id field to change")
