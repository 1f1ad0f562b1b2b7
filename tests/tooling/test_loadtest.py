"""The load generator paces an open loop, signs every request, counts statuses and refuses non-loopback local URLs."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar
from urllib.parse import parse_qs, urlsplit

import pytest
from webhookdev.cli.errors import CliError
from webhookdev.cli.send import SigningFlags
from webhookdev.cli.target import Target
from webhookdev.loadtest import Call, percentile, query_stream, run, summary, webhook_stream

SECRET = "whsec_loadtest_only"


class _Recorder(BaseHTTPRequestHandler):
    seen: ClassVar[list[tuple[str, bytes]]] = []
    delay_s: ClassVar[float] = 0.0

    lock: ClassVar[threading.Lock] = threading.Lock()

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        with _Recorder.lock:  # the server is threaded: number each arrival once
            _Recorder.seen.append((self.headers["Stripe-Signature"], body))
            arrival = len(_Recorder.seen)
        time.sleep(_Recorder.delay_s)
        # Answer 200 for odd-numbered arrivals and 503 for even ones, so status counting is observable.
        status = 200 if arrival % 2 else 503
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        return


@pytest.fixture
def server() -> Iterator[str]:
    _Recorder.seen = []
    _Recorder.delay_s = 0.0
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/local"
    httpd.shutdown()
    httpd.server_close()


def _target(base_url: str) -> Target:
    return Target(name="local", base_url=base_url, signing={"stripe": {"secret": SECRET}})


def test_percentile_is_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 50) == 50.0
    assert percentile(values, 99) == 99.0
    assert percentile(values, 100) == 100.0
    assert percentile([7.0], 99) == 7.0


def test_run_sends_rate_times_duration_signed_requests_and_counts_statuses(server: str) -> None:
    results, elapsed = run(
        rate=20,
        duration=1.0,
        source=webhook_stream(["stripe:payment_intent.succeeded"], 20, lambda: _target(server), SigningFlags()),
        target=_target(server),
        concurrency=4,
        progress=lambda _m: None,
    )
    assert len(_Recorder.seen) == 20
    assert results.statuses == {200: 10, 503: 10}
    assert elapsed >= 0.95 - 0.05  # the open loop paces the 20 requests over the second
    for header, body in _Recorder.seen:
        parts = dict(item.split("=", 1) for item in header.split(","))
        expected = hmac.new(SECRET.encode(), f"{parts['t']}.".encode() + body, hashlib.sha256).hexdigest()
        assert hmac.compare_digest(parts["v1"], expected)
    report = summary(results, elapsed)
    assert report["requests"] == 20
    assert report["statuses"] == {200: 10, 503: 10}
    assert len(results.scheduled_latencies_ms) == 20
    assert all(s >= lat for s, lat in zip(results.scheduled_latencies_ms, results.latencies_ms, strict=True))


def test_latency_from_schedule_counts_the_wait_for_a_connection(server: str) -> None:
    # One connection and a 50/s schedule against a server that answers slowly: requests queue in the client, which
    # the from-schedule latency must show while the on-the-wire latency does not.
    _Recorder.delay_s = 0.05
    results, _ = run(
        rate=50,
        duration=0.4,
        source=webhook_stream(["stripe:payment_intent.succeeded"], 20, lambda: _target(server), SigningFlags()),
        target=_target(server),
        concurrency=1,
        progress=lambda _m: None,
    )
    assert len(results.latencies_ms) == 20
    assert max(results.latencies_ms) < 200
    assert max(results.scheduled_latencies_ms) > max(results.latencies_ms) + 300


def test_local_target_refuses_a_non_loopback_url() -> None:
    with pytest.raises(CliError, match="loopback"):
        run(
            rate=5,
            duration=0.2,
            source=iter([Call("POST", "http://192.0.2.10/local/api/v1/webhooks/stripe", {}, b"{}")] * 1),
            target=_target("http://192.0.2.10/local"),
            concurrency=1,
            progress=lambda _m: None,
        )


def test_query_stream_lists_each_provider_over_the_last_hour_with_the_key() -> None:
    target = _target("http://127.0.0.1:1/local")
    calls = list(itertools.islice(query_stream(target, "key-123", ["stripe", "square"]), 3))
    assert [c.method for c in calls] == ["GET", "GET", "GET"]
    assert all(c.headers == {"x-api-key": "key-123"} for c in calls)
    params = [parse_qs(urlsplit(c.url).query) for c in calls]
    assert [p["provider"] for p in params] == [["stripe"], ["square"], ["stripe"]]
    for p in params:
        assert int(p["end"][0]) - int(p["start"][0]) == 3600
    assert calls[0].url.startswith("http://127.0.0.1:1/local/api/v1/transactions?")


def test_an_ambiguous_event_type_fails_before_any_request_is_sent(server: str) -> None:
    with pytest.raises(CliError, match="ambiguous"):
        webhook_stream(["square:payment.updated"], 10, lambda: _target(server), SigningFlags())
    assert _Recorder.seen == []


def test_a_setup_failure_stops_the_run_instead_of_failing_every_request() -> None:
    calls = [Call("POST", "http://192.0.2.10/local/api/v1/webhooks/stripe", {}, b"{}")] * 50
    with pytest.raises(CliError, match="loopback"):
        run(
            rate=1000,
            duration=0.05,
            source=iter(calls),
            target=_target("http://192.0.2.10/local"),
            concurrency=1,
            progress=lambda _m: None,
        )
