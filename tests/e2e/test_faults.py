"""Nothing lost, provably (issue 10): faults injected at the AWS boundary of the local stack, each scenario closed by
`webhookctl reconcile` reporting zero missing.

Faults come from the local runtime's hook (devtools/webhookdev/local/worker.py): the harness writes rules to the
stack's `faults.json` and the functions' SDK calls fail as AWS would make them fail. The Lambda code has no fault
flag. One scenario kills the moto server itself and re-applies the Terraform into a fresh one (`stack.restart_moto`'s
steps); it runs last, as it replaces every resource the session stack had. A provider's retry is simulated by
sending the same body again, re-signed as the provider re-signs it.

Figures per scenario (sent, acknowledged, recorded, missing) are printed and written to `<stack>/fault-figures.json`.
"""

from __future__ import annotations

import importlib
import json
import secrets
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from typing import Any

import pytest
import requests
from webhookdev import samples, signing
from webhookdev.cli.reconcile import Report, reconcile, sources_from
from webhookdev.cli.target import load_local
from webhookdev.local import stack
from webhookdev.local.client import StackClient
from webhookdev.local.settings import Layout

pytestmark = pytest.mark.e2e

cli = importlib.import_module("webhookdev.cli.main")
VALIDATOR = "stripe-webhook-validator"
PROCESSOR = "webhook-processor"


@dataclass
class Figures:
    scenario: str
    sent: int = 0
    acknowledged: int = 0
    recorded: int = 0
    missing: int = 0


FIGURES: list[Figures] = []


@pytest.fixture(scope="module", autouse=True)
def _report_figures(local_stack: StackClient) -> Iterator[None]:
    yield
    if FIGURES:
        lines = [f"{'scenario':<34} {'sent':>5} {'acked':>6} {'recorded':>9} {'missing':>8}"]
        lines += [f"{f.scenario:<34} {f.sent:>5} {f.acknowledged:>6} {f.recorded:>9} {f.missing:>8}" for f in FIGURES]
        print("\n[faults]\n" + "\n".join(lines))
        (Layout.default().local / "fault-figures.json").write_text(json.dumps([asdict(f) for f in FIGURES], indent=2))


class Faults:
    def __init__(self) -> None:
        self.path = Layout.default().faults_file

    def set(self, *rules: dict[str, Any]) -> None:
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(list(rules)))
        tmp.replace(self.path)

    def clear(self) -> None:
        self.path.unlink(missing_ok=True)

    def remaining(self) -> list[dict[str, Any]]:
        if not self.path.exists():
            return []
        rules: list[dict[str, Any]] = json.loads(self.path.read_text() or "[]")
        return rules


@pytest.fixture
def faults(local_stack: StackClient) -> Iterator[Faults]:
    injected = Faults()
    injected.clear()
    time.sleep(1.1)  # reconcile windows have one-second resolution: keep each scenario's window to itself
    try:
        yield injected
    finally:
        injected.clear()


def wait_until(what: str, check: Any, timeout: float, every: float = 0.3) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not happen within {timeout:.0f}s")
        time.sleep(every)


def stripe_body(tag: str) -> tuple[bytes, str, str]:
    """A fresh Stripe event: (body, content type, transaction id).

    12 hex digits: an id holding a run of 13+ digits would be masked as a card number and not be found by its id.
    """
    stamp = f"{tag}_{secrets.token_hex(6)}"
    body, content_type = samples.render_sample(
        "stripe",
        "payment_intent_succeeded",
        event_id=f"evt_fault_{stamp}",
        transaction_id=f"pi_fault_{stamp}",
        created=int(time.time()) - 30,
    )
    return body, content_type, f"pi_fault_{stamp}"


def deliver(client: StackClient, body: bytes, content_type: str, headers: dict[str, str] | None = None) -> int:
    """One delivery attempt, signed now (a provider signs every retry afresh)."""
    sent = client.http.post(
        client.webhook_url("stripe"),
        data=body,
        headers=headers or client.signed("stripe", body, content_type),
        timeout=60,
    )
    return sent.status_code


def reconcile_since(start: float, provider: str = "stripe") -> Report:
    sources = sources_from(load_local(Layout.default().stack_json))
    return reconcile(sources, [provider], int(start), int(time.time()) + 1, grace_seconds=0)


