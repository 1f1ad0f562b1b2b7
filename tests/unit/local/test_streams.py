"""The local runtime's DynamoDB stream poller against the real moto process of the stack (with its patches).

The function is a stand-in that records each batch and answers as the test says; what is checked is what Lambda's
stream pollers guarantee: order, batch item failures resumed from the lowest failed record, the on-failure record
after the last retry, and checkpoints that survive a restart.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from webhookdev.local.functions import Result
from webhookdev.local.logsink import LogSink
from webhookdev.local.registry import aws_client
from webhookdev.local.streams import StreamPoller

from .test_moto_compat import moto_url  # noqa: F401 - the module-scoped moto server fixture

Answer = Callable[[list[dict[str, Any]]], Result]


class Function:
    """Records every batch it is handed; answers with `answer` (success by default)."""

    def __init__(self) -> None:
        self.batches: list[list[dict[str, Any]]] = []
        self.answer: Answer = lambda records: Result(b'{"batchItemFailures": []}')

    def __call__(self, function: str, payload: bytes) -> Result:
        records: list[dict[str, Any]] = json.loads(payload)["Records"]
        self.batches.append(records)
        return self.answer(records)

    def keys(self, batch: int) -> list[str]:
        return [r["dynamodb"]["Keys"]["k"]["S"] for r in self.batches[batch]]


@pytest.fixture
def stack(moto_url: str, request: pytest.FixtureRequest) -> dict[str, Any]:  # noqa: F811
    """A table with a NEW_AND_OLD_IMAGES stream, a function and its stream mapping, as Terraform creates them."""
    suffix = request.node.name.replace("_", "-")[-40:]
    ddb, lam, iam, sqs = (aws_client(s, moto_url) for s in ("dynamodb", "lambda", "iam", "sqs"))
    table = f"t-{suffix}"
    ddb.create_table(
        TableName=table,
        KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )
    stream_arn = ddb.describe_table(TableName=table)["Table"]["LatestStreamArn"]
    role = iam.create_role(RoleName=f"r-{suffix}", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    code = io.BytesIO()
    with zipfile.ZipFile(code, "w") as archive:
        archive.writestr("index.py", "def handler(e, c): return {}\n")
    function = lam.create_function(
        FunctionName=f"f-{suffix}",
        Runtime="python3.11",
        Role=role,
        Handler="index.handler",
        Code={"ZipFile": code.getvalue()},
    )
    queue_url = sqs.create_queue(QueueName=f"q-{suffix}")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    mapping = lam.create_event_source_mapping(
        EventSourceArn=stream_arn,
        FunctionName=function["FunctionArn"],
        StartingPosition="TRIM_HORIZON",
        BatchSize=2,
        MaximumRetryAttempts=1,
        FunctionResponseTypes=["ReportBatchItemFailures"],
        DestinationConfig={"OnFailure": {"Destination": queue_arn}},
    )
    return {
        "url": moto_url,
        "ddb": ddb,
        "sqs": sqs,
        "lambda": lam,
        "table": table,
        "queue_url": queue_url,
        "uuid": mapping["UUID"],
        "stream_arn": stream_arn,
    }


def put(stack: dict[str, Any], *keys: str) -> None:
    for key in keys:
        # With moto's own push still on, this write would fail (it imports docker) or empty the stream.
        stack["ddb"].put_item(TableName=stack["table"], Item={"k": {"S": key}})


def poller(stack: dict[str, Any], function: Function, tmp_path: Path) -> StreamPoller:
    url = stack["url"]
    only_this_test = _OnlyMapping(aws_client("lambda", url), stack["uuid"])
    return StreamPoller(
        lambda_client=only_this_test,
        streams_client=aws_client("dynamodbstreams", url),
        sqs_client=aws_client("sqs", url),
        invoke=function,
        sink=LogSink(tmp_path / "esm.log"),
        region="us-east-1",
        checkpoints=tmp_path / "checkpoints.json",
        clock=_Clock(),
    )


class _Clock:
    """Monotonic time that jumps a minute per call, so retry delays and mapping refreshes never make a test wait."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        self.now += 60.0
        return self.now


