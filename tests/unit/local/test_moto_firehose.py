"""The Firehose dynamic-partitioning patch, through the real moto process the stack runs (docs/scaling.md)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from webhookdev.local.moto_compat import jq_partition_keys
from webhookdev.local.registry import aws_client

from . import test_moto_compat

moto_url = test_moto_compat.moto_url  # the module-scoped moto process fixture, shared by name

QUERY = '{provider: .provider, year: (.event_time | strftime("%Y")), day: .event_time|strftime("%d")}'


def test_jq_subset_evaluates_paths_and_strftime() -> None:
    assert jq_partition_keys(QUERY, {"provider": "stripe", "event_time": 1795768923}) == {
        "provider": "stripe",
        "year": "2026",
        "day": "27",
    }
    assert jq_partition_keys("{k: .a.b}", {"a": {"b": 7}}) == {"k": "7"}


@pytest.mark.parametrize(
    "record", [{"provider": "stripe"}, {"provider": None, "event_time": 1}, {"provider": "x", "event_time": "1"}, [1]]
)
def test_jq_subset_rejects_records_it_cannot_partition(record: Any) -> None:
    with pytest.raises((KeyError, TypeError)):
        jq_partition_keys(QUERY, record)


def test_unsupported_jq_is_refused_not_guessed() -> None:
    with pytest.raises(ValueError, match="unsupported jq"):
        jq_partition_keys("{k: .a | ascii_downcase}", {"a": "B"})


def test_records_land_under_their_rendered_partition_and_failures_under_the_error_prefix(moto_url: str) -> None:
    s3, firehose = aws_client("s3", moto_url), aws_client("firehose", moto_url)
    s3.create_bucket(Bucket="logs")
    firehose.create_delivery_stream(
        DeliveryStreamName="logs-stream",
        ExtendedS3DestinationConfiguration={
            "RoleARN": "arn:aws:iam::123456789012:role/firehose",
            "BucketARN": "arn:aws:s3:::logs",
            "Prefix": "!{partitionKeyFromQuery:provider}/!{partitionKeyFromQuery:year}/!{partitionKeyFromQuery:day}/",
            "ErrorOutputPrefix": "errors/!{firehose:error-output-type}/",
            "FileExtension": ".jsonl",
            "DynamicPartitioningConfiguration": {"Enabled": True},
            "ProcessingConfiguration": {
                "Enabled": True,
                "Processors": [
                    {
                        "Type": "MetadataExtraction",
                        "Parameters": [{"ParameterName": "MetadataExtractionQuery", "ParameterValue": QUERY}],
                    }
                ],
            },
        },
    )
    lines = [
        {"provider": "stripe", "event_time": 1795768923, "n": 1},
        {"provider": "stripe", "event_time": 1795768924, "n": 2},
        {"provider": "square", "event_time": 1795855323, "n": 3},
        {"event_time": 1795768923, "n": 4},
    ]
    response = firehose.put_record_batch(
        DeliveryStreamName="logs-stream", Records=[{"Data": (json.dumps(line) + "\n").encode()} for line in lines]
    )
    assert response["FailedPutCount"] == 0
    stored: dict[str, list[int]] = {}
    for obj in s3.list_objects_v2(Bucket="logs")["Contents"]:
        body = s3.get_object(Bucket="logs", Key=obj["Key"])["Body"].read().decode()
        stored[obj["Key"].rsplit("/", 1)[0]] = [json.loads(line)["n"] for line in body.splitlines()]
        assert obj["Key"].rsplit("/", 1)[1].startswith("logs-stream-1-")
        assert obj["Key"].endswith(".jsonl")
    assert stored == {"stripe/2026/27": [1, 2], "square/2026/28": [3], "errors/partitioning-failed": [4]}
