"""The Lambda execution model: a pool of worker processes per deployed function.

A worker is one execution environment: it imports the handler once (the cold start) and is reused. Concurrency is
bounded by the deployed reserved concurrency (beyond it, invokes are throttled like Lambda's 429) and, on this
machine, by a small local cap of workers per function (extra invokes wait for a free worker).
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import site
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from webhookdev.local.deployed import FunctionSpec
from webhookdev.local.logsink import LogSink, monotonic_ms
from webhookdev.local.procs import PidFiles, stop_pid
from webhookdev.local.settings import DUMMY_CREDENTIALS, REGION

WORKER_SCRIPT = Path(__file__).with_name("worker.py")
#: Lambda's limit for the init phase of an on-demand execution environment.
INIT_TIMEOUT_S = 10.0


class Throttled(RuntimeError):
    """The function's reserved concurrency is exhausted (Lambda: TooManyRequestsException, HTTP 429)."""


@dataclass(frozen=True)
class Result:
    """What an invocation produced: a JSON payload, with `function_error` set when the function failed."""

    payload: bytes
    function_error: str | None = None
    duration_ms: float = 0.0
    cold_start: bool = False
    #: The worker's CPU time for this invocation, and the wall time of its AWS SDK calls by service.Operation.
    cpu_ms: float | None = None
    sdk_ms: dict[str, float] | None = None


def _error_payload(message: str, error_type: str) -> bytes:
    return json.dumps({"errorMessage": message, "errorType": error_type}).encode()


@dataclass(frozen=True)
class LocalWiring:
    """What every worker gets besides the deployed configuration: endpoints, credentials, host site-packages."""

    moto_url: str
    invoke_url: str
    max_workers: int = 2
    #: Fault rules the test harness may write (see worker.py); the hook does nothing while the file is absent.
    faults_file: str = ""
    #: Time every AWS SDK call in the workers (``awsSdkMs`` in ``platform.report``; the bench's stage profile).
    sdk_timing: bool = True

    def environment(self, spec: FunctionSpec, code_dir: Path, worker_id: str) -> dict[str, str]:
        env = dict(spec.environment)
        env.update(DUMMY_CREDENTIALS)
        env.update(
            {
                "AWS_LAMBDA_FUNCTION_NAME": spec.name,
                "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
                "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(spec.memory_mb),
                "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{spec.name}",
                "AWS_LAMBDA_LOG_STREAM_NAME": f"local/{worker_id}",
                "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
                "AWS_EXECUTION_ENV": f"AWS_Lambda_{spec.runtime}",
                "AWS_REGION": REGION,
                "AWS_DEFAULT_REGION": REGION,
                "_HANDLER": spec.handler,
                "LAMBDA_TASK_ROOT": str(code_dir),
                "TZ": ":UTC",
                "LANG": "C.UTF-8",
                "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
                # boto3 in the function talks to moto, and to our Invoke API for Lambda.
                "AWS_ENDPOINT_URL": self.moto_url,
                "AWS_ENDPOINT_URL_LAMBDA": self.invoke_url,
                "AWS_CONFIG_FILE": os.devnull,
                "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
                # No X-Ray daemon locally.
                "AWS_SAM_LOCAL": "true",
                "POWERTOOLS_TRACE_DISABLED": "true",
                "AWS_XRAY_SDK_ENABLED": "false",
                "AWS_XRAY_CONTEXT_MISSING": "IGNORE_ERROR",
            }
        )
        if self.faults_file:
            env["WEBHOOKDEV_FAULTS_FILE"] = self.faults_file
        if self.sdk_timing:
            env["WEBHOOKDEV_SDK_TIMING"] = "1"
        return env


