"""The Lambda Invoke API on loopback (`AWS_ENDPOINT_URL_LAMBDA` of every function points here).

`POST /2015-03-31/functions/{name}/invocations` with `X-Amz-Invocation-Type` RequestResponse (default), Event (202)
or DryRun (204). A function error is HTTP 200 with `X-Amz-Function-Error: Unhandled` and the error as payload.
Also, for `up`, `status` and `stack.restart_moto`: `GET /_local/status`; `POST /_local/refresh` (re-read the target
from `runtime.json`, end any hold, read the deployment back); `POST /_local/hold` (keep serving what is deployed now
while moto restarts).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote, urlsplit

from webhookdev.local.functions import Throttled
from webhookdev.local.invoker import FunctionNotFound, FunctionNotRunnable, Invoker
from webhookdev.local.registry import Target

_INVOKE_PATH = re.compile(r"^/2015-03-31/functions/(?P<name>[^/]+)/invocations$")


def make_server(
    invoker: Invoker, host: str, port: int, load_target: Callable[[], Target] | None = None
) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _reply(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _error(self, status: int, error_type: str, message: str) -> None:
            body = json.dumps({"Type": "User", "Message": message, "message": message, "__type": error_type})
            self._reply(status, body.encode(), {"x-amzn-ErrorType": error_type})

        def do_GET(self) -> None:
            if urlsplit(self.path).path == "/_local/status":
                status = invoker.registry.status()
                status["async_pending"] = invoker.pending()
                self._reply(200, json.dumps(status).encode())
            else:
                self._error(404, "UnknownOperationException", "unknown operation")

        def _control(self, path: str) -> None:
            registry = invoker.registry
            if path == "/_local/hold":
                registry.hold()
            elif load_target is None:
                registry.refresh()
            else:
                registry.retarget(load_target())
            self._reply(200, json.dumps(registry.status()).encode())

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            path = urlsplit(self.path).path
            if path in ("/_local/refresh", "/_local/hold"):
                self._control(path)
                return
            match = _INVOKE_PATH.match(path)
            if match is None:
                self._error(404, "UnknownOperationException", "unknown operation")
                return
            name = unquote(match.group("name"))
            invocation_type = self.headers.get("X-Amz-Invocation-Type", "RequestResponse")
            payload = body or b"{}"
            try:
                json.loads(payload)
            except ValueError:
                self._error(400, "InvalidRequestContentException", "Could not parse request body into json")
                return
            try:
                if invocation_type == "Event":
                    request_id = invoker.enqueue(name, payload)
                    self._reply(202, b"", {"x-amzn-RequestId": request_id})
                elif invocation_type == "DryRun":
                    if invoker.registry.function(name) is None:
                        raise FunctionNotFound(name)
                    self._reply(204, b"")
                else:
                    result = invoker.invoke(name, payload)
                    headers = {"X-Amz-Executed-Version": "$LATEST"}
                    if result.function_error:
                        headers["X-Amz-Function-Error"] = result.function_error
                    self._reply(200, result.payload, headers)
            except FunctionNotFound:
                self._error(404, "ResourceNotFoundException", f"Function not found: {name}")
            except FunctionNotRunnable as error:
                self._error(502, "CodeVerificationFailedException", str(error))
            except Throttled as error:
                self._error(429, "TooManyRequestsException", str(error))

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer((host, port), Handler)
    server.daemon_threads = True
    return server
