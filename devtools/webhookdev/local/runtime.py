"""`python -m webhookdev.local.runtime`: the API Gateway and Lambda runtime in one process.

Reads the deployment back from moto (refreshing every few seconds), serves the gateway and the Invoke API on
loopback, polls the DynamoDB streams of the deployed event source mappings (`streams`), and ends with its parent
(the supervisor), taking its worker processes with it.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import signal
import sys
import threading
from pathlib import Path

from webhookdev.local import gateway, invoke_api
from webhookdev.local.artifacts import ArtifactIndex
from webhookdev.local.functions import LocalWiring
from webhookdev.local.invoker import Invoker
from webhookdev.local.logsink import LogSink
from webhookdev.local.procs import PidFiles, die_with_parent
from webhookdev.local.registry import Registry, Target, aws_client
from webhookdev.local.settings import HOST, REGION, Layout, Ports
from webhookdev.local.streams import StreamPoller


def load_target(path: Path) -> tuple[Target, tuple[Path, ...], int]:
    """The REST API to serve, the artifact roots and the local worker cap, from `.local/runtime.json`."""
    config = json.loads(path.read_text()) if path.exists() else {}
    target = Target(config.get("api_id"), config.get("api_name"), config.get("stage"))
    roots = tuple(Path(p) for p in config.get("artifact_roots", []))
    return target, roots, int(config.get("max_workers_per_function", 2))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--config", type=Path, help="runtime.json (default: .local/runtime.json)")
    args = parser.parse_args(argv)
    layout = Layout.default()
    ports = Ports.from_env()
    config_path = args.config or layout.runtime_json
    target, roots, max_workers = load_target(config_path)

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    die_with_parent(on_death=stop.set)

    wiring = LocalWiring(
        moto_url=ports.moto_url,
        invoke_url=ports.invoke_url,
        max_workers=max_workers,
        faults_file=str(layout.faults_file),
    )
    artifacts = ArtifactIndex(roots or (layout.build_dir,), layout.code_cache)
    registry = Registry(
        ports.moto_url,
        wiring=wiring,
        artifacts=artifacts,
        logs_dir=layout.logs_dir,
        pids=PidFiles(layout.pids_dir),
        target=target,
    )
    with contextlib.suppress(Exception):  # moto may still be empty; the refresher keeps trying
        registry.refresh()
    registry.run_refresher()
    invoker = Invoker(registry, ports.moto_url)
    streams = StreamPoller(
        lambda_client=aws_client("lambda", ports.moto_url),
        streams_client=aws_client("dynamodbstreams", ports.moto_url),
        sqs_client=aws_client("sqs", ports.moto_url),
        invoke=invoker.invoke,
        sink=registry.sink("event-source-mappings"),
        region=REGION,
        checkpoints=layout.local / "stream-checkpoints.json",
    )
    streams.run()
    servers = [
        invoke_api.make_server(invoker, HOST, ports.invoke, lambda: load_target(config_path)[0]),
        gateway.make_server(
            gateway.Gateway(invoker, LogSink(layout.logs_dir / "api-gateway.log")), HOST, ports.gateway
        ),
    ]
    for server in servers:
        threading.Thread(target=server.serve_forever, name=f"http-{server.server_port}", daemon=True).start()
    print(f"local runtime: gateway {ports.gateway_url}, invoke API {ports.invoke_url}", flush=True)
    stop.wait()
    for server in servers:
        server.shutdown()
    streams.close()
    invoker.close()
    registry.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
