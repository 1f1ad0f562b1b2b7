"""processed_log_delivery = firehose: the processor PutRecords JSON lines into a Firehose stream configured as
processed-log.tf configures it; moto (with the stack's dynamic-partitioning patch) delivers them into the bucket."""

from __future__ import annotations

import json
import logging
from typing import Any

import boto3
import pytest
from aws_lambda_powertools import Logger
from botocore.exceptions import ClientError
from conftest import PROCESSED_BUCKET, RECEIVED_AT, TABLE, sample_event
from webhook_core.errors import ConfigurationError
from webhook_core.processing import Outcome, Processor
from webhookdev.local import moto_compat

STREAM = "payment-webhooks-test-processed-log"
PARTITION_QUERY = (
    '{provider: .provider, year: (.event_time | strftime("%Y")), month: (.event_time | strftime("%m")),'
    ' day: (.event_time | strftime("%d"))}'
)


def create_stream(firehose: Any, name: str = STREAM) -> None:
    """The stream as processed-log.tf declares it (the fields moto keeps)."""
    firehose.create_delivery_stream(
        DeliveryStreamName=name,
        DeliveryStreamType="DirectPut",
        ExtendedS3DestinationConfiguration={
            "RoleARN": "arn:aws:iam::123456789012:role/firehose",
            "BucketARN": f"arn:aws:s3:::{PROCESSED_BUCKET}",
            "Prefix": "!{partitionKeyFromQuery:provider}/!{partitionKeyFromQuery:year}/"
            "!{partitionKeyFromQuery:month}/!{partitionKeyFromQuery:day}/",
            "ErrorOutputPrefix": "firehose-errors/!{firehose:error-output-type}/!{timestamp:yyyy}/",
            "FileExtension": ".jsonl",
            "BufferingHints": {"SizeInMBs": 64, "IntervalInSeconds": 60},
            "DynamicPartitioningConfiguration": {"Enabled": True},
            "ProcessingConfiguration": {
                "Enabled": True,
                "Processors": [
                    {
                        "Type": "MetadataExtraction",
                        "Parameters": [
                            {"ParameterName": "JsonParsingEngine", "ParameterValue": "JQ-1.6"},
                            {"ParameterName": "MetadataExtractionQuery", "ParameterValue": PARTITION_QUERY},
                        ],
                    }
                ],
            },
        },
    )


@pytest.fixture
def firehose(aws: dict[str, Any]) -> Any:
    moto_compat._firehose_dynamic_partitioning()  # what the stack's moto process applies; idempotent
    client = boto3.client("firehose", region_name="us-east-1")
    for name in client.list_delivery_streams()["DeliveryStreamNames"]:
        client.delete_delivery_stream(DeliveryStreamName=name)
    create_stream(client)
    return client


def firehose_processor(aws: dict[str, Any], firehose: Any, **env: str) -> Processor:
    environ = {
        "DYNAMODB_TABLE": TABLE,
        "S3_PROCESSED_BUCKET": PROCESSED_BUCKET,
        "ENVIRONMENT": "test",
        "PROCESSED_LOG_DELIVERY": "firehose",
        "PROCESSED_LOG_STREAM": STREAM,
        **env,
    }
    logger = Logger(service="webhook-processor-test", level=logging.WARNING)
    return Processor(
        dynamodb=aws["dynamodb"],
        s3=aws["s3"],
        firehose=firehose,
        logger=logger,
        environ=environ,
        clock=lambda: RECEIVED_AT + 5.0,
    )


