"""Local stack throughput: the knee of a short rate ladder, with CPU per process at each step.

    python -m webhookdev.bench.knee [--rates 25,50,100,167] [--step 20] [--json]      # needs `make up`

Each step is one vegeta run (:mod:`webhookdev.bench.load`) at a constant rate. Meanwhile the CPU time of every
process of the stack (moto, the runtime/gateway, each function worker, the PayPal stub) and of the generator is read
from ``/proc`` before and after, so each step says where the two cores went. The knee is the highest offered rate at
which every request got a 2xx, the achieved rate kept up (>= 95%) and p99 from the schedule stayed under 1 s.
A 10 s warm-up at 10/s starts the function workers first (unmeasured). Steps are short on purpose: the machine may
be shared.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from webhookdev.bench import load
from webhookdev.loadtest import percentile
from webhookdev.local.settings import Layout

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
P99_GOAL_MS = 1000.0


def _cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime + stime


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


def stage_latencies(layout: Layout, start: float, end: float) -> dict[str, dict[str, float]]:
    """Per request stage, from the stack's own logs in [start, end]: the gateway's total (access log ``latencyMs``,
    which includes waiting for a free worker), each function's handler duration (``platform.report``)."""

    def within(stamp: str) -> bool:
        try:
            moment = datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()
        except ValueError:
            return False
        return start - 1 <= moment <= end + 1

    stages: dict[str, list[float]] = {}
    for entry in _lines(layout.logs_dir / "api-gateway.log"):
        if within(str(entry.get("requestTime", ""))) and isinstance(entry.get("latencyMs"), int | float):
            stages.setdefault("gateway total", []).append(float(entry["latencyMs"]))
    for path in sorted(layout.logs_dir.glob("*.log")):
        for entry in _lines(path):
            record = entry.get("record") or {}
            if entry.get("type") == "platform.report" and within(str(entry.get("time", ""))):
                stages.setdefault(f"handler {record.get('functionName', path.stem)}", []).append(
                    float(record.get("durationMs", 0.0))
                )
    return {name: _percentiles(values) for name, values in sorted(stages.items())}


def _snapshot(pids: dict[int, str]) -> dict[int, float]:
    return {pid: _cpu_seconds(pid) for pid in pids}


def step(rate: float, seconds: float, layout: Layout) -> dict[str, Any]:
    """One constant-rate run with the stack's CPU per role."""
    pids = stack_processes(layout)
    before = _snapshot(pids)
    started = time.monotonic()
    wall_start = time.time()
    args = load.build_parser().parse_args(["--rate", f"{rate:g}", "--duration", f"{seconds:g}"])
    report = load.run_load(args)
    wall = time.monotonic() - started
    after = _snapshot(stack_processes(layout) | pids)
    by_role: dict[str, float] = {}
    for pid, role in pids.items():
        key = role
        by_role[key] = by_role.get(key, 0.0) + max(0.0, after.get(pid, 0.0) - before.get(pid, 0.0))
    cpu = {role: round(seconds_used / wall, 3) for role, seconds_used in sorted(by_role.items())}
    time.sleep(2)  # let the log pumps flush
    cpu["generator (vegeta + signer)"] = report["generator_cpu"]["share_of_one_core"]
    p99 = report.get("latency_from_schedule_ms", {}).get("p99", float("inf"))
    holds = report["ok"] == report["requests"] > 0 and report["achieved_per_s"] >= 0.95 * rate and p99 < P99_GOAL_MS
    return {
        "offered_per_s": rate,
        "requests": report["requests"],
        "ok": report["ok"],
        "achieved_per_s": report["achieved_per_s"],
        "latency_ms": report.get("latency_ms", {}),
        "latency_from_schedule_ms": report.get("latency_from_schedule_ms", {}),
        "cpu_cores_by_process": cpu,
        "stage_latency_ms": stage_latencies(layout, wall_start, wall_start + wall),
        "holds": holds,
    }


def ladder(rates: list[float], seconds: float, pause: float = 5.0) -> dict[str, Any]:
    """Run the steps in order; stop after the first step that does not hold."""
    layout = Layout.default()
    if not layout.stack_json.is_file():
        raise SystemExit("no local stack: run `make up` first (with your WEBHOOKDEV_*_PORT variables)")
    # Unmeasured warm-up: start every function's workers (a cold worker on a busy machine can take seconds).
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
            f" {'holds' if s['holds'] else 'BREAKS'}"
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
