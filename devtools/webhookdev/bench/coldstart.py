"""Cold start per function: ours against the floor and against a naive handler, same run, from the built artifacts.

    python -m webhookdev.bench.coldstart [--runs 10] [--json] [--layer build/layers/...zip] [--functions-dir ...]

Each sample is a fresh Python process; the time is from just before the process is spawned to the moment the child
is ready (the child prints ``time.time()``), so interpreter start-up is included in every variant. Runs are
interleaved (every variant of every function, then again) so machine noise hits all alike; medians are reported.

With the built layer (the default when ``build/`` exists), the function's zip and the layer are unzipped read-only and
imported as Lambda imports them: no site-packages (``-S``), no bytecode writes (``-B``: ``/opt`` is read-only).

* floor: ``import boto3`` and create the same clients with the same configuration as the function (validators:
  S3, Lambda, Secrets Manager via ``webhook_core.clients``; processor: DynamoDB and S3; query: DynamoDB).
* naive: what a first version typically does: the official ``stripe`` library, all of Powertools (every utility that
  imports), ``aws_xray_sdk.core.patch_all()``, Logger/Metrics/Tracer, and the same clients. ``stripe`` and any
  utility dependency missing from the layer come from the dev venv (appended after the layer).
* ours: ``import index`` from the function's zip with its Lambda environment, which runs the whole init.

Goals (issue 11): each validator's median at most 1.15x the floor's and at most 0.5x the naive handler's.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
import zipfile
from pathlib import Path
from typing import Any

from webhookdev import providers

REPO = Path(__file__).resolve().parents[3]
BUILD = REPO / "build"
LAYER_ZIP = BUILD / "layers" / "webhook-processor-dependencies.zip"
FUNCTIONS = {
    **{f"{p}-webhook-validator": f"{p}-validator" for p in providers.names()},
    "webhook-processor": "processor",
    "transaction-query": "query",
}
VARIANTS = ("floor", "naive", "ours")
FLOOR_RATIO_GOAL = 1.15
NAIVE_RATIO_GOAL = 0.5
ACCOUNT = "123456789012"
POWERTOOLS_UTILITIES = (
    "batch",
    "data_classes",
    "data_masking",
    "feature_flags",
    "idempotency",
    "jmespath_utils",
    "parameters",
    "parser",
    "streaming",
    "typing",
    "validation",
)

READY = 'sys.stdout.write(repr(time.time()) + " " + repr(time.process_time()))\n'

FLOOR_CLIENTS = {
    "validator": "from webhook_core.clients import validator_clients\nvalidator_clients()\n",
    "webhook-processor": "import boto3\nboto3.client('dynamodb')\nboto3.client('s3')\n",
    "transaction-query": "import boto3\nboto3.client('dynamodb')\n",
}

NAIVE = """
import importlib
sys.path.append({extra!r})
import boto3
import stripe
import aws_lambda_powertools
from aws_lambda_powertools import Logger, Metrics, Tracer
for name in {utilities!r}:
    try:
        importlib.import_module("aws_lambda_powertools.utilities." + name)
    except ImportError:
        pass
