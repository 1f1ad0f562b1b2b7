"""`python -m webhookdev.local.supervisor`: the one long-lived process `up` leaves behind.

It starts the moto server, the PayPal stub and the runtime as its children (each ends with it), records their pids,
and stops them all when it gets SIGTERM (`down`), when one of them dies, or when the optional owner process (a test
session, the demo) goes away.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import threading
import time

from webhookdev.local.procs import PidFiles, pid_alive, spawn, stop_pid
from webhookdev.local.settings import Layout, Ports

SERVICES = {
    "moto": ["-m", "webhookdev.local.moto_process"],
    "paypal-stub": ["-m", "webhookdev.local.paypal_stub"],
    "runtime": ["-m", "webhookdev.local.runtime"],
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--owner-pid", type=int, default=None, help="stop everything when this process ends")
    args = parser.parse_args(argv)
    layout = Layout.default()
    ports = Ports.from_env()
    pids = PidFiles(layout.pids_dir)

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())

    env = dict(os.environ)
    env["MOTO_IAM_LOAD_MANAGED_POLICIES"] = "true"
    children: dict[str, subprocess.Popen[bytes]] = {}
    for name, module_args in SERVICES.items():
        argv_ = [sys.executable, *module_args]
        if name == "moto":
            argv_ += ["--port", str(ports.moto)]
        children[name] = spawn(argv_, layout.logs_dir / f"{name}.log", env, cwd=layout.repo)
        pids.write(name, children[name].pid)
        print(f"started {name} (pid {children[name].pid})", flush=True)

    reason = "stop requested"
    while not stop.wait(0.5):
        if args.owner_pid is not None and not pid_alive(args.owner_pid):
            reason = f"owner {args.owner_pid} ended"
            break
        dead = [name for name, proc in children.items() if proc.poll() is not None]
        if dead:
            reason = f"{', '.join(dead)} exited"
            break
    print(f"stopping: {reason}", flush=True)
    for name, proc in reversed(children.items()):
        stop_pid(proc.pid, timeout=5.0)
        proc.poll()
        pids.remove(name)
    deadline = time.monotonic() + 5
    for name, pid in pids.all().items():  # workers end with the runtime; wait for them to be gone
        while name.startswith("workers/") and pid_alive(pid) and time.monotonic() < deadline:
            time.sleep(0.05)
    return 0


if __name__ == "__main__":
    sys.exit(main())
