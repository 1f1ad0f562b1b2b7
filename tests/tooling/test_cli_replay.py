"""`webhookctl replay` against an in-process archive: the async event it sends must be the validator's own."""

from __future__ import annotations

import importlib
import json
import time
from pathlib import Path
from typing import Any

import pytest
from archive_stack import PROCESSOR_ARN, Archive, archive_fixture  # noqa: F401 - the fixture
from webhookdev.cli.reconcile import reconcile
from webhookdev.cli.replay import RateLimiter

main_module = importlib.import_module("webhookdev.cli.main")


@pytest.fixture
def cli(archive: Archive, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Any:
    monkeypatch.setattr(main_module, "_target_loader", lambda args: archive.target)

    def call(*argv: str) -> tuple[int, str]:
        code = main_module.main(list(argv))
        return code, capsys.readouterr().out

    return call


def without_stage(payload: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in payload.items() if k != "stage_variables"}


def test_replay_by_event_id_sends_the_validators_async_event(archive: Archive, cli: Any) -> None:
    original = archive.deliver()

    code, out = cli("replay", "--event-id", original["event_id"], "--provider", "stripe")

    assert code == 0, out
    [call] = archive.lambda_client.calls
    assert (call["FunctionName"], call["InvocationType"]) == (PROCESSOR_ARN, "Event")
    replayed = json.loads(call["Payload"])
    # Byte for byte what the validator sent, except the stage variables (the processor's environment holds them).
    assert without_stage(replayed) == without_stage(original)
    assert replayed["stage_variables"] == {}


def test_dry_run_invokes_nothing(archive: Archive, cli: Any) -> None:
    original = archive.deliver()

    code, out = cli("replay", "--event-id", original["event_id"], "--dry-run")

    assert code == 0
    assert f"would replay {original['raw_payload_s3_key']}" in out
    assert archive.lambda_client.calls == []


def test_replaying_processed_events_changes_nothing(archive: Archive, cli: Any) -> None:
    for _ in range(2):
        archive.process(archive.deliver())
    before = sorted(json.dumps(item, sort_keys=True) for item in archive.items())

    code, _ = cli("replay", "--provider", "stripe", "--start", "-1h", "--end", "now", "--rate", "100")
    for payload in archive.lambda_client.take():
        archive.process(payload)

    assert code == 0
    assert sorted(json.dumps(item, sort_keys=True) for item in archive.items()) == before


def test_replay_from_reconcile_restores_a_lost_record(archive: Archive, cli: Any, tmp_path: Path) -> None:
    lost = archive.deliver()  # acknowledged, but the processor never ran: the loss reconcile exists to find
    report_file = tmp_path / "reconcile.json"
    code, out = cli("reconcile", "--start", "-1h", "--end", "now", "--grace", "0", "--json")
    report_file.write_text(out)
    assert code == 1

    code, _ = cli("replay", "--from-reconcile", str(report_file))
    for payload in archive.lambda_client.take():
        archive.process(payload)

    assert code == 0
    [item] = archive.items()
    assert (item["event_id"]["S"], item["status"]["S"]) == (lost["event_id"], "processed")
    now = int(time.time())
    assert reconcile(archive.sources, ["stripe"], now - 3600, now + 60, grace_seconds=0).exit_code == 0


def test_unknown_event_id_is_an_error(cli: Any) -> None:
    code, _ = cli("replay", "--event-id", "evt_nothing_here", "--provider", "stripe")

    assert code == 1


def test_a_range_needs_a_provider(cli: Any) -> None:
    code, _ = cli("replay", "--start", "-1h", "--end", "now")

    assert code == 2


def test_rate_limiter_spaces_invokes(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = [100.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(round(seconds, 3))
        clock[0] += seconds

    monkeypatch.setattr("webhookdev.cli.replay.time.sleep", sleep)
    limiter = RateLimiter(4.0, clock=lambda: clock[0])
    for _ in range(3):
        limiter.wait()

    assert slept == [0.25, 0.25]
