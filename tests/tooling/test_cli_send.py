"""`webhookctl send`: the request it builds verifies with code that is not ours, and it reaches the wire intact.

Signatures are checked the way each provider documents them, computed here from scratch, and, where the provider
publishes one, with the provider's own library (stripe, squareup). Nothing is compared with webhookdev.signing output.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import boto3
import pytest
import stripe
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from moto import mock_aws
from square.utils.webhooks_helper import verify_signature as square_verify
from webhookdev import samples, signing
from webhookdev.cli import main
from webhookdev.cli.errors import EXIT_ERROR, EXIT_OK, EXIT_REJECTED, CliError
from webhookdev.cli.send import (
    OutgoingWebhook,
    SendOptions,
    SigningFlags,
    build_requests,
    resolve_sample,
    tamper,
)
from webhookdev.cli.target import Target, load_local

STRIPE_SECRET = "whsec_test_cli_0123456789abcdef"
SQUARE_KEY = "sq-cli-test-signature-key"
SQUARE_NOTIFICATION_URL = "https://hooks.example.test/api/v1/webhooks/square"
PAYPAL_WEBHOOK_ID = "WH-CLI-TEST-0001"
PAYPAL_CERT_URL = "https://localhost:45663/v1/notifications/certs/CERT-cli-test"


# --- a real HTTP endpoint that records what arrived ----------------------------------------------------------------


@dataclass
class Recorder:
    url: str
    received: list[dict[str, Any]] = field(default_factory=list)
    status: int = 200
    reply: bytes = b'{"received": true}'


@pytest.fixture
def endpoint() -> Iterator[Recorder]:
    recorder = Recorder(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            recorder.received.append({"path": self.path, "headers": dict(self.headers.items()), "body": body})
            self.send_response(recorder.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(recorder.reply)))
            self.end_headers()
            self.wfile.write(recorder.reply)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    recorder.url = f"http://127.0.0.1:{server.server_address[1]}/local"
    try:
        yield recorder
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def pki() -> signing.PayPalTestPKI:
    return signing.paypal_test_pki(key_size=2048)


def stack_json(tmp_path: Path, base_url: str, pki: signing.PayPalTestPKI) -> Path:
    path = tmp_path / "stack.json"
    path.write_text(
        json.dumps(
            {
                "base_url": base_url,
                "aws_endpoint_url": "http://127.0.0.1:1",
                "query_api_key": "local-query-key",
                "logs_dir": str(tmp_path / "logs"),
                "outputs": {},
                "signing": {
                    "stripe": {"secret": STRIPE_SECRET},
                    "square": {"signature_key": SQUARE_KEY, "notification_url": SQUARE_NOTIFICATION_URL},
                    "paypal": {
                        "webhook_id": PAYPAL_WEBHOOK_ID,
                        "cert_url": PAYPAL_CERT_URL,
                        "private_key_pem": pki.signing_key_pem.decode(),
                    },
                },
            }
        )
    )
    return path


def no_target() -> Target:
    # What load_local raises without a stack: any test whose request needs the stack fails with it.
    raise CliError("the local stack is not running (stack.json not found): start it with `make up`")


# --- independent verifiers -----------------------------------------------------------------------------------------


def stripe_expected(body: bytes, header: str, secret: str) -> bool:
    """Stripe's documented scheme: t from the header, HMAC-SHA256(secret, f"{t}.{body}") equals some v1."""
    items = [part.split("=", 1) for part in header.split(",")]
    timestamp = next(v for k, v in items if k == "t")
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return any(k == "v1" and hmac.compare_digest(v, mac) for k, v in items)


def square_expected(body: bytes, header: str, key: str, url: str) -> bool:
    mac = base64.b64encode(hmac.new(key.encode(), url.encode() + body, hashlib.sha256).digest()).decode()
    return hmac.compare_digest(mac, header)


def paypal_expected(body: bytes, headers: dict[str, str], webhook_id: str, cert_pem: bytes) -> bool:
    """PayPal's documented scheme: SHA256withRSA over id|time|webhook_id|crc32(body) with the certificate's key."""
    lower = {k.lower(): v for k, v in headers.items()}
    message = "|".join(
        [lower["paypal-transmission-id"], lower["paypal-transmission-time"], webhook_id, str(zlib.crc32(body))]
    ).encode()
    public_key = x509.load_pem_x509_certificate(cert_pem).public_key()
    assert isinstance(public_key, rsa.RSAPublicKey)
    try:
        public_key.verify(
            base64.b64decode(lower["paypal-transmission-sig"]), message, padding.PKCS1v15(), hashes.SHA256()
        )
    except Exception:
        return False
    return True


