"""moto's own CPU per request, as the local stack runs it, with and without the savings of ``local.moto_perf``.

    python -m webhookdev.bench.motocost [--rounds 3] [--requests 200] [--json]

Each variant is a fresh moto server process (the threaded server, with the ``moto_compat`` patches, as
``moto_process`` starts it) on a free loopback port. One client sends the webhook path's two data-plane calls in
turn, a conditional ``PutObject`` (the raw store) and a ``PutItem`` (the record), over one keep-alive connection;
the server's CPU time (``/proc/<pid>/stat``) over those requests, divided by their number, is the figure. Variants
are interleaved round by round so a busy machine affects them alike; the medians and their ratio are reported.
"""

from __future__ import annotations

import argparse
import json
import socket
import statistics
import subprocess
import sys
from typing import Any

from webhookdev.local.procs import process_cpu_seconds
from webhookdev.local.registry import aws_client

SERVER = """
import sys, threading
from webhookdev.local import moto_compat, moto_perf
moto_compat.apply()
if sys.argv[1] == "savings":
    moto_perf.apply()
from moto.server import ThreadedMotoServer
server = ThreadedMotoServer(ip_address="127.0.0.1", port=int(sys.argv[2]), verbose=True)
server.start()
print("ready", flush=True)
threading.Event().wait()
"""
VARIANTS = ("as moto ships", "savings")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def one_run(variant: str, requests: int) -> float:
    """moto's CPU milliseconds per request for one fresh server."""
    port = _free_port()
    server = subprocess.Popen(  # noqa: S603 - our own snippet, stopped below
        [sys.executable, "-c", SERVER, variant, str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert server.stdout is not None  # noqa: S101 - stdout=PIPE
        while "ready" not in server.stdout.readline():
            if server.poll() is not None:
                raise RuntimeError("the moto server did not start")
        url = f"http://127.0.0.1:{port}"
        s3, dynamodb = aws_client("s3", url), aws_client("dynamodb", url)
        s3.create_bucket(Bucket="bench-raw")
        dynamodb.create_table(
            TableName="bench", BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        )  # fmt: skip
        for n in range(10):  # warm-up: first-call imports and connection set-up
            s3.put_object(Bucket="bench-raw", Key=f"warm/{n}", Body=b"{}")
        before = process_cpu_seconds(server.pid)
        for n in range(requests // 2):
            s3.put_object(Bucket="bench-raw", Key=f"raw/{n}", Body=b"x" * 2000, IfNoneMatch="*")
            dynamodb.put_item(TableName="bench", Item={"id": {"S": str(n)}, "body": {"S": "y" * 600}})
        return (process_cpu_seconds(server.pid) - before) / (2 * (requests // 2)) * 1000
    finally:
        server.terminate()
        server.wait(timeout=30)


def measure(rounds: int, requests: int) -> dict[str, Any]:
    runs: dict[str, list[float]] = {variant: [] for variant in VARIANTS}
    for _ in range(rounds):
        for variant in VARIANTS:
            runs[variant].append(round(one_run(variant, requests), 3))
    medians = {variant: statistics.median(values) for variant, values in runs.items()}
    return {
        "rounds": rounds,
        "requests_per_run": requests,
        "cpu_ms_per_request": {v: {"runs": runs[v], "median": round(medians[v], 3)} for v in VARIANTS},
        "ratio": round(medians["savings"] / medians["as moto ships"], 3) if medians["as moto ships"] else None,
    }


def render(result: dict[str, Any]) -> str:
    rows = result["cpu_ms_per_request"]
    return (
        f"moto CPU per request ({result['rounds']} rounds of {result['requests_per_run']} requests): as moto ships "
        f"{rows['as moto ships']['median']:.2f} ms, with the savings {rows['savings']['median']:.2f} ms "
        f"(x{result['ratio']})"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m webhookdev.bench.motocost", description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    result = measure(args.rounds, args.requests)
    print(json.dumps(result, indent=2) if args.json else render(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