def close(name: str, started: float, sent: int, acknowledged: int) -> Report:
    """Reconcile the scenario's window; nothing may be missing."""
    report = reconcile_since(started)
    FIGURES.append(Figures(name, sent, acknowledged, report.processed, len(report.missing)))
    assert report.missing == [], [asdict(m) for m in report.missing]
    return report


def runtime_has_reread(client: StackClient, since: float, timeout: float = 60.0) -> None:
    """Wait for a refresh of the runtime's view of the deployment that *started* after ``since``.

    A refresh that finished after ``since`` may have read moto before it; refreshes run one at a time, so the second
    one to finish after ``since`` began after it."""
    status_url = f"{client.stack['lambda_endpoint_url']}/_local/status"

    def refreshed_at() -> float:
        return float(client.http.get(status_url, timeout=10).json()["refreshed_at"])

    first = wait_until("a runtime refresh", lambda: (t := refreshed_at()) > since and t, timeout)
    wait_until("a second runtime refresh", lambda: refreshed_at() > first, timeout)


def records_of(client: StackClient, transaction_id: str) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = client.wait_for_transaction(transaction_id)["events"]
    return events


def test_s3_put_failure_is_5xx_without_invoke_and_the_retry_succeeds(local_stack: StackClient, faults: Faults) -> None:
    started = time.time()
    body, content_type, transaction_id = stripe_body("s3put")
    faults.set({"function": VALIDATOR, "service": "s3", "operation": "PutObject", "times": 1, "status": 503})
    invokes_before = len(local_stack.platform_starts(PROCESSOR, "Event"))

    first = deliver(local_stack, body, content_type)

    assert first == 503
    assert faults.remaining()[0]["times"] == 0
    time.sleep(1.0)
    assert len(local_stack.platform_starts(PROCESSOR, "Event")) == invokes_before  # no invoke without a stored body
    assert reconcile_since(started).objects == 0
    assert deliver(local_stack, body, content_type) == 200
    assert len(records_of(local_stack, transaction_id)) == 1
    close("validator S3 PutObject fails", started, sent=2, acknowledged=1)


def test_async_invoke_failure_is_5xx_and_the_retry_succeeds_despite_the_stored_object(
    local_stack: StackClient, faults: Faults
) -> None:
    started = time.time()
    body, content_type, transaction_id = stripe_body("invoke")
    faults.set({"function": VALIDATOR, "service": "lambda", "operation": "Invoke", "times": 1, "status": 500})

    assert deliver(local_stack, body, content_type) == 502
    assert reconcile_since(started).objects == 1  # the first attempt's raw object is there, acknowledged by no one

    assert deliver(local_stack, body, content_type) == 200
    assert len(records_of(local_stack, transaction_id)) == 1
    report = close("validator async invoke fails", started, sent=2, acknowledged=1)
    assert report.objects == 1  # write-once: the retry found its identical object and wrote nothing


def test_dynamodb_throttling_ends_in_the_dlq_and_redrive_completes_the_record(
    local_stack: StackClient, faults: Faults, capsys: pytest.CaptureFixture[str]
) -> None:
    started = time.time()
    body, content_type, transaction_id = stripe_body("throttle")
    faults.set(
        {
            "function": PROCESSOR,
            "service": "dynamodb",
            "operation": "PutItem",
            "times": 3,
            "status": 400,
            "code": "ProvisionedThroughputExceededException",
        }
    )

    assert deliver(local_stack, body, content_type) == 200

    def in_dlq() -> bool:
        return bool(reconcile_since(started).in_dlq)

    wait_until("the event in the DLQ", in_dlq, timeout=30)
    assert local_stack.transaction(transaction_id).status_code == 404
    assert reconcile_since(started).missing == []  # in the DLQ is not missing
    faults.clear()

    code = cli.main(["dlq", "redrive", "--all", "--stack-file", str(Layout.default().stack_json)])
    capsys.readouterr()

    assert code == 0
    assert len(records_of(local_stack, transaction_id)) == 1
    close("processor DynamoDB throttled -> DLQ", started, sent=1, acknowledged=1)


