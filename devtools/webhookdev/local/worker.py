"""One Lambda execution environment: imports the handler once (the cold start), then serves invocations.

Started by `functions.Worker` as `python -I -u worker.py …`: isolated mode, so nothing from the developer's
PYTHONPATH leaks in. This file uses only the standard library until it has built the function's sys.path:
[function code dir, stdlib, host site-packages (native wheels for this machine), each layer's python/ dir].
Requests and results are JSON lines on two inherited pipes; stdout and stderr are the function's log.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
import threading
import time
import traceback
from typing import Any, TextIO


class LambdaContext:
    """The attributes of the Lambda Python runtime's context object that handlers and Powertools read."""

    def __init__(self, request: dict[str, Any]) -> None:
        self.function_name = os.environ["AWS_LAMBDA_FUNCTION_NAME"]
        self.function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        self.invoked_function_arn = str(request["invoked_arn"])
        self.memory_limit_in_mb = int(os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128"))
        self.aws_request_id = str(request["request_id"])
        self.log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME", "")
        self.log_stream_name = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME", "")
        self.identity = None
        self.client_context = None
        self._deadline_ms = int(request["deadline_ms"])

    def get_remaining_time_in_millis(self) -> int:
        return max(0, self._deadline_ms - int(time.time() * 1000))


def _error(exc: BaseException, error_type: str | None = None) -> dict[str, Any]:
    return {
        "errorMessage": str(exc),
        "errorType": error_type or type(exc).__name__,
        "requestId": "",
        "stackTrace": traceback.format_list(traceback.extract_tb(exc.__traceback__)),
    }


def _send(out: TextIO, message: dict[str, Any]) -> None:
    out.write(json.dumps(message) + "\n")
    out.flush()


def _build_sys_path(code_dir: str, site_packages: list[str], layer_dirs: list[str]) -> None:
    stdlib = [p for p in sys.path if p and "site-packages" not in p]
    layer_python = [os.path.join(d, "python") for d in layer_dirs]
    sys.path[:] = [code_dir, *stdlib, *site_packages, *layer_python]


def _install_fault_hook(path: str) -> None:
    """Fault injection for the test harness (tests/e2e/test_faults.py), local runtime only.

    Before every AWS SDK call the function makes, read ``path`` (JSON, written by the harness; absent means no
    faults) and apply the first rule that matches this function, service and operation:
    ``{"function": "webhook-processor", "service": "dynamodb", "operation": "PutItem", "times": 3,
    "action": "error", "status": 400, "code": "ProvisionedThroughputExceededException"}``. ``action`` is ``error`` (an
    AWS error response), ``unreachable`` (a connection error, as when moto is down) or ``exit`` (the process dies,
    as a crashed or timed-out Lambda does). ``times`` counts down across processes (the file is locked); a rule
    without it applies until the harness removes it. The function's code is not touched: the SDK raises what AWS
    would have.
    """
    import fcntl  # noqa: PLC0415 - stdlib, only when the runtime asked for the hook

    import boto3  # noqa: PLC0415 - from the function's sys.path, as the handler will import it
    from botocore.awsrequest import AWSResponse  # noqa: PLC0415
    from botocore.compat import HTTPHeaders  # noqa: PLC0415
    from botocore.exceptions import EndpointConnectionError  # noqa: PLC0415

    function = os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "")

    def matching_rule(service: str, operation: str) -> dict[str, Any] | None:
        try:
            handle = open(path, "r+", encoding="utf-8")  # noqa: SIM115 - closed below, after the lock
        except OSError:
            return None
        with handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                rules = json.loads(handle.read() or "[]")
            except ValueError:
                return None
            for rule in rules:
                if rule.get("function", function) != function or rule.get("service", service) != service:
                    continue
                if rule.get("operation", operation) != operation or rule.get("times", 1) <= 0:
                    continue
                if "times" in rule:
                    rule["times"] -= 1
                    handle.seek(0)
                    handle.truncate()
                    handle.write(json.dumps(rules))
                return dict(rule)
        return None

    def before_call(model: Any, **_: Any) -> Any:
        service = model.service_model.endpoint_prefix
        rule = matching_rule(service, model.name)
        if rule is None:
            return None
        print(json.dumps({"level": "WARNING", "message": "injected fault", "fault": rule}), flush=True)
        action = rule.get("action", "error")
        if action == "exit":
            os._exit(1)
        if action == "unreachable":
            raise EndpointConnectionError(endpoint_url=os.environ.get("AWS_ENDPOINT_URL", "moto"))
        status = int(rule.get("status", 503))
        code = str(rule.get("code", "ServiceUnavailable"))
        response = AWSResponse("http://fault", status, HTTPHeaders(), None)
        return response, {
            "Error": {"Code": code, "Message": "injected by the test harness"},
            "ResponseMetadata": {"HTTPStatusCode": status, "HTTPHeaders": {}},
        }

    boto3.setup_default_session()
    if boto3.DEFAULT_SESSION is not None:  # clients the handler creates copy the session's event hooks
        boto3.DEFAULT_SESSION.events.register("before-call.*.*", before_call)


