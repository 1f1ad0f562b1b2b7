"""The load tool, chosen by measurement: each candidate's own CPU at the same rate against the same trivial sink.

    python -m webhookdev.bench.tools [--rate 167] [--duration 30] [--json]

Every tool replays the same pre-signed requests (our default local mix, rendered once before the clock starts), so
the figure is the tool's own cost of pacing, sending and recording, and nothing else:

* vegeta (Go, open model: ``attack -rate``), the tool in place, from a static targets file;
* locust (Python and gevent) with ``FastHttpUser`` and ``constant_throughput`` users that add up to the rate, its
  cheapest HTTP client and the way its docs reach a fixed rate. It is installed on first use from PyPI into its own
  cached venv (``~/.cache/payment-webhooks/locust-<version>``), never into the project's shared venv.

k6 is not measured: it is under the AGPL, which this project does not take in. What signing costs on top (vegeta
``-lazy`` fed by our signer) is the ``generator`` section's figure.
"""

from __future__ import annotations

import argparse
import csv
import itertools
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from webhookdev.bench import generator, load
from webhookdev.cli.send import SigningFlags
from webhookdev.loadtest import webhook_stream

LOCUST_VERSION = "2.47.0"
LOCUST_VENV = load.CACHE / f"locust-{LOCUST_VERSION}"
LOCUST_USERS = 50

LOCUSTFILE = '''
"""Replays pre-signed webhook requests at a fixed total rate (users x constant_throughput)."""
import base64
import itertools
import json
import os
from urllib.parse import urlsplit

from locust import FastHttpUser, constant_throughput, task

with open(os.environ["WEBHOOKDEV_TARGETS"], encoding="utf-8") as handle:
    _TARGETS = []
    for line in handle:
        target = json.loads(line)
        url = urlsplit(target["url"])
        headers = {name: values[0] for name, values in target["header"].items()}
        _TARGETS.append((url.path, base64.b64decode(target["body"]), headers))
_NEXT = itertools.cycle(_TARGETS)


class Webhook(FastHttpUser):
    wait_time = constant_throughput(float(os.environ["WEBHOOKDEV_PER_USER_RATE"]))

    @task
    def send(self):
        path, body, headers = next(_NEXT)
        self.client.post(path, data=body, headers=headers)
'''


def ensure_locust() -> Path:
    """The cached locust executable, installed from PyPI into its own venv the first time."""
    executable = LOCUST_VENV / "bin" / "locust"
    if (LOCUST_VENV / ".complete").is_file() and executable.is_file():
        return executable
    subprocess.run([sys.executable, "-m", "venv", str(LOCUST_VENV)], check=True, timeout=300)  # noqa: S603
    subprocess.run(  # noqa: S603 - pip installing a pinned version into the tool's own venv
        [str(LOCUST_VENV / "bin" / "pip"), "install", "--quiet", f"locust=={LOCUST_VERSION}"], check=True, timeout=1800
    )
    (LOCUST_VENV / ".complete").touch()
    return executable


def write_targets(base_url: str, count: int, path: Path) -> None:
    """`count` signed requests of the default local mix, as vegeta JSON targets (one per line)."""
    target = generator.sink_target(base_url, path.parent)
    source = webhook_stream(list(load.LOCAL_MIX), count, lambda: target, SigningFlags())
    with path.open("wb") as handle:
        for call in itertools.islice(source, count):  # the round-robin stream ends by StopIteration otherwise
            handle.write(load.target_line(call))


def _run_measured(argv: list[str], env: dict[str, str] | None = None) -> tuple[float, float, str]:
    """Run a tool to completion; returns (its CPU seconds, wall seconds, stdout+stderr)."""
    started = time.monotonic()
    with tempfile.TemporaryFile() as output:
        proc = subprocess.Popen(argv, stdout=output, stderr=subprocess.STDOUT, env=env)  # noqa: S603
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        output.seek(0)
        text = output.read().decode(errors="replace")
    if proc.returncode != 0:
        raise RuntimeError(f"{Path(argv[0]).name} failed ({proc.returncode}): {text.strip()[-500:]}")
    return usage.ru_utime + usage.ru_stime, time.monotonic() - started, text