def one(options: SendOptions) -> OutgoingWebhook:
    [request] = list(build_requests(options, no_target))
    return request


# --- signing ---------------------------------------------------------------------------------------------------------


def test_stripe_request_verifies_with_stripes_own_library_and_by_hand() -> None:
    request = one(
        SendOptions("stripe", "payment_intent.succeeded", url="http://x/h", signing=SigningFlags((STRIPE_SECRET,)))
    )
    header = request.headers["Stripe-Signature"]
    assert stripe_expected(request.body, header, STRIPE_SECRET)
    assert stripe.WebhookSignature.verify_header(request.body.decode(), header, STRIPE_SECRET, tolerance=300)
    assert request.headers["Content-Type"] == "application/json; charset=utf-8"
    assert not stripe_expected(request.body, header, "whsec_some_other_secret")


def test_stripe_rotation_signs_with_every_given_secret() -> None:
    old = "whsec_previous_secret"
    request = one(
        SendOptions("stripe", "charge_succeeded", url="http://x/h", signing=SigningFlags((STRIPE_SECRET, old)))
    )
    header = request.headers["Stripe-Signature"]
    assert header.count("v1=") == 2
    assert stripe_expected(request.body, header, STRIPE_SECRET)
    assert stripe_expected(request.body, header, old)


def test_square_request_verifies_against_the_notification_url_with_squares_library() -> None:
    request = one(
        SendOptions(
            "square",
            "payment_updated_completed",
            url="http://127.0.0.1:45661/local/api/v1/webhooks/square",
            signing=SigningFlags((SQUARE_KEY,), square_notification_url=SQUARE_NOTIFICATION_URL),
        )
    )
    header = request.headers["x-square-hmacsha256-signature"]
    assert square_expected(request.body, header, SQUARE_KEY, SQUARE_NOTIFICATION_URL)
    assert square_verify(
        request_body=request.body.decode(),
        signature_header=header,
        signature_key=SQUARE_KEY,
        notification_url=SQUARE_NOTIFICATION_URL,
    )
    # Signed over the registered URL, not the URL the request was posted to.
    assert not square_expected(request.body, header, SQUARE_KEY, request.url)


def test_square_without_a_notification_url_signs_the_post_url() -> None:
    url = "https://abc.execute-api.us-east-1.amazonaws.com/prod/api/v1/webhooks/square"
    request = one(SendOptions("square", "refund_created", url=url, signing=SigningFlags((SQUARE_KEY,))))
    assert square_expected(request.body, request.headers["x-square-hmacsha256-signature"], SQUARE_KEY, url)


def test_paypal_rest_request_verifies_with_the_certificate_public_key(
    tmp_path: Path, pki: signing.PayPalTestPKI
) -> None:
    key_file = tmp_path / "key.pem"
    key_file.write_bytes(pki.signing_key_pem)
    request = one(
        SendOptions(
            "paypal",
            "PAYMENT.CAPTURE.COMPLETED",
            url="http://x/h",
            signing=SigningFlags(
                paypal_webhook_id=PAYPAL_WEBHOOK_ID, paypal_cert_url=PAYPAL_CERT_URL, paypal_key_file=key_file
            ),
        )
    )
    headers = dict(request.headers)
    assert paypal_expected(request.body, headers, PAYPAL_WEBHOOK_ID, pki.signing_cert_pem)
    assert not paypal_expected(request.body, headers, "WH-SOME-OTHER-ID", pki.signing_cert_pem)
    assert headers["PAYPAL-CERT-URL"] == PAYPAL_CERT_URL
    assert headers["PAYPAL-AUTH-ALGO"] == "SHA256withRSA"
    assert headers["Content-Type"] == "application/json"


def test_paypal_ipn_is_form_encoded_and_unsigned() -> None:
    request = one(SendOptions("paypal", "ipn_web_accept_completed", url="http://x/h"))
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert not any(k.lower().startswith("paypal-transmission") for k in request.headers)
    fields = parse_qs(request.body.decode())
    assert fields["txn_type"] == ["web_accept"]
    assert request.event_id.startswith(f"ipn-{fields['ipn_track_id'][0]}-web_accept-")  # webhook_core.ipn.event_id


