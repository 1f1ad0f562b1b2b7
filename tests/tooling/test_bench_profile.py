"""The knee's profile: which process bounds the rate, the per-stage latencies read from the stack's own logs, and
the generated page that shows both (the figures themselves come from `make bench`, not from tests)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from webhookdev.bench import docs, knee, tools
from webhookdev.local.settings import Layout


def test_the_bound_is_the_smallest_ceiling_one_core_per_python_process_or_all_cores_together() -> None:
    cpu = {"moto": 0.6, "runtime": 0.2, "worker:stripe-webhook-validator": 0.3, "generator (vegeta + signer)": 0.0}

    profile = knee.bottleneck(cpu, achieved=50.0, cpus=2)

    assert profile["cpu_ms_per_webhook"] == {"moto": 12.0, "worker:stripe-webhook-validator": 6.0, "runtime": 4.0}
    assert profile["cpu_ms_per_webhook_total"] == pytest.approx(22.0)
    assert profile["max_per_s_by_ceiling"] == {"moto (1 core)": 83.3, "runtime (1 core)": 250.0,
                                               "all processes (2 cores)": 90.9}  # fmt: skip
    assert profile["bound_by"] == "moto (1 core)"
    assert knee.bottleneck(cpu, achieved=0.0, cpus=2) == {}


@pytest.fixture(scope="module")
def capacity() -> dict[str, Any]:
    return docs.capacity_all()


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def test_stage_latencies_come_from_the_access_log_and_the_platform_reports(tmp_path: Path) -> None:
    layout = Layout(tmp_path, tmp_path / ".local")
    layout.logs_dir.mkdir(parents=True)
    stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    access = {"requestTime": stamp, "latencyMs": 40.0, "stageMs": {"auth": 0.2, "validation": 0.5, "integration": 39}}
    (layout.logs_dir / "api-gateway.log").write_text(json.dumps(access) + "\n")
    report = {"functionName": "stripe-webhook-validator-dev", "durationMs": 30.0, "cpuMs": 8.0, "workerWaitMs": 1.0,
              "awsSdkMs": {"s3.PutObject": 12.0, "lambda.Invoke": 3.0}}  # fmt: skip
    processor = {
        "functionName": "webhook-processor",
        "durationMs": 50.0,
        "queuedMs": 7.0,
        "awsSdkMs": {"dynamodb.PutItem": 9},
    }
    lines = [{"time": _now(), "type": "platform.report", "record": r} for r in (report, processor)]
    (layout.logs_dir / "functions.log").write_text("".join(json.dumps(line) + "\n" for line in lines))
    now = datetime.now(UTC).timestamp()

    stages = knee.stage_latencies(layout, now - 5, now + 5)

    assert stages["gateway integration"]["p50"] == 39
    assert stages["gateway auth"]["n"] == 1
    assert stages["validator s3.PutObject"]["p50"] == 12.0
    assert stages["validator lambda.Invoke"]["p50"] == 3.0
    assert stages["validator CPU"]["p50"] == 8.0
    assert stages["processor queued"]["p50"] == 7.0
    assert stages["processor dynamodb.PutItem"]["p50"] == 9
    assert "processor CPU" not in stages  # absent, not zero


def _knee_section() -> dict[str, Any]:
    profile = knee.bottleneck({"moto": 0.25, "runtime": 0.1, "worker:webhook-processor": 0.2}, achieved=25.0, cpus=2)
    step = {"offered_per_s": 25.0, "achieved_per_s": 24.9, "ok": 500, "requests": 500, "holds": True,
            "latency_from_schedule_ms": {"p50": 200.0, "p99": 800.0}, "profile": profile,
            "cpu_cores_by_process": {"moto": 0.25, "runtime": 0.1, "worker:webhook-processor": 0.2},
            "other_processes_cores": 1.2, "machine_load_average_1m": 11.0,
            "stage_latency_ms": {"validator s3.PutObject": {"p50": 100.0, "p99": 300.0, "n": 500}}}  # fmt: skip
    return {"step_seconds": 20, "max_workers_per_function": 4, "knee_per_s": 25.0, "knee_per_minute": 1500,
            "steps": [step], "cpus": 2, "measured_at": "2026-11-29T11:00:00Z", "load_average_1m": 11.0}  # fmt: skip


def test_the_page_shows_where_the_time_goes_and_what_bounds_the_knee(capacity: dict[str, Any]) -> None:
    page = docs.render({"knee": _knee_section()}, capacity)

    assert "### Where the time goes (profile at 25/s)" in page
    assert "| moto | 0.250 | 10.00 ms |" in page
    assert "**Bound: all processes (2 cores).**" in page
    assert "| validator s3.PutObject | 100.0 | 300.0 | 500 |" in page
    assert "bounded by the profile: 22.0 ms CPU per webhook, so all processes (2 cores) allow at most 5,454/min" in page


def test_the_page_compares_the_load_tools_on_their_own_cpu(capacity: dict[str, Any]) -> None:
    row = {"cpu_s": 3.0, "wall_s": 30.0, "requests": 5010, "ok": 5010, "achieved_per_s": 167.0,
           "share_of_one_core": 0.1, "cpu_ms_per_request": 0.599, "p99_ms": 3.0}  # fmt: skip
    section = {"rate_per_s": 167.0, "duration_s": 30.0, "cheapest": "vegeta", "not_measured": {"k6": "AGPL"},
               "tools": {"vegeta": {"version": "v12", **row},
                         "locust": {"version": "2.47.0", **row, "share_of_one_core": 0.6}}}  # fmt: skip

    page = docs.render({"tools": section}, capacity)

    assert "## Load tool choice" in page
    assert "| locust | 2.47.0 | 60.0% |" in page
    assert "Cheapest: **vegeta**. Not measured: k6: AGPL." in page


def test_the_locustfile_is_valid_python() -> None:
    compile(tools.LOCUSTFILE, "locustfile.py", "exec")


def test_the_page_shows_moto_cpu_per_request_before_and_after_the_savings(capacity: dict[str, Any]) -> None:
    section = {"rounds": 3, "requests_per_run": 200, "ratio": 0.673,
               "cpu_ms_per_request": {"as moto ships": {"runs": [3.67, 3.7, 3.35], "median": 3.667},
                                      "savings": {"runs": [3.08, 2.47, 2.3], "median": 2.467}}}  # fmt: skip

    page = docs.render({"moto": section}, capacity)

    assert "## moto's CPU per request" in page
    assert "| as moto ships | 3.667 ms | 3.67, 3.70, 3.35 |" in page
    assert "2.47 ms with our savings, 3.67 ms as moto ships (x0.673)" in page
