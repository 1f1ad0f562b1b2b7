"""Pure pieces: settings precedence, S3 keys, the failure -> status table, the secret cache's rate limit."""

from __future__ import annotations

import contextlib
import json
from datetime import UTC, datetime

import pytest
from webhook_core import errors
from webhook_core.config import Settings, setting
from webhook_core.errors import http_status
from webhook_core.keys import object_name, processed_key, raw_payload_key, sanitize_event_id
from webhook_core.processed_log import ProcessedLog
from webhook_core.providers import PROVIDERS, get_provider
from webhook_core.secrets import SecretCache


def test_stage_variables_override_environment_only_for_their_names() -> None:
    env = {"S3_BUCKET": "env-bucket", "SQUARE_NOTIFICATION_URL": "https://env", "PROVIDER_NAME": "Stripe"}
    stage = {"s3_bucket": "stage-bucket", "square_notification_url": "", "provider_name": "square"}

    settings = Settings.load(stage, env)

    assert settings.s3_bucket == "stage-bucket"
    assert settings.square_notification_url == "https://env"  # empty stage variable does not win
    assert settings.provider_name == "stripe"  # not a stage variable name
    assert setting("DYNAMODB_TABLE", {"dynamodb_table": "t-stage"}, {"DYNAMODB_TABLE": "t-env"}) == "t-stage"


def test_settings_defaults_and_validation() -> None:
    settings = Settings.load(None, {"PAYPAL_CERT_ALLOWED_HOSTS": " API.PayPal.com , localhost "})

    assert settings.stripe_tolerance_seconds == 300
    assert settings.paypal_cert_allowed_hosts == ("api.paypal.com", "localhost")
    assert settings.paypal_ipn_verify_url == "https://ipnpb.paypal.com/cgi-bin/webscr"
    with pytest.raises(errors.ConfigurationError):
        Settings.load(None, {"STRIPE_TOLERANCE_SECONDS": "five"})
    with pytest.raises(errors.ConfigurationError, match="S3_BUCKET"):
        settings.require("s3_bucket")


def test_raw_and_processed_keys_follow_the_design() -> None:
    when = datetime(2026, 1, 2, 23, 59, tzinfo=UTC)

    assert raw_payload_key("stripe", "evt_1", when, "application/json") == "stripe/2026/01/02/evt_1.json"
    assert raw_payload_key("paypal", "ipn-1", when.timestamp(), "application/x-www-form-urlencoded; charset=x") == (
        "paypal/2026/01/02/ipn-1.txt"
    )
    assert processed_key("square", "e_1", 0) == "square/1970/01/01/e_1.json"
    assert processed_key("square", "e/1", 0) == f"square/1970/01/01/{object_name('e/1')}.json"
    assert object_name("e/1").startswith("e_1~id-")


def test_processed_keys_of_ids_differing_only_in_sanitised_characters_differ() -> None:
    ids = ["evt_a_b", "evt_a/b", "evt_a b", "evt_a:b", "evt_a\u00e9b", "evt_a\u00e8b"]

    keys = {processed_key("stripe", event_id, 0) for event_id in ids}

    assert len(keys) == len(ids)
    for event_id in ids:  # one naming function for both buckets: the raw and the processed object share the name
        raw = raw_payload_key("stripe", event_id, 0, "application/json")
        assert processed_key("stripe", event_id, 0) == raw


def test_later_records_of_an_event_never_take_another_events_processed_key() -> None:
    log = ProcessedLog(s3=None, subsegment=lambda _name: contextlib.nullcontext(), environ={})  # type: ignore[arg-type]

    second_record_of_a = log.key("stripe", "evt_a", 0, 1)

    assert second_record_of_a != log.key("stripe", "evt_a.1", 0, 0)
    assert second_record_of_a == "stripe/1970/01/01/evt_a~1.json"


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("evt_ABC-1.2", "evt_ABC-1.2"),
        ("a/b c", "a_b_c"),
        ("..", "_."),
        ("", "_"),
        ("x" * 300, "x" * 183 + "_0d4e2ca9e9cbced7"),
    ],
)
def test_event_ids_are_sanitised(raw: str, clean: str) -> None:
    assert sanitize_event_id(raw) == clean


def test_every_named_failure_has_exactly_the_documented_status() -> None:
    expected = {
        errors.ForeignReceiver: 200,
        errors.InvalidSignature: 401,
        errors.StaleTimestamp: 401,
        errors.MissingHeader: 401,
        errors.UntrustedCertificate: 401,
        errors.Unauthorized: 401,
        errors.MalformedPayload: 400,
        errors.UnsupportedContentType: 400,
        errors.ConfigurationError: 500,
        errors.SecretUnavailable: 503,
        errors.VerificationUnavailable: 503,
        errors.StorageUnavailable: 503,
        errors.ProcessorInvokeFailed: 502,
        errors.WebhookError: 500,
    }
    named = {cls for cls in vars(errors).values() if isinstance(cls, type) and issubclass(cls, errors.WebhookError)}

    assert named == set(expected)
    assert {cls: http_status(cls("x")) for cls in named} == expected
    assert http_status(RuntimeError("bug")) == 500


def test_registry_knows_the_three_providers_and_nothing_else() -> None:
    assert sorted(PROVIDERS) == ["paypal", "square", "stripe"]
    assert get_provider("Stripe").name == "stripe"
    with pytest.raises(errors.ConfigurationError):
        get_provider("adyen")


def test_secret_cache_reads_lazily_and_refreshes_at_most_once_a_minute() -> None:
    reads: list[str] = []
    value = {"signing_secrets": ["whsec_a"]}
    now = [0.0]

    def fetch(arn: str) -> str:
        reads.append(arn)
        return json.dumps(value)

    cache = SecretCache("arn:secret", fetch, clock=lambda: now[0])
    assert reads == []
    assert cache.get() == {"signing_secrets": ["whsec_a"]}
    assert cache.get() == {"signing_secrets": ["whsec_a"]}
    assert reads == ["arn:secret"]

    value["signing_secrets"] = ["whsec_b"]
    now[0] = 59.9
    assert cache.refresh_after_mismatch() is False
    assert reads == ["arn:secret"]
    now[0] = 60.0
    assert cache.refresh_after_mismatch() is True
    assert cache.get() == {"signing_secrets": ["whsec_b"]}
    now[0] = 200.0
    assert cache.refresh_after_mismatch() is False  # re-read, but nothing changed
    assert len(reads) == 3


def test_secret_cache_failures_are_named() -> None:
    def broken(arn: str) -> str:
        raise TimeoutError("secrets manager unreachable")

    with pytest.raises(errors.SecretUnavailable):
        SecretCache("arn", broken).get()
    with pytest.raises(errors.ConfigurationError):
        SecretCache("arn", lambda arn: "not json").get()
    with pytest.raises(errors.ConfigurationError):
        SecretCache("", lambda arn: "{}").get()