def test_paypal_refuses_a_shared_secret() -> None:
    with pytest.raises(CliError, match="RSA key"):
        one(SendOptions("paypal", "payment_capture_completed", url="http://x/h", signing=SigningFlags(("s",))))


# --- ids, counts, tamper ---------------------------------------------------------------------------------------------


def test_a_pinned_event_id_resends_the_same_event() -> None:
    [first, second] = build_requests(
        SendOptions(
            "square", "payment_created", url="http://x", count=2, event_id="ev-dup", signing=SigningFlags(("k",))
        ),
        no_target,
    )
    assert first.body == second.body
    assert json.loads(first.body)["data"]["id"] == json.loads(second.body)["data"]["id"]


def test_each_event_gets_fresh_ids_unless_one_is_given() -> None:
    flags = SigningFlags((STRIPE_SECRET,))
    fresh = list(
        build_requests(SendOptions("stripe", "charge_succeeded", url="http://x", count=3, signing=flags), no_target)
    )
    ids = [json.loads(r.body)["id"] for r in fresh]
    txns = [json.loads(r.body)["data"]["object"]["id"] for r in fresh]
    assert len(set(ids)) == 3
    assert len(set(txns)) == 3
    assert [r.event_id for r in fresh] == ids
    pinned = list(
        build_requests(
            SendOptions(
                "stripe",
                "charge_succeeded",
                url="http://x",
                count=2,
                event_id="evt_duplicate_1",
                transaction_id="ch_fixed_1",
                customer_id="cus_fixed_1",
                signing=flags,
            ),
            no_target,
        )
    )
    assert pinned[0].body == pinned[1].body, "a redelivery carries the identical body"
    bodies = [json.loads(r.body) for r in pinned]
    assert [b["id"] for b in bodies] == ["evt_duplicate_1", "evt_duplicate_1"]
    assert {b["data"]["object"]["id"] for b in bodies} == {"ch_fixed_1"}
    assert {b["data"]["object"]["customer"] for b in bodies} == {"cus_fixed_1"}


def test_tamper_changes_exactly_one_byte_and_keeps_the_body_parseable() -> None:
    for provider in samples.PROVIDERS:
        for name in samples.list_samples(provider):
            body, content_type = samples.render_sample(provider, name)
            changed, offset = tamper(body)
            diffs = [i for i, (a, b) in enumerate(zip(body, changed, strict=True)) if a != b]
            assert diffs == [offset], f"{provider}/{name}"
            if content_type == "application/json":
                json.loads(changed)
            else:
                assert parse_qs(changed.decode())


def test_tampered_stripe_request_no_longer_verifies_but_the_original_did() -> None:
    flags = SigningFlags((STRIPE_SECRET,))
    request = one(SendOptions("stripe", "payment_intent.succeeded", url="http://x/h", tamper=True, signing=flags))
    assert request.tampered_offset is not None
    header = request.headers["Stripe-Signature"]
    assert not stripe_expected(request.body, header, STRIPE_SECRET)
    original = bytearray(request.body)
    digit = original[request.tampered_offset] - 0x30
    original[request.tampered_offset] = 0x30 + (digit - 1) % 10
    assert stripe_expected(bytes(original), header, STRIPE_SECRET)


def test_tamper_without_digits_swaps_a_letter() -> None:
    changed, offset = tamper(b'{"a":"xyz"}')
    assert (changed, offset) == (b'{"a":"xya"}', 8)
    with pytest.raises(CliError):
        tamper(b"{}")


@pytest.mark.parametrize(
    ("provider", "typed", "sample"),
    [
        ("stripe", "payment_intent.succeeded", "payment_intent_succeeded"),
        ("stripe", "charge_succeeded_kwd", "charge_succeeded_kwd"),
        ("paypal", "PAYMENT.CAPTURE.COMPLETED", "payment_capture_completed"),
        ("paypal", "CHECKOUT.ORDER.APPROVED", "checkout_order_approved"),
        ("square", "refund.created", "refund_created"),
        ("square", "payment.created", "payment_created"),
    ],
)
def test_event_types_map_to_samples(provider: str, typed: str, sample: str) -> None:
    assert resolve_sample(provider, typed) == sample


