"""Lambda workers: a real cold start per worker, the deployed environment, isolation, errors, timeouts, limits."""

from __future__ import annotations

import json
import os
import textwrap
import time
from pathlib import Path

import pytest
from webhookdev.local.functions import FunctionRuntime, LocalWiring, Throttled
from webhookdev.local.logsink import LogSink
from webhookdev.local.procs import PidFiles, pid_alive

from .builders import function_spec

HANDLER = """
import json, os, sys, time
import layer_marker

STARTED_PID = os.getpid()
CALLS = {"n": 0}


def handler(event, context):
    CALLS["n"] += 1
    print(json.dumps({"level": "INFO", "message": "called", "n": CALLS["n"]}))
    print("plain text line")
    if event.get("fail"):
        raise ValueError("asked to fail")
    if event.get("sleep"):
        time.sleep(event["sleep"])
    return {
        "pid": STARTED_PID,
        "calls": CALLS["n"],
        "greeting": os.environ.get("GREETING"),
        "name": os.environ.get("AWS_LAMBDA_FUNCTION_NAME"),
        "handler_env": os.environ.get("_HANDLER"),
        "lambda_endpoint": os.environ.get("AWS_ENDPOINT_URL_LAMBDA"),
        "pythonpath": os.environ.get("PYTHONPATH"),
        "repo_on_path": any(p.endswith("lambda/shared") for p in sys.path),
        "layer": layer_marker.VALUE,
        "request_id": context.aws_request_id,
        "remaining_ok": 0 < context.get_remaining_time_in_millis() <= 5000,
    }
"""


@pytest.fixture
def runtime_for(tmp_path: Path):
    code = tmp_path / "code"
    layer = tmp_path / "layer"
    code.mkdir()
    (layer / "python").mkdir(parents=True)
    (code / "index.py").write_text(textwrap.dedent(HANDLER))
    (layer / "python" / "layer_marker.py").write_text('VALUE = "from-layer"\n')
    wiring = LocalWiring(moto_url="http://127.0.0.1:1", invoke_url="http://127.0.0.1:2", max_workers=2)
    runtimes: list[FunctionRuntime] = []

    def build(**overrides: object) -> FunctionRuntime:
        runtime = FunctionRuntime(
            function_spec(**overrides),
            code_dir=code,
            layer_dirs=(layer,),
            wiring=wiring,
            sink=LogSink(tmp_path / "logs" / "echo.log"),
            pids=PidFiles(tmp_path / "pids"),
        )
        runtimes.append(runtime)
        return runtime

    yield build
    for runtime in runtimes:
        runtime.retire()


def call(runtime: FunctionRuntime, event: dict[str, object]) -> dict[str, object]:
    result = runtime.invoke(json.dumps(event).encode(), "RequestResponse")
    assert result.function_error is None, result.payload
    document: dict[str, object] = json.loads(result.payload)
    return document


def test_handler_is_imported_once_and_reused(runtime_for) -> None:
    runtime = runtime_for()

    first = call(runtime, {})
    second = call(runtime, {})

    assert first["pid"] == second["pid"]
    assert (first["calls"], second["calls"]) == (1, 2)
    assert first["pid"] != os.getpid()


def test_worker_gets_the_deployed_environment_and_local_endpoints_but_not_the_repo_pythonpath(runtime_for) -> None:
    result = call(runtime_for(), {})

    assert result["greeting"] == "hello"
    assert result["name"] == "echo"
    assert result["handler_env"] == "index.handler"
    assert result["lambda_endpoint"] == "http://127.0.0.1:2"
    assert result["pythonpath"] is None
    assert result["repo_on_path"] is False
    assert result["layer"] == "from-layer"
    assert result["remaining_ok"] is True


def test_unhandled_error_is_reported_like_lambda(runtime_for) -> None:
    result = runtime_for().invoke(b'{"fail": true}', "RequestResponse")

    assert result.function_error == "Unhandled"
    error = json.loads(result.payload)
    assert error["errorType"] == "ValueError"
    assert error["errorMessage"] == "asked to fail"


def test_timeout_kills_the_worker_and_the_next_call_cold_starts(runtime_for) -> None:
    runtime = runtime_for(timeout_s=1)
    before = call(runtime, {})

    timed_out = runtime.invoke(b'{"sleep": 3}', "RequestResponse")
    after = call(runtime, {})

    assert timed_out.function_error == "Unhandled"
    assert json.loads(timed_out.payload)["errorType"] == "Sandbox.Timedout"
    assert not pid_alive(int(str(before["pid"])))
    assert after["calls"] == 1


def test_zero_reserved_concurrency_throttles(runtime_for) -> None:
    with pytest.raises(Throttled):
        runtime_for(reserved_concurrency=0).invoke(b"{}", "RequestResponse")


def test_logs_are_json_lines_with_platform_records(runtime_for, tmp_path: Path) -> None:
    runtime = runtime_for()
    call(runtime, {})
    runtime.retire()

    lines = [json.loads(line) for line in (tmp_path / "logs" / "echo.log").read_text().splitlines()]

    types = [line.get("type") for line in lines]
    assert "platform.start" in types
    assert "platform.report" in types
    assert {"level": "INFO", "message": "called", "n": 1} in lines
    assert any(line.get("message") == "plain text line" and line.get("type") == "function" for line in lines)


def test_retire_returns_only_after_every_line_of_the_worker_is_in_the_log(
    runtime_for, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A slow log writer (a loaded machine) must not lose the lines of a worker that is being stopped.
    original = LogSink.line

    def slow_line(self: LogSink, text: str, stream: str) -> None:
        time.sleep(0.3)
        original(self, text, stream)

    monkeypatch.setattr(LogSink, "line", slow_line)
    runtime = runtime_for()
    call(runtime, {})
    runtime.retire()

    lines = [json.loads(line) for line in (tmp_path / "logs" / "echo.log").read_text().splitlines()]
    assert {"level": "INFO", "message": "called", "n": 1} in lines
    assert any(line.get("message") == "plain text line" for line in lines)


def test_retire_stops_idle_workers(runtime_for) -> None:
    runtime = runtime_for()
    pid = int(str(call(runtime, {})["pid"]))

    runtime.retire()

    assert not pid_alive(pid)
