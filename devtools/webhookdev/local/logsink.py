"""Function logs as JSON lines, one file per function, the way CloudWatch Logs would hold them.

Lines a function prints as JSON (Powertools does) are kept as they are; any other line (a print, a traceback) is
wrapped in a JSON object. Platform lines (`platform.start`, `platform.report`) follow Lambda's JSON log format.
"""

from __future__ import annotations

import json
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class LogSink:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.Lock()
        self._handle = path.open("a", encoding="utf-8")

    def write(self, record: dict[str, Any]) -> None:
        with self._lock:
            self._handle.write(json.dumps(record, default=str) + "\n")
            self._handle.flush()

    def line(self, text: str, stream: str) -> None:
        text = text.rstrip("\n")
        if not text:
            return
        try:
            parsed = json.loads(text)
        except ValueError:
            parsed = None
        if isinstance(parsed, dict):
            with self._lock:
                self._handle.write(text + "\n")
                self._handle.flush()
        else:
            self.write({"time": _now(), "type": "function", "stream": stream, "message": text})

    def platform(self, kind: str, **record: Any) -> None:
        self.write({"time": _now(), "type": f"platform.{kind}", "record": record})

    def pump(self, stream: IO[bytes], name: str) -> threading.Thread:
        """Copy a worker's output into the log until it closes."""

        def run() -> None:
            for raw in iter(stream.readline, b""):
                self.line(raw.decode("utf-8", errors="replace"), name)
            stream.close()

        thread = threading.Thread(target=run, name=f"log-{self.path.stem}", daemon=True)
        thread.start()
        return thread

    def close(self) -> None:
        with self._lock:
            self._handle.close()


def monotonic_ms(start: float) -> float:
    return round((time.monotonic() - start) * 1000, 1)
