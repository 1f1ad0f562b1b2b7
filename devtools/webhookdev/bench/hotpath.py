"""Hot-path CPU per event through the real Lambda handlers, with AWS I/O stubbed at the HTTP layer.

    python -m webhookdev.bench.hotpath [--events 400] [--json]

Each function runs in its own fresh process (Powertools keeps module-level state), configured as Lambda configures
it: the deployed environment variables, Powertools logger, metrics (EMF to stdout, here /dev/null) and tracer
(``_X_AMZN_TRACE_ID`` set per invocation, unsampled as 90% of requests are). AWS is stubbed with a botocore
``before-send`` hook that answers each operation with a canned HTTP response, so request serialization, SigV4
signing, the X-Ray botocore patch and response parsing all still run; only the network is gone.

* validators: one signed request per invocation, built from the provider's samples with fresh ids (Stripe and Square
  signed with HMAC as the providers do; PayPal REST signed with RSA by a throw-away PKI whose certificate is already
  in the function's certificate cache, as after the first request of a container);
* processor: one async event per invocation (the validator's payload, body inline), the samples of all providers.

The figure is the median of per-invocation CPU time (``time.process_time``), after a warm-up. Goals (issue 11):
validator median <= 1 ms, processor median <= 2 ms.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from webhookdev import providers

REPO = Path(__file__).resolve().parents[3]
VALIDATORS = providers.names()  # every provider of the registry has one validator function
GOALS_MS = {"validator": 1.0, "processor": 2.0}
SQUARE_URL = "https://example.com/api/v1/webhooks/square"
PAYPAL_CERT_URL = "https://api.paypal.com/v1/notifications/certs/CERT-bench"
#: The SecretString GetSecretValue answers in a validator's process (set by :func:`validator_events`).
_secret_string = "{}"  # noqa: S105 - replaced by a throw-away value per run
ACCOUNT = "123456789012"


@dataclass(frozen=True)
class Context:
    """The parts of the Lambda context object Powertools reads."""

    function_name: str
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:bench"
    aws_request_id: str = "00000000-0000-0000-0000-000000000000"


# --- the stubbed AWS ------------------------------------------------------------------------------------------------


class _Raw:
    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._body


def _canned(operation: str) -> tuple[int, dict[str, str], bytes]:
    answers: dict[str, tuple[int, dict[str, str], bytes]] = {
        "GetSecretValue": (
            200,
            {"Content-Type": "application/x-amz-json-1.1"},
            json.dumps({"ARN": "arn", "Name": "bench", "SecretString": _secret_string}).encode(),
        ),
        "PutObject": (200, {"ETag": '"0"'}, b""),
        "Invoke": (202, {"X-Amz-Executed-Version": "$LATEST"}, b""),
        "GetItem": (200, {"Content-Type": "application/x-amz-json-1.0"}, b"{}"),
        "PutItem": (200, {"Content-Type": "application/x-amz-json-1.0"}, b"{}"),
    }
    return answers[operation]


def install_aws_stub() -> None:
    """Answer every botocore request of the default session from :func:`_canned` (before any client exists)."""
    import boto3  # noqa: PLC0415 - the child process only
    from botocore.awsrequest import AWSResponse, HTTPHeaders  # noqa: PLC0415

    boto3.setup_default_session()

    def before_send(request: Any, **kwargs: Any) -> AWSResponse:
        operation = str(kwargs.get("event_name", "")).rsplit(".", 1)[-1]
        status, headers, body = _canned(operation)
        http_headers = HTTPHeaders()
        for name, value in headers.items():
            http_headers[name] = value
        return AWSResponse(request.url, status, http_headers, _Raw(body))

    session = boto3.DEFAULT_SESSION
    if session is None:
        raise RuntimeError("boto3 default session missing")
    session.events.register("before-send", before_send)  # type: ignore[arg-type]  # a response short-circuits


# --- the workloads ----------------------------------------------------------------------------------------------------


def lambda_environment(function: str) -> dict[str, str]:
    env = {
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench",
        "AWS_SESSION_TOKEN": "bench",
        "AWS_LAMBDA_FUNCTION_NAME": function,
        "AWS_EXECUTION_ENV": "AWS_Lambda_python3.11",
        "POWERTOOLS_METRICS_NAMESPACE": "PaymentWebhooks",
        "POWERTOOLS_LOG_LEVEL": "INFO",
        "ENVIRONMENT": "bench",
        "DYNAMODB_TABLE": "webhook-transactions",
        "S3_BUCKET": f"{ACCOUNT}-webhook-payloads-bench",
        "S3_PROCESSED_BUCKET": f"{ACCOUNT}-transaction-logs-bench",
        "PROCESSOR_FUNCTION_ARN": f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:webhook-processor",
        "SQUARE_NOTIFICATION_URL": SQUARE_URL,
        "RECORD_TTL_DAYS": "2557",
    }
    if function.endswith("-webhook-validator"):
        provider = function.split("-", 1)[0]
        env.update(
            {
                "PROVIDER_NAME": provider,
                "PROVIDER_SECRET_ARN": f"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:webhook-{provider}",
                "POWERTOOLS_SERVICE_NAME": function,
            }
        )
    else:
        env["POWERTOOLS_SERVICE_NAME"] = function
    return env


def _json_samples(provider: str) -> list[str]:
    from webhookdev import samples  # noqa: PLC0415

    return [
        name
        for name in samples.list_samples(provider)
        if samples.content_type_for(provider, name) == "application/json" and name != "poison_amount_object"
    ]


def validator_events(provider: str, count: int, scratch: Path) -> list[dict[str, Any]]:
    """``count`` signed API Gateway proxy events for ``provider``, cycling through its JSON samples."""
    global _secret_string  # noqa: PLW0603 - the canned AWS answer of this (single-function) process
    import importlib  # noqa: PLC0415

    from cryptography import x509  # noqa: PLC0415
    from webhook_core.providers import PROVIDERS  # noqa: PLC0415

    from webhookdev import samples, signing  # noqa: PLC0415

    names = _json_samples(provider)
    tooling = providers.get(provider)
    # A throw-away PKI for providers that sign with a certificate's key (PayPal REST): its CA is trusted and its
    # certificate is already in the verifier's cache, as after the first request of a container.
    pki = signing.paypal_test_pki()
    os.environ["PAYPAL_CERT_CA_BUNDLE"] = str(pki.write(scratch / "pki")["ca_cert"])
    cert_cache = getattr(importlib.import_module(PROVIDERS[provider]), "_cert_cache", None)
    if isinstance(cert_cache, dict):
        cert_cache[PAYPAL_CERT_URL] = x509.load_pem_x509_certificates(pki.signing_cert_pem)
    values = tooling.new_local_secret()
    _secret_string = tooling.secret_string(values)
    facts = providers.LocalFacts({"square_notification_url": SQUARE_URL}, PAYPAL_CERT_URL, pki.signing_key_pem.decode())
    material = tooling.local_material(values, facts)
    events = []
    for i in range(count):
        body, content_type = samples.render_sample(provider, names[i % len(names)])
        headers = {"Content-Type": content_type, "User-Agent": "bench", **tooling.sign(body, content_type, material)}
        events.append(
            {
                "resource": f"/api/v1/webhooks/{provider}",
                "path": f"/api/v1/webhooks/{provider}",
                "httpMethod": "POST",
                "headers": headers,
                "body": body.decode("utf-8"),
                "isBase64Encoded": False,
                "stageVariables": {"squareNotificationUrl": SQUARE_URL},
                "requestContext": {"requestId": str(uuid.uuid4()), "stage": "bench"},
            }
        )
    return events


def processor_events(count: int) -> list[dict[str, Any]]:
    """``count`` async events as the validators send them (body inline), all providers' JSON samples in turn."""
    from webhookdev import samples  # noqa: PLC0415

    pool = [(provider, name) for provider in VALIDATORS for name in _json_samples(provider)]
    events = []
    for i in range(count):
        provider, name = pool[i % len(pool)]
        body, content_type = samples.render_sample(provider, name)
        event_id = f"evt_bench_{i}_{uuid.uuid4().hex[:8]}"
        events.append(
            {
                "version": 1,
                "provider": provider,
                "event_id": event_id,
                "received_at": time.time(),
                "content_type": content_type,
                "raw_payload_s3_bucket": f"{ACCOUNT}-webhook-payloads-bench",
                "raw_payload_s3_key": f"{provider}/2026/01/01/{event_id}.json",
                "body_base64": base64.b64encode(body).decode(),
            }
        )
    return events