def test_ambiguous_and_unknown_event_types_name_the_choices() -> None:
    with pytest.raises(CliError, match=r"ambiguous.*payment_updated_completed"):
        resolve_sample("square", "payment.updated")
    with pytest.raises(CliError, match=r"no stripe sample for 'invoice\.paid'"):
        resolve_sample("stripe", "invoice.paid")


# --- through main(): stack.json, the wire, exit codes ----------------------------------------------------------------


def test_send_posts_signed_bytes_to_the_stack_webhook_url(
    tmp_path: Path, endpoint: Recorder, pki: signing.PayPalTestPKI, capsys: pytest.CaptureFixture[str]
) -> None:
    stack = stack_json(tmp_path, endpoint.url, pki)
    code = main(["send", "stripe", "payment_intent.succeeded", "--stack-file", str(stack), "--count", "2", "--json"])
    assert code == EXIT_OK
    assert [r["path"] for r in endpoint.received] == ["/local/api/v1/webhooks/stripe"] * 2
    for received in endpoint.received:
        assert stripe_expected(received["body"], received["headers"]["Stripe-Signature"], STRIPE_SECRET)
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [line["status"] for line in lines] == [200, 200]
    assert [line["event_id"] for line in lines] == [json.loads(r["body"])["id"] for r in endpoint.received]
    assert lines[0]["response"] == {"received": True}


def test_send_paypal_rest_uses_the_stack_key_and_square_the_stack_url(
    tmp_path: Path, endpoint: Recorder, pki: signing.PayPalTestPKI
) -> None:
    stack = stack_json(tmp_path, endpoint.url, pki)
    assert main(["send", "paypal", "payment_capture_refunded", "--stack-file", str(stack)]) == EXIT_OK
    assert main(["send", "square", "refund_updated", "--stack-file", str(stack)]) == EXIT_OK
    paypal_req, square_req = endpoint.received
    assert paypal_req["path"] == "/local/api/v1/webhooks/paypal"
    assert paypal_expected(paypal_req["body"], paypal_req["headers"], PAYPAL_WEBHOOK_ID, pki.signing_cert_pem)
    assert square_req["path"] == "/local/api/v1/webhooks/square"
    sig = square_req["headers"]["x-square-hmacsha256-signature"]
    assert square_expected(square_req["body"], sig, SQUARE_KEY, SQUARE_NOTIFICATION_URL)


def test_a_rejected_delivery_exits_3_and_prints_the_status(
    tmp_path: Path, endpoint: Recorder, pki: signing.PayPalTestPKI, capsys: pytest.CaptureFixture[str]
) -> None:
    endpoint.status, endpoint.reply = 401, b'{"message": "Invalid signature"}'
    stack = stack_json(tmp_path, endpoint.url, pki)
    assert main(["send", "stripe", "charge_failed", "--tamper", "--stack-file", str(stack)]) == EXIT_REJECTED
    out = capsys.readouterr().out
    assert "(tampered) -> HTTP 401" in out
    assert "Invalid signature" in out
    [received] = endpoint.received
    assert not stripe_expected(received["body"], received["headers"]["Stripe-Signature"], STRIPE_SECRET)


def test_dry_run_sends_nothing_and_prints_the_signed_request(
    tmp_path: Path, endpoint: Recorder, pki: signing.PayPalTestPKI, capsys: pytest.CaptureFixture[str]
) -> None:
    stack = stack_json(tmp_path, endpoint.url, pki)
    assert main(["send", "square", "payment_created", "--stack-file", str(stack), "--dry-run", "--json"]) == EXIT_OK
    assert endpoint.received == []
    printed = json.loads(capsys.readouterr().out)
    assert printed["url"] == f"{endpoint.url}/api/v1/webhooks/square"
    body = printed["body"].encode()
    assert square_expected(
        body, printed["headers"]["x-square-hmacsha256-signature"], SQUARE_KEY, SQUARE_NOTIFICATION_URL
    )


