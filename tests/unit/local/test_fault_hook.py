"""The worker's fault hook (test harness only): SDK calls fail as AWS would make them fail, counted across calls."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

SCRIPT = textwrap.dedent(
    """
    import json, os, sys
    os.environ.update(AWS_ACCESS_KEY_ID="x", AWS_SECRET_ACCESS_KEY="x", AWS_DEFAULT_REGION="us-east-1",
                      AWS_LAMBDA_FUNCTION_NAME="stripe-webhook-validator")
    import boto3
    from botocore.exceptions import ClientError, EndpointConnectionError
    from moto import mock_aws
    from webhookdev.local import worker
    results = []
    with mock_aws():  # resets boto3's default session, so the hook goes on after it, as the worker installs it
        worker._install_fault_hook(sys.argv[1])
        s3 = boto3.client("s3")
        s3.create_bucket(Bucket="faults")
        for _ in range(3):
            try:
                s3.put_object(Bucket="faults", Key="k", Body=b"x")
                results.append("ok")
            except ClientError as exc:
                error = exc.response
                results.append(f'{error["Error"]["Code"]}:{error["ResponseMetadata"]["HTTPStatusCode"]}')
        try:
            boto3.client("sqs").list_queues()
            results.append("sqs ok")
        except EndpointConnectionError:
            results.append("sqs unreachable")
    print(json.dumps(results))
    """
)


def test_rules_fire_as_aws_errors_count_down_and_match_function_service_and_operation(tmp_path: Path) -> None:
    faults = tmp_path / "faults.json"
    faults.write_text(
        json.dumps(
            [
                {"function": "other-function", "service": "s3", "action": "exit"},
                {"function": "stripe-webhook-validator", "service": "s3", "operation": "PutObject", "times": 2},
                {"service": "sqs", "action": "unreachable"},
            ]
        )
    )

    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(faults)], capture_output=True, text=True, check=True, timeout=120
    )

    assert json.loads(done.stdout.strip().splitlines()[-1]) == [
        "ServiceUnavailable:503",
        "ServiceUnavailable:503",
        "ok",
        "sqs unreachable",
    ]
    assert json.loads(faults.read_text())[1]["times"] == 0


def test_no_file_means_no_faults(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(tmp_path / "absent.json")],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )

    assert json.loads(done.stdout.strip().splitlines()[-1]) == ["ok", "ok", "ok", "sqs ok"]
