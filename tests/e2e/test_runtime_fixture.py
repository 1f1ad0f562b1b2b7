"""The local runtime against a tiny Terraform configuration of its own (tests/fixtures/local-runtime), applied into
moto: it executes what Terraform deployed, shows a forgotten validator, and refuses code it cannot verify."""

from __future__ import annotations

import io
import json
import os
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from webhookdev.local import stack
from webhookdev.local.procs import PidFiles, pid_alive
from webhookdev.local.registry import aws_client
from webhookdev.local.settings import Layout, repo_root

from .conftest import stack_env

pytestmark = pytest.mark.e2e

FIXTURE = repo_root() / "tests" / "fixtures" / "local-runtime"
ENV = stack_env("e2e-fixture", 2)


def build_artifacts(target: Path) -> None:
    for name in ("echo", "authorizer", "flaky"):
        with zipfile.ZipFile(target / f"{name}.zip", "w") as archive:
            archive.write(FIXTURE / "functions" / name / "index.py", "index.py")
    with zipfile.ZipFile(target / "layer.zip", "w") as archive:
        archive.write(
            FIXTURE / "layer" / "python" / "fixture_shared" / "__init__.py", "python/fixture_shared/__init__.py"
        )


def options(artifacts: Path, **variables: Any) -> stack.Options:
    return stack.Options(
        source=FIXTURE,
        var_files=(),
        artifact_roots=(artifacts,),
        owner_pid=os.getpid(),
        extra_vars={"artifacts_dir": str(artifacts), **variables},
        quiet=True,
    )


@pytest.fixture(scope="module")
def fixture_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    artifacts = tmp_path_factory.mktemp("artifacts")
    build_artifacts(artifacts)
    saved = {name: os.environ.get(name) for name in ENV}
    os.environ.update(ENV)
    try:
        stack.down(quiet=True)
        document = stack.up(options(artifacts))
        document["artifacts"] = artifacts
        yield document
    finally:
        stack.down(quiet=True)
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def post_echo(stack_doc: dict[str, Any], body: bytes) -> requests.Response:
    return requests.post(
        f"{stack_doc['base_url']}/echo", data=body, headers={"Content-Type": "application/json"}, timeout=30
    )


def invoke(stack_doc: dict[str, Any], function: str, payload: bytes, invocation_type: str) -> requests.Response:
    return requests.post(
        f"{stack_doc['lambda_endpoint_url']}/2015-03-31/functions/{function}/invocations",
        data=payload,
        headers={"X-Amz-Invocation-Type": invocation_type},
        timeout=30,
    )


def eventually(check: Any, timeout: float = 6.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result or time.monotonic() > deadline:
            return result
        time.sleep(0.2)


def test_runtime_executes_the_deployed_route_function_and_layer(fixture_stack: dict[str, Any]) -> None:
    response = post_echo(fixture_stack, b'{"id": "abc"}')

    assert response.status_code == 200
    assert response.headers["X-Echo"] == "yes"
    echoed = response.json()
    assert echoed["event"]["stageVariables"] == {"table": "fixture-table"}
    assert echoed["event"]["requestContext"]["authorizer"]["route"] == "/echo"
    assert echoed["event"]["requestContext"]["identity"]["apiKeyId"] == fixture_stack["outputs"]["api_key_id"]
    assert echoed["env"]["GREETING"] == "hello"
    assert echoed["env"]["AWS_LAMBDA_FUNCTION_NAME"] == "fixture-echo"
    assert echoed["layer"] == "from-layer"


def test_deployed_stage_method_throttle_is_enforced(fixture_stack: dict[str, Any]) -> None:
    url = f"{fixture_stack['base_url']}/echo/7"

    statuses = [requests.get(url, timeout=30).status_code for _ in range(4)]

    assert statuses[:2] == [200, 200]
    assert 429 in statuses[2:]


def test_a_forgotten_validator_shows_locally(fixture_stack: dict[str, Any]) -> None:
    artifacts = fixture_stack["artifacts"]
    assert post_echo(fixture_stack, b'{"id": 5}').status_code == 400

    stack.up(options(artifacts, create_validator=False))
    try:
        reached = eventually(lambda: post_echo(fixture_stack, b'{"id": 5}').status_code == 200)
        assert reached, "without its validator the malformed body must reach the Lambda"
    finally:
        stack.up(options(artifacts, create_validator=True))
    assert eventually(lambda: post_echo(fixture_stack, b'{"id": 5}').status_code == 400)


def test_code_that_matches_no_local_artifact_is_refused(fixture_stack: dict[str, Any]) -> None:
    lam = aws_client("lambda", fixture_stack["aws_endpoint_url"])
    original = (fixture_stack["artifacts"] / "echo.zip").read_bytes()
    unknown = io.BytesIO()
    with zipfile.ZipFile(unknown, "w") as archive:
        archive.writestr("index.py", "def handler(event, context):\n    return 'not what was built'\n")

    lam.update_function_code(FunctionName="fixture-echo", ZipFile=unknown.getvalue())
    try:
        refused = eventually(lambda: invoke(fixture_stack, "fixture-echo", b"{}", "RequestResponse").status_code == 502)
        assert refused
        response = invoke(fixture_stack, "fixture-echo", b"{}", "RequestResponse")
        assert response.headers["x-amzn-ErrorType"] == "CodeVerificationFailedException"
    finally:
        lam.update_function_code(FunctionName="fixture-echo", ZipFile=original)
    assert eventually(lambda: invoke(fixture_stack, "fixture-echo", b"{}", "RequestResponse").status_code == 200)


def test_async_invoke_retries_as_deployed_then_dead_letters(fixture_stack: dict[str, Any]) -> None:
    sync = invoke(fixture_stack, "fixture-flaky", b'{"sync": true}', "RequestResponse")
    accepted = invoke(fixture_stack, "fixture-flaky", b'{"poison": 1}', "Event")

    assert (sync.status_code, sync.headers["X-Amz-Function-Error"]) == (200, "Unhandled")
    assert json.loads(sync.content)["errorMessage"] == "flaky always fails"
    assert accepted.status_code == 202
    sqs = aws_client("sqs", fixture_stack["aws_endpoint_url"])

    def dead_lettered() -> list[dict[str, Any]]:
        messages: list[dict[str, Any]] = sqs.receive_message(
            QueueUrl=fixture_stack["outputs"]["dlq_url"], MessageAttributeNames=["All"], WaitTimeSeconds=1
        ).get("Messages", [])
        return messages

    messages = eventually(dead_lettered, timeout=20)
    assert [m["Body"] for m in messages] == ['{"poison": 1}']
    request_id = messages[0]["MessageAttributes"]["RequestID"]["StringValue"]
    log = Path(fixture_stack["logs_dir"]) / "fixture-flaky.log"
    starts = [json.loads(line)["record"] for line in log.read_text().splitlines() if "platform.start" in line]
    assert [s["attempt"] for s in starts if s["requestId"] == request_id] == [1, 2, 3]


def test_down_leaves_no_process_behind(fixture_stack: dict[str, Any]) -> None:
    recorded = PidFiles(Layout.default().pids_dir).all()
    assert {"supervisor", "moto", "runtime", "paypal-stub"} <= set(recorded)

    stack.down(quiet=True)

    assert [name for name, pid in recorded.items() if pid_alive(pid)] == []
