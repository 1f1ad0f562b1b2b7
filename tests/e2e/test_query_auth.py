"""Query API authentication end to end (issue 8 item 6, decision 12 amended).

API_KEY mode (the local stack's environments/local.tfvars): a provider's webhook key never opens the query API.
AWS_IAM mode (the default everywhere else): a second stack, applied with `query_api_authorization = "AWS_IAM"` on its
own ports and directory, where only SigV4 with the stack's credentials opens the query routes, `webhookctl query`
signs by itself, and webhooks are unaffected.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests
from botocore.credentials import Credentials
from webhookdev.cli import main as webhookctl
from webhookdev.cli.query import SigV4RequestAuth
from webhookdev.local import sigv4, stack
from webhookdev.local.client import StackClient

from .conftest import stack_env

pytestmark = pytest.mark.e2e

PROVIDERS = ("stripe", "paypal", "square")
IAM_ENV = stack_env("e2e-iam", 1)


@contextmanager
def _environment(values: dict[str, str]) -> Iterator[None]:
    """`stack` reads its directory and ports from the environment; the session's own stack keeps its values."""
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@pytest.fixture(scope="module")
def iam_stack() -> Iterator[StackClient]:
    started = time.monotonic()
    try:
        with _environment(IAM_ENV):
            stack.down(quiet=True)
            document = stack.up(
                stack.Options(owner_pid=os.getpid(), extra_vars={"query_api_authorization": "AWS_IAM"}, quiet=True)
            )
        print(f"\n[e2e] AWS_IAM stack up in {time.monotonic() - started:.0f}s")
        yield StackClient(document)
    finally:
        with _environment(IAM_ENV):
            stack.down(quiet=True)


def _provider_key_value(client: StackClient, provider: str) -> str:
    key = client.aws("apigateway").get_api_key(apiKey=client.api_key_id(provider), includeValue=True)
    return str(key["value"])


# ---- API_KEY mode (the local stack) ---------------------------------------------------------------------------------


@pytest.mark.parametrize("provider", PROVIDERS)
def test_a_providers_webhook_key_never_opens_the_query_api(local_stack: StackClient, provider: str) -> None:
    assert local_stack.query_authorization == "API_KEY"
    sent = local_stack.send(provider, {"stripe": "charge_succeeded", "paypal": "payment_capture_completed",
                                       "square": "payment_created"}[provider])  # fmt: skip
    assert sent.status == 200  # the key is live: it meters this provider's webhooks
    local_stack.wait_for_transaction(sent.transaction_id)  # and the record is there to be read
    headers = {"x-api-key": _provider_key_value(local_stack, provider)}

    by_id = local_stack.http.get(
        f"{local_stack.base_url}/api/v1/transactions/{sent.transaction_id}", headers=headers, timeout=30
    )
    listing = local_stack.http.get(
        f"{local_stack.base_url}/api/v1/transactions", params={"customer_id": "c"}, headers=headers, timeout=30
    )

    for response in (by_id, listing):
        assert response.status_code == 403, response.text
        assert sent.transaction_id not in response.text


# ---- AWS_IAM mode (a second stack) ----------------------------------------------------------------------------------


def test_iam_stack_queries_only_with_a_valid_sigv4_signature(iam_stack: StackClient) -> None:
    assert iam_stack.query_authorization == "AWS_IAM"
    assert iam_stack.stack["query_api_key"] is None
    sent = iam_stack.send("stripe", "charge_succeeded")
    assert sent.status == 200, sent.body  # webhooks keep their authorizer-supplied usage keys

    record = iam_stack.wait_for_transaction(sent.transaction_id)  # signed with the stack's credentials
    url = f"{iam_stack.base_url}/api/v1/transactions/{sent.transaction_id}"
    unsigned = requests.get(url, timeout=30)
    provider_key = requests.get(url, headers={"x-api-key": _provider_key_value(iam_stack, "stripe")}, timeout=30)
    wrong_secret = requests.get(
        url,
        auth=SigV4RequestAuth(
            Credentials("testing", "not-the-secret", "testing").get_frozen_credentials(), "us-east-1"
        ),
        timeout=30,
    )
    wrong_region = requests.get(
        url,
        auth=SigV4RequestAuth(Credentials("testing", "testing", "testing").get_frozen_credentials(), "eu-west-1"),
        timeout=30,
    )

    assert record["transaction_id"] == sent.transaction_id
    assert (unsigned.status_code, unsigned.json()) == (403, {"message": "Missing Authentication Token"})
    assert (provider_key.status_code, provider_key.json()) == (403, {"message": "Missing Authentication Token"})
    assert (wrong_secret.status_code, wrong_secret.json()) == (403, {"message": sigv4.BAD_SIGNATURE})
    assert wrong_region.status_code == 403
    assert "valid region" in wrong_region.json()["message"]


def test_webhookctl_query_signs_for_an_iam_stack(
    iam_stack: StackClient, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sent = iam_stack.send("square", "payment_created")
    assert sent.status == 200, sent.body
    iam_stack.wait_for_transaction(sent.transaction_id)
    stack_file = tmp_path / "stack.json"
    stack_file.write_text(json.dumps(iam_stack.stack))
    capsys.readouterr()

    code = webhookctl(["query", sent.transaction_id, "--stack-file", str(stack_file)])

    assert code == 0, capsys.readouterr().err
    assert json.loads(capsys.readouterr().out)["transaction_id"] == sent.transaction_id


def test_iam_stack_second_plan_shows_no_changes(iam_stack: StackClient) -> None:
    with _environment(IAM_ENV):
        assert stack.plan_has_changes() is False, "drift: see .local/e2e-iam/logs/tofu-plan.log"