class _OnlyMapping:
    """The Lambda client, listing only this test's mapping (the moto server is shared by the module's tests)."""

    def __init__(self, client: Any, uuid: str) -> None:
        self.client, self.uuid = client, uuid

    def get_paginator(self, name: str) -> Any:
        uuid = self.uuid

        class _Paginator:
            def __init__(self, inner: Any) -> None:
                self.inner = inner

            def paginate(self) -> Any:
                for page in self.inner.paginate():
                    yield {"EventSourceMappings": [m for m in page["EventSourceMappings"] if m["UUID"] == uuid]}

        return _Paginator(self.client.get_paginator(name))


def test_records_reach_the_function_in_order_in_lambda_shape_once(stack: dict[str, Any], tmp_path: Path) -> None:
    function = Function()
    put(stack, "a", "b", "c")
    streams = poller(stack, function, tmp_path)

    assert streams.poll_once() == 2
    assert streams.poll_once() == 1
    assert streams.poll_once() == 0

    assert [function.keys(0), function.keys(1)] == [["a", "b"], ["c"]]
    first = function.batches[0][0]
    assert first["eventName"] == "INSERT"
    assert first["eventSource"] == "aws:dynamodb"
    assert first["eventSourceARN"] == stack["stream_arn"]
    assert first["dynamodb"]["NewImage"] == {"k": {"S": "a"}}
    assert isinstance(first["dynamodb"]["ApproximateCreationDateTime"], int)


def test_a_batch_item_failure_resumes_from_the_lowest_failed_record(stack: dict[str, Any], tmp_path: Path) -> None:
    function = Function()
    put(stack, "a", "b", "c")
    streams = poller(stack, function, tmp_path)

    def fail_b_once(records: list[dict[str, Any]]) -> Result:
        failed = [r["dynamodb"]["SequenceNumber"] for r in records if r["dynamodb"]["Keys"]["k"]["S"] == "b"]
        function.answer = lambda _: Result(b"{}")
        return Result(json.dumps({"batchItemFailures": [{"itemIdentifier": s} for s in failed]}).encode())

    function.answer = fail_b_once
    streams.poll_once()
    streams.poll_once()
    streams.poll_once()

    assert [function.keys(i) for i in range(len(function.batches))] == [["a", "b"], ["b", "c"]]


def test_exhausted_retries_describe_the_batch_to_the_on_failure_queue(stack: dict[str, Any], tmp_path: Path) -> None:
    function = Function()
    function.answer = lambda _: Result(b'{"errorMessage": "boom"}', "Unhandled")
    put(stack, "a", "b", "c")
    streams = poller(stack, function, tmp_path)

    for _ in range(3):
        streams.poll_once()

    # MaximumRetryAttempts=1: the first batch is tried twice, then described and skipped; "c" comes next.
    assert [function.keys(i) for i in range(len(function.batches))] == [["a", "b"], ["a", "b"], ["c"]]
    [message] = stack["sqs"].receive_message(QueueUrl=stack["queue_url"], MaxNumberOfMessages=10)["Messages"]
    record = json.loads(message["Body"])
    assert record["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert record["responseContext"]["functionError"] == "Unhandled"
    info = record["DDBStreamBatchInfo"]
    assert info["batchSize"] == 2
    assert info["startSequenceNumber"] == function.batches[0][0]["dynamodb"]["SequenceNumber"]
    assert info["endSequenceNumber"] == function.batches[0][1]["dynamodb"]["SequenceNumber"]


def test_a_restarted_poller_resumes_from_its_checkpoint(stack: dict[str, Any], tmp_path: Path) -> None:
    function = Function()
    put(stack, "a", "b")
    poller(stack, function, tmp_path).poll_once()
    put(stack, "c")

    restarted = Function()
    poller(stack, restarted, tmp_path).poll_once()

    assert restarted.keys(0) == ["c"]  # "a" and "b" are not handed over (or published) a second time