def measure_vegeta(targets: Path, rate: float, duration: float, scratch: Path) -> dict[str, Any]:
    vegeta = load.ensure_vegeta()
    results = scratch / "vegeta.bin"
    argv = [str(vegeta), "attack", "-format=json", f"-targets={targets}", f"-rate={rate:g}/s",
            f"-duration={duration:g}s", "-timeout=10s", "-keepalive=true", f"-output={results}"]  # fmt: skip
    cpu, wall, _ = _run_measured(argv)
    report = load.analyse(vegeta, results, rate)
    return _row(cpu, wall, report["requests"], report["ok"], report.get("latency_ms", {}).get("p99"))


def measure_locust(targets: Path, rate: float, duration: float, scratch: Path, base_url: str) -> dict[str, Any]:
    locust = ensure_locust()
    locustfile = scratch / "locustfile.py"
    locustfile.write_text(LOCUSTFILE)
    host = "/".join(base_url.split("/")[:3])
    env = {**os.environ, "WEBHOOKDEV_TARGETS": str(targets), "WEBHOOKDEV_PER_USER_RATE": f"{rate / LOCUST_USERS:g}"}
    argv = [str(locust), "-f", str(locustfile), "--headless", "-u", str(LOCUST_USERS), "-r", str(LOCUST_USERS),
            "-t", f"{duration:g}s", "--host", host, "--csv", str(scratch / "locust"), "--only-summary",
            "--loglevel", "WARNING", "--stop-timeout", "5"]  # fmt: skip
    cpu, wall, _ = _run_measured(argv, env)
    with (scratch / "locust_stats.csv").open(encoding="utf-8") as handle:
        total = next(row for row in csv.DictReader(handle) if row["Name"] == "Aggregated")
    requests = int(total["Request Count"])
    p99 = float(total["99%"]) if total.get("99%") not in (None, "", "N/A") else None
    return _row(cpu, wall, requests, requests - int(total["Failure Count"]), p99)


def _row(cpu: float, wall: float, requests: int, ok: int, p99: float | None) -> dict[str, Any]:
    return {
        "cpu_s": round(cpu, 2),
        "wall_s": round(wall, 1),
        "requests": requests,
        "ok": ok,
        "achieved_per_s": round(requests / wall, 1) if wall else 0.0,
        "share_of_one_core": round(cpu / wall, 3) if wall else 0.0,
        "cpu_ms_per_request": round(cpu / max(1, requests) * 1000, 3),
        "p99_ms": p99,
    }


def measure(rate: float, duration: float) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="tools-") as scratch_dir, generator.sink() as url:
        scratch = Path(scratch_dir)
        targets = scratch / "targets.jsonl"
        write_targets(url, int(rate * duration) + int(rate) + 10, targets)
        tools = {
            "vegeta": {"version": load.VEGETA_VERSION, **measure_vegeta(targets, rate, duration, scratch)},
            "locust": {
                "version": LOCUST_VERSION,
                "users": LOCUST_USERS,
                **measure_locust(targets, rate, duration, scratch, url),
            },
        }
    cheapest = min(tools, key=lambda name: tools[name]["share_of_one_core"])
    return {
        "rate_per_s": rate,
        "duration_s": duration,
        "tools": tools,
        "cheapest": cheapest,
        "not_measured": {"k6": "AGPL-licensed: not taken into the project"},
    }


def render(result: dict[str, Any]) -> str:
    lines = [f"load tools at {result['rate_per_s']:g}/s for {result['duration_s']:g} s, pre-signed requests, 200 sink"]
    for name, row in result["tools"].items():
        lines.append(
            f"  {name:7s} {row['share_of_one_core']:6.1%} of one core ({row['cpu_ms_per_request']:.3f} ms/request;"
            f" {row['ok']}/{row['requests']} ok, {row['achieved_per_s']:.1f}/s)"
        )
    lines.append(f"  cheapest: {result['cheapest']}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m webhookdev.bench.tools", description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=float, default=167.0)
    parser.add_argument("--duration", type=float, default=30.0)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    result = measure(args.rate, args.duration)
    print(json.dumps(result, indent=2) if args.json else render(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
