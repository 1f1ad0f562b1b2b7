"""The load generator's own CPU at a given rate, measured against a sink that answers 200 at once.

    python -m webhookdev.bench.generator [--rate 167] [--duration 20] [--json]

Both generators sign the same default mix (Stripe, Square, PayPal REST with a throw-away PKI) and send to the same
sink (a separate process), so the figure is the generator's cost alone: vegeta plus our signer feeding it, and, for
comparison, the previous home-made Python generator (``webhookdev.loadtest``) in the same run.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from webhookdev import providers, signing
from webhookdev.bench import load
from webhookdev.cli.send import SigningFlags
from webhookdev.cli.target import Target
from webhookdev.loadtest import run as python_run
from webhookdev.loadtest import webhook_stream

SINK = """
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(200); self.send_header("Content-Length", "2"); self.end_headers(); self.wfile.write(b"{}")
    def log_message(self, *a):
        pass
server = ThreadingHTTPServer(("127.0.0.1", 0), H)
server.daemon_threads = True
print(server.server_address[1], flush=True)
server.serve_forever()
"""


@contextmanager
def sink() -> Iterator[str]:
    """A throw-away HTTP sink on a free loopback port, stopped on exit."""
    proc = subprocess.Popen([sys.executable, "-c", SINK], stdout=subprocess.PIPE, text=True)  # noqa: S603
    try:
        assert proc.stdout is not None  # noqa: S101 - stdout=PIPE
        port = int(proc.stdout.readline())
        yield f"http://127.0.0.1:{port}/local"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def sink_target(base_url: str, scratch: Path) -> Target:
    pki = signing.paypal_test_pki()
    # No stage variables: Square signs the POST URL (its fallback), which is what this sink is sent.
    facts = providers.LocalFacts(
        {}, "https://api.paypal.com/v1/notifications/certs/CERT-bench", pki.signing_key_pem.decode()
    )
    material = {
        name: providers.get(name).local_material(providers.get(name).new_local_secret(), facts)
        for name in providers.names()
    }
    return Target(name="local", base_url=base_url, signing=material)


def measure_vegeta(target: Target, rate: float, duration: float, scratch: Path) -> dict[str, Any]:
    mix = list(load.LOCAL_MIX)
    source = webhook_stream(mix, int(rate * duration) + 100, lambda: target, SigningFlags())
    next(source)  # build the signing material (PKI, secrets) before the clock starts, as a real run does
    vegeta = load.ensure_vegeta()
    started = time.monotonic()
    cpu = load.attack(vegeta=vegeta, source=source, target=target, rate=rate, duration=duration,
                      results_path=scratch / "sink.bin", max_workers=1000)  # fmt: skip
    wall = time.monotonic() - started
    report = load.analyse(vegeta, scratch / "sink.bin", rate)
    total = cpu["vegeta_cpu_s"] + cpu["signer_cpu_s"]
    return {
        "requests": report["requests"],
        "ok": report["ok"],
        "vegeta_cpu_s": round(cpu["vegeta_cpu_s"], 2),
        "signer_cpu_s": round(cpu["signer_cpu_s"], 2),
        "share_of_one_core": round(total / wall, 3),
        "cpu_ms_per_request": round(total / max(1, report["requests"]) * 1000, 3),
    }


def measure_python(target: Target, rate: float, duration: float) -> dict[str, Any]:
    mix = list(load.LOCAL_MIX)
    source = webhook_stream(mix, int(rate * duration) + 100, lambda: target, SigningFlags())
    next(source)
    before = resource.getrusage(resource.RUSAGE_SELF)
    started = time.monotonic()
    results, _ = python_run(rate=rate, duration=duration, source=source, target=target, concurrency=64,
                            progress=lambda _m: None)  # fmt: skip
    wall = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_SELF)
    total = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    requests = sum(results.statuses.values())
    return {
        "requests": requests,
        "ok": results.statuses.get(200, 0),
        "share_of_one_core": round(total / wall, 3),
        "cpu_ms_per_request": round(total / max(1, requests) * 1000, 3),
    }


def measure(rate: float, duration: float) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="generator-") as scratch, sink() as url:
        target = sink_target(url, Path(scratch))
        return {
            "rate_per_s": rate,
            "duration_s": duration,
            "vegeta_plus_signer": measure_vegeta(target, rate, duration, Path(scratch)),
            "previous_python_generator": measure_python(target, rate, duration),
            "load_average_1m": round(os.getloadavg()[0], 2),
        }


def render(result: dict[str, Any]) -> str:
    v, p = result["vegeta_plus_signer"], result["previous_python_generator"]
    return "\n".join(
        [
            f"load generator CPU at {result['rate_per_s']:g}/s for {result['duration_s']:g} s against a 200 sink",
            f"  vegeta + our signer      {v['share_of_one_core']:6.1%} of one core"
            f" ({v['cpu_ms_per_request']:.3f} ms/request;"
            f" vegeta {v['vegeta_cpu_s']} s, signer {v['signer_cpu_s']} s; {v['ok']}/{v['requests']} ok)",
            f"  previous Python loadtest {p['share_of_one_core']:6.1%} of one core"
            f" ({p['cpu_ms_per_request']:.3f} ms/request;"
            f" {p['ok']}/{p['requests']} ok)",
        ]
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m webhookdev.bench.generator", description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=float, default=167.0)
    parser.add_argument("--duration", type=float, default=20.0)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    result = measure(args.rate, args.duration)
    print(json.dumps(result, indent=2) if args.json else render(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
