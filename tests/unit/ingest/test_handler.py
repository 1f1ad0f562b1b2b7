"""The Lambda entry point: wiring, one JSON log line per outcome, EMF metrics, no network at init."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from webhook_core import validator as validator_module
from webhook_core.errors import ConfigurationError
from webhookdev import signing
from webhookdev.bench.coldstart import lambda_environment
from webhookdev.samples import load_sample

from .conftest import STRIPE_SECRET, RecordingLambda, api_event

BODY = load_sample("stripe", "payment_intent_succeeded")
PAN = "4242424242424242"
REPO = Path(__file__).resolve().parents[3]


@dataclass
class Context:
    function_name: str = "stripe-webhook-validator"
    function_memory_size: int = 512
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:stripe-webhook-validator"
    aws_request_id: str = "req-1"


class Untouchable:
    """A client that fails the test if init calls it."""

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"client.{name} called during init")


@pytest.fixture
def wired(
    s3: Any,
    secretsmanager: Any,
    lambda_stub: RecordingLambda,
    monkeypatch: pytest.MonkeyPatch,
    request: Any,
) -> Any:
    arn = secretsmanager.create_secret(
        Name="webhook-processor/stripe/secret", SecretString=json.dumps({"signing_secrets": [STRIPE_SECRET]})
    )["ARN"]
    monkeypatch.setenv("PROVIDER_NAME", "stripe")
    monkeypatch.setenv("PROVIDER_SECRET_ARN", arn)
    # A fresh Powertools service per test, so the logger writes to this test's captured stdout.
    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", f"validator-{request.node.name}")
    clients = {"s3": s3, "lambda": lambda_stub, "secretsmanager": secretsmanager}
    monkeypatch.setattr(validator_module, "validator_clients", lambda: clients)

    def handle(event: dict[str, Any], context: Any) -> dict[str, Any]:
        # Built on first call, inside the test, because the Powertools logger binds sys.stdout when created.
        if not built:
            built.append(validator_module.create_handler("stripe"))
        return built[0](event, context)

    built: list[Any] = []
    return handle


def log_lines(output: str) -> list[dict[str, Any]]:
    lines = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    return [line for line in lines if "level" in line]


def metric_docs(output: str) -> list[dict[str, Any]]:
    return [doc for doc in (json.loads(x) for x in output.splitlines() if x.startswith("{")) if "_aws" in doc]


def signed_event(body: bytes, secret: str = STRIPE_SECRET) -> dict[str, Any]:
    header = signing.stripe_signature_header(body, secret)
    return api_event(body, {"Content-Type": "application/json", "Stripe-Signature": header})


def test_handler_accepts_logs_one_line_and_emits_metrics(
    wired: Any, capsys: pytest.CaptureFixture[str], lambda_stub: RecordingLambda
) -> None:
    response = wired(signed_event(BODY), Context())

    assert response["statusCode"] == 200
    out = capsys.readouterr().out
    (line,) = log_lines(out)
    assert line["message"] == "Webhook accepted"
    assert line["level"] == "INFO"
    assert line["provider"] == "stripe"
    assert line["event_id"] == json.loads(BODY)["id"]
    assert line["transaction_id"] == json.loads(BODY)["data"]["object"]["id"]
    assert line["outcome"] == "accepted"
    (metrics,) = metric_docs(out)
    assert metrics["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "PaymentWebhooks"
    assert metrics["_aws"]["CloudWatchMetrics"][0]["Dimensions"] == [["provider"]]
    assert metrics["provider"] == "stripe"
    assert metrics["WebhookReceived"] == [1.0]
    assert metrics["WebhookAccepted"] == [1.0]
    assert len(lambda_stub.calls) == 1


def test_handler_logs_the_literal_invalid_signature_text_for_the_metric_filter(
    wired: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    response = wired(signed_event(BODY, secret="whsec_wrong"), Context())

    assert response["statusCode"] == 401
    out = capsys.readouterr().out
    (line,) = log_lines(out)
    assert line["message"].startswith("Invalid signature")
    assert line["level"] == "WARNING"
    assert line["outcome"] == "invalid_signature"
    (metrics,) = metric_docs(out)
    assert metrics["InvalidSignature"] == [1.0]


def test_handler_failure_to_store_logs_an_error_line_and_answers_503(
    wired: Any, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("S3_BUCKET", "no-such-bucket")

    response = wired(signed_event(BODY), Context())

    assert response["statusCode"] == 503
    (line,) = log_lines(capsys.readouterr().out)
    assert line["level"] == "ERROR"
    assert line["outcome"] == "storage_unavailable"


def test_card_number_in_a_logged_field_never_reaches_the_log(wired: Any, capsys: pytest.CaptureFixture[str]) -> None:
    event = json.loads(BODY)
    event["id"] = f"evt_{PAN}"
    event["data"]["object"]["id"] = f"pi {PAN}"
    body = json.dumps(event).encode()

    assert wired(signed_event(body), Context())["statusCode"] == 200

    out = capsys.readouterr().out
    assert PAN not in out
    (line,) = log_lines(out)
    assert line["transaction_id"] == "pi ************4242"


def test_unexpected_exception_is_500_with_a_masked_traceback(
    wired: Any, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def explode(event: Any) -> Any:
        raise RuntimeError(f"bug while handling card {PAN} cvv: 123")

    monkeypatch.setattr(validator_module.Validator, "process", lambda self, event: explode(event))

    response = wired(signed_event(BODY), Context())

    assert response["statusCode"] == 500
    out = capsys.readouterr().out
    assert PAN not in out
    assert "cvv: 123" not in out
    (line,) = log_lines(out)
    assert line["level"] == "ERROR"
    assert "************4242" in line["exception"]


def test_init_creates_clients_but_calls_nothing(monkeypatch: pytest.MonkeyPatch, aws_env: None) -> None:
    monkeypatch.setenv("PROVIDER_NAME", "paypal")
    monkeypatch.setenv("PROVIDER_SECRET_ARN", "arn:aws:secretsmanager:us-east-1:123456789012:secret:x")
    untouchable = {"s3": Untouchable(), "lambda": Untouchable(), "secretsmanager": Untouchable()}
    monkeypatch.setattr(validator_module, "validator_clients", lambda: untouchable)

    handler = validator_module.create_handler("paypal")

    assert callable(handler)


def test_miswired_provider_name_fails_at_init(monkeypatch: pytest.MonkeyPatch, aws_env: None) -> None:
    monkeypatch.setenv("PROVIDER_NAME", "square")

    with pytest.raises(ConfigurationError):
        validator_module.create_handler("stripe")


@pytest.mark.parametrize("provider", ["stripe", "paypal", "square"])
def test_validator_init_imports_no_http_crypto_or_processor_code(provider: str) -> None:
    """Cold start pays only for what every request needs; PayPal's stack loads on the PayPal path of a request."""
    env = lambda_environment(provider)
    code = (
        "import sys; sys.path.insert(0, sys.argv[1]); import index; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('requests', 'cryptography') or m.startswith('webhook_core.normalizers')"
        " or m in ('webhook_core.processing', 'webhook_core.query')))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, str(REPO / "lambda" / f"{provider}-validator")],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
