"""`python -m webhookdev.local.paypal_stub`: the PayPal endpoints the validator calls, on https://localhost.

- `GET /v1/notifications/certs/CERT-local` serves the local message-signing certificate (the `PAYPAL-CERT-URL`).
- `POST /cgi-bin/webscr` answers IPN postbacks (`cmd=_notify-validate&<original body>`): `VERIFIED` only for a
  message registered as sent, `INVALID` otherwise, like PayPal for a message it never sent.
- `POST /_local/ipn/messages` registers a sent IPN message (its exact form-encoded body); the CLI and demo call it.
"""

from __future__ import annotations

import argparse
import signal
import ssl
import sys
import threading
from collections import OrderedDict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from webhookdev.local.procs import die_with_parent
from webhookdev.local.settings import HOST, Layout, Ports
from webhookdev.local.tls import TlsFiles

CERT_PATH = "/v1/notifications/certs/CERT-local"
IPN_VERIFY_PATH = "/cgi-bin/webscr"
IPN_REGISTER_PATH = "/_local/ipn/messages"
_VALIDATE_PREFIX = b"cmd=_notify-validate&"
_MAX_MESSAGES = 10_000


class SentMessages:
    """IPN bodies registered as sent (bounded, oldest forgotten first)."""

    def __init__(self) -> None:
        self._messages: OrderedDict[bytes, None] = OrderedDict()
        self._lock = threading.Lock()

    def add(self, body: bytes) -> None:
        with self._lock:
            self._messages[body] = None
            while len(self._messages) > _MAX_MESSAGES:
                self._messages.popitem(last=False)

    def verdict(self, postback: bytes) -> bytes:
        if not postback.startswith(_VALIDATE_PREFIX):
            return b"INVALID"
        with self._lock:
            return b"VERIFIED" if postback[len(_VALIDATE_PREFIX) :] in self._messages else b"INVALID"


def make_server(tls: TlsFiles, port: int, messages: SentMessages) -> ThreadingHTTPServer:
    signing_pem = tls.signing_cert.read_bytes()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _reply(self, status: int, body: bytes, content_type: str = "text/plain") -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            path = urlsplit(self.path).path
            if path == CERT_PATH:
                self._reply(200, signing_pem, "application/x-pem-file")
            elif path == "/_local/health":
                self._reply(200, b"ok")
            else:
                self._reply(404, b"not found")

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            path = urlsplit(self.path).path
            if path == IPN_VERIFY_PATH:
                self._reply(200, messages.verdict(body))
            elif path == IPN_REGISTER_PATH:
                messages.add(body)
                self._reply(204, b"")
            else:
                self._reply(404, b"not found")

        def log_message(self, format: str, *args: Any) -> None:
            sys.stdout.write(f"{self.address_string()} {format % args}\n")
            sys.stdout.flush()

    server = ThreadingHTTPServer((HOST, port), Handler)
    server.daemon_threads = True
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tls.server_cert, tls.server_key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    return server


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tls-dir", type=Path, default=None)
    args = parser.parse_args(argv)
    tls = TlsFiles(args.tls_dir or Layout.default().tls_dir)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    die_with_parent(on_death=stop.set)
    server = make_server(tls, Ports.from_env().paypal, SentMessages())
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print(f"PayPal stub on {Ports.from_env().paypal_url}", flush=True)
    stop.wait()
    server.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
