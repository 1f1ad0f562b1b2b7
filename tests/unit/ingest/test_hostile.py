"""Issue 8: hostile traffic through the real handlers: bounded work, 4xx for bad input, IPN receivers, replays."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl, urlencode

import boto3
import pytest
from webhook_core import validator as validator_module
from webhook_core.config import Settings
from webhook_core.errors import SecretUnavailable
from webhook_core.providers import paypal as paypal_plugin
from webhook_core.secrets import SecretCache
from webhookdev import signing
from webhookdev.samples import load_sample

from .conftest import (
    BUCKET,
    PAYPAL_WEBHOOK_ID,
    REGION,
    SQUARE_KEY,
    STRIPE_SECRET,
    Clock,
    MakeValidator,
    PayPalStub,
    RecordingLambda,
    api_event,
    stored_keys,
)
from .test_handler import Context
from .test_paypal import RECEIVER_ID, PayPalEnv, pp, transmission_time  # noqa: F401 - pp is a fixture

JSON = {"Content-Type": "application/json"}
FORM = "application/x-www-form-urlencoded"
STRIPE_BODY = load_sample("stripe", "payment_intent_succeeded")
SQUARE_BODY = load_sample("square", "payment_updated_completed")
PAYPAL_BODY = load_sample("paypal", "payment_capture_completed")
IPN = load_sample("paypal", "ipn_web_accept_completed")
MAX_CPU_RATIO = 10.0

Handler = Callable[[dict[str, Any], Any], dict[str, Any]]


@pytest.fixture
def handler_for(
    s3: Any,
    secretsmanager: Any,
    lambda_stub: RecordingLambda,
    *,
    monkeypatch: pytest.MonkeyPatch,
    paypal_stub: PayPalStub,
    request: Any,
) -> Callable[[str], Handler]:
    """The real Lambda handler (``create_handler``) of a provider, with moto clients and the PayPal stub."""
    secrets = {
        "stripe": {"signing_secrets": [STRIPE_SECRET]},
        "square": {"signature_key": SQUARE_KEY},
        "paypal": {"webhook_id": PAYPAL_WEBHOOK_ID},
    }
    clients = {"s3": s3, "lambda": lambda_stub, "secretsmanager": secretsmanager}
    monkeypatch.setattr(validator_module, "validator_clients", lambda: clients)
    monkeypatch.setenv("PAYPAL_CERT_CA_BUNDLE", paypal_stub.ca_bundle)
    monkeypatch.setenv("PAYPAL_IPN_VERIFY_URL", paypal_stub.url("/cgi-bin/webscr"))
    monkeypatch.setenv("PAYPAL_IPN_RECEIVERS", RECEIVER_ID)
    paypal_stub.ipn_answer = b"INVALID"

    def build(provider: str) -> Handler:
        arn = secretsmanager.create_secret(
            Name=f"webhook-processor/{provider}/secret", SecretString=json.dumps(secrets[provider])
        )["ARN"]
        monkeypatch.setenv("PROVIDER_NAME", provider)
        monkeypatch.setenv("PROVIDER_SECRET_ARN", arn)
        monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", f"{provider}-{request.node.name}"[:60])
        handler = validator_module.create_handler(provider)
        return lambda event, context: handler(event, context or Context())

    return build


# --- 1. bounded work before the signature check ----------------------------------------------------------------------


def _groups(count: int) -> str:
    return " ".join(["1"] * count)


def _same_size(text: str) -> str:
    """A benign id exactly as long as ``text``: letters only, so masking has nothing to find."""
    return ("abcdefghij" * (len(text) // 10 + 1))[: len(text)]


def _stripe(transaction_id: str) -> tuple[str, dict[str, Any]]:
    event = json.loads(STRIPE_BODY)
    event["data"]["object"]["id"] = transaction_id
    body = json.dumps(event).encode()
    header = signing.stripe_signature_header(body, "whsec_forged")
    return "stripe", api_event(body, {**JSON, "Stripe-Signature": header})


def _square(transaction_id: str) -> tuple[str, dict[str, Any]]:
    event = json.loads(SQUARE_BODY)
    event["data"]["id"] = transaction_id
    body = json.dumps(event).encode()
    return "square", api_event(body, {**JSON, "x-square-hmacsha256-signature": "Zm9yZ2Vk"}, provider="square")


def _ipn(track_id: str) -> tuple[str, dict[str, Any]]:
    fields = dict(parse_qsl(IPN.decode(), keep_blank_values=True))
    fields["ipn_track_id"] = track_id
    return "paypal", api_event(urlencode(fields).encode(), {"Content-Type": FORM}, provider="paypal")


def _cpu(handler: Handler, event: dict[str, Any], repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.process_time()
        response = handler(event, None)
        best = min(best, time.process_time() - started)
        assert response["statusCode"] == 401
    return best


@pytest.mark.parametrize(
    ("case", "build", "pathological"),
    [
        ("stripe data.object.id, 1,600 digit groups", _stripe, _groups(1600)),
        ("square data.id, 1,600 digit groups", _square, _groups(1600)),
        ("paypal IPN ipn_track_id, 1,600 digit groups", _ipn, _groups(1600)),
        ("stripe id with long whitespace after 'cvv'", _stripe, "cvv" + " " * 3200 + "1"),
        ("stripe id of 1,600 dash-separated 4-digit groups", _stripe, "-".join(["4111"] * 1600)),
    ],
    ids=["stripe", "square", "ipn", "cvv-whitespace", "dash-groups"],
)
def test_forged_pathological_request_costs_at_most_ten_times_a_benign_one(
    handler_for: Callable[[str], Handler],
    case: str,
    build: Callable[[str], tuple[str, dict[str, Any]]],
    pathological: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    provider, slow_event = build(pathological)
    _, benign_event = build(_same_size(pathological))
    assert len(slow_event["body"]) == len(benign_event["body"])
    handler = handler_for(provider)
    handler(benign_event, None)  # warm imports, secret and caches: count the request, not the cold start

    benign = _cpu(handler, benign_event)
    slow = _cpu(handler, slow_event)

    ratio = slow / max(benign, 1e-4)
    with capsys.disabled():
        print(
            f"\n[issue 8 item 1] {case}: body {len(slow_event['body'])} B, pathological {slow * 1000:.2f} ms CPU, "
            f"benign {benign * 1000:.2f} ms CPU, ratio {ratio:.2f} (limit {MAX_CPU_RATIO:.0f})"
        )
    assert ratio <= MAX_CPU_RATIO


# --- 4. bad input is a 4xx, never a 5xx ------------------------------------------------------------------------------


def test_stripe_signature_with_a_non_ascii_v1_is_401(handler_for: Callable[[str], Handler]) -> None:
    handler = handler_for("stripe")
    event = api_event(STRIPE_BODY, {**JSON, "Stripe-Signature": f"t={int(time.time())},v1=\u00e9"})

    assert handler(event, None)["statusCode"] == 401


@pytest.mark.parametrize("provider", ["stripe", "square", "paypal"])
def test_json_nested_a_thousand_levels_deep_is_400(handler_for: Callable[[str], Handler], provider: str) -> None:
    body = b'{"type":"x","event_type":"x","id":"evt_1","event_id":"e1","data":' + b"[" * 1000 + b"]" * 1000 + b"}"
    response = handler_for(provider)(api_event(body, JSON, provider=provider), None)

    assert response["statusCode"] == 400
    assert "deeper" in json.loads(response["body"])["message"]


@pytest.mark.parametrize(
    "cert_url",
    [
        "https://api.paypal.com\t/v1/notifications/certs/CERT-1",
        "https://api.pay\tpal.com/v1/notifications/certs/CERT-1",
        "https://api.paypal.com:8443/v1/notifications/certs/CERT-1",
        "https://api.paypal.com/v1/notifications/certs/CERT-1?x=1",
        "https://api.paypal.com/v1/notifications/certs/CERT-1#frag",
        "https://api.paypal.com@evil.example/v1/notifications/certs/CERT-1",
        "https://api.paypal.com/v1/notifications/certs/CERT-1\r\nX: y",
    ],
    ids=["tab-after-host", "tab-in-host", "port-8443", "query", "fragment", "userinfo", "crlf"],
)
def test_malformed_or_non_443_certificate_url_is_401_without_download(
    make_validator: MakeValidator, clock: Clock, paypal_pki: signing.PayPalTestPKI, cert_url: str
) -> None:
    validator = make_validator("paypal", {"webhook_id": PAYPAL_WEBHOOK_ID})
    before = paypal_plugin.download_count
    headers = signing.paypal_transmission_headers(
        PAYPAL_BODY,
        PAYPAL_WEBHOOK_ID,
        cert_url,
        paypal_pki.signing_key_pem,
        transmission_time=transmission_time(clock.now),
    )

    outcome = validator.process(api_event(PAYPAL_BODY, {**JSON, **headers}, provider="paypal"))

    assert (outcome.status, outcome.outcome) == (401, "untrusted_certificate")
    assert paypal_plugin.download_count == before


def test_certificate_url_answering_a_redirect_is_401(pp: PayPalEnv) -> None:  # noqa: F811
    pp.stub.get_status = 302

    outcome = pp.rest(PAYPAL_BODY, pp.headers(PAYPAL_BODY))

    assert (outcome.status, outcome.outcome) == (401, "untrusted_certificate")
    assert stored_keys(pp.s3) == []


def test_fifty_forged_certificate_urls_differing_in_query_cause_no_download(pp: PayPalEnv) -> None:  # noqa: F811
    base = pp.stub.url("/certs/paypal.pem")
    statuses = {pp.rest(PAYPAL_BODY, pp.headers(PAYPAL_BODY, cert_url=f"{base}?n={n}")).status for n in range(50)}

    assert statuses == {401}
    assert pp.downloads() == []


def test_a_refused_certificate_url_is_downloaded_once_not_fifty_times(pp: PayPalEnv) -> None:  # noqa: F811
    url = pp.stub.url("/certs/missing.pem")
    statuses = {pp.rest(PAYPAL_BODY, pp.headers(PAYPAL_BODY, cert_url=url)).status for _ in range(50)}

    assert statuses == {401}
    assert pp.downloads() == ["/certs/missing.pem"]


def test_certificate_is_cached_by_canonical_url(pp: PayPalEnv) -> None:  # noqa: F811
    port = pp.stub.base_url.rsplit(":", 1)[1]
    for url in (f"https://127.0.0.1:{port}/certs/paypal.pem", f"https://127.0.0.1:{port}/certs/paypal.pem"):
        assert pp.rest(PAYPAL_BODY, pp.headers(PAYPAL_BODY, cert_url=url)).status == 200
    assert paypal_plugin.check_cert_url("https://API.PayPal.com:443/v1/certs/C-1", ("api.paypal.com",)) == (
        "https://api.paypal.com/v1/certs/C-1"
    )

    assert pp.downloads() == ["/certs/paypal.pem"]


def test_secret_reads_back_off_while_secrets_manager_fails() -> None:
    calls: list[str] = []
    now = [1000.0]

    def failing(arn: str) -> str:
        calls.append(arn)
        raise RuntimeError("ThrottlingException")

    cache = SecretCache("arn:secret", failing, clock=lambda: now[0])
    for _ in range(100):
        with pytest.raises(SecretUnavailable):
            cache.get()
    assert len(calls) == 1

    now[0] += 5.0
    with pytest.raises(SecretUnavailable):
        cache.get()
    assert len(calls) == 2


def test_forged_requests_during_a_secrets_manager_outage_make_one_call(
    handler_for: Callable[[str], Handler], secretsmanager: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    handler = handler_for("stripe")
    calls: list[Any] = []

    def failing(**kwargs: Any) -> Any:
        calls.append(kwargs)
        raise RuntimeError("ServiceUnavailable")

    monkeypatch.setattr(secretsmanager, "get_secret_value", failing)
    event = _stripe("pi_forged")[1]

    statuses = {handler(event, None)["statusCode"] for _ in range(100)}

    assert statuses == {503}
    assert len(calls) == 1


# --- 5. replays: sandbox trust and the transmission-time window ------------------------------------------------------


def test_production_never_trusts_paypal_sandbox_hosts_or_names() -> None:
    env = {
        "ENVIRONMENT": "prod",
        "PAYPAL_TRUST_SANDBOX": "true",
        "PAYPAL_CERT_ALLOWED_HOSTS": "api.paypal.com,api.sandbox.paypal.com",
        "PAYPAL_CERT_SUBJECT_CNS": "messageverificationcerts.paypal.com,messageverificationcerts.sandbox.paypal.com",
    }
    prod = Settings.load({}, env)
    dev = Settings.load({}, {**env, "ENVIRONMENT": "dev"})
    default = Settings.load({}, {"ENVIRONMENT": "dev"})

    assert not any("sandbox" in name for name in prod.paypal_cert_allowed_hosts + prod.paypal_cert_subject_cns)
    assert "api.sandbox.paypal.com" in dev.paypal_cert_allowed_hosts
    assert "messageverificationcerts.sandbox.paypal.com" in dev.paypal_cert_subject_cns
    assert not any("sandbox" in name for name in default.paypal_cert_allowed_hosts + default.paypal_cert_subject_cns)


def test_a_sandbox_certificate_url_is_refused_in_prod_without_download(
    make_validator: MakeValidator, clock: Clock, paypal_pki: signing.PayPalTestPKI
) -> None:
    validator = make_validator(
        "paypal", {"webhook_id": PAYPAL_WEBHOOK_ID}, ENVIRONMENT="prod", PAYPAL_TRUST_SANDBOX="1"
    )
    headers = signing.paypal_transmission_headers(
        PAYPAL_BODY,
        PAYPAL_WEBHOOK_ID,
        "https://api.sandbox.paypal.com/v1/notifications/certs/CERT-1",
        paypal_pki.signing_key_pem,
        transmission_time=transmission_time(clock.now),
    )
    before = paypal_plugin.download_count

    outcome = validator.process(api_event(PAYPAL_BODY, {**JSON, **headers}, provider="paypal"))

    assert (outcome.status, outcome.outcome) == (401, "untrusted_certificate")
    assert paypal_plugin.download_count == before


def test_paypal_transmission_older_than_the_window_is_401(pp: PayPalEnv) -> None:  # noqa: F811
    old = transmission_time(pp.clock.now - 5 * 86400)

    outcome = pp.rest(PAYPAL_BODY, pp.headers(PAYPAL_BODY, transmission_time=old))

    assert (outcome.status, outcome.outcome) == (401, "stale_timestamp")
    assert pp.downloads() == []


def test_paypal_retry_three_days_later_is_still_accepted(pp: PayPalEnv) -> None:  # noqa: F811
    sent = transmission_time(pp.clock.now)
    headers = pp.headers(PAYPAL_BODY, transmission_time=sent)
    pp.clock.now += 3 * 86400 - 60  # PayPal's last retry, signed at the first attempt

    assert pp.rest(PAYPAL_BODY, headers).status == 200


def test_paypal_transmission_window_is_configurable(pp: PayPalEnv, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    monkeypatch.setenv("PAYPAL_TRANSMISSION_TOLERANCE_SECONDS", "600")
    sent = transmission_time(pp.clock.now - 900)

    assert pp.rest(PAYPAL_BODY, pp.headers(PAYPAL_BODY, transmission_time=sent)).outcome == "stale_timestamp"


@pytest.mark.parametrize("value", ["yesterday", "2026-13-45T99:99:99Z", "1" * 300, "2026-11-29T08:04:39"])
def test_paypal_transmission_time_that_is_not_iso_8601_is_401(pp: PayPalEnv, value: str) -> None:  # noqa: F811
    outcome = pp.rest(PAYPAL_BODY, pp.headers(PAYPAL_BODY, transmission_time=value))

    assert outcome.status == 401
    assert pp.downloads() == []


# --- 2. PayPal IPN: verified is not ours -----------------------------------------------------------------------------


def _ipn_with(**changes: str) -> bytes:
    fields = dict(parse_qsl(IPN.decode(), keep_blank_values=True))
    fields.update(changes)
    return urlencode(fields).encode()


def test_verified_ipn_to_a_foreign_receiver_is_acknowledged_never_booked(
    pp: PayPalEnv,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PAYPAL_IPN_RECEIVERS", "OURMERCHANT1,shop@ours.example")
    body = _ipn_with(receiver_id="THEIRS123", receiver_email="thief@example.com", business="thief@example.com")

    outcome = pp.ipn(body)

    assert (outcome.status, outcome.outcome) == (200, "foreign_receiver")
    assert stored_keys(pp.s3) == []
    assert pp.invokes.calls == []
    assert len(pp.postbacks()) == 1  # verified first: the metric counts real foreign payments only
    assert json.loads(validator_module.render(outcome)["body"]) == {"received": True, "booked": False}


@pytest.mark.parametrize("field", ["receiver_id", "receiver_email", "business"])
def test_verified_ipn_naming_our_account_in_any_receiver_field_is_booked(
    pp: PayPalEnv,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
    field: str,
) -> None:
    monkeypatch.setenv("PAYPAL_IPN_RECEIVERS", "OurMerchant1,Shop@Ours.example")
    others = {"receiver_id": "X1", "receiver_email": "x@example.com", "business": "x@example.com"}
    others[field] = "ourmerchant1" if field == "receiver_id" else "shop@ours.example"

    assert pp.ipn(_ipn_with(**others)).status == 200
    assert len(stored_keys(pp.s3)) == 1


def test_ipn_with_no_configured_receivers_fails_closed_and_says_why(
    pp: PayPalEnv,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PAYPAL_IPN_RECEIVERS", "")

    outcome = pp.ipn(IPN)

    assert outcome.status == 500
    assert "PAYPAL_IPN_RECEIVERS is empty" in outcome.reason
    assert stored_keys(pp.s3) == []
    assert pp.postbacks() == []


def test_foreign_receiver_is_counted_and_logged_by_the_handler(
    handler_for: Callable[[str], Handler],
    paypal_stub: PayPalStub,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    handler = handler_for("paypal")
    paypal_stub.ipn_answer = b"VERIFIED"
    body = _ipn_with(receiver_id="THEIRS", receiver_email="t@example.com", business="t@example.com")

    response = handler(api_event(body, {"Content-Type": FORM}, provider="paypal"), None)

    assert response["statusCode"] == 200
    docs = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    (line,) = [doc for doc in docs if "level" in doc]
    assert (line["level"], line["outcome"]) == ("WARNING", "foreign_receiver")
    assert "not booked" in line["message"]
    (metrics,) = [doc for doc in docs if "_aws" in doc]
    assert metrics["ForeignReceiver"] == [1.0]


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"mc_currency": "XXX"}, "mc_currency is not an ISO 4217 currency"),
        ({"mc_gross": "19.9.5"}, "mc_gross is not a decimal amount"),
        ({"mc_gross": "NaN"}, "mc_gross is not a decimal amount"),
        ({"mc_gross": "1.999"}, "mc_gross has more decimals than mc_currency allows"),
    ],
)
def test_verified_ipn_with_a_bad_currency_or_gross_is_flagged(changes: dict[str, str], problem: str) -> None:
    fields = dict(parse_qsl(IPN.decode(), keep_blank_values=True))
    fields.update(changes)

    assert problem in paypal_plugin.ipn_amount_problems(fields)
    assert paypal_plugin.ipn_amount_problems(dict(parse_qsl(IPN.decode()))) == ()


# --- 3. the SSE-KMS option -------------------------------------------------------------------------------------------


def test_raw_payload_is_put_with_the_customer_managed_key_when_configured(
    make_validator: MakeValidator, s3: Any, clock: Clock
) -> None:
    key_arn = boto3.client("kms", region_name=REGION).create_key()["KeyMetadata"]["Arn"]
    validator = make_validator("stripe", {"signing_secrets": [STRIPE_SECRET]}, RAW_PAYLOADS_KMS_KEY_ARN=key_arn)
    header = signing.stripe_signature_header(STRIPE_BODY, STRIPE_SECRET, timestamp=int(clock.now))

    outcome = validator.process(api_event(STRIPE_BODY, {**JSON, "Stripe-Signature": header}))

    assert outcome.status == 200
    head = s3.head_object(Bucket=BUCKET, Key=outcome.s3_key)
    assert (head["ServerSideEncryption"], head["SSEKMSKeyId"]) == ("aws:kms", key_arn)


def test_raw_payload_stays_sse_s3_by_default(make_validator: MakeValidator, s3: Any, clock: Clock) -> None:
    validator = make_validator("stripe", {"signing_secrets": [STRIPE_SECRET]})
    header = signing.stripe_signature_header(STRIPE_BODY, STRIPE_SECRET, timestamp=int(clock.now))

    outcome = validator.process(api_event(STRIPE_BODY, {**JSON, "Stripe-Signature": header}))

    assert s3.head_object(Bucket=BUCKET, Key=outcome.s3_key)["ServerSideEncryption"] == "AES256"


# --- 3. values never echoed; ids masked in keys and annotations -------------------------------------------------------


def test_a_rejected_content_type_is_not_echoed(handler_for: Callable[[str], Handler]) -> None:
    response = handler_for("stripe")(api_event(STRIPE_BODY, {"Content-Type": "text/4111-1111-1111-1111"}), None)

    assert response["statusCode"] == 400
    assert "4111" not in response["body"]


def test_event_ids_are_masked_in_raw_and_processed_keys() -> None:
    from webhook_core.keys import processed_key, raw_payload_key  # noqa: PLC0415

    for key in (
        raw_payload_key("stripe", "evt_4111 1111 1111 1111", 0, "application/json"),
        processed_key("stripe", "evt_4111.1111.1111.1111", 0),
    ):
        assert "4111" not in key
        # The last four survive masking; sanitising the mask adds the write-once digest suffix (keys.object_name).
        assert re.search(r"1111(~id-[0-9a-f]{16})?\.json$", key), key
