"""The bench tools: vegeta targets carry exactly the signed request, the generated page is current, the hot-path
harness drives the real handler to a 200."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest
from webhookdev.bench import docs, load
from webhookdev.cli.send import SigningFlags
from webhookdev.cli.target import Target
from webhookdev.loadtest import Call, webhook_stream

REPO = Path(__file__).resolve().parents[2]
SECRET = "whsec_bench_test_only"


def test_vegeta_target_line_carries_the_exact_body_and_headers() -> None:
    body = b'{"id":"evt_1","amount":100}\n'
    line = load.target_line(Call("POST", "http://127.0.0.1:1/x", {"Stripe-Signature": "t=1,v1=ab"}, body))
    target = json.loads(line)
    assert line.endswith(b"\n")
    assert b"\n" not in line[:-1]
    assert target["method"] == "POST"
    assert target["url"] == "http://127.0.0.1:1/x"
    assert target["header"] == {"Stripe-Signature": ["t=1,v1=ab"]}
    assert base64.b64decode(target["body"]) == body


class _StripeVerifier(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    verdicts: ClassVar[list[bool]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        parts = dict(p.split("=", 1) for p in self.headers["Stripe-Signature"].split(","))
        expected = hmac.new(SECRET.encode(), f"{parts['t']}.".encode() + body, hashlib.sha256).hexdigest()
        ok = hmac.compare_digest(expected, parts["v1"])
        _StripeVerifier.verdicts.append(ok)
        self.send_response(200 if ok else 401)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        return


@pytest.fixture
def verifier() -> Iterator[str]:
    _StripeVerifier.verdicts = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _StripeVerifier)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/local"
    finally:
        server.shutdown()
        server.server_close()


def test_vegeta_delivers_every_request_signed_as_stripe_signs(verifier: str, tmp_path: Path) -> None:
    if not load.VEGETA_BIN.is_file():
        pytest.skip("vegeta is not built (python -m webhookdev.bench.load builds it from its Go module)")
    target = Target(name="local", base_url=verifier, signing={"stripe": {"secret": SECRET}})
    source = webhook_stream(["stripe:payment_intent.succeeded"], 100, lambda: target, SigningFlags())
    cpu = load.attack(vegeta=load.VEGETA_BIN, source=source, target=target, rate=20, duration=2,
                      results_path=tmp_path / "r.bin", max_workers=50)  # fmt: skip
    report = load.analyse(load.VEGETA_BIN, tmp_path / "r.bin", 20)
    assert report["requests"] == 40
    assert report["statuses"] == {"200": 40}
    assert _StripeVerifier.verdicts == [True] * 40
    assert cpu["vegeta_cpu_s"] >= 0
    assert report["latency_from_schedule_ms"]["p50"] >= report["latency_ms"]["p50"] * 0.99


def test_local_load_refuses_a_non_loopback_url(tmp_path: Path) -> None:
    if not load.VEGETA_BIN.is_file():
        pytest.skip("vegeta is not built")
    target = Target(name="local", base_url="http://192.0.2.1/local", signing={"stripe": {"secret": SECRET}})
    source = webhook_stream(["stripe:payment_intent.succeeded"], 10, lambda: target, SigningFlags())
    with pytest.raises(load.CliError, match="loopback"):
        load.attack(vegeta=load.VEGETA_BIN, source=source, target=target, rate=5, duration=1,
                    results_path=tmp_path / "r.bin", max_workers=5)  # fmt: skip


def test_performance_page_and_capacity_figures_are_current() -> None:
    assert docs.check() == []


def test_hot_path_harness_gets_a_200_from_the_real_stripe_handler() -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "webhookdev.bench.hotpath",
            "--child",
            "stripe-webhook-validator",
            "--events",
            "5",
            "--warmup",
            "1",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": f"{REPO / 'lambda' / 'shared'}:{REPO / 'devtools'}"},
    )
    assert result.returncode == 0, result.stderr[-2000:]
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    assert figures["outcomes"] == {"200": 5}
    assert figures["cpu_median_ms"] > 0
