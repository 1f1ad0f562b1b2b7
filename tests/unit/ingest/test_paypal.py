"""PayPal REST (SHA256withRSA, certificate checks) and classic IPN (postback), against a local https stub."""

from __future__ import annotations

import json
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from webhook_core.errors import ConfigurationError
from webhook_core.providers import paypal as paypal_plugin
from webhook_core.validator import Validator
from webhookdev import signing
from webhookdev.samples import load_sample

from .conftest import (
    BUCKET,
    PAYPAL_WEBHOOK_ID,
    Clock,
    MakeValidator,
    PayPalStub,
    RecordingLambda,
    api_event,
    one_byte_changed,
    stored_keys,
)

BODY = load_sample("paypal", "payment_capture_completed")
EVENT_ID = json.loads(BODY)["id"]
IPN = load_sample("paypal", "ipn_web_accept_completed")
FORM = "application/x-www-form-urlencoded"
CERT_PATH = "/certs/paypal.pem"
RECEIVER_ID = "S8XGHLYDW9T3S"  # the receiver_id of the IPN samples


def transmission_time(now: float) -> str:
    return datetime.fromtimestamp(now, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class PayPalEnv:
    validator: Validator
    stub: PayPalStub
    pki: signing.PayPalTestPKI
    s3: Any
    clock: Clock
    invokes: RecordingLambda

    def headers(self, body: bytes, cert_url: str | None = None, key_pem: bytes | None = None, **kw: str) -> Any:
        url = cert_url if cert_url is not None else self.stub.url(CERT_PATH)
        return signing.paypal_transmission_headers(
            body,
            kw.get("webhook_id", PAYPAL_WEBHOOK_ID),
            url,
            key_pem or self.pki.signing_key_pem,
            transmission_time=kw.get("transmission_time") or transmission_time(self.clock.now),
        )

    def rest(self, body: bytes, headers: dict[str, str]) -> Any:
        event = api_event(body, {"Content-Type": "application/json", **headers}, provider="paypal")
        return self.validator.process(event)

    def ipn(self, body: bytes) -> Any:
        return self.validator.process(api_event(body, {"Content-Type": FORM}, provider="paypal"))

    def downloads(self) -> list[str]:
        return [path for method, path, _ in self.stub.requests if method == "GET"]

    def postbacks(self) -> list[tuple[str, bytes]]:
        return [(path, body) for method, path, body in self.stub.requests if method == "POST"]


@pytest.fixture
def pp(
    make_validator: MakeValidator,
    paypal_stub: PayPalStub,
    paypal_pki: signing.PayPalTestPKI,
    *,
    s3: Any,
    clock: Clock,
    lambda_stub: RecordingLambda,
) -> PayPalEnv:
    validator = make_validator(
        "paypal",
        {"webhook_id": PAYPAL_WEBHOOK_ID},
        PAYPAL_CERT_ALLOWED_HOSTS="127.0.0.1",
        PAYPAL_CERT_CA_BUNDLE=paypal_stub.ca_bundle,
        PAYPAL_IPN_VERIFY_URL=paypal_stub.url("/cgi-bin/webscr"),
        PAYPAL_IPN_RECEIVERS=f"{RECEIVER_ID},other-shop@example.com",
    )
    clock.now = datetime.now(UTC).timestamp()  # the test certificates are valid from now on
    return PayPalEnv(validator, paypal_stub, paypal_pki, s3, clock, lambda_stub)


def test_paypal_rest_signed_with_local_ca_certificate_is_accepted(pp: PayPalEnv) -> None:
    outcome = pp.rest(BODY, pp.headers(BODY))

    assert outcome.status == 200
    assert outcome.verified.scheme == "paypal-rest"
    (key,) = stored_keys(pp.s3)
    assert key.endswith(f"/{EVENT_ID}.json")
    assert pp.s3.get_object(Bucket=BUCKET, Key=key)["Body"].read() == BODY
    assert pp.invokes.payloads()[0]["event_id"] == EVENT_ID


def test_paypal_certificate_is_downloaded_once_per_url(pp: PayPalEnv) -> None:
    for _ in range(3):
        assert pp.rest(BODY, pp.headers(BODY)).status == 200

    assert pp.downloads() == [CERT_PATH]


def test_paypal_rest_rejects_one_byte_change_and_another_webhook_id(pp: PayPalEnv) -> None:
    assert pp.rest(one_byte_changed(BODY), pp.headers(BODY)).status == 401
    assert pp.rest(BODY, pp.headers(BODY, webhook_id="WH-SOMEONE-ELSE")).status == 401
    assert stored_keys(pp.s3) == []
    assert pp.invokes.calls == []


@pytest.mark.parametrize(
    "cert_url",
    [
        "https://evil.example.com/certs/paypal.pem",
        "https://api.paypal.com.evil.example/certs/paypal.pem",
        "http://127.0.0.1/certs/paypal.pem",
        "https://user:pass@127.0.0.1/certs/paypal.pem",
        "file:///etc/passwd",
    ],
    ids=["foreign-host", "lookalike-host", "plain-http", "credentials", "file-scheme"],
)
def test_paypal_certificate_url_outside_the_allow_list_is_refused_without_download(
    pp: PayPalEnv, cert_url: str
) -> None:
    outcome = pp.rest(BODY, pp.headers(BODY, cert_url=cert_url))

    assert (outcome.status, outcome.outcome) == (401, "untrusted_certificate")
    assert pp.stub.requests == []
    assert stored_keys(pp.s3) == []


def test_paypal_default_allow_list_refuses_a_foreign_host(make_validator: MakeValidator, clock: Clock) -> None:
    validator = make_validator("paypal", {"webhook_id": PAYPAL_WEBHOOK_ID})
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    headers = signing.paypal_transmission_headers(
        BODY,
        PAYPAL_WEBHOOK_ID,
        "https://certs.attacker.example/paypal.pem",
        key_pem,
        transmission_time=transmission_time(clock.now),
    )

    outcome = validator.process(api_event(BODY, {"Content-Type": "application/json", **headers}, provider="paypal"))

    assert (outcome.status, outcome.outcome) == (401, "untrusted_certificate")


def test_paypal_certificate_from_an_untrusted_ca_is_refused(pp: PayPalEnv) -> None:
    rogue = signing.paypal_test_pki()
    pp.stub.files["/certs/rogue.pem"] = rogue.signing_cert_pem + rogue.ca_cert_pem

    outcome = pp.rest(BODY, pp.headers(BODY, pp.stub.url("/certs/rogue.pem"), rogue.signing_key_pem))

    assert (outcome.status, outcome.outcome) == (401, "untrusted_certificate")
    assert stored_keys(pp.s3) == []


def test_paypal_certificate_with_a_foreign_subject_is_refused(pp: PayPalEnv) -> None:
    cert_pem, key_pem = _leaf_from_ca(pp.pki, "www.example.com")
    pp.stub.files["/certs/other.pem"] = cert_pem

    outcome = pp.rest(BODY, pp.headers(BODY, pp.stub.url("/certs/other.pem"), key_pem))

    assert (outcome.status, outcome.outcome) == (401, "untrusted_certificate")


def test_paypal_expired_certificate_is_refused(pp: PayPalEnv) -> None:
    pp.clock.now = (datetime.now(UTC) + timedelta(days=400)).timestamp()

    assert pp.rest(BODY, pp.headers(BODY)).outcome == "untrusted_certificate"


def test_paypal_rest_missing_transmission_headers_is_401(pp: PayPalEnv) -> None:
    outcome = pp.rest(BODY, {})

    assert (outcome.status, outcome.outcome) == (401, "missing_header")
    assert stored_keys(pp.s3) == []


def test_paypal_unsupported_auth_algo_is_401(pp: PayPalEnv) -> None:
    headers = pp.headers(BODY)
    headers["PAYPAL-AUTH-ALGO"] = "SHA1withRSA"

    assert pp.rest(BODY, headers).status == 401


def test_paypal_certificate_url_that_is_not_found_is_401(pp: PayPalEnv) -> None:
    outcome = pp.rest(BODY, pp.headers(BODY, pp.stub.url("/certs/missing.pem")))

    assert (outcome.status, outcome.outcome) == (401, "untrusted_certificate")
    assert stored_keys(pp.s3) == []


def test_paypal_certificate_server_error_is_503_so_paypal_retries(pp: PayPalEnv) -> None:
    pp.stub.get_status = 502

    outcome = pp.rest(BODY, pp.headers(BODY))

    assert (outcome.status, outcome.outcome) == (503, "verification_unavailable")
    assert stored_keys(pp.s3) == []
    pp.stub.get_status = 200
    assert pp.rest(BODY, pp.headers(BODY)).status == 200  # a failure is not cached


def test_paypal_certificate_download_that_is_not_pem_is_401(pp: PayPalEnv) -> None:
    pp.stub.files["/certs/html.pem"] = b"<html>not a certificate</html>"

    assert pp.rest(BODY, pp.headers(BODY, pp.stub.url("/certs/html.pem"))).outcome == "untrusted_certificate"


# --- IPN -------------------------------------------------------------------------------------------------------------


def test_paypal_ipn_verified_by_postback_is_stored_as_text_and_forwarded(pp: PayPalEnv) -> None:
    outcome = pp.ipn(IPN)

    assert outcome.status == 200
    assert outcome.verified.scheme == "paypal-ipn"
    assert pp.postbacks() == [("/cgi-bin/webscr", b"cmd=_notify-validate&" + IPN)]
    (key,) = stored_keys(pp.s3)
    assert key.rsplit("/", 1)[1].startswith("ipn-c4a1b2d3e5f6a-")  # webhook_core.ipn.event_id
    assert pp.s3.get_object(Bucket=BUCKET, Key=key)["Body"].read() == IPN
    payload = pp.invokes.payloads()[0]
    assert payload["content_type"] == FORM
    assert payload["event_id"] == key.rsplit("/", 1)[1].removesuffix(".txt")


def test_paypal_ipn_answered_invalid_is_401_and_nothing_is_stored(pp: PayPalEnv) -> None:
    pp.stub.ipn_answer = b"INVALID"

    outcome = pp.ipn(IPN)

    assert (outcome.status, outcome.outcome) == (401, "invalid_signature")
    assert stored_keys(pp.s3) == []
    assert pp.invokes.calls == []
    assert len(pp.postbacks()) == 1  # INVALID is not a rotation: no secret refresh, no second postback


def test_paypal_ipn_postback_failure_is_503(pp: PayPalEnv) -> None:
    pp.stub.ipn_status = 500

    assert pp.ipn(IPN).status == 503
    assert stored_keys(pp.s3) == []


def test_paypal_ipn_needs_no_secret(make_validator: MakeValidator, paypal_stub: PayPalStub) -> None:
    validator = make_validator(
        "paypal",
        None,
        PAYPAL_CERT_CA_BUNDLE=paypal_stub.ca_bundle,
        PAYPAL_IPN_VERIFY_URL=paypal_stub.url("/cgi-bin/webscr"),
        PAYPAL_IPN_RECEIVERS=RECEIVER_ID,
    )

    assert validator.process(api_event(IPN, {"Content-Type": FORM}, provider="paypal")).status == 200
    assert validator.secrets.fetch_count == 0


def test_paypal_ipn_verify_url_must_be_https_unless_loopback() -> None:
    assert paypal_plugin.check_ipn_url("http://127.0.0.1:9/x") == "http://127.0.0.1:9/x"
    with pytest.raises(ConfigurationError):
        paypal_plugin.check_ipn_url("http://ipnpb.paypal.com/cgi-bin/webscr")


def test_our_paypal_signing_matches_the_documented_message_layout(paypal_pki: signing.PayPalTestPKI) -> None:
    # <transmission id>|<transmission time>|<webhook id>|<crc32 of the body, unsigned decimal>
    message = signing.paypal_signed_message("tid-1", "2026-11-27T00:00:00Z", "WH-1", BODY)
    assert message == f"tid-1|2026-11-27T00:00:00Z|WH-1|{zlib.crc32(BODY)}".encode()
    assert message == paypal_plugin.rest_signed_message("tid-1", "2026-11-27T00:00:00Z", "WH-1", BODY)


def _leaf_from_ca(pki: signing.PayPalTestPKI, cn: str) -> tuple[bytes, bytes]:
    """A certificate for ``cn`` issued by the test CA, plus the CA (PEM chain), and its key."""
    ca_cert = x509.load_pem_x509_certificate(pki.ca_cert_pem)
    ca_key = serialization.load_pem_private_key(pki.ca_key_pem, password=None)
    assert isinstance(ca_key, rsa.RSAPrivateKey)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)]))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=30))
        .sign(ca_key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return cert.public_bytes(serialization.Encoding.PEM) + pki.ca_cert_pem, key_pem
