"""Open-model webhook load with vegeta: constant arrival rate, our signer feeding ``-lazy`` targets.

    python -m webhookdev.bench.load --rate 167 --duration 60                       # local stack, 10,000/min
    python -m webhookdev.bench.load --target aws --secret-from-aws --rate 167 --duration 600 --reconcile

vegeta (github.com/tsenart/vegeta, built once from its Go module into the toolchain cache) paces the requests at
``--rate`` whatever the answers take and opens connections as needed (up to ``--max-workers``), so a slow system
shows as latency, not as a quietly lower rate. This process only renders and signs each request when vegeta asks for
the next target (``-lazy``: Stripe timestamps stay fresh), reusing ``webhookctl send``'s signing; it never touches
the network. Latency is reported on the wire and from the schedule (``seq / rate`` after the first request), and
both processes' CPU time is reported, so the generator's own cost is visible.

Mix: ``provider:event-type`` items, round-robin. Locally the default has Stripe, Square and PayPal REST (the local
stack trusts its own PayPal test CA). Against AWS the default is Stripe and Square, which sign with the deployed
secrets (``--secret-from-aws``); add ``paypal:…`` only with ``--paypal-cert-url`` and ``--paypal-key-file`` naming a
certificate the deployment trusts (``paypal_cert_ca_bundle``), since nobody else can sign as PayPal.

Distributed: vegeta has no coordinator. Run this on N machines with ``--rate R/N`` and ``--results host.bin``, then
``vegeta report host1.bin host2.bin …`` merges the results; run ``webhookctl reconcile`` once at the end.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import csv
import io
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO, Any

from webhookdev.cli.errors import CliError
from webhookdev.cli.send import SigningFlags
from webhookdev.cli.target import Target, load_aws, load_local, repo_root
from webhookdev.loadtest import LOOPBACK_HOSTS, Call, percentile, webhook_stream

VEGETA_VERSION = "v12.12.0"
VEGETA_MODULE = f"github.com/tsenart/vegeta/v12@{VEGETA_VERSION}"
CACHE = Path(os.environ.get("WEBHOOKDEV_CACHE", Path.home() / ".cache" / "payment-webhooks"))
VEGETA_BIN = CACHE / f"vegeta-{VEGETA_VERSION}" / "bin" / "vegeta"
LOCAL_MIX = ("stripe:payment_intent.succeeded", "square:payment_updated_completed", "paypal:PAYMENT.CAPTURE.COMPLETED")
AWS_MIX = ("stripe:payment_intent.succeeded", "square:payment_updated_completed")
MAX_LOCAL_DURATION_S = 900
MAX_AWS_DURATION_S = 3600


def ensure_vegeta() -> Path:
    """The cached vegeta binary, built from its Go module the first time (needs ``go`` and the module proxy)."""
    if VEGETA_BIN.is_file():
        return VEGETA_BIN
    go = shutil.which("go") or "/usr/local/go/bin/go"
    if not Path(go).exists():
        raise CliError(f"vegeta is not built and no Go toolchain was found to build {VEGETA_MODULE}")
    VEGETA_BIN.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(  # noqa: S603 - the Go toolchain building a pinned module version
        [go, "install", VEGETA_MODULE], env={**os.environ, "GOBIN": str(VEGETA_BIN.parent)}, check=True, timeout=1800
    )
    return VEGETA_BIN


def target_line(call: Call) -> bytes:
    """One vegeta JSON target (``-format=json``): the body travels base64-encoded, headers as lists."""
    target = {
        "method": call.method,
        "url": call.url,
        "header": {name: [value] for name, value in call.headers.items()},
        "body": base64.b64encode(call.body or b"").decode(),
    }
    return json.dumps(target, separators=(",", ":")).encode() + b"\n"


def _feed(source: Iterator[Call], pipe: IO[bytes], total: int, target: Target, errors: list[Exception]) -> None:
    try:
        for _ in range(total):
            call = next(source)
            host = call.url.split("/")[2].split(":")[0]
            if target.name == "local" and host not in LOOPBACK_HOSTS:
                raise CliError(f"refusing to load-test {host}: the local target must be a loopback address")
            pipe.write(target_line(call))
    except (BrokenPipeError, ValueError):  # vegeta finished (duration reached) before the signer: expected
        pass
    except Exception as exc:  # a signing/setup error: surface it, stop the attack
        errors.append(exc)
    finally:
        with contextlib.suppress(OSError):
            pipe.close()


def attack(
    *,
    vegeta: Path,
    source: Iterator[Call],
    target: Target,
    rate: float,
    duration: float,
    results_path: Path,
    max_workers: int,
) -> dict[str, float]:
    """Run one attack; returns the CPU seconds of vegeta and of this process's signer."""
    total = int(rate * duration) + int(rate) + 10
    args = [
        str(vegeta), "attack", "-lazy", "-format=json", f"-rate={rate:g}/s", f"-duration={duration:g}s",
        "-timeout=10s", f"-max-workers={max_workers}", "-keepalive=true", "-insecure",
        f"-output={results_path}",
    ]  # fmt: skip
    self_before = resource.getrusage(resource.RUSAGE_SELF)
    proc = subprocess.Popen(args, stdin=subprocess.PIPE, stderr=subprocess.PIPE)  # noqa: S603
    assert proc.stdin is not None  # noqa: S101 - Popen with stdin=PIPE
    errors: list[Exception] = []
    feeder = threading.Thread(target=_feed, args=(source, proc.stdin, total, target, errors), daemon=True)
    feeder.start()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    feeder.join(timeout=10)
    self_after = resource.getrusage(resource.RUSAGE_SELF)
    stderr = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    if errors:
        raise CliError(f"signer failed: {errors[0]}")
    if proc.returncode != 0:
        raise CliError(f"vegeta attack failed ({proc.returncode}): {stderr.strip()[-500:]}")
    return {
        "vegeta_cpu_s": usage.ru_utime + usage.ru_stime,
        "signer_cpu_s": (self_after.ru_utime + self_after.ru_stime) - (self_before.ru_utime + self_before.ru_stime),
    }


