"""The moto patches, checked through the real moto process the stack runs (a free port, stopped afterwards)."""

from __future__ import annotations

import io
import json
import socket
import subprocess
import sys
import threading
import time
import zipfile
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
import requests
from botocore.exceptions import ClientError
from card_data import pans_in_text
from webhookdev.local.procs import stop_pid
from webhookdev.local.registry import aws_client


def _port_no_url_reads_as_a_card() -> int:
    """A free port whose URLs cannot trip the suite's card-data scanner (tests/card_data.py).

    moto's queue URLs put the account id right after the port, `http://127.0.0.1:<port>/123456789012/<queue>`, and the
    scanner joins digit groups across `/`: for about one port in ten, `<port>/123456789012` is a Luhn-valid 17-digit
    number, and any test whose logs hold a queue URL failed at teardown.
    """
    while True:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port: int = probe.getsockname()[1]
        if not pans_in_text(f"{port}/123456789012"):
            return port


@pytest.fixture(scope="module")
def moto_url() -> Iterator[str]:
    port = _port_no_url_reads_as_a_card()
    process = subprocess.Popen(
        [sys.executable, "-m", "webhookdev.local.moto_process", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                requests.get(f"{url}/moto-api/", timeout=1)
                break
            except requests.ConnectionError:
                assert time.monotonic() < deadline, "moto did not start"
                time.sleep(0.1)
        yield url
    finally:
        stop_pid(process.pid)
        process.wait(timeout=10)


def test_lambda_dead_letter_config_is_kept(moto_url: str) -> None:
    iam, lam = aws_client("iam", moto_url), aws_client("lambda", moto_url)
    role = iam.create_role(RoleName="fn", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    code = io.BytesIO()
    with zipfile.ZipFile(code, "w") as archive:
        archive.writestr("index.py", "def handler(e, c): return 1\n")
    dlq = "arn:aws:sqs:us-east-1:123456789012:dlq"

    lam.create_function(
        FunctionName="fn",
        Runtime="python3.11",
        Role=role,
        Handler="index.handler",
        Code={"ZipFile": code.getvalue()},
        DeadLetterConfig={"TargetArn": dlq},
    )
    created = lam.get_function_configuration(FunctionName="fn")["DeadLetterConfig"]
    lam.update_function_configuration(FunctionName="fn", DeadLetterConfig={"TargetArn": dlq + "-2"})
    updated = lam.get_function_configuration(FunctionName="fn")["DeadLetterConfig"]

    assert created == {"TargetArn": dlq}
    assert updated == {"TargetArn": dlq + "-2"}


def test_method_settings_on_a_nested_resource_read_back(moto_url: str) -> None:
    apigw = aws_client("apigateway", moto_url)
    api = apigw.create_rest_api(name="nested")["id"]
    root = apigw.get_resources(restApiId=api)["items"][0]["id"]
    resource = apigw.create_resource(restApiId=api, parentId=root, pathPart="hooks")["id"]
    apigw.put_method(restApiId=api, resourceId=resource, httpMethod="POST", authorizationType="NONE")
    apigw.put_integration(restApiId=api, resourceId=resource, httpMethod="POST", type="MOCK")
    deployment_id = apigw.create_deployment(restApiId=api)["id"]
    apigw.create_stage(restApiId=api, stageName="local", deploymentId=deployment_id)

    apigw.update_stage(
        restApiId=api,
        stageName="local",
        patchOperations=[
            {"op": "replace", "path": "/~1api~1v1~1hooks/POST/throttling/rateLimit", "value": "7"},
            {"op": "replace", "path": "/~1api~1v1~1hooks/POST/throttling/burstLimit", "value": "3"},
        ],
    )
    settings = apigw.get_stage(restApiId=api, stageName="local")["methodSettings"]

    assert settings["api/v1/hooks/POST"]["throttlingRateLimit"] == 7.0
    assert settings["api/v1/hooks/POST"]["throttlingBurstLimit"] == 3


def test_lifecycle_filters_read_back_as_written(moto_url: str) -> None:
    s3 = aws_client("s3", moto_url)
    s3.create_bucket(Bucket="lifecycle-bucket")
    rules: list[dict[str, Any]] = [
        {"ID": "all", "Status": "Enabled", "Filter": {}, "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 1}},
        {
            "ID": "large",
            "Status": "Enabled",
            "Filter": {"ObjectSizeGreaterThan": 131072},
            "Transitions": [{"Days": 0, "StorageClass": "INTELLIGENT_TIERING"}],
        },
    ]

    s3.put_bucket_lifecycle_configuration(Bucket="lifecycle-bucket", LifecycleConfiguration={"Rules": rules})
    read = s3.get_bucket_lifecycle_configuration(Bucket="lifecycle-bucket")["Rules"]

    assert [(r["ID"], r["Filter"]) for r in read] == [("all", {}), ("large", {"ObjectSizeGreaterThan": 131072})]


def test_tls_only_bucket_policy_does_not_deny_sdk_traffic_but_other_denies_still_apply(moto_url: str) -> None:
    s3 = aws_client("s3", moto_url)
    s3.create_bucket(Bucket="tls-only-bucket")
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "DenyInsecureTransport",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": ["arn:aws:s3:::tls-only-bucket", "arn:aws:s3:::tls-only-bucket/*"],
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            },
            {
                "Sid": "DenyEverythingUnderLocked",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:PutObject",
                "Resource": "arn:aws:s3:::tls-only-bucket/locked/*",
            },
        ],
    }
    s3.put_bucket_policy(Bucket="tls-only-bucket", Policy=json.dumps(policy))

    s3.put_object(Bucket="tls-only-bucket", Key="open/a.json", Body=b"{}")
    with pytest.raises(s3.exceptions.ClientError):
        s3.put_object(Bucket="tls-only-bucket", Key="locked/a.json", Body=b"{}")


def test_an_identical_create_stage_retry_returns_the_stage_but_a_conflicting_one_is_409(moto_url: str) -> None:
    apigw = aws_client("apigateway", moto_url)
    api = apigw.create_rest_api(name="retry")["id"]
    root = apigw.get_resources(restApiId=api)["items"][0]["id"]
    apigw.put_method(restApiId=api, resourceId=root, httpMethod="GET", authorizationType="NONE")
    apigw.put_integration(restApiId=api, resourceId=root, httpMethod="GET", type="MOCK")
    first = apigw.create_deployment(restApiId=api)["id"]
    second = apigw.create_deployment(restApiId=api)["id"]
    request = {"restApiId": api, "stageName": "local", "variables": {"table": "t"}, "tracingEnabled": True}

    created = apigw.create_stage(deploymentId=first, **request)
    repeated = apigw.create_stage(deploymentId=first, **request)

    assert repeated["deploymentId"] == created["deploymentId"] == first
    assert repeated["variables"] == {"table": "t"}
    with pytest.raises(apigw.exceptions.ConflictException):
        apigw.create_stage(deploymentId=second, **request)
    with pytest.raises(apigw.exceptions.ConflictException):
        apigw.create_stage(deploymentId=first, **{**request, "variables": {"table": "other"}})


def test_conditional_put_keeps_the_first_body_on_the_moto_server(moto_url: str) -> None:
    s3 = aws_client("s3", moto_url)
    s3.create_bucket(Bucket="write-once")
    s3.put_object(Bucket="write-once", Key="k", Body=b"first", IfNoneMatch="*")

    with pytest.raises(ClientError) as raised:
        s3.put_object(Bucket="write-once", Key="k", Body=b"second", IfNoneMatch="*")

    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 412
    assert s3.get_object(Bucket="write-once", Key="k")["Body"].read() == b"first"


def test_concurrent_conditional_puts_have_exactly_one_winner(monkeypatch: pytest.MonkeyPatch) -> None:
    from moto import mock_aws  # noqa: PLC0415
    from moto.s3 import models  # noqa: PLC0415
    from webhookdev.local import moto_compat  # noqa: PLC0415

    moto_compat.apply()
    original = models.S3Backend.put_object

    def slow_put(self: Any, *args: Any, **kwargs: Any) -> Any:
        time.sleep(0.3)  # widen the window between moto's condition check and its write
        return original(self, *args, **kwargs)

    monkeypatch.setattr(models.S3Backend, "put_object", slow_put)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket="race")
        statuses: list[int] = []

        def put(body: bytes) -> None:
            try:
                s3.put_object(Bucket="race", Key="k", Body=body, IfNoneMatch="*")
                statuses.append(200)
            except ClientError as exc:
                statuses.append(exc.response["ResponseMetadata"]["HTTPStatusCode"])

        threads = [threading.Thread(target=put, args=(bytes([65 + i]),)) for i in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        stored = s3.get_object(Bucket="race", Key="k")["Body"].read()

    assert sorted(statuses) == [200, 412]
    assert stored in (b"A", b"B")