class _SdkTimer:
    """Wall time of every AWS SDK call the function makes, per ``service.Operation``, for the local runtime's
    per-stage profile (``platform.report`` carries it as ``awsSdkMs``). From botocore's ``before-call`` to
    ``after-call`` (or ``after-call-error``): serialization, signing, the round trip to moto, retries and parsing."""

    def __init__(self) -> None:
        self.calls: dict[str, float] = {}

    def install(self) -> None:
        try:
            import boto3  # noqa: PLC0415 - from the function's sys.path, as the handler will import it
        except ImportError:  # a function without the SDK has nothing to time
            return
        if boto3.DEFAULT_SESSION is None:
            boto3.setup_default_session()
        if boto3.DEFAULT_SESSION is None:
            return
        events = boto3.DEFAULT_SESSION.events  # clients the handler creates copy the session's event hooks
        events.register("before-call.*.*", self._before)
        events.register("after-call.*.*", self._after)
        events.register("after-call-error.*.*", self._after)

    def _before(self, model: Any, context: dict[str, Any], **_: Any) -> None:
        context["_local_sdk_started"] = time.perf_counter()
        context["_local_sdk_name"] = f"{model.service_model.endpoint_prefix}.{model.name}"

    def _after(self, context: dict[str, Any], **_: Any) -> None:
        started = context.pop("_local_sdk_started", None)
        if started is not None:
            name = str(context.pop("_local_sdk_name", "?"))
            self.calls[name] = self.calls.get(name, 0.0) + (time.perf_counter() - started) * 1000

    def take(self) -> dict[str, float]:
        calls, self.calls = self.calls, {}
        return {name: round(ms, 2) for name, ms in calls.items()}


def _exit_with_parent() -> None:
    """End with the runtime that started us. Its exit also closes our request pipe, which ends the loop in main();
    this covers a handler that is still running then. (PR_SET_PDEATHSIG would fire when the runtime *thread* that
    started us ends, so it is not used here.)"""
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, name="parent-watchdog", daemon=True).start()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--code-dir", required=True)
    parser.add_argument("--handler", required=True)
    parser.add_argument("--site-packages", action="append", default=[])
    parser.add_argument("--layer-dir", action="append", default=[])
    parser.add_argument("--req-fd", type=int, required=True)
    parser.add_argument("--resp-fd", type=int, required=True)
    args = parser.parse_args()
    _exit_with_parent()

    requests = os.fdopen(args.req_fd, "r", encoding="utf-8")
    results = os.fdopen(args.resp_fd, "w", encoding="utf-8")
    os.chdir(args.code_dir)
    _build_sys_path(args.code_dir, args.site_packages, args.layer_dir)

    module_name, _, function_name = args.handler.rpartition(".")
    started = time.monotonic()
    timer = _SdkTimer()
    try:
        if faults := os.environ.pop("WEBHOOKDEV_FAULTS_FILE", ""):
            _install_fault_hook(faults)
        if os.environ.pop("WEBHOOKDEV_SDK_TIMING", "") == "1":
            timer.install()
        handler = getattr(importlib.import_module(module_name), function_name)
    except Exception as exc:  # the Lambda runtime reports import failures as Runtime.ImportModuleError
        traceback.print_exc()
        _send(results, {"type": "init_error", "error": _error(exc, "Runtime.ImportModuleError")})
        return 1
    _send(results, {"type": "ready", "init_ms": round((time.monotonic() - started) * 1000, 1)})

    for line in requests:
        request = json.loads(line)
        os.environ["_X_AMZN_TRACE_ID"] = str(request.get("trace_id", ""))
        cpu_started = time.process_time()
        reply: dict[str, Any]
        try:
            response = handler(json.loads(request["payload"]), LambdaContext(request))
            try:
                reply = {"type": "result", "ok": True, "payload": json.dumps(response)}
            except (TypeError, ValueError) as exc:
                reply = {"type": "result", "ok": False, "error": _error(exc, "Runtime.MarshalError")}
        except Exception as exc:  # an unhandled function error, reported like the Lambda runtime does
            error = _error(exc)
            error["requestId"] = str(request["request_id"])
            print(json.dumps({"level": "ERROR", "message": "Unhandled function error", **error}), flush=True)
            reply = {"type": "result", "ok": False, "error": error}
        # What this invocation cost the worker: its CPU time, and the wall time of each AWS SDK call (profile).
        reply["cpu_ms"] = round((time.process_time() - cpu_started) * 1000, 2)
        reply["sdk_ms"] = timer.take()
        _send(results, reply)
    return 0


if __name__ == "__main__":
    sys.exit(main())
