"""Cold-start benchmark: validator init versus the floor of importing boto3 and creating the same clients.

    python -m webhookdev.bench.coldstart [--runs 20] [--json]

Each sample is a fresh Python process; the time is from just before the process is spawned to the moment the child
is ready (the child prints ``time.time()``), so interpreter start-up is included in both. The runs are interleaved
(floor, stripe, paypal, square, floor, ...) so machine noise hits every variant alike, and medians are reported.

* floor: ``import boto3`` and create the validator's three clients (S3, Lambda, Secrets Manager) with the same
  configuration (``webhook_core.clients``).
* validator: ``import index`` from ``lambda/<provider>-validator`` with the function's environment set as Lambda
  sets it, which runs the whole init: Powertools logger/metrics/tracer (botocore patched), clients, secret cache.
  No network: secrets are fetched on the first invocation, and the PayPal HTTP and crypto stack is imported only
  on the PayPal path of a request.

Target (issue 3): every validator's median <= 1.25 x the floor's median, measured in the same run.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[3]
PROVIDERS = ("stripe", "paypal", "square")
TARGET_RATIO = 1.25
SECRETS_MANAGER_ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:"

FLOOR_CODE = """
import sys, time
from webhook_core.clients import validator_clients
validator_clients()
sys.stdout.write(repr(time.time()) + " " + repr(time.process_time()))
"""

VALIDATOR_CODE = """
import sys, time
sys.path.insert(0, {directory!r})
import index
assert callable(index.handler)
sys.stdout.write(repr(time.time()) + " " + repr(time.process_time()))
"""


def lambda_environment(provider: str | None, python_path: str | None = None) -> dict[str, str]:
    """The environment a validator function runs with (fake credentials: nothing may call AWS at init)."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("AWS_", "POWERTOOLS_"))}
    env.update(
        {
            "PYTHONPATH": python_path or os.pathsep.join([str(REPO / "lambda" / "shared"), str(REPO / "devtools")]),
            "AWS_REGION": "us-east-1",
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_ACCESS_KEY_ID": "bench",
            "AWS_SECRET_ACCESS_KEY": "bench",
            "AWS_SESSION_TOKEN": "bench",
            "AWS_LAMBDA_FUNCTION_NAME": f"{provider or 'floor'}-webhook-validator",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "512",
            "AWS_EXECUTION_ENV": "AWS_Lambda_python3.11",
            "LAMBDA_TASK_ROOT": str(REPO / "lambda" / f"{provider}-validator") if provider else str(REPO),
            "_X_AMZN_TRACE_ID": "Root=1-00000000-000000000000000000000000;Parent=0000000000000000;Sampled=0",
        }
    )
    if provider:
        env.update(
            {
                "PROVIDER_NAME": provider,
                "PROVIDER_SECRET_ARN": f"{SECRETS_MANAGER_ARN}webhook-processor/{provider}/secret",
                "DYNAMODB_TABLE": "webhook-transactions",
                "S3_BUCKET": "123456789012-webhook-payloads-bench",
                "PROCESSOR_FUNCTION_ARN": "arn:aws:lambda:us-east-1:123456789012:function:webhook-processor",
                "ENVIRONMENT": "bench",
                "POWERTOOLS_SERVICE_NAME": f"{provider}-webhook-validator",
                "POWERTOOLS_METRICS_NAMESPACE": "PaymentWebhooks",
                "SQUARE_NOTIFICATION_URL": "https://example.com/api/v1/webhooks/square",
            }
        )
    return env


def sample(code: str, env: dict[str, str], flags: tuple[str, ...] = ()) -> tuple[float, float]:
    """(wall seconds from spawning a fresh interpreter to its ready mark, the child's CPU seconds until then)."""
    started = time.time()
    result = subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, *flags, "-c", code], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    if result.returncode != 0:
        raise RuntimeError(f"benchmark child failed:\n{result.stderr}")
    ready, cpu = result.stdout.strip().splitlines()[-1].split()
    return float(ready) - started, float(cpu)