def analyse(vegeta: Path, results_path: Path, rate: float) -> dict[str, Any]:
    """Status counts and latency percentiles, on the wire and from the schedule, from vegeta's results."""
    encoded = subprocess.run(  # noqa: S603
        [str(vegeta), "encode", "--to=csv", str(results_path)], capture_output=True, check=True, timeout=600
    ).stdout.decode()
    statuses: Counter[int] = Counter()
    errors: Counter[str] = Counter()
    wire: list[float] = []
    scheduled: list[float] = []
    first_ns: int | None = None
    rows = list(csv.reader(io.StringIO(encoded)))
    rows.sort(key=lambda row: int(row[8]))  # seq
    last_answer_ns = 0
    for row in rows:
        sent_ns, code, latency_ns, error, seq = int(row[0]), int(row[1]), int(row[2]), row[5], int(row[8])
        if first_ns is None:
            first_ns = sent_ns - int(seq / rate * 1e9)
        statuses[code] += 1
        if error:
            errors[error.split(":")[-1].strip()[:80]] += 1
        wire.append(latency_ns / 1e6)
        due_ns = first_ns + int(seq / rate * 1e9)
        scheduled.append(max(latency_ns, sent_ns + latency_ns - due_ns) / 1e6)
        last_answer_ns = max(last_answer_ns, sent_ns + latency_ns)
    elapsed = (last_answer_ns - first_ns) / 1e9 if rows and first_ns is not None else 0.0
    ok = sum(n for code, n in statuses.items() if 200 <= code < 300)
    out: dict[str, Any] = {
        "requests": len(rows),
        "offered_per_s": rate,
        "ok": ok,
        "achieved_per_s": round(ok / elapsed, 1) if elapsed else 0.0,
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
        "errors": dict(errors.most_common(5)),
    }
    for name, values in (("latency_ms", wire), ("latency_from_schedule_ms", scheduled)):
        if values:
            out[name] = {f"p{p}": round(percentile(values, p), 1) for p in (50, 95, 99)} | {
                "max": round(max(values), 1)
            }
    return out


def reconcile(target: Target, providers: Sequence[str], start: int, end: int, grace: int = 30) -> dict[str, Any]:
    """``webhookctl reconcile --provider P --start T --end T --json`` for each provider (helper ``lost``'s command);
    keeps each summary, and says whether nothing was lost (no missing or still-pending payload, exit code 0)."""
    webhookctl = repo_root() / "devtools" / "bin" / "webhookctl"
    out: dict[str, Any] = {}
    for provider in providers:
        result = subprocess.run(  # noqa: S603 - our own CLI
            [
                str(webhookctl),
                "reconcile",
                "--provider",
                provider,
                "--start",
                str(start),
                "--end",
                str(end),
                "--grace",
                str(grace),
                "--json",
                "--target",
                target.name,
            ],
            capture_output=True,
            text=True,
            timeout=1800,
            check=False,
        )
        try:
            report = json.loads(result.stdout) if result.stdout.strip() else {}
        except json.JSONDecodeError:
            report = {}
        summary = report.get("summary", {}) if isinstance(report, dict) else {}
        out[provider] = {"exit_code": result.returncode, "summary": summary}
        if result.returncode not in (0, 1) and result.stderr:
            out[provider]["error"] = result.stderr.strip()[-500:]
    out["zero_loss"] = all(
        v["exit_code"] == 0 and v["summary"].get("missing", 1) == 0 and v["summary"].get("pending", 1) == 0
        for v in out.values()
        if isinstance(v, dict)
    )
    return out