def objects(aws: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    listing = aws["s3"].list_objects_v2(Bucket=PROCESSED_BUCKET).get("Contents", [])
    out: dict[str, list[dict[str, Any]]] = {}
    for obj in listing:
        body = aws["s3"].get_object(Bucket=PROCESSED_BUCKET, Key=obj["Key"])["Body"].read().decode()
        out[obj["Key"]] = [json.loads(line) for line in body.splitlines()]
    return out


def test_firehose_mode_sends_json_lines_partitioned_by_provider_and_event_day(
    aws: dict[str, Any], firehose: Any, processor: Processor
) -> None:
    sharded = firehose_processor(aws, firehose)
    names = [("stripe", "payment_intent_succeeded"), ("stripe", "charge_refunded"), ("square", "refund_created")]
    results = [result for provider, name in names for result in sharded.process(sample_event(provider, name))]
    assert [r.outcome for r in results] == [Outcome.PROCESSED] * 3
    stored = objects(aws)
    # No object per event: only Firehose-named .jsonl batches under the request's /{provider}/{y}/{m}/{d}/ prefix.
    prefixes = sorted(key.rsplit("/", 1)[0] + "/" for key in stored)
    assert prefixes == sorted(r.processed_s3_key for r in results)
    assert all(key.rsplit("/", 1)[1].startswith(f"{STREAM}-1-") and key.endswith(".jsonl") for key in stored)
    lines = {line["event_id"]: line for batch in stored.values() for line in batch}
    assert set(lines) == {r.event_id for r in results}
    items = aws["dynamodb"].scan(TableName=TABLE)["Items"]
    assert {item["processed_s3_key"]["S"] for item in items} == {r.processed_s3_key for r in results}
    first = lines[results[0].event_id]
    assert (first["provider"], first["amount"], first["event_time"]) == ("stripe", "20.00", 1795768923)
    assert results[0].processed_s3_key == "stripe/2026/11/27/"


def test_firehose_line_is_the_object_per_event_body(aws: dict[str, Any], firehose: Any, processor: Processor) -> None:
    event = sample_event("stripe", "payment_intent_succeeded")
    [direct] = processor.process(event)  # object_per_event, the default
    assert direct.processed_s3_key is not None
    expected = json.loads(aws["s3"].get_object(Bucket=PROCESSED_BUCKET, Key=direct.processed_s3_key)["Body"].read())
    aws["dynamodb"].delete_item(
        TableName=TABLE,
        Key={"transaction_id": {"S": direct.transaction_id}, "timestamp": {"N": str(direct.timestamp)}},
    )
    [batched] = firehose_processor(aws, firehose).process(event)
    [line] = next(v for k, v in objects(aws).items() if k.endswith(".jsonl"))
    assert line == {**expected, "processed_s3_key": batched.processed_s3_key}


def test_duplicate_delivery_sends_no_second_line(aws: dict[str, Any], firehose: Any) -> None:
    sink = firehose_processor(aws, firehose)
    event = sample_event("paypal", "payment_capture_completed")
    assert [r.outcome for r in sink.process(event)] == [Outcome.PROCESSED]
    assert [r.outcome for r in sink.process(event)] == [Outcome.DUPLICATE]
    assert sum(len(lines) for lines in objects(aws).values()) == 1


def test_put_record_failure_fails_the_invocation_before_the_item_is_written(aws: dict[str, Any], firehose: Any) -> None:
    broken = firehose_processor(aws, firehose, PROCESSED_LOG_STREAM="no-such-stream")
    with pytest.raises(ClientError, match="ResourceNotFoundException"):
        broken.process(sample_event("stripe", "payment_intent_succeeded"))
    assert aws["dynamodb"].scan(TableName=TABLE)["Items"] == []  # retried by Lambda, then the DLQ: nothing half-done


@pytest.mark.parametrize(
    ("env", "message"),
    [
        (
            {"PROCESSED_LOG_STREAM": ""},
            "PROCESSED_LOG_STREAM must be configured when PROCESSED_LOG_DELIVERY is firehose",
        ),
        ({"PROCESSED_LOG_DELIVERY": "kinesis"}, "PROCESSED_LOG_DELIVERY must be one of object_per_event, firehose"),
    ],
)
def test_bad_delivery_settings_fail_at_cold_start(
    aws: dict[str, Any], firehose: Any, env: dict[str, str], message: str
) -> None:
    with pytest.raises(ConfigurationError, match=message):
        firehose_processor(aws, firehose, **env)