def test_missing_stack_json_says_run_make_up(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "nope" / "stack.json"
    assert main(["send", "stripe", "charge_succeeded", "--stack-file", str(missing)]) == EXIT_ERROR
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0
    assert "make up" in err
    assert str(missing) in err
    with pytest.raises(CliError, match="make up"):
        load_local(missing)


def test_url_and_secret_flags_need_no_stack(
    tmp_path: Path, endpoint: Recorder, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WEBHOOKCTL_STACK_FILE", str(tmp_path / "absent.json"))
    url = f"{endpoint.url}/custom"
    assert main(["send", "stripe", "charge_refunded", "--url", url, "--secret", STRIPE_SECRET]) == EXIT_OK
    [received] = endpoint.received
    assert received["path"] == "/local/custom"
    assert stripe_expected(received["body"], received["headers"]["Stripe-Signature"], STRIPE_SECRET)


def test_unreachable_endpoint_is_a_one_line_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["send", "stripe", "charge_succeeded", "--url", "http://127.0.0.1:9/x", "--secret", STRIPE_SECRET])
    assert code == EXIT_ERROR
    err = capsys.readouterr().err
    assert err.startswith("webhookctl: error: cannot connect to http://127.0.0.1:9/x")
    assert err.count("\n") == 1


def test_ipn_is_registered_with_the_local_paypal_stub_before_it_is_sent(
    tmp_path: Path, endpoint: Recorder, pki: signing.PayPalTestPKI
) -> None:
    stack = stack_json(tmp_path, endpoint.url, pki)
    document = json.loads(stack.read_text())
    document["paypal_stub"] = {"ipn_register_url": f"{endpoint.url}/_local/ipn/messages", "ca_bundle": None}
    stack.write_text(json.dumps(document))
    assert main(["send", "paypal", "ipn_web_accept_refunded", "--stack-file", str(stack)]) == EXIT_OK
    assert main(["send", "paypal", "ipn_web_accept_completed", "--stack-file", str(stack), "--tamper"]) == EXIT_OK
    paths = [r["path"] for r in endpoint.received]
    assert paths == ["/local/_local/ipn/messages", "/local/api/v1/webhooks/paypal"] * 2
    registered, sent, registered_tampered, sent_tampered = (r["body"] for r in endpoint.received)
    assert registered == sent
    assert endpoint.received[1]["headers"]["Content-Type"] == "application/x-www-form-urlencoded"
    # Tampered: PayPal "sent" the original, the endpoint receives a body one byte off, so the postback says INVALID.
    assert registered_tampered != sent_tampered
    assert sum(a != b for a, b in zip(registered_tampered, sent_tampered, strict=True)) == 1


@dataclass(frozen=True)
class MotoAwsTarget(Target):
    """The aws target with its clients from moto's in-process mock."""

    def client(self, service: str) -> Any:
        return boto3.client(service, region_name="us-east-1")


def test_secret_from_aws_reads_secrets_manager_in_the_documented_format() -> None:
    with mock_aws():
        sm = boto3.client("secretsmanager", region_name="us-east-1")
        sm.create_secret(
            Name="webhook-processor/stripe/secret",
            SecretString=json.dumps({"signing_secrets": [STRIPE_SECRET, "whsec_previous"]}),
        )
        sm.create_secret(Name="webhook-processor/square/secret", SecretString=json.dumps({"signature_key": SQUARE_KEY}))
        target = MotoAwsTarget(
            name="aws",
            base_url=None,
            outputs={
                "api_url": "https://abc.execute-api.us-east-1.amazonaws.com/prod",
                "square_notification_url": SQUARE_NOTIFICATION_URL,
            },
        )
        flags = SigningFlags(secret_from_aws=True)
        [stripe_req] = build_requests(SendOptions("stripe", "charge_succeeded", signing=flags), lambda: target)
        [square_req] = build_requests(SendOptions("square", "refund_created", signing=flags), lambda: target)
    assert stripe_req.url == "https://abc.execute-api.us-east-1.amazonaws.com/prod/api/v1/webhooks/stripe"
    assert stripe_expected(stripe_req.body, stripe_req.headers["Stripe-Signature"], STRIPE_SECRET)
    assert stripe_req.headers["Stripe-Signature"].count("v1=") == 1, "signs with the current secret only"
    sig = square_req.headers["x-square-hmacsha256-signature"]
    assert square_expected(square_req.body, sig, SQUARE_KEY, SQUARE_NOTIFICATION_URL)


def test_secret_from_aws_missing_secret_is_one_clear_error() -> None:
    with mock_aws():
        target = MotoAwsTarget(name="aws", base_url="https://x/prod")
        flags = SigningFlags(secret_from_aws=True)
        with pytest.raises(CliError, match="cannot read secret webhook-processor/stripe/secret"):
            list(build_requests(SendOptions("stripe", "charge_succeeded", signing=flags), lambda: target))
