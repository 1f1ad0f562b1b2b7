"""`up`, `down` and `status` for the local stack.

`up` (idempotent): start the supervisor (moto, PayPal stub, runtime) unless it runs, apply the Terraform into moto,
put the demo secrets, wait until the runtime serves what was deployed, and write `.local/stack.json`.
`down`: stop the supervisor and everything under it, verify by pid that nothing is left, and forget the stack's
state (moto keeps everything in memory, so the next `up` starts a fresh stack with fresh secrets).
`restart_moto` (= `kill_moto`, `start_moto`, `reapply`): moto dies and comes back empty while the rest keeps running,
then the Terraform is applied again; the fault tests use the steps to send webhooks while storage is gone.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import requests

from webhookdev import providers
from webhookdev.local import paypal_stub, seeding, supervisor, tls
from webhookdev.local.deployed import read_functions
from webhookdev.local.procs import PidFiles, is_ours, pid_alive, port_free, port_listening, spawn, stop_pid
from webhookdev.local.registry import aws_client
from webhookdev.local.settings import HOST, REGION, Layout, Ports
from webhookdev.local.terraform import Tofu, TofuFailed, prepare_workdir

READY_TIMEOUT_S = 120.0
#: Terraform outputs that name the REST API and stage to serve, in order of preference.
API_ID_OUTPUTS = ("rest_api_id", "api_id")
STAGE_OUTPUTS = ("stage_name", "api_stage_name", "stage")


class StackError(RuntimeError):
    """`up` could not bring the stack to a serving state; the message says what and where to look."""


def _env_workers(default: int) -> int:
    text = os.environ.get("WEBHOOKDEV_MAX_WORKERS_PER_FUNCTION", "").strip()
    if not text:
        return default
    if not text.isdigit() or not 1 <= int(text) <= 32:
        raise StackError("WEBHOOKDEV_MAX_WORKERS_PER_FUNCTION must be a whole number from 1 to 32")
    return int(text)


@dataclass(frozen=True)
class Options:
    """What to deploy. The defaults deploy the repository's root module with environments/local.tfvars."""

    source: Path | None = None
    #: None means environments/local.tfvars of `source`.
    var_files: tuple[Path, ...] | None = None
    artifact_roots: tuple[Path, ...] = ()
    owner_pid: int | None = None
    extra_vars: dict[str, Any] = field(default_factory=dict)
    #: WEBHOOKDEV_MAX_WORKERS_PER_FUNCTION overrides it (a load run on a machine with cores to spare).
    max_workers_per_function: int = field(default_factory=lambda: _env_workers(2))
    quiet: bool = False


def _say(options: Options, message: str) -> None:
    if not options.quiet:
        print(message, file=sys.stderr, flush=True)


