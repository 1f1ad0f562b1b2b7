"""`python -m webhookdev.local.moto_process --port N`: a moto server on loopback that dies with its parent."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading

from webhookdev.local import moto_compat, moto_perf
from webhookdev.local.procs import die_with_parent, port_free
from webhookdev.local.settings import HOST


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args(argv)
    os.environ.setdefault("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")

    from moto.server import ThreadedMotoServer  # noqa: PLC0415 - after MOTO_* settings are in the environment

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    die_with_parent(on_death=stop.set)
    if not port_free(HOST, args.port):  # ThreadedMotoServer would wait forever for a server that cannot bind
        print(f"port {args.port} is in use", flush=True)
        return 1
    print(f"moto patches: {', '.join(moto_compat.apply())}", flush=True)
    print(f"moto savings: {', '.join(moto_perf.apply())}", flush=True)
    server = ThreadedMotoServer(ip_address=HOST, port=args.port, verbose=True)
    server.start()
    stop.wait()
    server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
