"""Bounded load generator: signed webhooks at a fixed rate, latency percentiles and status counts.

    python -m webhookdev.loadtest --rate 167 --duration 60             # 10,000/min against the local stack
    python -m webhookdev.loadtest --target aws --rate 167 --duration 300 --secret-from-aws
    python -m webhookdev.loadtest --mode query --rate 50 --duration 30      # the transactions API

Open loop: requests are scheduled at ``rate`` per second whatever the answers take, so a slow system shows up as
latency rather than as a silently lower request rate. Every run is bounded by ``--duration`` (max 900 s) and the
local target only accepts loopback URLs.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import statistics
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import requests

from webhookdev.cli.errors import CliError
from webhookdev.cli.send import OutgoingWebhook, SendOptions, SigningFlags, build_requests, resolve_sample
from webhookdev.cli.target import Target, load_aws, load_local, repo_root

# One JSON event type per provider: form-encoded IPN needs a postback registration per message, which is not load.
DEFAULT_MIX = (
    "stripe:payment_intent.succeeded",
    "square:payment_updated_completed",
    "paypal:PAYMENT.CAPTURE.COMPLETED",
)
MAX_DURATION_S = 900
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}


@dataclass
class Results:
    statuses: Counter[int] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    #: send -> answer: how long the server took once the request was on the wire
    latencies_ms: list[float] = field(default_factory=list)
    #: scheduled -> answer: includes waiting for a free connection, so a server that falls behind the rate shows here
    #: (an open loop must not hide that queueing: "coordinated omission")
    scheduled_latencies_ms: list[float] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(
        self, status: int | None, latency_ms: float, scheduled_ms: float = 0.0, error: str | None = None
    ) -> None:
        with self.lock:
            if status is not None:
                self.statuses[status] += 1
                self.latencies_ms.append(latency_ms)
                self.scheduled_latencies_ms.append(max(scheduled_ms, latency_ms))
            if error:
                self.errors[error] += 1


def percentile(values: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile (pct in 0..100) of a non-empty sequence."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), math.ceil(pct / 100 * len(ordered))))
    return ordered[rank - 1]


@dataclass(frozen=True)
class Call:
    """One HTTP request of the load."""

    method: str
    url: str
    headers: Mapping[str, str]
    body: bytes | None = None


def webhook_stream(mix: Sequence[str], total: int, load: Callable[[], Target], flags: SigningFlags) -> Iterator[Call]:
    """Round-robin over the mix; each request is rendered and signed when taken, so Stripe timestamps stay fresh."""
    streams: list[Iterator[OutgoingWebhook]] = []
    for item in mix:
        provider, _, event_type = item.partition(":")
        resolve_sample(provider, event_type)  # an unknown or ambiguous event type fails here, before any load
        options = SendOptions(provider=provider, event_type=event_type, count=total, signing=flags)
        streams.append(build_requests(options, load))
    return _round_robin(streams)


def _round_robin(streams: Sequence[Iterator[OutgoingWebhook]]) -> Iterator[Call]:
    for stream in itertools.cycle(streams):
        webhook = next(stream)
        yield Call("POST", webhook.url, webhook.headers, webhook.body)


def query_stream(target: Target, api_key: str, providers: Sequence[str]) -> Iterator[Call]:
    """Provider + last-hour list queries, round-robin over the providers (the query API's main access path)."""
    for provider in itertools.cycle(providers):
        now = int(time.time())
        params = urlencode({"provider": provider, "start": now - 3600, "end": now, "limit": 25})
        yield Call("GET", f"{target.transactions_url()}?{params}", {"x-api-key": api_key})


def _check_url(target: Target, call: Call) -> None:
    host = urlsplit(call.url).hostname or ""
    if target.name == "local" and host not in LOOPBACK_HOSTS:
        raise CliError(f"refusing to load-test {host}: the local target must be a loopback address")


def run(
    *,
    rate: float,
    duration: float,
    source: Iterator[Call],
    target: Target,
    concurrency: int,
    progress: Callable[[str], None],
) -> tuple[Results, float]:
    total = max(1, int(rate * duration))
    source_lock = threading.Lock()
    results = Results()
    session = requests.Session()
    adapter = requests.adapters.HTTPAdapter(pool_connections=concurrency, pool_maxsize=concurrency)
    session.mount("http://", adapter)
    session.mount("https://", adapter)

    failures: list[Exception] = []

    def fire(due: float) -> None:
        try:
            with source_lock:
                call = next(source)
            _check_url(target, call)
        except Exception as exc:  # a setup error (signing, refused URL): stop the whole run, not one request
            failures.append(exc)
            raise
        started = time.perf_counter()
        try:
            resp = session.request(call.method, call.url, data=call.body, headers=dict(call.headers), timeout=10)
            answered = time.perf_counter()
            results.record(resp.status_code, (answered - started) * 1000, (answered - due) * 1000)
        except requests.RequestException as exc:
            results.record(None, 0.0, error=type(exc).__name__)

    start = time.perf_counter()
    futures: list[Future[None]] = []
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        for i in range(total):
            if failures:
                break
            due = start + i / rate
            delay = due - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            futures.append(pool.submit(fire, due))
            if i and i % max(1, int(rate * 10)) == 0:
                progress(f"{i}/{total} scheduled, {time.perf_counter() - start:.0f}s elapsed")
        for future in futures:
            future.result()
    return results, time.perf_counter() - start


def summary(results: Results, elapsed: float) -> dict[str, object]:
    lat = results.latencies_ms
    done = sum(results.statuses.values())
    out: dict[str, object] = {
        "requests": done + sum(results.errors.values()),
        "elapsed_s": round(elapsed, 1),
        "achieved_per_minute": round(done / elapsed * 60) if elapsed else 0,
        "statuses": dict(sorted(results.statuses.items())),
        "transport_errors": dict(results.errors),
    }
    for name, values in (("latency_ms", lat), ("latency_from_schedule_ms", results.scheduled_latencies_ms)):
        if values:
            out[name] = {
                "p50": round(percentile(values, 50), 1),
                "p95": round(percentile(values, 95), 1),
                "p99": round(percentile(values, 99), 1),
                "max": round(max(values), 1),
                "mean": round(statistics.fmean(values), 1),
            }
    return out


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m webhookdev.loadtest", description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=float, default=167.0, help="requests per second (167/s = 10,000/min)")
    parser.add_argument("--duration", type=float, default=60.0, help=f"seconds to run (max {MAX_DURATION_S})")
    parser.add_argument("--concurrency", type=int, default=64, help="parallel connections (default 64)")
    parser.add_argument(
        "--mode", choices=("webhooks", "query"), default="webhooks", help="what to load (default webhooks)"
    )
    parser.add_argument("--mix", default=",".join(DEFAULT_MIX), help="comma-separated provider:event-type list")
    parser.add_argument("--api-key", default=None, help="query mode: the x-api-key (default: the local stack's key)")
    parser.add_argument("--target", choices=("local", "aws"), default="local")
    parser.add_argument("--tf-dir", default=None, help="Terraform root for --target aws (default: the repository)")
    parser.add_argument("--secret-from-aws", action="store_true", help="read signing secrets from Secrets Manager")
    parser.add_argument("--json", action="store_true", help="print the summary as JSON only")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if not 0 < args.duration <= MAX_DURATION_S:
        print(f"error: --duration must be in (0, {MAX_DURATION_S}]", file=sys.stderr)
        return 2
    if args.rate <= 0 or args.concurrency < 1:
        print("error: --rate must be positive and --concurrency at least 1", file=sys.stderr)
        return 2
    progress: Callable[[str], None] = (lambda _msg: None) if args.json else (lambda msg: print(f"[load] {msg}"))
    try:
        target = load_aws(Path(args.tf_dir) if args.tf_dir else repo_root()) if args.target == "aws" else load_local()
        mix = args.mix.split(",")
        total = max(1, int(args.rate * args.duration))
        if args.mode == "query":
            api_key = args.api_key or target.query_api_key
            if not api_key:
                raise CliError("query mode needs --api-key (or a local stack, whose stack.json has the key)")
            source = query_stream(target, api_key, [item.partition(":")[0] for item in mix])
        else:
            source = webhook_stream(mix, total, lambda: target, SigningFlags(secret_from_aws=args.secret_from_aws))
        progress(f"{args.mode}: {args.rate:g}/s for {args.duration:g}s against {target.base_url}")
        results, elapsed = run(
            rate=args.rate,
            duration=args.duration,
            source=source,
            target=target,
            concurrency=args.concurrency,
            progress=progress,
        )
    except CliError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    report = summary(results, elapsed)
    print(json.dumps(report, indent=None if args.json else 2))
    non_2xx = sum(n for status, n in results.statuses.items() if not 200 <= status < 300)
    return 1 if non_2xx or results.errors else 0


if __name__ == "__main__":
    raise SystemExit(main())
