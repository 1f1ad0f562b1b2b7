"""A small client for a running local stack (reads `.local/stack.json`): signed webhooks, queries, the DLQ, API
keys and function logs. The demo and the end-to-end tests speak to the stack only through this and HTTP."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests
from botocore.credentials import Credentials
from requests.auth import AuthBase

from webhookdev import providers, samples
from webhookdev.cli.query import ApiKeyAuth, SigV4RequestAuth
from webhookdev.ids import fresh_id
from webhookdev.local.registry import aws_client
from webhookdev.local.settings import DUMMY_CREDENTIALS, REGION, Layout

FORM = "application/x-www-form-urlencoded"


@dataclass(frozen=True)
class Sent:
    provider: str
    sample: str
    event_id: str
    transaction_id: str
    status: int
    body: str


class StackClient:
    def __init__(self, stack: dict[str, Any]) -> None:
        self.stack = stack
        self.base_url = str(stack["base_url"])
        self.logs_dir = Path(stack["logs_dir"])
        self.http = requests.Session()

    @classmethod
    def load(cls, path: Path | None = None) -> StackClient:
        return cls(json.loads((path or Layout.default().stack_json).read_text()))

    def aws(self, service: str) -> Any:
        return aws_client(service, str(self.stack["aws_endpoint_url"]))

    # ---- webhooks -----------------------------------------------------------------------------------------------

    def webhook_url(self, provider: str) -> str:
        return f"{self.base_url}/api/v1/webhooks/{provider}"

    def signed(self, provider: str, body: bytes, content_type: str) -> dict[str, str]:
        """Headers exactly as the provider would send them for `body` (IPN is unsigned: verified by postback)."""
        material = self.stack["signing"].get(provider) or {}
        return {"Content-Type": content_type, **providers.get(provider).sign(body, content_type, material)}

    def register_ipn(self, body: bytes) -> None:
        """Tell the PayPal stub this IPN message was "sent by PayPal", so its postback answers VERIFIED."""
        stub = self.stack["paypal_stub"]
        self.http.post(stub["ipn_register_url"], data=body, verify=stub["ca_bundle"], timeout=10).raise_for_status()

    def send(
        self,
        provider: str,
        sample: str,
        *,
        event_id: str | None = None,
        transaction_id: str | None = None,
        customer_id: str | None = None,
        created: int | None = None,
        tamper: bool = False,
        raw: tuple[bytes, str] | None = None,
    ) -> Sent:
        """Render `sample` with fresh (or given) ids, sign it, optionally flip one byte after signing, POST it."""
        event_id = event_id or fresh_id("evt_local")
        transaction_id = transaction_id or fresh_id("txn_local")
        body, content_type = raw or samples.render_sample(
            provider, sample, event_id=event_id, transaction_id=transaction_id, created=created, customer_id=customer_id
        )
        headers = self.signed(provider, body, content_type)
        if content_type == FORM and not tamper:
            self.register_ipn(body)
        if tamper:
            body = _flip_one_byte(body)
        response = self.http.post(self.webhook_url(provider), data=body, headers=headers, timeout=60)
        return Sent(provider, sample, event_id, transaction_id, response.status_code, response.text)

    # ---- queries ------------------------------------------------------------------------------------------------

    @property
    def query_authorization(self) -> str:
        """AWS_IAM or API_KEY: how this stack's query API authenticates (the `query_api_authorization` output)."""
        mode = (self.stack.get("outputs") or {}).get("query_api_authorization")
        return str(mode) if mode in ("AWS_IAM", "API_KEY") else "API_KEY"

    def query_auth(self) -> AuthBase:
        """SigV4 with the local stack's credentials in AWS_IAM mode, else the stack's internal-query API key."""
        if self.query_authorization == "AWS_IAM":
            credentials = Credentials(
                DUMMY_CREDENTIALS["AWS_ACCESS_KEY_ID"],
                DUMMY_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
                DUMMY_CREDENTIALS["AWS_SESSION_TOKEN"],
            )
            return SigV4RequestAuth(credentials.get_frozen_credentials(), str(self.stack.get("region") or REGION))
        return ApiKeyAuth(str(self.stack["query_api_key"]))

    def query(self, path: str = "", **params: Any) -> requests.Response:
        url = f"{self.base_url}/api/v1/transactions{path}"
        return self.http.get(
            url, params={k: v for k, v in params.items() if v is not None}, auth=self.query_auth(), timeout=30
        )

    def transaction(self, transaction_id: str) -> requests.Response:
        return self.query(f"/{transaction_id}")

    def wait_for_transaction(self, transaction_id: str, timeout: float = 30.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            response = self.transaction(transaction_id)
            if response.status_code == 200:
                document: dict[str, Any] = response.json()
                return document
            if time.monotonic() > deadline:
                raise TimeoutError(f"transaction {transaction_id} not queryable after {timeout:.0f}s: {response.text}")
            time.sleep(0.3)

    # ---- API keys, DLQ, logs --------------------------------------------------------------------------------------

    def api_key_id(self, provider: str) -> str:
        ids = self.stack["outputs"].get("webhook_api_key_ids") or {}
        if provider in ids:
            return str(ids[provider])
        for key in self.aws("apigateway").get_api_keys(limit=500)["items"]:
            if provider in key.get("name", ""):
                return str(key["id"])
        raise LookupError(f"no API key for {provider}")

    def set_api_key_enabled(self, provider: str, enabled: bool) -> None:
        self.aws("apigateway").update_api_key(
            apiKey=self.api_key_id(provider),
            patchOperations=[{"op": "replace", "path": "/enabled", "value": "true" if enabled else "false"}],
        )

    def dlq_url(self) -> str:
        return str(self.stack["outputs"]["dlq_url"])

    def dlq_messages(self, wait_s: float = 0.0) -> list[dict[str, Any]]:
        """Every message currently in the DLQ (received with a zero visibility timeout, so they stay)."""
        sqs = self.aws("sqs")
        found: dict[str, dict[str, Any]] = {}
        deadline = time.monotonic() + wait_s
        while True:
            for _ in range(10):
                batch = sqs.receive_message(
                    QueueUrl=self.dlq_url(),
                    MaxNumberOfMessages=10,
                    VisibilityTimeout=0,
                    MessageAttributeNames=["All"],
                ).get("Messages", [])
                for message in batch:
                    found[message["MessageId"]] = message
                if not batch:
                    break
            if found or time.monotonic() >= deadline:
                return list(found.values())
            time.sleep(0.5)

    def log_records(self, function: str) -> Iterator[dict[str, Any]]:
        path = self.logs_dir / f"{function}.log"
        if not path.exists():
            return
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if isinstance(record, dict):
                yield record

    def platform_starts(self, function: str, invocation_type: str | None = None) -> list[dict[str, Any]]:
        starts = [r["record"] for r in self.log_records(function) if r.get("type") == "platform.start"]
        return [s for s in starts if invocation_type is None or s.get("invocationType") == invocation_type]


def _flip_one_byte(body: bytes) -> bytes:
    """Change one character inside the body (a digit, else a letter) so it still parses but no longer verifies."""
    data = bytearray(body)
    for index in range(len(data) // 2, len(data)):
        if chr(data[index]).isdigit():
            data[index] = ord("1") if data[index] != ord("1") else ord("2")
            return bytes(data)
    for index in range(len(data) // 2, len(data)):
        if chr(data[index]).isalpha():
            data[index] = ord("x") if data[index] != ord("x") else ord("y")
            return bytes(data)
    raise ValueError("nothing to tamper with")
