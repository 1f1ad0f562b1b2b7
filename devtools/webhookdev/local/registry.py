"""The runtime's view of the deployment: refreshed from moto every few seconds, with a worker pool per function.

A function whose configuration changes (code, layers, environment, handler, limits) gets a fresh pool; the old one
drains. Code is resolved by CodeSha256 (see `artifacts`): a function whose code matches no local artifact stays
registered but refuses invocations with the reason.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config

from webhookdev.local.artifacts import ArtifactIndex, CodeMismatch
from webhookdev.local.deployed import Deployment, FunctionSpec, Layer, NotDeployed, read_functions, read_rest_api
from webhookdev.local.functions import FunctionRuntime, LocalWiring
from webhookdev.local.logsink import LogSink
from webhookdev.local.procs import PidFiles
from webhookdev.local.settings import DUMMY_CREDENTIALS, REGION

REFRESH_SECONDS = 2.5


def aws_client(service: str, endpoint_url: str) -> Any:
    """A boto3 client for the local moto server."""
    return boto3.client(
        service,  # type: ignore[call-overload]
        endpoint_url=endpoint_url,
        region_name=REGION,
        aws_access_key_id=DUMMY_CREDENTIALS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=DUMMY_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        config=Config(retries={"max_attempts": 2, "mode": "standard"}, connect_timeout=5, read_timeout=30),
    )


@dataclass(frozen=True)
class Target:
    """Which REST API and stage to serve (from `.local/runtime.json`; any unset field is discovered)."""

    api_id: str | None = None
    api_name: str | None = None
    stage: str | None = None


@dataclass
class FunctionState:
    spec: FunctionSpec
    runtime: FunctionRuntime | None
    error: str | None = None


@dataclass
class Snapshot:
    deployment: Deployment
    functions: dict[str, FunctionState] = field(default_factory=dict)
    api_error: str | None = None
    refreshed_at: float = 0.0


class Registry:
    def __init__(
        self,
        moto_url: str,
        *,
        wiring: LocalWiring,
        artifacts: ArtifactIndex,
        logs_dir: Path,
        pids: PidFiles,
        target: Target,
    ) -> None:
        self.wiring = wiring
        self.artifacts = artifacts
        self.logs_dir = logs_dir
        self.pids = pids
        self.target = target
        self._apigw = aws_client("apigateway", moto_url)
        self._lambda = aws_client("lambda", moto_url)
        self._layers: dict[str, Layer] = {}
        self._sinks: dict[str, LogSink] = {}
        self._lock = threading.Lock()
        self._refresh_lock = threading.Lock()
        self.snapshot = Snapshot(Deployment(api=None, functions={}), api_error="not read yet")
        self._stop = threading.Event()
        self._held = threading.Event()

    def sink(self, name: str) -> LogSink:
        with self._lock:
            if name not in self._sinks:
                self._sinks[name] = LogSink(self.logs_dir / f"{name}.log")
            return self._sinks[name]

    def refresh(self) -> Snapshot:
        """Read the deployment back from moto and reconcile the worker pools with it."""
        with self._refresh_lock:
            functions = read_functions(self._lambda, self._layers)
            api_error = None
            try:
                api = read_rest_api(self._apigw, self.target.api_id, self.target.api_name, self.target.stage)
            except NotDeployed as error:
                api, api_error = None, str(error)
            old = self.snapshot.functions
            states: dict[str, FunctionState] = {}
            for name, spec in functions.items():
                previous = old.get(name)
                if previous is not None and previous.spec == spec:
                    states[name] = previous
                    continue
                if previous is not None and previous.runtime is not None:
                    previous.runtime.retire()
                states[name] = self._prepare(spec)
            for name, state in old.items():
                if name not in functions and state.runtime is not None:
                    state.runtime.retire()
            snapshot = Snapshot(Deployment(api=api, functions=functions), states, api_error, time.time())
            self.snapshot = snapshot
            return snapshot

    def hold(self) -> None:
        """Keep serving the current snapshot, whatever moto says, until :meth:`retarget`.

        For a moto restart (`stack.restart_moto`): API Gateway and Lambda do not vanish when S3 and DynamoDB are
        gone, but here they are read back from moto, which then has nothing (or half a deployment) to read back.
        """
        self._held.set()

    @property
    def held(self) -> bool:
        return self._held.is_set()

    def retarget(self, target: Target) -> Snapshot:
        """Serve `target` (the REST API `up` just deployed) from now on, ending any hold, and refresh."""
        self.target = target
        self._held.clear()
        return self.refresh()

    def _prepare(self, spec: FunctionSpec) -> FunctionState:
        try:
            code_dir = self.artifacts.unpack(spec.code_sha256)
            layer_dirs = tuple(self.artifacts.unpack(layer.code_sha256) for layer in spec.layers)
        except CodeMismatch as error:
            self.sink(spec.name).platform("codeRejected", functionName=spec.name, reason=str(error))
            return FunctionState(spec, None, f"CodeVerificationFailed: {error}")
        runtime = FunctionRuntime(
            spec,
            code_dir=code_dir,
            layer_dirs=layer_dirs,
            wiring=self.wiring,
            sink=self.sink(spec.name),
            pids=self.pids,
        )
        return FunctionState(spec, runtime)

    def function(self, name_or_arn: str) -> FunctionState | None:
        snapshot = self.snapshot
        spec = snapshot.deployment.function(name_or_arn)
        return snapshot.functions.get(spec.name) if spec else None

    def run_refresher(self) -> threading.Thread:
        def loop() -> None:
            while not self._stop.wait(REFRESH_SECONDS):
                if self._held.is_set():
                    continue
                try:
                    self.refresh()
                except Exception as error:  # moto briefly unavailable: keep serving the last snapshot
                    self.sink("local-runtime").write({"type": "refresh.error", "error": repr(error)})

        thread = threading.Thread(target=loop, name="refresher", daemon=True)
        thread.start()
        return thread

    def status(self) -> dict[str, Any]:
        snapshot = self.snapshot
        api = snapshot.deployment.api
        return {
            "refreshed_at": snapshot.refreshed_at,
            "held": self.held,
            "api": {"id": api.id, "name": api.name, "stage": api.stage.name} if api else None,
            "api_error": snapshot.api_error,
            "functions": {
                name: {
                    "code_sha256": state.spec.code_sha256,
                    "runnable": state.runtime is not None,
                    "error": state.error,
                    "workers": state.runtime.worker_pids() if state.runtime else [],
                }
                for name, state in snapshot.functions.items()
            },
        }

    def close(self) -> None:
        self._stop.set()
        for state in self.snapshot.functions.values():
            if state.runtime is not None:
                state.runtime.retire()
