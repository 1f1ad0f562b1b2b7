"""`webhookctl reconcile` against an in-process archive: real validator, real processor, moto S3/DynamoDB/SQS."""

from __future__ import annotations

import importlib
import json
import time
from typing import Any

import pytest
from archive_stack import RAW_BUCKET, TABLE, Archive, archive_fixture  # noqa: F401 - the fixture
from webhookdev.cli.reconcile import reconcile

main_module = importlib.import_module("webhookdev.cli.main")


def run(archive: Archive, **kwargs: Any) -> Any:
    now = int(time.time())
    return reconcile(archive.sources, ["stripe"], now - 3600, now + 60, **kwargs)


def test_every_processed_event_is_matched(archive: Archive) -> None:
    for _ in range(3):
        archive.process(archive.deliver())

    report = run(archive)

    assert report.summary() == {
        "objects": 3,
        "processed": 3,
        "failed": 0,
        "in_dlq": 0,
        "pending": 0,
        "missing": 0,
        "orphan": 0,
    }
    assert report.exit_code == 0


def test_a_deleted_record_is_reported_missing_and_exits_1(archive: Archive) -> None:
    kept, lost = archive.deliver(), archive.deliver()
    archive.process(kept)
    archive.process(lost)
    [item] = [i for i in archive.items() if i["event_id"]["S"] == lost["event_id"]]
    archive.dynamodb.delete_item(
        TableName=TABLE, Key={"transaction_id": item["transaction_id"], "timestamp": item["timestamp"]}
    )

    report = run(archive, grace_seconds=0)

    assert [(f.raw_key, f.event_id) for f in report.missing] == [(lost["raw_payload_s3_key"], lost["event_id"])]
    assert report.processed == 1
    assert report.exit_code == 1


def test_an_unprocessed_event_is_pending_within_the_grace_period(archive: Archive) -> None:
    payload = archive.deliver()

    report = run(archive, grace_seconds=600)

    assert [f.raw_key for f in report.pending] == [payload["raw_payload_s3_key"]]
    assert report.exit_code == 0


def test_dlq_messages_are_matched_and_left_in_the_queue(archive: Archive) -> None:
    payload = archive.deliver()
    archive.dead_letter(payload)

    report = run(archive, grace_seconds=0)

    assert [f.raw_key for f in report.in_dlq] == [payload["raw_payload_s3_key"]]
    assert report.missing == []
    attrs = archive.sqs.get_queue_attributes(QueueUrl=archive.dlq_url, AttributeNames=["ApproximateNumberOfMessages"])
    assert attrs["Attributes"]["ApproximateNumberOfMessages"] == "1"  # peeked, visible again, not consumed


def test_failed_records_are_reported_with_their_reason(archive: Archive) -> None:
    archive.process(archive.deliver(currency="zzz"))

    report = run(archive, grace_seconds=0)

    assert [f.reasons for f in report.failed] == [["unsupported_currency: currency is not an ISO 4217 code we know"]]
    assert report.exit_code == 0


def test_a_record_whose_raw_object_is_gone_is_an_orphan(archive: Archive) -> None:
    payload = archive.deliver()
    archive.process(payload)
    archive.s3.delete_object(Bucket=RAW_BUCKET, Key=payload["raw_payload_s3_key"])

    report = run(archive)

    assert [(o.event_id, o.raw_key) for o in report.orphan] == [(payload["event_id"], payload["raw_payload_s3_key"])]


def test_a_redelivery_on_another_day_is_found_by_exact_lookup(archive: Archive) -> None:
    payload = archive.deliver()
    archive.process(payload)
    # The record names an object of another day (its first delivery); today's object is matched by its event keys.
    [item] = archive.items()
    item["raw_payload_s3_key"] = {"S": "stripe/2020/01/01/" + payload["raw_payload_s3_key"].rsplit("/", 1)[-1]}
    archive.dynamodb.put_item(TableName=TABLE, Item=item)

    report = run(archive, grace_seconds=0)

    assert (report.processed, report.missing) == (1, [])


def test_cli_json_report_and_exit_code(
    archive: Archive, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    archive.deliver()
    monkeypatch.setattr(main_module, "_target_loader", lambda args: archive.target)

    code = main_module.main(
        ["reconcile", "--provider", "stripe", "--start", "-1h", "--end", "now", "--grace", "0", "--json"]
    )

    report = json.loads(capsys.readouterr().out)
    assert code == 1
    assert report["summary"]["missing"] == 1
    assert report["missing"][0]["provider"] == "stripe"
