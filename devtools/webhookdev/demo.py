"""`python -m webhookdev.demo` (`make demo`): bring the local stack up, walk through what it does, take it down.

Every step talks to the stack the way a provider or an internal caller would (signed HTTP requests, the query API)
and checks the answer; the closing table lists each check. The stack is always taken down, even on failure.
"""

from __future__ import annotations

import json
import os
import secrets
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from webhookdev.local import stack
from webhookdev.local.client import Sent, StackClient

TOUR: tuple[tuple[str, str], ...] = (
    ("stripe", "payment_intent_succeeded"),
    ("stripe", "charge_refunded"),
    ("stripe", "charge_dispute_created"),
    ("stripe", "payment_intent_succeeded_jpy"),
    ("paypal", "payment_capture_completed"),
    ("paypal", "payment_capture_refunded"),
    ("paypal", "ipn_web_accept_completed"),
    ("square", "payment_updated_completed"),
    ("square", "refund_created"),
    ("square", "dispute_created"),
)


@dataclass(frozen=True)
class Check:
    step: str
    expected: str
    actual: str

    @property
    def ok(self) -> bool:
        return self.expected == self.actual


class Tour:
    def __init__(self, client: StackClient) -> None:
        self.client = client
        self.checks: list[Check] = []
        self.customer = f"cus_demo_{secrets.token_hex(4)}"
        self.started_at = int(time.time()) - 5
        self.records: dict[str, dict[str, Any]] = {}

    def check(self, step: str, expected: object, actual: object) -> bool:
        result = Check(step, str(expected), str(actual))
        self.checks.append(result)
        print(f"    {'ok ' if result.ok else 'FAIL'} {step}: expected {expected}, got {actual}")
        return result.ok

    # ---- steps --------------------------------------------------------------------------------------------------

    def signed_webhooks(self) -> list[Sent]:
        _heading("1. Signed sample webhooks, signed exactly as each provider signs them")
        sent = [self.client.send(p, s, customer_id=self.customer) for p, s in TOUR]
        rows = []
        for item in sent:
            latest: dict[str, Any] = {}
            if item.status == 200:
                latest = self.client.wait_for_transaction(item.transaction_id)["latest"]
                self.records[item.transaction_id] = latest
            rows.append(
                [
                    item.provider,
                    item.sample,
                    str(item.status),
                    latest.get("event_type", "-"),
                    f"{latest.get('amount', '-')} {latest.get('currency', '')}".strip(),
                    latest.get("status", "-"),
                ]
            )
            self.check(f"{item.provider} {item.sample}", "200 processed", f"{item.status} {latest.get('status')}")
        _table(["provider", "sample", "HTTP", "normalized", "amount", "record"], rows)
        return sent

    def forged_signature(self) -> None:
        _heading("2. A forged signature (one byte changed after signing)")
        forged = self.client.send("stripe", "charge_succeeded", tamper=True)
        print(f"    POST /webhooks/stripe -> {forged.status} {forged.body}")
        self.check("forged Stripe signature", 401, forged.status)

    def malformed_body(self) -> None:
        _heading("3. A malformed body: rejected by API Gateway request validation, no Lambda runs")
        body = json.dumps({"id": "evt_malformed", "object": "event", "type": 42}).encode()
        before = len(self.client.platform_starts("stripe-webhook-validator"))
        response = self.client.http.post(
            self.client.webhook_url("stripe"),
            data=body,
            headers=self.client.signed("stripe", body, "application/json"),
            timeout=30,
        )
        time.sleep(0.5)
        after = len(self.client.platform_starts("stripe-webhook-validator"))
        print(f"    POST /webhooks/stripe -> {response.status_code} {response.text}")
        print(f"    stripe-webhook-validator invocations before/after: {before}/{after}")
        self.check("malformed body", 400, response.status_code)
        self.check("validator invocations caused by it", 0, after - before)

    def disabled_provider(self) -> None:
        _heading("4. Disable Square's API key in API Gateway: only Square is cut off")
        self.client.set_api_key_enabled("square", False)
        try:
            started = time.monotonic()
            status = _poll(lambda: self.client.send("square", "payment_created").status, 403, timeout=6)
            print(f"    key disabled; Square gets {status} after {time.monotonic() - started:.1f}s")
            self.check("square with its key disabled", 403, status)
            self.check("stripe meanwhile", 200, self.client.send("stripe", "charge_succeeded").status)
            self.check("paypal meanwhile", 200, self.client.send("paypal", "payment_capture_completed").status)
        finally:
            self.client.set_api_key_enabled("square", True)
        status = _poll(lambda: self.client.send("square", "payment_created").status, 200, timeout=6)
        self.check("square after re-enabling", 200, status)

    def poison_event(self) -> None:
        _heading("5. A body the processor cannot read: a replayable failed record, not a DLQ message (decision 22)")
        sent = self.client.send("stripe", "poison_amount_object")
        print(f"    POST /webhooks/stripe (amount is a JSON object) -> {sent.status} (accepted: stored raw, queued)")
        self.check("poison event accepted", 200, sent.status)
        response = _poll_value(lambda: self._transaction(sent.transaction_id), timeout=30)
        events = response.get("events", []) if response else []
        status = events[0].get("status") if events else "missing"
        if events:
            print(f"    record: status={status}  failure_reason={str(events[0].get('failure_reason'))[:80]}")
            print(f"    raw payload kept for `webhookctl replay`: {events[0].get('raw_payload_s3_key')}")
        self.check("poison event recorded as failed", "failed", status)
        self.check("poison event in the DLQ", "absent", "present" if self._dlq_message(sent.event_id) else "absent")

    def _transaction(self, transaction_id: str) -> dict[str, Any] | None:
        response = self.client.transaction(transaction_id)
        return response.json() if response.status_code == 200 else None

    def _dlq_message(self, event_id: str) -> dict[str, Any] | None:
        for message in self.client.dlq_messages():
            if json.loads(message["Body"]).get("event_id") == event_id:
                return message
        return None

    def queries(self, sent: list[Sent]) -> None:
        _heading("6. The query API (x-api-key of the internal-query usage plan)")
        first = sent[0]
        by_id = self.client.transaction(first.transaction_id)
        events = len(by_id.json().get("events", [])) if by_id.status_code == 200 else 0
        print(f"    GET /transactions/{first.transaction_id} -> {by_id.status_code}, {events} event(s)")
        self.check("query by id", "200, 1 event", f"{by_id.status_code}, {events} event")

        stripe_ids = {item.transaction_id for item in sent if item.provider == "stripe" and item.status == 200}
        window = {"start": self.started_at, "end": int(time.time()) + 5}
        listed = self.client.query(provider="stripe", limit=100, start=window["start"], end=window["end"])
        found = {item["transaction_id"] for item in listed.json().get("items", [])} & stripe_ids
        print(
            f"    GET /transactions?provider=stripe&start={window['start']}&end={window['end']} -> "
            f"{listed.status_code}, {len(listed.json().get('items', []))} item(s)"
        )
        self.check("tour's stripe records in the time range", len(stripe_ids), len(found))

        expected = {txn for txn, record in self.records.items() if record.get("customer_id") == self.customer}
        by_customer = self.client.query(customer_id=self.customer, limit=100)
        got = {item["transaction_id"] for item in by_customer.json().get("items", [])}
        print(
            f"    GET /transactions?customer_id={self.customer} -> {by_customer.status_code}, {len(got)} item(s) "
            "(samples without a customer carry none)"
        )
        self.check("records found by customer", len(expected), len(got & expected) if got == expected else got)

    def summary(self) -> bool:
        _heading("Summary")
        _table(
            ["check", "expected", "got", ""],
            [[c.step, c.expected, c.actual, "ok" if c.ok else "FAIL"] for c in self.checks],
        )
        failed = [c for c in self.checks if not c.ok]
        print(f"\n{len(self.checks) - len(failed)} of {len(self.checks)} checks passed.")
        return not failed