def _silence_stdout() -> Callable[[str], None]:
    """Point fd 1 (EMF metrics, JSON logs) at /dev/null; returns a writer to the original stdout."""
    saved = os.dup(1)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)

    def write(text: str) -> None:
        os.write(saved, text.encode())

    return write


def sdk_floor_calls(function: str) -> Callable[[int], None]:
    """The same AWS calls the function makes per event, alone (stubbed the same way): the boto3 part of the cost."""
    import boto3  # noqa: PLC0415

    payload = b"x" * 2048
    if function == "webhook-processor":
        dynamodb, s3 = boto3.client("dynamodb"), boto3.client("s3")

        def processor_calls(i: int) -> None:
            key = {"transaction_id": {"S": f"tx_{i}"}, "timestamp": {"N": "1767225600.1234"}}
            dynamodb.get_item(TableName="t", Key=key, ConsistentRead=True, ProjectionExpression="transaction_id")
            s3.put_object(Bucket="b", Key=f"k/{i}.json", Body=payload[:800], ContentType="application/json")
            dynamodb.put_item(TableName="t", Item={**key, "provider": {"S": "stripe"}},
                              ConditionExpression="attribute_not_exists(transaction_id)")  # fmt: skip

        return processor_calls
    s3c, lam = boto3.client("s3"), boto3.client("lambda")

    def validator_calls(i: int) -> None:
        s3c.put_object(Bucket="b", Key=f"k/{i}.json", Body=payload, IfNoneMatch="*", ContentType="application/json")
        lam.invoke(FunctionName="arn:aws:lambda:us-east-1:1:function:p", InvocationType="Event", Payload=payload)

    return validator_calls