def test_processor_dying_between_its_s3_and_dynamodb_writes_leaves_no_duplicate(
    local_stack: StackClient, faults: Faults
) -> None:
    started = time.time()
    body, content_type, transaction_id = stripe_body("crash")
    faults.set({"function": PROCESSOR, "service": "dynamodb", "operation": "PutItem", "times": 1, "action": "exit"})

    assert deliver(local_stack, body, content_type) == 200

    assert len(records_of(local_stack, transaction_id)) == 1
    time.sleep(1.0)
    assert len(records_of(local_stack, transaction_id)) == 1
    assert faults.remaining()[0]["times"] == 0  # the crash did happen
    close("processor dies before PutItem", started, sent=1, acknowledged=1)


def test_processor_down_then_back_processes_everything_queued(local_stack: StackClient, faults: Faults) -> None:
    started = time.time()
    lam = local_stack.aws("lambda")
    before = lam.get_function_concurrency(FunctionName=PROCESSOR).get("ReservedConcurrentExecutions")
    lam.put_function_concurrency(FunctionName=PROCESSOR, ReservedConcurrentExecutions=0)
    sent: list[str] = []
    try:
        runtime_has_reread(local_stack, since=time.time())  # every 2.5 s, slower on a loaded machine
        for index in range(3):
            body, content_type, transaction_id = stripe_body(f"down{index}")
            assert deliver(local_stack, body, content_type) == 200
            sent.append(transaction_id)
        time.sleep(3.0)
        assert all(local_stack.transaction(t).status_code == 404 for t in sent)  # queued, not processed, not lost
        assert len(reconcile_since(started).missing) == 3  # the check sees them while the processor is down
    finally:
        if before is None:
            lam.delete_function_concurrency(FunctionName=PROCESSOR)
        else:
            lam.put_function_concurrency(FunctionName=PROCESSOR, ReservedConcurrentExecutions=before)
    for transaction_id in sent:
        assert len(records_of(local_stack, transaction_id)) == 1
    close("processor down, then back", started, sent=3, acknowledged=3)


def test_stripe_secret_rotation_during_traffic(local_stack: StackClient, faults: Faults) -> None:
    started = time.time()
    sm = local_stack.aws("secretsmanager")
    secret_id = local_stack.stack["outputs"]["provider_secret_arns"]["stripe"]
    old = local_stack.stack["signing"]["stripe"]["secret"]
    new = "whsec_rotated_" + secrets.token_hex(16)
    original = sm.get_secret_value(SecretId=secret_id)["SecretString"]
    sent = acknowledged = 0
    try:
        sm.put_secret_value(SecretId=secret_id, SecretString=json.dumps({"signing_secrets": [new, old]}))
        # The overlap: Stripe signs with both secrets (two v1). Validators that cached the old secret accept them.
        for _ in range(3):
            body, content_type, _ = stripe_body("overlap")
            header = signing.stripe_signature_header(body, old, None, new)
            status = deliver(
                local_stack, body, content_type, {"Content-Type": content_type, "Stripe-Signature": header}
            )
            sent += 1
            acknowledged += status == 200
            assert status == 200
        # After the overlap only the new secret signs. A warm validator re-reads the secret after a mismatch (at
        # most once a minute); Stripe retries a 401, so the delivery is retried until it passes.
        body, content_type, transaction_id = stripe_body("newonly")
        new_only = {"Content-Type": content_type}

        def accepted() -> bool:
            nonlocal sent
            new_only["Stripe-Signature"] = signing.stripe_signature_header(body, new)
            sent += 1
            return deliver(local_stack, body, content_type, new_only) == 200

        wait_until("the new secret to be picked up", accepted, timeout=80, every=5.0)  # Stripe's retries are sparser
        acknowledged += 1
        assert len(records_of(local_stack, transaction_id)) == 1
    finally:
        sm.put_secret_value(SecretId=secret_id, SecretString=original)
    close("Stripe secret rotation", started, sent=sent, acknowledged=acknowledged)