class _Lines:
    """Newline-framed messages from a pipe, with a timeout per message."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.buffer = b""

    def read(self, timeout: float) -> dict[str, Any] | None:
        deadline = time.monotonic() + timeout
        while b"\n" not in self.buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError
            ready, _, _ = select.select([self.fd], [], [], remaining)
            if not ready:
                continue
            chunk = os.read(self.fd, 1 << 16)
            if not chunk:
                return None  # the worker exited
            self.buffer += chunk
        line, _, self.buffer = self.buffer.partition(b"\n")
        message: dict[str, Any] = json.loads(line)
        return message


class Worker:
    """One execution environment (a child process) for one function version."""

    def __init__(
        self, spec: FunctionSpec, code_dir: Path, layer_dirs: tuple[Path, ...], wiring: LocalWiring, sink: LogSink
    ) -> None:
        self.id = f"{spec.name}-{uuid.uuid4().hex[:8]}"
        self.spec = spec
        req_r, self._req_w = os.pipe()
        self._resp_r, resp_w = os.pipe()
        argv = [sys.executable, "-I", "-u", str(WORKER_SCRIPT), "--code-dir", str(code_dir)]
        argv += ["--handler", spec.handler, "--req-fd", str(req_r), "--resp-fd", str(resp_w)]
        for path in site.getsitepackages():
            argv += ["--site-packages", path]
        for layer in layer_dirs:
            argv += ["--layer-dir", str(layer)]
        self.process = subprocess.Popen(  # noqa: S603 - our own worker script
            argv,
            pass_fds=(req_r, resp_w),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=wiring.environment(spec, code_dir, self.id),
            cwd=code_dir,
        )
        os.close(req_r)
        os.close(resp_w)
        # The pumps copy the worker's output into the log; stop() waits for them so that no line is lost.
        self._pumps = [
            sink.pump(stream, name)
            for stream, name in ((self.process.stdout, "stdout"), (self.process.stderr, "stderr"))
            if stream is not None
        ]
        self._lines = _Lines(self._resp_r)
        self.alive = True
        self.cold = True
        self.init_error: bytes | None = None
        started = time.monotonic()
        ready, status = self._await_ready(spec, sink)
        if ready is None or ready.get("type") != "ready":
            if status == "timeout":
                limit = INIT_TIMEOUT_S + float(spec.timeout_s)
                error = {"errorMessage": f"INIT timed out after {limit:.2f} seconds", "errorType": "Sandbox.Timedout"}
            else:
                error = (ready or {}).get("error") or {
                    "errorMessage": "worker failed to start",
                    "errorType": "Runtime.ExitError",
                }
                status = "error"
            self.init_error = json.dumps(error).encode()
            self.stop()
        sink.platform(
            "initReport", functionName=spec.name, workerId=self.id, initDurationMs=monotonic_ms(started), status=status
        )

    def _await_ready(self, spec: FunctionSpec, sink: LogSink) -> tuple[dict[str, Any] | None, str]:
        """Wait for the worker's ``ready`` (or ``init_error``) message. Returns it with the init status.

        Like Lambda: an init phase that outlasts INIT_TIMEOUT_S is not a function error yet. Lambda then retries the
        init within the first invocation, bounded by the function's timeout; here the same process simply gets that
        much longer (a cold start on a CPU-starved machine is slow, not broken, and restarting it would throw its
        progress away). A worker that exits or reports an import error fails at once; one still silent after
        INIT_TIMEOUT_S plus the function's timeout fails with Sandbox.Timedout, as Lambda's suppressed init does."""
        try:
            return self._lines.read(INIT_TIMEOUT_S), "success"
        except TimeoutError:
            pass
        extra = float(spec.timeout_s)
        sink.platform("initTimeout", functionName=spec.name, workerId=self.id, limitS=INIT_TIMEOUT_S, extraS=extra)
        try:
            return self._lines.read(extra), "success after init timeout"
        except TimeoutError:
            return None, "timeout"

    @property
    def pid(self) -> int:
        return self.process.pid

    def invoke(self, payload: bytes, request_id: str, timeout_s: float, trace_id: str) -> Result:
        if self.init_error is not None:
            return Result(self.init_error, "Unhandled")
        message = {
            "payload": payload.decode("utf-8"),
            "request_id": request_id,
            "invoked_arn": self.spec.arn,
            "deadline_ms": int((time.time() + timeout_s) * 1000),
            "trace_id": trace_id,
        }
        started = time.monotonic()
        cold, self.cold = self.cold, False
        try:
            os.write(self._req_w, (json.dumps(message) + "\n").encode())
            reply = self._lines.read(timeout_s)
        except TimeoutError:
            self.stop()
            text = f"Task timed out after {timeout_s:.2f} seconds"
            return Result(_error_payload(text, "Sandbox.Timedout"), "Unhandled", monotonic_ms(started), cold)
        except OSError:
            reply = None
        if reply is None:
            self.stop()
            return Result(
                _error_payload("worker exited", "Runtime.ExitError"), "Unhandled", monotonic_ms(started), cold
            )
        duration = monotonic_ms(started)
        cpu_ms = reply.get("cpu_ms")
        sdk_ms = reply.get("sdk_ms")
        profile: dict[str, Any] = {
            "cpu_ms": float(cpu_ms) if isinstance(cpu_ms, int | float) else None,
            "sdk_ms": dict(sdk_ms) if isinstance(sdk_ms, dict) else None,
        }
        if reply.get("ok"):
            return Result(str(reply["payload"]).encode(), None, duration, cold, **profile)
        return Result(json.dumps(reply.get("error")).encode(), "Unhandled", duration, cold, **profile)

    def stop(self) -> None:
        if not self.alive:
            return
        self.alive = False
        for fd in (self._req_w, self._resp_r):
            with contextlib.suppress(OSError):
                os.close(fd)
        stop_pid(self.process.pid, timeout=2.0)
        self.process.wait(timeout=5)
        for pump in self._pumps:  # the worker is gone: its pipes reach EOF once the last lines are written
            pump.join(timeout=5)


class FunctionRuntime:
    """The workers of one deployed function configuration (a new configuration gets a new FunctionRuntime)."""

    def __init__(
        self,
        spec: FunctionSpec,
        *,
        code_dir: Path,
        layer_dirs: tuple[Path, ...],
        wiring: LocalWiring,
        sink: LogSink,
        pids: PidFiles,
    ) -> None:
        self.spec = spec
        self.code_dir = code_dir
        self.layer_dirs = layer_dirs
        self.wiring = wiring
        self.sink = sink
        self.pids = pids
        self._idle: list[Worker] = []
        self._all: set[Worker] = set()
        self._in_flight = 0
        self._starting = 0
        self._cond = threading.Condition()
        self._retired = False

    @property
    def worker_cap(self) -> int:
        reserved = self.spec.reserved_concurrency
        return max(1, min(self.wiring.max_workers, reserved if reserved is not None else self.wiring.max_workers))

    def worker_pids(self) -> list[int]:
        with self._cond:
            return [w.pid for w in self._all if w.alive]

    def _acquire(self, wait_s: float) -> Worker:
        with self._cond:
            reserved = self.spec.reserved_concurrency
            if reserved is not None and self._in_flight >= reserved:
                raise Throttled(f"Rate Exceeded: reserved concurrency {reserved} of {self.spec.name} in use")
            self._in_flight += 1
            deadline = time.monotonic() + wait_s
            while not self._idle and len(self._all) + self._starting >= self.worker_cap:
                if not self._cond.wait(timeout=max(0.0, deadline - time.monotonic())):
                    self._in_flight -= 1
                    raise Throttled(f"no worker of {self.spec.name} became free within {wait_s:.0f}s")
            if self._idle:
                return self._idle.pop()
            self._starting += 1  # counts against the cap while it starts, outside the lock
        try:
            worker = Worker(self.spec, self.code_dir, self.layer_dirs, self.wiring, self.sink)
        except BaseException:
            with self._cond:
                self._starting -= 1
                self._in_flight -= 1
                self._cond.notify()
            raise
        with self._cond:
            self._starting -= 1
            self._all.add(worker)
        self.pids.write(f"workers/{worker.id}", worker.pid)
        return worker

    def prewarm(self, count: int) -> int:
        """Start idle workers, one after another, until `count` exist (at most the cap). Returns how many started.

        Lambda's provisioned concurrency, for a benchmark that must measure warm invocations and not cold starts.
        A worker that fails to start is dropped (the next invocation reports the failure as usual)."""
        started = 0
        while True:
            with self._cond:
                if self._retired or len(self._all) + self._starting >= min(count, self.worker_cap):
                    return started
                self._starting += 1
            try:
                worker = Worker(self.spec, self.code_dir, self.layer_dirs, self.wiring, self.sink)
            finally:
                with self._cond:
                    self._starting -= 1
            if worker.init_error is not None:
                worker.stop()
                return started
            worker.cold = False  # initialised ahead of demand: its first invocation is not a cold start
            with self._cond:
                self._all.add(worker)
                self._idle.append(worker)
                self._cond.notify()
            self.pids.write(f"workers/{worker.id}", worker.pid)
            started += 1

    def _release(self, worker: Worker) -> None:
        with self._cond:
            self._in_flight -= 1
            if worker.alive and not self._retired:
                self._idle.append(worker)
            else:
                self._all.discard(worker)
                self.pids.remove(f"workers/{worker.id}")
                worker.stop()
            self._cond.notify()

    def invoke(
        self,
        payload: bytes,
        invocation_type: str,
        attempt: int = 1,
        request_id: str | None = None,
        *,
        queued_ms: float | None = None,
    ) -> Result:
        """Run one invocation on a free (or new) worker. `queued_ms`: how long an async event waited in the queue."""
        request_id = request_id or str(uuid.uuid4())
        waited = time.monotonic()
        worker = self._acquire(wait_s=max(30.0, float(self.spec.timeout_s)))
        waited_ms = monotonic_ms(waited)
        try:
            self.sink.platform(
                "start",
                requestId=request_id,
                functionName=self.spec.name,
                invocationType=invocation_type,
                attempt=attempt,
                workerId=worker.id,
            )
            result = worker.invoke(payload, request_id, float(self.spec.timeout_s), f"Root=1-{uuid.uuid4().hex[:24]}")
            local: dict[str, Any] = {"workerWaitMs": waited_ms}  # local-runtime extras for the stage profile
            if queued_ms is not None:
                local["queuedMs"] = round(queued_ms, 1)
            if result.cpu_ms is not None:
                local["cpuMs"] = result.cpu_ms
            if result.sdk_ms:
                local["awsSdkMs"] = result.sdk_ms
            self.sink.platform(
                "report",
                requestId=request_id,
                functionName=self.spec.name,
                durationMs=result.duration_ms,
                memorySizeMB=self.spec.memory_mb,
                coldStart=result.cold_start,
                status="error" if result.function_error else "success",
                attempt=attempt,
                **local,
            )
            return result
        finally:
            self._release(worker)

    def retire(self) -> None:
        """Stop idle workers now and busy ones when they finish (the configuration changed or the runtime stops)."""
        with self._cond:
            self._retired = True
            idle, self._idle = self._idle, []
            for worker in idle:
                self._all.discard(worker)
        for worker in idle:
            self.pids.remove(f"workers/{worker.id}")
            worker.stop()