def run_load(args: argparse.Namespace) -> dict[str, Any]:
    target = load_aws(Path(args.tf_dir) if args.tf_dir else repo_root()) if args.target == "aws" else load_local()
    mix = args.mix.split(",") if args.mix else list(AWS_MIX if args.target == "aws" else LOCAL_MIX)
    flags = SigningFlags(
        secret_from_aws=args.secret_from_aws,
        paypal_cert_url=args.paypal_cert_url,
        paypal_key_file=args.paypal_key_file,
    )
    if args.target == "aws" and any(m.startswith("paypal:") for m in mix) and not args.paypal_key_file:
        raise CliError("PayPal REST against AWS needs --paypal-cert-url and --paypal-key-file the deployment trusts")
    total = int(args.rate * args.duration) + int(args.rate) + 10
    source = webhook_stream(mix, total, lambda: target, flags)
    vegeta = ensure_vegeta()
    with tempfile.TemporaryDirectory(prefix="vegeta-") as scratch:
        results_path = args.results or Path(scratch) / "results.bin"
        started = int(time.time())
        cpu = attack(
            vegeta=vegeta,
            source=source,
            target=target,
            rate=args.rate,
            duration=args.duration,
            results_path=results_path,
            max_workers=args.max_workers,
        )
        ended = int(time.time())
        report = analyse(vegeta, results_path, args.rate)
    wall = max(1.0, float(ended - started))
    report["mix"] = mix
    report["target"] = target.name
    report["generator_cpu"] = {
        "vegeta_cpu_s": round(cpu["vegeta_cpu_s"], 2),
        "signer_cpu_s": round(cpu["signer_cpu_s"], 2),
        "share_of_one_core": round((cpu["vegeta_cpu_s"] + cpu["signer_cpu_s"]) / wall, 3),
    }
    report["window"] = {"start": started, "end": ended}
    if args.reconcile:
        time.sleep(args.settle)
        providers = sorted({m.partition(":")[0] for m in mix})
        report["reconcile"] = reconcile(target, providers, started - 60, ended + 60)
    return report


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m webhookdev.bench.load", description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=float, default=167.0, help="requests per second (167/s = 10,000/min)")
    parser.add_argument("--duration", type=float, default=60.0, help="seconds (local max 900, aws max 3600)")
    parser.add_argument("--mix", default=None, help="comma-separated provider:event-type (default per target)")
    parser.add_argument("--target", choices=("local", "aws"), default="local")
    parser.add_argument("--tf-dir", default=None, help="Terraform root for --target aws (default: the repository)")
    parser.add_argument("--secret-from-aws", action="store_true", help="sign with the deployed secrets")
    parser.add_argument("--paypal-cert-url", default=None, help="PayPal REST: a certificate URL the deployment trusts")
    parser.add_argument("--paypal-key-file", type=Path, default=None, help="PayPal REST: that certificate's key")
    parser.add_argument("--max-workers", type=int, default=1000, help="vegeta's connection cap (default 1000)")
    parser.add_argument("--results", type=Path, default=None, help="keep vegeta's binary results here")
    parser.add_argument("--reconcile", action="store_true", help="afterwards run webhookctl reconcile per provider")
    parser.add_argument("--settle", type=float, default=120.0, help="seconds to wait before reconciling")
    parser.add_argument("--json", action="store_true", help="print JSON only")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    limit = MAX_AWS_DURATION_S if args.target == "aws" else MAX_LOCAL_DURATION_S
    if not 0 < args.duration <= limit or args.rate <= 0:
        print(f"error: --rate must be positive and --duration in (0, {limit}]", file=sys.stderr)
        return 2
    try:
        report = run_load(args)
    except CliError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(report, indent=None if args.json else 2))
    non_2xx = report["requests"] - report["ok"]
    return 1 if non_2xx else 0


if __name__ == "__main__":
    raise SystemExit(main())