def _poll(probe: Callable[[], int], wanted: int, timeout: float) -> int:
    deadline = time.monotonic() + timeout
    value = probe()
    while value != wanted and time.monotonic() < deadline:
        time.sleep(0.5)
        value = probe()
    return value


def _poll_value(probe: Callable[[], dict[str, Any] | None], timeout: float) -> dict[str, Any] | None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = probe()
        if value is not None:
            return value
        time.sleep(0.5)
    return None


def _heading(text: str) -> None:
    print(f"\n== {text}", flush=True)


def _table(headers: list[str], rows: list[list[str]]) -> None:
    widths = [max(len(str(v)) for v in column) for column in zip(headers, *rows, strict=False)]
    line = "  ".join(f"{{:<{w}}}" for w in widths)
    print("    " + line.format(*headers))
    print("    " + line.format(*("-" * w for w in widths)))
    for row in rows:
        print("    " + line.format(*row))


def main() -> int:
    started = time.monotonic()
    print("== Bringing the local stack up (moto + tofu apply + local API Gateway/Lambda runtime)", flush=True)
    ok = False
    try:
        client = StackClient(stack.up(stack.Options(owner_pid=os.getpid())))
        print(f"    API: {client.base_url}   AWS (moto): {client.stack['aws_endpoint_url']}")
        print(f"    logs: {client.logs_dir}")
        tour = Tour(client)
        sent = tour.signed_webhooks()
        tour.forged_signature()
        tour.malformed_body()
        tour.disabled_provider()
        tour.poison_event()
        tour.queries(sent)
        ok = tour.summary()
    except (stack.StackError, OSError, KeyError, ValueError) as error:
        print(f"\ndemo failed: {error}", file=sys.stderr)
    finally:
        print("\n== Taking the local stack down", flush=True)
        stack.down(quiet=True)
    print(f"demo finished in {time.monotonic() - started:.0f}s: {'all checks passed' if ok else 'FAILED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