def _wait(what: str, probe: Any, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        try:
            if probe():
                return
        except Exception as error:  # not up yet
            last_error = error
        time.sleep(0.2)
    raise StackError(f"{what} did not answer within {timeout:.0f}s ({last_error!r})")


def _supervisor_pid(layout: Layout) -> int | None:
    pid = PidFiles(layout.pids_dir).read("supervisor")
    return pid if pid is not None and is_ours(pid) else None


def _declared_variables(source: Path) -> set[str]:
    names: set[str] = set()
    for tf in source.glob("*.tf"):
        names.update(re.findall(r'^variable\s+"([^"]+)"', tf.read_text(), flags=re.MULTILINE))
    return names


def local_stack_variables(layout: Layout, ports: Ports) -> dict[str, Any]:
    """Values only the local stack knows (its generated CA, its ports), passed if the root module declares them."""
    files = tls.TlsFiles(layout.tls_dir)
    return {
        "paypal_cert_ca_bundle": str(files.ca_cert),
        "paypal_ipn_verify_url": f"{ports.paypal_url}{paypal_stub.IPN_VERIFY_PATH}",
    }


def _busy_ports(ports: Ports, options: Options, patience: float = 70.0) -> list[str]:
    """Ports another server listens on, or that stay taken for `patience` seconds.

    The default ports lie in Linux's ephemeral range, so a closed client connection may hold one in TIME_WAIT for up
    to 60 s. Nothing listens then (a connect is refused), so waiting is the cure; a listener fails at once."""
    deadline = time.monotonic() + patience
    said = False
    while True:
        taken = {name: port for name, port in asdict(ports).items() if not port_free(HOST, port)}
        listening = [f"{name} {port}" for name, port in taken.items() if port_listening(HOST, port)]
        if listening or not taken or time.monotonic() > deadline:
            return listening or [f"{name} {port}" for name, port in taken.items()]
        if not said:
            held = ", ".join(str(p) for p in taken.values())
            _say(options, f"waiting for port {held}: held by a closed connection (TIME_WAIT, up to 60 s)")
            said = True
        time.sleep(1.0)


def _fresh_state(layout: Layout) -> None:
    for path in (
        layout.tf_dir / "terraform.tfstate",
        layout.tf_dir / "terraform.tfstate.backup",
        layout.secrets_json,
        layout.stack_json,
        layout.runtime_json,
    ):
        path.unlink(missing_ok=True)
    shutil.rmtree(layout.tls_dir, ignore_errors=True)
    shutil.rmtree(layout.logs_dir, ignore_errors=True)
    shutil.rmtree(layout.pids_dir, ignore_errors=True)


def _child_env(layout: Layout) -> dict[str, str]:
    env = dict(os.environ)
    env["WEBHOOKDEV_LOCAL_DIR"] = str(layout.local)
    env.pop("PYTHONWARNINGS", None)
    return env


def up(options: Options | None = None) -> dict[str, Any]:
    options = options or Options()
    layout = Layout.default()
    ports = Ports.from_env()
    source = (options.source or layout.repo).resolve()
    started = time.monotonic()
    layout.local.mkdir(parents=True, exist_ok=True)

    if _supervisor_pid(layout) is None:
        busy = _busy_ports(ports, options)
        if busy:
            raise StackError(
                f"ports in use: {', '.join(busy)}. Another stack may run (`make down` in its checkout), or choose "
                "other ports: WEBHOOKDEV_MOTO_PORT, _GATEWAY_PORT, _INVOKE_PORT, _PAYPAL_PORT (below 32768 is safest)."
            )
        _say(options, "starting a fresh local stack (moto, PayPal stub, runtime)")
        _fresh_state(layout)
        tls.generate(tls.TlsFiles(layout.tls_dir))
        _write_runtime_config(layout, options, {})
        argv = [sys.executable, "-m", "webhookdev.local.supervisor"]
        if options.owner_pid is not None:
            argv += ["--owner-pid", str(options.owner_pid)]
        proc = spawn(argv, layout.logs_dir / "supervisor.log", _child_env(layout), layout.repo, new_session=True)
        PidFiles(layout.pids_dir).write("supervisor", proc.pid)
    else:
        _say(options, "the local stack is running: re-applying the Terraform")
    _wait("moto", lambda: requests.get(f"{ports.moto_url}/moto-api/", timeout=2).ok, 60)
    stack = _deploy(options, layout, ports, source, init=True)
    _say(options, f"local stack ready in {time.monotonic() - started:.0f}s: {stack['base_url']}")
    return stack


def _deploy(options: Options, layout: Layout, ports: Ports, source: Path, *, init: bool) -> dict[str, Any]:
    """Apply the Terraform into the running moto, put the secrets, let the runtime serve it, write stack.json."""
    var_files = _var_files(options, source)
    generated = layout.tf_dir / "local-stack.tfvars.json"
    declared = _declared_variables(source)
    stack_vars = {k: v for k, v in local_stack_variables(layout, ports).items() if k in declared}
    stack_vars.update(options.extra_vars)
    prepare_workdir(source, layout.tf_dir, ports.moto_url)
    generated.write_text(json.dumps(stack_vars, indent=2))
    tofu = Tofu(layout.tf_dir, (*var_files, generated), layout.logs_dir)
    _say(options, f"tofu apply into moto at {ports.moto_url} (log: {layout.logs_dir / 'tofu-apply.log'})")
    if init:
        tofu.init()
    tofu.apply()
    outputs = tofu.outputs()

    target = {
        "api_id": next((outputs[k] for k in API_ID_OUTPUTS if isinstance(outputs.get(k), str)), None),
        "stage": next((outputs[k] for k in STAGE_OUTPUTS if isinstance(outputs.get(k), str)), None),
    }
    _write_runtime_config(layout, options, target)
    lam = aws_client("lambda", ports.moto_url)
    functions = read_functions(lam, {})
    values = seeding.load_or_generate(layout.secrets_json)
    seeding.put_secrets(aws_client("secretsmanager", ports.moto_url), values, functions)

    _wait(
        "PayPal stub",
        lambda: (
            requests.get(
                f"{ports.paypal_url}/_local/health", timeout=2, verify=str(tls.TlsFiles(layout.tls_dir).ca_cert)
            ).ok
        ),
        30,
    )
    status = _wait_for_runtime(ports)
    stack = _stack_document(layout, ports, outputs, status, values)
    layout.stack_json.write_text(json.dumps(stack, indent=2))
    return stack


# -- a moto restart (issue 10: storage gone mid-run) ----------------------------------------------------------------


def _signal_supervisor(layout: Layout, signum: int) -> None:
    pid = _supervisor_pid(layout)
    if pid is None:
        raise StackError("the local stack is not running (make up)")
    os.kill(pid, signum)


def kill_moto() -> None:
    """Kill the moto server with SIGKILL, as a crash would, and keep the rest of the stack running.

    The runtime is told first to keep serving the REST API and functions it has (AWS keeps API Gateway and Lambda
    when S3 and DynamoDB fail), so a webhook still reaches its validator and meets the missing storage there. Every
    bucket, table, queue and secret is gone with moto's memory: only :func:`start_moto` and :func:`reapply` (or
    `down`) bring the stack back.
    """
    layout = Layout.default()
    ports = Ports.from_env()
    requests.post(f"{ports.invoke_url}/_local/hold", timeout=30).raise_for_status()
    moto = PidFiles(layout.pids_dir).read("moto")
    _signal_supervisor(layout, supervisor.KILL_MOTO)
    _wait("moto to die", lambda: moto is None or not pid_alive(moto), 15)
    _wait("moto's port to close", lambda: not port_listening(HOST, ports.moto), 15)


def start_moto() -> None:
    """Start a fresh, empty moto on the same port (after :func:`kill_moto`); nothing is deployed in it yet."""
    layout = Layout.default()
    ports = Ports.from_env()
    _signal_supervisor(layout, supervisor.START_MOTO)
    _wait("the new moto", lambda: requests.get(f"{ports.moto_url}/moto-api/", timeout=2).ok, 60)


def reapply(options: Options | None = None, attempts: int = 2) -> dict[str, Any]:
    """Deploy into a fresh moto as `up` does (its old state describes resources that no longer exist), with the
    same secrets, and have the runtime serve the new deployment. Returns the new stack document.

    A failed apply leaves moto half-deployed, which no second apply from an empty state can finish (seen once, at a
    load average of 12: moto created a function and the provider's repeated CreateFunction got 409 for five
    minutes). So another attempt starts again from a fresh moto."""
    options = options or Options()
    layout = Layout.default()
    ports = Ports.from_env()
    source = (options.source or layout.repo).resolve()
    for attempt in range(1, attempts + 1):
        for path in (layout.tf_dir / "terraform.tfstate", layout.tf_dir / "terraform.tfstate.backup"):
            path.unlink(missing_ok=True)
        initialized = (layout.tf_dir / ".terraform").is_dir()
        try:
            return _deploy(options, layout, ports, source, init=not initialized)
        except TofuFailed as error:
            if attempt == attempts:
                raise
            print(f"re-apply failed, starting again from a fresh moto: {str(error).splitlines()[0]}", file=sys.stderr)
            kill_moto()
            start_moto()
    raise AssertionError("unreachable")


def restart_moto(options: Options | None = None) -> dict[str, Any]:
    """Kill moto, start a fresh one on the same port and re-apply the Terraform into it; the rest keeps running."""
    kill_moto()
    start_moto()
    return reapply(options)


def _var_files(options: Options, source: Path) -> list[Path]:
    if options.var_files is None:
        return [source / "environments" / "local.tfvars"]
    return list(options.var_files)


def _write_runtime_config(layout: Layout, options: Options, target: dict[str, Any]) -> None:
    roots = [str(p.resolve()) for p in options.artifact_roots] or [str(layout.build_dir)]
    config = {**target, "artifact_roots": roots, "max_workers_per_function": options.max_workers_per_function}
    layout.runtime_json.write_text(json.dumps(config, indent=2))


def _wait_for_runtime(ports: Ports) -> dict[str, Any]:
    """Ask the runtime to re-read the deployment until it serves the API and can run every function."""
    deadline = time.monotonic() + READY_TIMEOUT_S
    problem = "no answer"
    while time.monotonic() < deadline:
        try:
            status: dict[str, Any] = requests.post(f"{ports.invoke_url}/_local/refresh", timeout=30).json()
        except (requests.RequestException, ValueError) as error:
            problem = repr(error)
            time.sleep(0.3)
            continue
        broken = {name: f["error"] for name, f in status["functions"].items() if not f["runnable"]}
        if broken:
            raise StackError(
                "deployed code does not match any local artifact (run make build, then make up): "
                + json.dumps(broken, indent=2)
            )
        if status.get("api"):
            return status
        problem = str(status.get("api_error"))
        time.sleep(0.5)
    raise StackError(f"the runtime did not serve the deployed API within {READY_TIMEOUT_S:.0f}s: {problem}")


def _stack_document(
    layout: Layout, ports: Ports, outputs: dict[str, Any], status: dict[str, Any], values: dict[str, dict[str, str]]
) -> dict[str, Any]:
    api = status["api"]
    apigw = aws_client("apigateway", ports.moto_url)
    stage = apigw.get_stage(restApiId=api["id"], stageName=api["stage"])
    files = tls.TlsFiles(layout.tls_dir)
    facts = providers.LocalFacts(
        stage_variables=stage.get("variables") or {},
        certificate_url=f"{ports.paypal_url}{paypal_stub.CERT_PATH}",
        signing_key_pem=files.signing_key.read_text(),
    )
    return {
        "base_url": f"{ports.gateway_url}/{api['stage']}",
        "aws_endpoint_url": ports.moto_url,
        "query_api_key": _query_api_key(apigw, outputs.get("query_api_key_id")),
        "logs_dir": str(layout.logs_dir),
        "outputs": outputs,
        "signing": {
            name: providers.get(name).local_material(provider_values, facts) for name, provider_values in values.items()
        },
        # Extras beyond the documented shape.
        "region": REGION,
        "rest_api_id": api["id"],
        "stage": api["stage"],
        "lambda_endpoint_url": ports.invoke_url,
        "paypal_stub": {
            "url": ports.paypal_url,
            "ca_bundle": str(files.ca_cert),
            "ipn_register_url": f"{ports.paypal_url}{paypal_stub.IPN_REGISTER_PATH}",
            "ipn_verify_url": f"{ports.paypal_url}{paypal_stub.IPN_VERIFY_PATH}",
        },
        "pids_dir": str(layout.pids_dir),
    }


def _query_api_key(apigw: Any, key_id: Any) -> str | None:
    """The value of the internal query caller's key: the `query_api_key_id` output, else the key of the usage plan
    named for queries (design.md: `internal-query`)."""
    if isinstance(key_id, str):
        return str(apigw.get_api_key(apiKey=key_id, includeValue=True)["value"])
    keys = apigw.get_api_keys(includeValues=True, limit=500).get("items", [])
    by_id = {k["id"]: k for k in keys}
    for plan in apigw.get_usage_plans(limit=500).get("items", []):
        if "query" in plan.get("name", ""):
            for member in apigw.get_usage_plan_keys(usagePlanId=plan["id"]).get("items", []):
                if member["id"] in by_id:
                    return str(by_id[member["id"]]["value"])
    named = [k for k in keys if "query" in k.get("name", "")]
    return str(named[0]["value"]) if named else None


def plan_has_changes(options: Options | None = None) -> bool:
    """A second `tofu plan -detailed-exitcode` against the running stack."""
    options = options or Options()
    layout = Layout.default()
    source = (options.source or layout.repo).resolve()
    var_files = _var_files(options, source)
    tofu = Tofu(layout.tf_dir, (*var_files, layout.tf_dir / "local-stack.tfvars.json"), layout.logs_dir)
    return tofu.plan_has_changes()


def down(quiet: bool = False) -> list[str]:
    """Stop everything `up` started; returns a line per process. Raises StackError if a process survived."""
    layout = Layout.default()
    pids = PidFiles(layout.pids_dir)
    report: list[str] = []
    supervisor = pids.read("supervisor")
    if supervisor is not None and is_ours(supervisor):
        stop_pid(supervisor, timeout=15.0)
        report.append(f"supervisor {supervisor}: stopped")
    survivors = []
    for name, pid in pids.all().items():
        if pid_alive(pid) and is_ours(pid):
            stopped = stop_pid(pid, timeout=5.0)
            report.append(f"{name} {pid}: {'stopped' if stopped else 'STILL RUNNING'}")
            if not stopped:
                survivors.append(f"{name} ({pid})")
        pids.remove(name)
    if survivors:
        raise StackError(f"processes survived down: {', '.join(survivors)}")
    for path in (
        layout.tf_dir / "terraform.tfstate",
        layout.tf_dir / "terraform.tfstate.backup",
        layout.secrets_json,
        layout.stack_json,
    ):
        path.unlink(missing_ok=True)
    if not quiet:
        print("\n".join(report) or "the local stack was not running", file=sys.stderr)
    return report


def status() -> dict[str, Any]:
    layout = Layout.default()
    ports = Ports.from_env()
    processes = {name: {"pid": pid, "alive": pid_alive(pid)} for name, pid in PidFiles(layout.pids_dir).all().items()}
    runtime: Any
    try:
        runtime = requests.get(f"{ports.invoke_url}/_local/status", timeout=5).json()
    except (requests.RequestException, ValueError) as error:
        runtime = {"error": repr(error)}
    return {
        "running": _supervisor_pid(layout) is not None,
        "processes": processes,
        "runtime": runtime,
        "stack_json": str(layout.stack_json) if layout.stack_json.exists() else None,
    }


def wait_for_file(path: Path, timeout: float) -> None:
    _wait(str(path), path.exists, timeout)