def child(function: str, count: int, warmup: int) -> None:
    """Measure one function in this (fresh) process and print one JSON line to the real stdout."""
    os.environ.update(lambda_environment(function))
    directory = "processor" if function == "webhook-processor" else f"{function.split('-', 1)[0]}-validator"
    sys.path[:0] = [str(REPO / "lambda" / directory), str(REPO / "lambda" / "shared")]
    install_aws_stub()
    with tempfile.TemporaryDirectory(prefix="hotpath-") as scratch:
        if function == "webhook-processor":
            events = processor_events(count + warmup)
        else:
            events = validator_events(function.split("-", 1)[0], count + warmup, Path(scratch))
        import index  # type: ignore[import-not-found]  # noqa: PLC0415 - the function's init, as Lambda runs it

        context = Context(function_name=function)
        write = _silence_stdout()
        samples_ms: list[float] = []
        statuses: dict[str, int] = {}
        for i, event in enumerate(events):
            os.environ["_X_AMZN_TRACE_ID"] = f"Root=1-{int(time.time()):08x}-{uuid.uuid4().hex[:24]};Sampled=0"
            started = time.process_time()
            answer = index.handler(event, context)
            elapsed = time.process_time() - started
            if i >= warmup:
                samples_ms.append(elapsed * 1000)
                status = str(answer.get("statusCode") or [r.get("outcome") for r in answer.get("results", [])])
                statuses[status] = statuses.get(status, 0) + 1
        calls = sdk_floor_calls(function)
        floor_ms: list[float] = []
        for i in range(count + warmup):
            started = time.process_time()
            calls(i)
            if i >= warmup:
                floor_ms.append((time.process_time() - started) * 1000)
    write(
        json.dumps(
            {
                "function": function,
                "events": len(samples_ms),
                "cpu_median_ms": round(statistics.median(samples_ms), 3),
                "cpu_p90_ms": round(statistics.quantiles(samples_ms, n=10)[-1], 3),
                "aws_sdk_calls_cpu_median_ms": round(statistics.median(floor_ms), 3),
                "outcomes": statuses,
            }
        )
        + "\n"
    )


def run(count: int, warmup: int) -> dict[str, Any]:
    """One fresh process per function; returns the per-function figures and the verdicts."""
    functions = [f"{p}-webhook-validator" for p in VALIDATORS] + ["webhook-processor"]
    env = {key: value for key, value in os.environ.items() if not key.startswith(("AWS_", "POWERTOOLS_", "_X_AMZN"))}
    env["PYTHONPATH"] = os.pathsep.join([str(REPO / "lambda" / "shared"), str(REPO / "devtools")])
    results: dict[str, Any] = {}
    for function in functions:
        completed = subprocess.run(  # noqa: S603 - our own interpreter and module
            [
                sys.executable,
                "-m",
                "webhookdev.bench.hotpath",
                "--child",
                function,
                "--events",
                str(count),
                "--warmup",
                str(warmup),
            ],
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        if completed.returncode != 0:
            raise RuntimeError(f"hot-path child {function} failed:\n{completed.stderr[-4000:]}")
        figures = json.loads(completed.stdout.strip().splitlines()[-1])
        goal = GOALS_MS["processor" if function == "webhook-processor" else "validator"]
        figures["goal_ms"] = goal
        figures["within_goal"] = figures["cpu_median_ms"] <= goal
        results[function] = figures
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m webhookdev.bench.hotpath", description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=400, help="measured invocations per function (default 400)")
    parser.add_argument("--warmup", type=int, default=50, help="unmeasured invocations first (default 50)")
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args.child, args.events, args.warmup)
        return 0
    results = run(args.events, args.warmup)
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        for name, figures in results.items():
            verdict = "ok" if figures["within_goal"] else "OVER GOAL"
            print(
                f"{name:28s} CPU/event median {figures['cpu_median_ms']:6.3f} ms  p90 {figures['cpu_p90_ms']:6.3f} ms"
                f"  (goal {figures['goal_ms']} ms: {verdict}); the same boto3 calls alone "
                f"{figures['aws_sdk_calls_cpu_median_ms']:6.3f} ms; outcomes {figures['outcomes']}"
            )
    return 0 if all(f["within_goal"] for f in results.values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
