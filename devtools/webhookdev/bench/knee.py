"""Local stack throughput: the knee of a short rate ladder, with CPU per process at each step.

    python -m webhookdev.bench.knee [--rates 25,50,100,167] [--step 20] [--json]      # needs `make up`

Each step is one vegeta run (:mod:`webhookdev.bench.load`) at a constant rate. Meanwhile the CPU time of every
process of the stack (moto, the runtime/gateway, each function worker, the PayPal stub) and of the generator is read
from ``/proc`` before and after, so each step says where the two cores went. The knee is the highest offered rate at
which every request got a 2xx, the achieved rate kept up (>= 95%), p99 from the schedule stayed under 1 s, and the
processor kept up: at most 2 s of arrivals still queued for async invocation when the step ended.
A 10 s warm-up at 10/s starts the function workers first (unmeasured). Steps are short on purpose: the machine may
be shared.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import requests

from webhookdev.bench import load
from webhookdev.loadtest import percentile
from webhookdev.local.procs import CLOCK_TICKS, process_cpu_seconds
from webhookdev.local.settings import Layout, Ports

P99_GOAL_MS = 1000.0
#: At most this many seconds of arrivals may still wait in the async queue when a step ends.
ASYNC_BACKLOG_S = 2.0


def _cpu_seconds(pid: int) -> float:
    try:
        return process_cpu_seconds(pid)
    except OSError:
        return 0.0  # the process ended during the step


def _machine_busy_seconds() -> float:
    """CPU seconds all cores spent busy since boot (``/proc/stat``: everything but idle and iowait)."""
    try:
        fields = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    except (OSError, ValueError, IndexError):
        return 0.0
    return (sum(fields[:8]) - fields[3] - fields[4]) / CLOCK_TICKS


def _name(pid: int) -> str:
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return "?"
    words = [w.decode(errors="replace") for w in cmdline if w]
    for word in words:
        if word.startswith("webhookdev.local."):
            return word.removeprefix("webhookdev.local.")
    if any(w.endswith("worker.py") for w in words):
        return "worker:(starting)"  # its pid file is written once it is ready
    return Path(words[0]).name if words else "?"


def _children(pid: int) -> list[int]:
    out: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            out.extend(int(c) for c in (task / "children").read_text().split())
        except OSError:
            continue
    return out


def stack_processes(layout: Layout) -> dict[int, str]:
    """pid -> role for every process of the running stack: the pid files (function workers under ``workers/``, named
    after their function) and all their descendants."""
    roles: dict[int, str] = {}
    for pid_file in sorted(layout.pids_dir.rglob("*.pid")):
        try:
            pid = int(pid_file.read_text().strip())
        except (OSError, ValueError):
            continue
        if pid_file.parent.name == "workers":
            roles[pid] = "worker:" + pid_file.stem.rsplit("-", 1)[0]
        else:
            roles[pid] = pid_file.stem
    todo = list(roles)
    seen: dict[int, str] = {}
    while todo:
        pid = todo.pop()
        if pid in seen or not Path(f"/proc/{pid}").exists():
            continue
        seen[pid] = roles.get(pid) or _name(pid)
        todo.extend(_children(pid))
    return seen


def _percentiles(values: list[float]) -> dict[str, float]:
    if not values:
        return {}
    return {f"p{p}": round(percentile(values, p), 1) for p in (50, 99)} | {"n": len(values)}


def _lines(path: Path) -> list[dict[str, Any]]:
    out = []
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return []
    for line in text.splitlines():
        if line.startswith("{"):
            try:
                out.append(json.loads(line))
            except json.JSONDecodeError:
                continue
    return out


def _role(function: str) -> str:
    """Stage names group the three validators (one implementation, decision 7) and strip the name suffix."""
    for role in ("webhook-validator", "webhook-processor", "webhook-outbox", "webhook-api-authorizer"):
        if role in function:
            return {"webhook-validator": "validator", "webhook-processor": "processor"}.get(role, role)
    return function


def stage_latencies(layout: Layout, start: float, end: float) -> dict[str, dict[str, float]]:
    """Per request stage, from the stack's own logs in [start, end].

    * the gateway (access log): its total (``latencyMs``), and per pipeline stage (``stageMs``): ``auth`` (SigV4 or
      the cached authorizer, API key, throttles), ``validation`` (the deployed JSON Schema), ``integration`` (the
      synchronous validator invocation, including the wait for a free worker);
    * each function role (``platform.report``): the time an async event waited in the runtime's queue after it was
      due, the wait for a free (or cold-starting) worker, the handler's duration, its CPU time, and the wall time of
      each AWS SDK call (``s3.PutObject`` is the raw store, ``lambda.Invoke`` the async invoke of the processor,
      ``dynamodb.*`` the record, ``firehose.*``/``s3.*`` in the processor the processed log)."""

    def within(stamp: str) -> bool:
        try:
            moment = datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()
        except ValueError:
            return False
        return start - 1 <= moment <= end + 1

    stages: dict[str, list[float]] = {}

    def add(name: str, value: Any) -> None:
        if isinstance(value, int | float) and not isinstance(value, bool):
            stages.setdefault(name, []).append(float(value))

    for entry in _lines(layout.logs_dir / "api-gateway.log"):
        if within(str(entry.get("requestTime", ""))):
            add("gateway total", entry.get("latencyMs"))
            for stage, ms in (entry.get("stageMs") or {}).items():
                add(f"gateway {stage}", ms)
    for path in sorted(layout.logs_dir.glob("*.log")):
        for entry in _lines(path):
            record = entry.get("record") or {}
            if entry.get("type") != "platform.report" or not within(str(entry.get("time", ""))):
                continue
            role = _role(str(record.get("functionName", path.stem)))
            add(f"{role} queued", record.get("queuedMs"))
            add(f"{role} worker wait", record.get("workerWaitMs"))
            add(f"{role} handler", record.get("durationMs"))
            add(f"{role} CPU", record.get("cpuMs"))
            for call, ms in (record.get("awsSdkMs") or {}).items():
                add(f"{role} {call}", ms)
    return {name: _percentiles(values) for name, values in sorted(stages.items())}


STACK_ROLES = ("moto", "runtime")  # one Python process each: the GIL caps them at one core


def bottleneck(cpu: dict[str, float], achieved: float, cpus: int) -> dict[str, Any]:
    """Which process saturates, from CPU in cores per process during a step.

    ``cpu_ms_per_webhook``: each process's CPU per answered webhook; ``max_per_s``: the rate at which that process
    alone would fill its ceiling (one core for moto and the runtime, which are single Python processes; the
    machine's cores for everything together). The smallest ceiling is the bound."""
    if achieved <= 0:
        return {}
    per_webhook = {role: round(cores / achieved * 1000, 2) for role, cores in cpu.items() if cores > 0}
    total_ms = sum(per_webhook.values())
    ceilings = {f"{role} (1 core)": round(1000 / per_webhook[role], 1) for role in STACK_ROLES if per_webhook.get(role)}
    if total_ms:
        ceilings[f"all processes ({cpus} cores)"] = round(cpus * 1000 / total_ms, 1)
    limit = min(ceilings, key=lambda k: ceilings[k]) if ceilings else None
    return {
        "cpu_ms_per_webhook": dict(sorted(per_webhook.items(), key=lambda kv: -kv[1])),
        "cpu_ms_per_webhook_total": round(total_ms, 2),
        "max_per_s_by_ceiling": ceilings,
        "bound_by": limit,
        "stack_cores_busy": round(sum(cpu.values()), 2),
    }


def _snapshot(pids: dict[int, str]) -> dict[int, float]:
    return {pid: _cpu_seconds(pid) for pid in pids}


def step(rate: float, seconds: float, layout: Layout) -> dict[str, Any]:
    """One constant-rate run with the stack's CPU per role."""
    pids = stack_processes(layout)
    before = _snapshot(pids)
    machine_before = _machine_busy_seconds()
    started = time.monotonic()
    wall_start = time.time()
    args = load.build_parser().parse_args(["--rate", f"{rate:g}", "--duration", f"{seconds:g}"])
    report = load.run_load(args)
    wall = time.monotonic() - started
    after = _snapshot(stack_processes(layout) | pids)
    machine_cores = (_machine_busy_seconds() - machine_before) / wall
    by_role: dict[str, float] = {}
    for pid, role in pids.items():
        key = role
        by_role[key] = by_role.get(key, 0.0) + max(0.0, after.get(pid, 0.0) - before.get(pid, 0.0))
    cpu = {role: round(seconds_used / wall, 3) for role, seconds_used in sorted(by_role.items())}
    time.sleep(2)  # let the log pumps flush
    pending: int | None
    try:  # async events still queued when the step ends: the processor's backlog (event age grows with it)
        pending = requests.get(f"{Ports.from_env().invoke_url}/_local/status", timeout=30).json().get("async_pending")
    except (requests.RequestException, ValueError):
        pending = None
    cpu["generator (vegeta + signer)"] = report["generator_cpu"]["share_of_one_core"]
    # Whatever else ran on the machine meanwhile (other users of a shared machine): what the stack could not use.
    other = round(max(0.0, machine_cores - sum(cpu.values())), 3)
    p99 = report.get("latency_from_schedule_ms", {}).get("p99", float("inf"))
    holds = report["ok"] == report["requests"] > 0 and report["achieved_per_s"] >= 0.95 * rate and p99 < P99_GOAL_MS
    # The async side must keep up too: a backlog that grows step by step ages events towards the deployed maximum
    # event age, after which Lambda drops them (the goal is zero loss by reconcile, not only fast 200s).
    keeps_up = pending is None or pending <= max(10.0, ASYNC_BACKLOG_S * rate)
    return {
        "offered_per_s": rate,
        "requests": report["requests"],
        "ok": report["ok"],
        "achieved_per_s": report["achieved_per_s"],
        "latency_ms": report.get("latency_ms", {}),
        "latency_from_schedule_ms": report.get("latency_from_schedule_ms", {}),
        "cpu_cores_by_process": cpu,
        "profile": bottleneck(cpu, report["ok"] / wall, os.cpu_count() or 1),
        "machine_load_average_1m": round(os.getloadavg()[0], 2),
        "other_processes_cores": other,
        "async_pending_after": pending,
        "stage_latency_ms": stage_latencies(layout, wall_start, wall_start + wall),
        "async_keeps_up": keeps_up,
        "holds": holds and keeps_up,
    }


def ladder(rates: list[float], seconds: float, pause: float = 5.0) -> dict[str, Any]:
    """Run the steps in order; stop after the first step that does not hold."""
    layout = Layout.default()
    if not layout.stack_json.is_file():
        raise SystemExit("no local stack: run `make up` first (with your WEBHOOKDEV_*_PORT variables)")
    # Unmeasured warm-up: start every function's workers up to the cap (a cold worker on a busy machine can take
    # seconds, and a step that starts workers measures cold starts), then a short run at 10/s.
    ports = Ports.from_env()
    with contextlib.suppress(requests.RequestException):
        requests.post(f"{ports.invoke_url}/_local/prewarm", timeout=600)
    step(10.0, 10.0, layout)
    time.sleep(pause)
    steps = []
    for rate in rates:
        steps.append(step(rate, seconds, layout))
        if not steps[-1]["holds"]:
            break
        time.sleep(pause)  # let the async queue drain before the next step
    held = [s["offered_per_s"] for s in steps if s["holds"]]
    runtime = json.loads(layout.runtime_json.read_text()) if layout.runtime_json.is_file() else {}
    return {
        "step_seconds": seconds,
        "max_workers_per_function": runtime.get("max_workers_per_function"),
        "steps": steps,
        "knee_per_s": max(held) if held else 0.0,
        "knee_per_minute": round(max(held) * 60) if held else 0,
        "load_average_1m": round(os.getloadavg()[0], 2),
    }


def render(result: dict[str, Any]) -> str:
    lines = [
        f"local stack throughput ({result['step_seconds']:g} s per step, "
        f"{result.get('max_workers_per_function')} workers per function)"
    ]
    for s in result["steps"]:
        sched = s["latency_from_schedule_ms"]
        cpu = ", ".join(f"{k} {v:.2f}" for k, v in s["cpu_cores_by_process"].items())
        lines.append(
            f"  {s['offered_per_s']:6g}/s -> {s['achieved_per_s']:6.1f}/s ok {s['ok']}/{s['requests']}"
            f" p50/p99 from schedule {sched.get('p50', 0):.0f}/{sched.get('p99', 0):.0f} ms"
            f" async backlog {s.get('async_pending_after')} {'holds' if s['holds'] else 'BREAKS'}"
        )
        lines.append(f"      CPU cores: {cpu}")
        stages = ", ".join(f"{k} {v.get('p50', 0):.0f}/{v.get('p99', 0):.0f}" for k, v in s["stage_latency_ms"].items())
        lines.append(f"      stage p50/p99 ms: {stages}")
    lines.append(f"  knee: {result['knee_per_s']:g}/s = {result['knee_per_minute']:,}/min")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m webhookdev.bench.knee", description=__doc__.split("\n\n")[0])
    parser.add_argument("--rates", default="25,50,100,167", help="comma-separated rates per second")
    parser.add_argument("--step", type=float, default=20.0, help="seconds per step (default 20, max 60)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    seconds = min(60.0, args.step)
    result = ladder([float(r) for r in args.rates.split(",")], seconds)
    print(json.dumps(result, indent=2) if args.json else render(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