def run(runs: int, layer_python: str | None = None) -> dict[str, list[tuple[float, float]]]:
    """Interleaved samples per variant; with ``layer_python`` (an unzipped layer's ``python/``), everything is
    imported from there as on Lambda: no site-packages (``-S``) and no bytecode writes (``-B``, /opt is read-only).
    """
    flags = ("-S", "-B") if layer_python else ()
    variants: dict[str, tuple[str, dict[str, str]]] = {"floor": (FLOOR_CODE, lambda_environment(None, layer_python))}
    for provider in PROVIDERS:
        directory = str(REPO / "lambda" / f"{provider}-validator")
        variants[provider] = (VALIDATOR_CODE.format(directory=directory), lambda_environment(provider, layer_python))
    for code, env in variants.values():  # warm the OS page cache (and, without a layer, .pyc files), unmeasured
        sample(code, env, flags)
    samples: dict[str, list[tuple[float, float]]] = {name: [] for name in variants}
    for _ in range(runs):
        for name, (code, env) in variants.items():
            samples[name].append(sample(code, env, flags))
    return samples


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m webhookdev.bench.coldstart", description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=20, help="fresh processes per variant (default 20)")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.add_argument(
        "--layer",
        type=Path,
        help="measure against this built layer zip (unzipped read-only, imported as /opt/python would be)",
    )
    args = parser.parse_args(argv)
    if args.layer:
        with tempfile.TemporaryDirectory(prefix="coldstart-layer-") as scratch:
            with zipfile.ZipFile(args.layer) as archive:
                archive.extractall(scratch)
            samples = run(args.runs, str(Path(scratch) / "python"))
    else:
        samples = run(args.runs)

    def median_ms(name: str, column: int) -> float:
        return statistics.median(sample[column] for sample in samples[name]) * 1000

    floor, floor_cpu = median_ms("floor", 0), median_ms("floor", 1)
    result: dict[str, Any] = {
        "runs": args.runs,
        "floor_median_ms": round(floor, 1),
        "floor_cpu_median_ms": round(floor_cpu, 1),
        "validators": {
            provider: {
                "median_ms": round(median_ms(provider, 0), 1),
                "ratio": round(median_ms(provider, 0) / floor, 3),
                "cpu_median_ms": round(median_ms(provider, 1), 1),
                "cpu_ratio": round(median_ms(provider, 1) / floor_cpu, 3),
            }
            for provider in PROVIDERS
        },
        "target_ratio": TARGET_RATIO,
        "load_average_1m": round(os.getloadavg()[0], 2),
        "source": str(args.layer) if args.layer else "venv + lambda/shared",
    }
    ok = all(v["ratio"] <= TARGET_RATIO for v in result["validators"].values())
    result["within_target"] = ok
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(f"cold start, median of {args.runs} fresh processes each (process start -> handler ready)")
        print(f"  code from: {result['source']}")
        print(f"  {'':34s}   wall (ratio)        CPU (ratio)")
        print(f"  {'floor (import boto3 + 3 clients)':34s} {floor:7.1f} ms          {floor_cpu:7.1f} ms")
        for provider, values in result["validators"].items():
            verdict = "ok" if values["ratio"] <= TARGET_RATIO else "OVER TARGET"
            name = f"{provider}-webhook-validator"
            print(
                f"  {name:34s} {values['median_ms']:7.1f} ms (x{values['ratio']:.3f})"
                f" {values['cpu_median_ms']:7.1f} ms (x{values['cpu_ratio']:.3f})  {verdict}"
            )
        print(f"  target: each validator's wall median <= {TARGET_RATIO}x the floor's -> {'PASS' if ok else 'FAIL'}")
        print(f"  (1-minute load average {result['load_average_1m']}; a busy machine inflates the wall times)")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
