"""Process bookkeeping: pid files, liveness, stopping by pid, and dying with the parent.

Every process the local stack starts records its pid under `.local/pids/` and stops by itself when the process that
started it goes away (Linux parent-death signal plus a polling watchdog), so nothing outlives a test run.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path

_PR_SET_PDEATHSIG = 1
#: Only processes whose command line carries this marker are ever signalled from a pid file (guards against pid reuse).
MARKER = "webhookdev"


def pid_alive(pid: int) -> bool:
    """True if `pid` exists and is not a zombie."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat.rsplit(")", 1)[-1].split()[0] != "Z"


#: Kernel clock ticks per second: the unit of /proc's CPU times.
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def process_cpu_seconds(pid: int) -> float:
    """User plus system CPU time `pid` has used (``/proc/<pid>/stat``). Raises OSError if the process is gone."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime + stime


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def is_ours(pid: int) -> bool:
    return pid_alive(pid) and MARKER in _cmdline(pid)


def stop_pid(pid: int, timeout: float = 10.0) -> bool:
    """SIGTERM, wait up to `timeout`, then SIGKILL. Returns True once the process is gone."""
    if not is_ours(pid):
        return not pid_alive(pid)
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    if wait_gone(pid, timeout):
        return True
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    return wait_gone(pid, 5.0)


def wait_gone(pid: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(ChildProcessError, OSError):
            os.waitpid(pid, os.WNOHANG)  # reap it if it is our child
        if not pid_alive(pid):
            return True
        time.sleep(0.05)
    return not pid_alive(pid)


class PidFiles:
    """`<dir>/<name>.pid` files; names may contain `/` for grouping (e.g. `workers/webhook-processor-1`)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def write(self, name: str, pid: int) -> None:
        path = self.directory / f"{name}.pid"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"{pid}\n")

    def read(self, name: str) -> int | None:
        try:
            return int((self.directory / f"{name}.pid").read_text().strip())
        except (OSError, ValueError):
            return None

    def remove(self, name: str) -> None:
        (self.directory / f"{name}.pid").unlink(missing_ok=True)

    def all(self) -> dict[str, int]:
        found: dict[str, int] = {}
        if not self.directory.exists():
            return found
        for path in sorted(self.directory.rglob("*.pid")):
            name = str(path.relative_to(self.directory))[: -len(".pid")]
            pid = self.read(name)
            if pid is not None:
                found[name] = pid
        return found


def die_with_parent(on_death: Callable[[], None] | None = None, owner_pid: int | None = None) -> None:
    """Make this process end when its parent (or `owner_pid`) ends.

    Linux delivers SIGTERM on parent death (prctl); a watchdog thread also polls, which covers the race at start-up
    and an explicit owner that is not the parent.
    """
    parent = os.getppid()
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)

    def orphaned() -> bool:
        if os.getppid() != parent:
            return True
        return owner_pid is not None and not pid_alive(owner_pid)

    def watch() -> None:
        while not orphaned():
            time.sleep(0.5)
        if on_death is not None:
            on_death()
        os._exit(0)

    if orphaned():
        os._exit(0)
    threading.Thread(target=watch, name="parent-watchdog", daemon=True).start()


def port_free(host: str, port: int) -> bool:
    """True if a server could listen on host:port now (as the stack's servers do, with SO_REUSEADDR)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def port_listening(host: str, port: int) -> bool:
    """True if a server accepts connections on host:port."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.settimeout(1.0)
        return probe.connect_ex((host, port)) == 0


def spawn(
    argv: Sequence[str], log_path: Path, env: dict[str, str], cwd: Path | None = None, new_session: bool = False
) -> subprocess.Popen[bytes]:
    """Start a child with stdout and stderr appended to `log_path`."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("ab") as log:
        return subprocess.Popen(  # noqa: S603 - argv is built by this package, never from user input
            list(argv),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=cwd,
            start_new_session=new_session,
        )