def test_reconcile_detects_a_deleted_record_and_replay_restores_it(
    local_stack: StackClient, faults: Faults, capsys: pytest.CaptureFixture[str]
) -> None:
    started = time.time()
    sent = local_stack.send("stripe", "payment_intent_succeeded")
    assert sent.status == 200
    assert len(records_of(local_stack, sent.transaction_id)) == 1
    table = local_stack.stack["outputs"]["dynamodb_table_name"]
    ddb = local_stack.aws("dynamodb")
    [item] = ddb.query(
        TableName=table,
        KeyConditionExpression="transaction_id = :t",
        ExpressionAttributeValues={":t": {"S": sent.transaction_id}},
    )["Items"]
    ddb.delete_item(TableName=table, Key={"transaction_id": item["transaction_id"], "timestamp": item["timestamp"]})

    report = reconcile_since(started)

    assert [m.event_id for m in report.missing] == [sent.event_id]
    stack_file = str(Layout.default().stack_json)
    window = ["--start", str(int(started)), "--end", "now", "--grace", "0", "--provider", "stripe"]
    assert cli.main(["reconcile", "--stack-file", stack_file, *window]) == 1
    assert cli.main(["replay", "--stack-file", stack_file, "--event-id", sent.event_id, "--provider", "stripe"]) == 0
    capsys.readouterr()
    assert len(records_of(local_stack, sent.transaction_id)) == 1
    close("deleted record, then replay", started, sent=1, acknowledged=1)


def outage_reasons(client: StackClient, event_ids: set[str]) -> list[str]:
    """The validator's log line for each 5xx it answered for these events, in order: proof that the validator itself
    answered, and why (``storage_unavailable: NoSuchBucket``; a cold validator fails earlier, at its secret)."""
    return [
        f"{r.get('outcome')}: {str(r.get('message', '')).split(' failed: ', 1)[-1]}"
        for r in client.log_records(VALIDATOR)
        if r.get("event_id") in event_ids and int(r.get("status_code") or 0) >= 500
    ]


def test_moto_restart_is_5xx_until_the_reapply_then_the_retries_are_recorded(
    local_stack: StackClient, faults: Faults
) -> None:
    """moto (all of S3, DynamoDB, SQS, Secrets Manager) is killed mid-run and comes back empty; the Terraform is then
    applied again. API Gateway and Lambda keep serving meanwhile (the runtime holds its deployment), so every webhook
    reaches its validator and meets the missing storage there: a 5xx, never a 2xx (acknowledged, then lost) and never
    a 4xx (the provider would drop the event). The provider's retries after the re-apply are recorded.

    The warm-up delivery's record lives in the old moto's memory and is gone with it: moto loses its state on a
    restart, AWS does not, so the figures count only the events sent once the outage began."""
    warm_body, content_type, warm_transaction = stripe_body("warm")
    assert deliver(local_stack, warm_body, content_type) == 200  # traffic flows: a warm validator, secret cached
    assert len(records_of(local_stack, warm_transaction)) == 1
    events = [stripe_body(f"restart{index}") for index in range(3)]
    event_ids = {f"evt_fault_{transaction.removeprefix('pi_fault_')}" for _, _, transaction in events}
    started = time.time()
    answers: list[requests.Response] = []

    def attempt_all() -> None:
        for body, content_type_, _ in events:  # a provider re-signs every retry
            answers.append(
                local_stack.http.post(
                    local_stack.webhook_url("stripe"),
                    data=body,
                    headers=local_stack.signed("stripe", body, content_type_),
                    timeout=60,
                )
            )

    stack.kill_moto()
    try:
        attempt_all()  # moto is down: connection refused
        stack.start_moto()
        attempt_all()  # a fresh moto: no bucket, no table, no secret yet
    finally:  # whatever happened, the rest of the session gets a deployed stack back
        stack.start_moto()  # a no-op when it runs
        restarted = time.monotonic()
        local_stack.stack.update(stack.reapply(stack.Options(quiet=True)))  # new API key values and secret ARNs
        print(f"\n[faults] moto re-apply took {time.monotonic() - restarted:.0f}s")

    assert [a.status_code for a in answers] == [503] * len(answers), [(a.status_code, a.text) for a in answers]
    assert {a.json()["message"] for a in answers} == {"Temporarily unavailable, retry later"}  # the validator's
    reasons = outage_reasons(local_stack, event_ids)
    assert len(reasons) == len(answers), reasons
    assert all("Connection" in reason for reason in reasons[: len(events)]), reasons
    assert all(reason.endswith(("NoSuchBucket", "ResourceNotFoundException")) for reason in reasons[len(events) :])
    assert "storage_unavailable: NoSuchBucket" in reasons, reasons
    retries = [deliver(local_stack, body, content_type_) for body, content_type_, _ in events]

    assert retries == [200] * len(events)
    for _, _, transaction_id in events:
        assert len(records_of(local_stack, transaction_id)) == 1
    close("moto restarted (storage gone)", started, sent=len(answers) + len(retries), acknowledged=len(retries))
