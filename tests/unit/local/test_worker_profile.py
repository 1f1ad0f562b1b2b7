"""Worker start under CPU contention (a slow init is not a function error; a broken or hung one still fails) and the
per-invocation profile the runtime logs (the worker's CPU time, each AWS SDK call's wall time, the gateway's
stages), which `python -m webhookdev.bench.knee` turns into the per-stage profile."""

from __future__ import annotations

import json
import textwrap
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from webhookdev.local import functions
from webhookdev.local.functions import FunctionRuntime, LocalWiring
from webhookdev.local.gateway import Gateway, Trace
from webhookdev.local.invoker import dispatch_threads
from webhookdev.local.logsink import LogSink
from webhookdev.local.procs import PidFiles

from .builders import function_spec
from .test_gateway import FakeInvoker, post, webhook_api


def _runtime(tmp_path: Path, code: str, moto_url: str = "http://127.0.0.1:1", **spec: Any) -> FunctionRuntime:
    code_dir = tmp_path / "code"
    code_dir.mkdir(exist_ok=True)
    (code_dir / "index.py").write_text(textwrap.dedent(code))
    return FunctionRuntime(
        function_spec(**spec),
        code_dir=code_dir,
        layer_dirs=(),
        wiring=LocalWiring(moto_url=moto_url, invoke_url="http://127.0.0.1:2", max_workers=1),
        sink=LogSink(tmp_path / "logs" / "fn.log"),
        pids=PidFiles(tmp_path / "pids"),
    )


def _platform(tmp_path: Path, kind: str) -> list[dict[str, Any]]:
    lines = [json.loads(line) for line in (tmp_path / "logs" / "fn.log").read_text().splitlines()]
    return [line["record"] for line in lines if line.get("type") == f"platform.{kind}"]


@pytest.fixture
def runtimes() -> Iterator[list[FunctionRuntime]]:
    started: list[FunctionRuntime] = []
    yield started
    for runtime in started:
        runtime.retire()


def test_a_cold_start_slower_than_the_init_limit_is_not_a_function_error(
    tmp_path: Path, runtimes: list[FunctionRuntime], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(functions, "INIT_TIMEOUT_S", 0.3)  # a starved cold start: init outlasts Lambda's limit
    runtime = _runtime(tmp_path, "import time\ntime.sleep(1.0)\ndef handler(event, context):\n    return 'up'\n")
    runtimes.append(runtime)

    result = runtime.invoke(b"{}", "Event")

    assert result.function_error is None, result.payload
    assert json.loads(result.payload) == "up"
    assert [r["status"] for r in _platform(tmp_path, "initReport")] == ["success after init timeout"]
    assert _platform(tmp_path, "initTimeout")[0]["limitS"] == 0.3


def test_an_init_that_never_finishes_still_fails_after_the_init_limit_plus_the_function_timeout(
    tmp_path: Path, runtimes: list[FunctionRuntime], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(functions, "INIT_TIMEOUT_S", 0.3)
    hangs = "import time\ntime.sleep(60)\ndef handler(event, context):\n    return 1\n"
    runtime = _runtime(tmp_path, hangs, timeout_s=1)
    runtimes.append(runtime)

    started = time.monotonic()
    result = runtime.invoke(b"{}", "Event")

    assert time.monotonic() - started < 10
    assert result.function_error == "Unhandled"
    error = json.loads(result.payload)
    assert error["errorType"] == "Sandbox.Timedout"
    assert error["errorMessage"] == "INIT timed out after 1.30 seconds"
    assert [r["status"] for r in _platform(tmp_path, "initReport")] == ["timeout"]


def test_an_import_error_fails_at_once_without_waiting_for_the_extended_limit(
    tmp_path: Path, runtimes: list[FunctionRuntime], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(functions, "INIT_TIMEOUT_S", 5.0)
    runtime = _runtime(tmp_path, "raise RuntimeError('broken at import')\n", timeout_s=30)
    runtimes.append(runtime)

    started = time.monotonic()
    result = runtime.invoke(b"{}", "Event")

    assert time.monotonic() - started < 5
    assert result.function_error == "Unhandled"
    assert json.loads(result.payload)["errorType"] == "Runtime.ImportModuleError"
    assert [r["status"] for r in _platform(tmp_path, "initReport")] == ["error"]
    assert _platform(tmp_path, "initTimeout") == []


class _S3Sink(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_PUT(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(200)
        self.send_header("ETag", '"abc"')
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        return


@pytest.fixture
def s3_sink() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _S3Sink)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


SDK_HANDLER = """
import boto3

S3 = boto3.client("s3")


def handler(event, context):
    for n in range(2):
        S3.put_object(Bucket="raw", Key=f"k{n}", Body=b"{}")
    return sum(i * i for i in range(20000))
"""


def test_each_invocation_reports_its_cpu_time_and_the_wall_time_of_each_sdk_call(
    tmp_path: Path, runtimes: list[FunctionRuntime], s3_sink: str
) -> None:
    runtime = _runtime(tmp_path, SDK_HANDLER, moto_url=s3_sink, timeout_s=20)
    runtimes.append(runtime)

    result = runtime.invoke(b"{}", "Event", queued_ms=12.5)

    assert result.function_error is None, result.payload
    assert result.cpu_ms is not None
    assert result.cpu_ms > 0
    assert result.sdk_ms is not None
    assert set(result.sdk_ms) == {"s3.PutObject"}
    assert 0 < result.sdk_ms["s3.PutObject"] < result.duration_ms
    (report,) = _platform(tmp_path, "report")
    assert report["awsSdkMs"] == result.sdk_ms
    assert report["cpuMs"] == result.cpu_ms
    assert report["queuedMs"] == 12.5
    assert report["workerWaitMs"] >= 0


def test_the_gateway_times_each_stage_of_its_pipeline(tmp_path: Path) -> None:
    invoker = FakeInvoker(webhook_api())
    gateway = Gateway(invoker, LogSink(tmp_path / "access.log"))  # type: ignore[arg-type]
    trace = Trace("req")

    response = gateway.handle("local", post("/hooks", b'{"id": "evt_1"}'), trace)

    assert response.status == 200
    assert set(trace.stage_ms) == {"auth", "validation", "integration"}
    assert all(ms >= 0 for ms in trace.stage_ms.values())


@pytest.mark.parametrize("cap", [1, 2, 4, 8, 32])
def test_async_dispatch_keeps_every_worker_of_an_async_function_busy_beside_another(cap: int) -> None:
    # The runtime used 3 dispatch threads whatever the cap: at most 3 processor invocations ran at once, so with
    # WEBHOOKDEV_MAX_WORKERS_PER_FUNCTION above 3 the async queue grew while processor workers sat idle.
    assert dispatch_threads(cap) >= 2 * cap


def test_prewarm_starts_idle_workers_up_to_the_cap_so_the_next_invocations_are_warm(
    tmp_path: Path, runtimes: list[FunctionRuntime]
) -> None:
    code = "import os\ndef handler(event, context):\n    return os.getpid()\n"
    runtime = _runtime(tmp_path, code)
    runtime.wiring = LocalWiring(moto_url="http://127.0.0.1:1", invoke_url="http://127.0.0.1:2", max_workers=2)
    runtimes.append(runtime)

    assert runtime.prewarm(5) == 2  # the cap, not the ask
    assert runtime.prewarm(5) == 0
    pids = set(runtime.worker_pids())
    first = runtime.invoke(b"{}", "Event")
    second = runtime.invoke(b"{}", "Event")

    assert len(pids) == 2
    assert not first.cold_start
    assert not second.cold_start
    assert json.loads(first.payload) in pids
