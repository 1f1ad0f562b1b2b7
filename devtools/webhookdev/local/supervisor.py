"""`python -m webhookdev.local.supervisor`: the one long-lived process `up` leaves behind.

It starts the moto server, the PayPal stub and the runtime as its children (each ends with it), records their pids,
and stops them all when it gets SIGTERM (`down`), when one of them dies, or when the optional owner process (a test
session, the demo) goes away.

Two signals restart moto without stopping the rest (`stack.restart_moto`, the fault tests): SIGUSR1 kills moto with
SIGKILL, as a crash would, and keeps the stack running without it; SIGUSR2 starts a fresh, empty moto on the same
port. Any other exit of moto still stops everything: a moto that lost its state unasked would serve a stack whose
buckets and tables are gone.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import threading
import time

from webhookdev.local.procs import PidFiles, pid_alive, spawn, stop_pid, wait_gone
from webhookdev.local.settings import Layout, Ports

#: Kill moto (SIGKILL) and keep the stack running without it.
KILL_MOTO = signal.SIGUSR1
#: Start a fresh, empty moto on the same port (after KILL_MOTO).
START_MOTO = signal.SIGUSR2

SERVICES = {
    "moto": ["-m", "webhookdev.local.moto_process"],
    "paypal-stub": ["-m", "webhookdev.local.paypal_stub"],
    "runtime": ["-m", "webhookdev.local.runtime"],
}


class Children:
    """The supervised processes by name, each logging to `<logs>/<name>.log` and recorded in a pid file."""

    def __init__(self, layout: Layout, ports: Ports, pids: PidFiles) -> None:
        self.layout, self.ports, self.pids = layout, ports, pids
        self.env = dict(os.environ)
        self.env["MOTO_IAM_LOAD_MANAGED_POLICIES"] = "true"
        self.procs: dict[str, subprocess.Popen[bytes]] = {}

    def start(self, name: str) -> None:
        argv = [sys.executable, *SERVICES[name]]
        if name == "moto":
            argv += ["--port", str(self.ports.moto)]
        proc = spawn(argv, self.layout.logs_dir / f"{name}.log", self.env, cwd=self.layout.repo)
        self.procs[name] = proc
        self.pids.write(name, proc.pid)
        print(f"started {name} (pid {proc.pid})", flush=True)

    def kill(self, name: str) -> None:
        """SIGKILL, as a crash; the process is forgotten, so its exit does not stop the stack."""
        proc = self.procs.pop(name, None)
        if proc is None:
            return
        proc.kill()
        wait_gone(proc.pid, 10.0)
        proc.poll()
        self.pids.remove(name)
        print(f"killed {name} (pid {proc.pid}) on request", flush=True)

    def dead(self) -> list[str]:
        return [name for name, proc in self.procs.items() if proc.poll() is not None]

    def stop_all(self) -> None:
        for name, proc in reversed(self.procs.items()):
            stop_pid(proc.pid, timeout=5.0)
            proc.poll()
            self.pids.remove(name)
        deadline = time.monotonic() + 5
        for name, pid in self.pids.all().items():  # workers end with the runtime; wait for them to be gone
            while name.startswith("workers/") and pid_alive(pid) and time.monotonic() < deadline:
                time.sleep(0.05)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--owner-pid", type=int, default=None, help="stop everything when this process ends")
    args = parser.parse_args(argv)
    layout = Layout.default()
    children = Children(layout, Ports.from_env(), PidFiles(layout.pids_dir))

    stop, kill_moto, start_moto = threading.Event(), threading.Event(), threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    signal.signal(KILL_MOTO, lambda *_: kill_moto.set())
    signal.signal(START_MOTO, lambda *_: start_moto.set())
    for name in SERVICES:
        children.start(name)

    reason = "stop requested"
    while not stop.wait(0.2):
        if kill_moto.is_set():
            kill_moto.clear()
            children.kill("moto")
        if start_moto.is_set():
            start_moto.clear()
            if "moto" not in children.procs:
                children.start("moto")
        if args.owner_pid is not None and not pid_alive(args.owner_pid):
            reason = f"owner {args.owner_pid} ended"
            break
        if dead := children.dead():
            reason = f"{', '.join(dead)} exited"
            break
    print(f"stopping: {reason}", flush=True)
    children.stop_all()
    return 0


if __name__ == "__main__":
    sys.exit(main())