from aws_xray_sdk.core import patch_all
patch_all()
logger, metrics, tracer = Logger(), Metrics(namespace="Naive"), Tracer()
"""


def _kind(function: str) -> str:
    return "validator" if function.endswith("-webhook-validator") else function


def lambda_environment(function: str, python_path: str | None = None) -> dict[str, str]:
    """The environment Lambda gives ``function`` (fake credentials: nothing may call AWS at init).

    ``function`` is a function name, or a bare provider name for its validator; ``python_path`` defaults to the
    sources (``lambda/shared`` and ``devtools``).
    """
    if "-" not in function:
        function = f"{function}-webhook-validator"
    python_path = python_path or os.pathsep.join([str(REPO / "lambda" / "shared"), str(REPO / "devtools")])
    env = {key: value for key, value in os.environ.items() if not key.startswith(("AWS_", "POWERTOOLS_", "_X_AMZN"))}
    env.update(
        {
            "PYTHONPATH": python_path,
            "AWS_REGION": "us-east-1",
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_ACCESS_KEY_ID": "bench",
            "AWS_SECRET_ACCESS_KEY": "bench",
            "AWS_SESSION_TOKEN": "bench",
            "AWS_LAMBDA_FUNCTION_NAME": function,
            "AWS_EXECUTION_ENV": "AWS_Lambda_python3.11",
            "_X_AMZN_TRACE_ID": "Root=1-00000000-000000000000000000000000;Parent=0000000000000000;Sampled=0",
            "DYNAMODB_TABLE": "webhook-transactions",
            "S3_BUCKET": f"{ACCOUNT}-webhook-payloads-bench",
            "S3_PROCESSED_BUCKET": f"{ACCOUNT}-transaction-logs-bench",
            "PROCESSOR_FUNCTION_ARN": f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:webhook-processor",
            "ENVIRONMENT": "bench",
            "POWERTOOLS_SERVICE_NAME": function,
            "POWERTOOLS_METRICS_NAMESPACE": "PaymentWebhooks",
            "SQUARE_NOTIFICATION_URL": "https://example.com/api/v1/webhooks/square",
        }
    )
    if _kind(function) == "validator":
        provider = function.split("-", 1)[0]
        env["PROVIDER_NAME"] = provider
        env["PROVIDER_SECRET_ARN"] = f"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:webhook-{provider}"
    return env


def variant_code(function: str, variant: str, function_dir: str) -> str:
    """The child program of one variant."""
    head = "import sys, time\n"
    if variant == "ours":
        return head + f"sys.path.insert(0, {function_dir!r})\nimport index\nassert callable(index.handler)\n" + READY
    clients = FLOOR_CLIENTS[_kind(function)]
    if variant == "floor":
        return head + clients + READY
    extra = sysconfig.get_paths()["purelib"]
    return head + NAIVE.format(extra=extra, utilities=POWERTOOLS_UTILITIES) + clients + READY


def sample(code: str, env: dict[str, str], flags: tuple[str, ...]) -> tuple[float, float]:
    """(wall seconds from spawning a fresh interpreter to its ready mark, the child's CPU seconds until then)."""
    started = time.time()
    result = subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, *flags, "-c", code], env=env, capture_output=True, text=True, timeout=120, check=False
    )
    if result.returncode != 0:
        raise RuntimeError(f"benchmark child failed:\n{result.stderr[-3000:]}")
    ready, cpu = result.stdout.strip().splitlines()[-1].split()
    return float(ready) - started, float(cpu)


def _extract(archive: Path, into: Path) -> Path:
    with zipfile.ZipFile(archive) as handle:
        handle.extractall(into)
    return into


def run(runs: int, layer: Path | None, functions_dir: Path | None) -> dict[str, dict[str, list[tuple[float, float]]]]:
    """Interleaved samples: function -> variant -> [(wall, cpu)]."""
    with tempfile.TemporaryDirectory(prefix="coldstart-") as scratch:
        root = Path(scratch)
        if layer is not None:
            python_path = str(_extract(layer, root / "layer") / "python")
            flags: tuple[str, ...] = ("-S", "-B")
        else:
            python_path = os.pathsep.join([str(REPO / "lambda" / "shared"), str(REPO / "devtools")])
            flags = ()
        programs: dict[tuple[str, str], tuple[str, dict[str, str]]] = {}
        for function, directory in FUNCTIONS.items():
            if functions_dir is not None:
                function_dir = str(_extract(functions_dir / f"{directory}.zip", root / directory))
            else:
                function_dir = str(REPO / "lambda" / directory)
            env = lambda_environment(function, python_path)
            for variant in VARIANTS:
                programs[function, variant] = (variant_code(function, variant, function_dir), env)
        for code, env in programs.values():  # warm the page cache, unmeasured
            sample(code, env, flags)
        samples: dict[str, dict[str, list[tuple[float, float]]]] = {f: {v: [] for v in VARIANTS} for f in FUNCTIONS}
        for _ in range(runs):
            for (function, variant), (code, env) in programs.items():
                samples[function][variant].append(sample(code, env, flags))
    return samples


def summarize(samples: dict[str, dict[str, list[tuple[float, float]]]]) -> dict[str, Any]:
    """Medians (ms), ratios and verdicts per function."""
    out: dict[str, Any] = {}
    for function, variants in samples.items():
        wall = {v: statistics.median(s[0] for s in variants[v]) * 1000 for v in VARIANTS}
        cpu = {v: statistics.median(s[1] for s in variants[v]) * 1000 for v in VARIANTS}
        row: dict[str, Any] = {f"{v}_ms": round(wall[v], 1) for v in VARIANTS}
        row.update({f"{v}_cpu_ms": round(cpu[v], 1) for v in VARIANTS})
        row["ratio_to_floor"] = round(wall["ours"] / wall["floor"], 3)
        row["ratio_to_naive"] = round(wall["ours"] / wall["naive"], 3)
        row["cpu_ratio_to_floor"] = round(cpu["ours"] / cpu["floor"], 3)
        row["cpu_ratio_to_naive"] = round(cpu["ours"] / cpu["naive"], 3)
        if _kind(function) == "validator":
            # Wall time is the goal; CPU time is the same comparison without the other processes' noise.
            row["within_goal"] = row["ratio_to_floor"] <= FLOOR_RATIO_GOAL and row["ratio_to_naive"] <= NAIVE_RATIO_GOAL
            row["cpu_within_goal"] = (
                row["cpu_ratio_to_floor"] <= FLOOR_RATIO_GOAL and row["cpu_ratio_to_naive"] <= NAIVE_RATIO_GOAL
            )
        out[function] = row
    return out


def _shown(path: Path | None) -> str:
    """A path as the docs show it: relative to the checkout when inside it, so the page is the same in every clone."""
    if path is None:
        return "-"
    root = Path(__file__).resolve().parents[3]
    try:
        return str(path.resolve().relative_to(root))
    except ValueError:
        return str(path)


def measure(runs: int, layer: Path | None, functions_dir: Path | None) -> dict[str, Any]:
    """The cold-start section of the bench: figures plus how they were taken."""
    return {
        "runs": runs,
        "source": f"{_shown(functions_dir)} + {_shown(layer)}" if layer else "lambda/ + dev venv",
        "goals": {"ratio_to_floor": FLOOR_RATIO_GOAL, "ratio_to_naive": NAIVE_RATIO_GOAL},
        "functions": summarize(run(runs, layer, functions_dir)),
        "load_average_1m": round(os.getloadavg()[0], 2),
    }


def render(result: dict[str, Any]) -> str:
    lines = [
        f"cold start, median of {result['runs']} fresh processes each (spawn -> handler ready), {result['source']}",
        f"  {'function':26s} {'wall: floor':>11s} {'naive':>8s} {'ours':>8s} {'/floor':>7s} {'/naive':>7s}"
        f"  {'CPU: floor':>10s} {'naive':>8s} {'ours':>8s} {'/floor':>7s} {'/naive':>7s}",
    ]
    for function, row in result["functions"].items():
        verdict = ""
        if "within_goal" in row:
            verdict = (
                f"  wall {'ok' if row['within_goal'] else 'OVER'}, CPU {'ok' if row['cpu_within_goal'] else 'OVER'}"
            )
        lines.append(
            f"  {function:26s} {row['floor_ms']:9.1f}ms {row['naive_ms']:6.1f}ms {row['ours_ms']:6.1f}ms"
            f" x{row['ratio_to_floor']:.3f} x{row['ratio_to_naive']:.3f}"
            f"  {row['floor_cpu_ms']:8.1f}ms {row['naive_cpu_ms']:6.1f}ms {row['ours_cpu_ms']:6.1f}ms"
            f" x{row['cpu_ratio_to_floor']:.3f} x{row['cpu_ratio_to_naive']:.3f}{verdict}"
        )
    goals = result["goals"]
    lines.append(
        f"  goals (validators): <= {goals['ratio_to_floor']}x floor and <= {goals['ratio_to_naive']}x naive; "
        f"1-minute load average {result['load_average_1m']} (a busy machine inflates every wall time)"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m webhookdev.bench.coldstart", description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=10, help="fresh processes per variant (default 10)")
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.add_argument("--layer", type=Path, help=f"built layer zip (default {LAYER_ZIP} when it exists)")
    parser.add_argument("--functions-dir", type=Path, help="built function zips (default build/functions)")
    parser.add_argument("--source", action="store_true", help="measure lambda/ and the dev venv instead of build/")
    args = parser.parse_args(argv)
    layer = None if args.source else (args.layer or (LAYER_ZIP if LAYER_ZIP.is_file() else None))
    functions_dir = None if layer is None else (args.functions_dir or BUILD / "functions")
    result = measure(args.runs, layer, functions_dir)
    print(json.dumps(result, indent=2) if args.json else render(result))
    return 0 if all(r.get("within_goal", True) for r in result["functions"].values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
