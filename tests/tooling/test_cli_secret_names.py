"""`--secret-from-aws` reads the secret the deployment's Terraform outputs name, so a `name_suffix` deployment (dev and
staging beside prod in one account, decision 1 amended) signs with its own secrets, never with prod's."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
import stripe
from moto import mock_aws
from webhookdev.cli.errors import CliError
from webhookdev.cli.send import SendOptions, SigningFlags, build_requests
from webhookdev.cli.target import Target

REGION = "us-east-1"
DEV_STRIPE_SECRET = "whsec_dev_0123456789abcdef"
PROD_STRIPE_SECRET = "whsec_prod_0123456789abcdef"
DEV_SQUARE_KEY = "sq-dev-signature-key"
PROD_SQUARE_KEY = "sq-prod-signature-key"
SQUARE_NOTIFICATION_URL = "https://dev.example.test/api/v1/webhooks/square"


@dataclass(frozen=True)
class MotoAwsTarget(Target):
    """The aws target with its clients from moto's in-process mock."""

    def client(self, service: str) -> Any:
        return boto3.client(service, region_name=REGION)


def _put(sm: Any, name: str, value: dict[str, Any]) -> str:
    return str(sm.create_secret(Name=name, SecretString=json.dumps(value))["ARN"])


def _square_signature(body: bytes, key: str, url: str) -> str:
    """Square's documented scheme: base64(HMAC-SHA256(key, notification URL + body))."""
    return base64.b64encode(hmac.new(key.encode(), url.encode() + body, hashlib.sha256).digest()).decode()


def test_secret_from_aws_signs_with_the_secrets_the_outputs_name_not_the_unsuffixed_ones() -> None:
    with mock_aws():
        sm = boto3.client("secretsmanager", region_name=REGION)
        # prod, in the same account, keeps the request's names (name_suffix empty).
        _put(sm, "webhook-processor/stripe/secret", {"signing_secrets": [PROD_STRIPE_SECRET]})
        _put(sm, "webhook-processor/square/secret", {"signature_key": PROD_SQUARE_KEY})
        arns = {
            "stripe": _put(sm, "webhook-processor-dev/stripe/secret", {"signing_secrets": [DEV_STRIPE_SECRET]}),
            "square": _put(sm, "webhook-processor-dev/square/secret", {"signature_key": DEV_SQUARE_KEY}),
        }
        target = MotoAwsTarget(
            name="aws",
            base_url=None,
            outputs={
                "api_url": "https://dev123.execute-api.us-east-1.amazonaws.com/dev",
                "square_notification_url": SQUARE_NOTIFICATION_URL,
                "provider_secret_arns": arns,
            },
        )
        flags = SigningFlags(secret_from_aws=True)
        [stripe_req] = build_requests(SendOptions("stripe", "charge_succeeded", signing=flags), lambda: target)
        [square_req] = build_requests(SendOptions("square", "refund_created", signing=flags), lambda: target)

    header = stripe_req.headers["Stripe-Signature"]
    assert stripe.WebhookSignature.verify_header(stripe_req.body.decode(), header, DEV_STRIPE_SECRET, tolerance=300)
    with pytest.raises(stripe.SignatureVerificationError):
        stripe.WebhookSignature.verify_header(stripe_req.body.decode(), header, PROD_STRIPE_SECRET, tolerance=300)
    assert square_req.headers["x-square-hmacsha256-signature"] == _square_signature(
        square_req.body, DEV_SQUARE_KEY, SQUARE_NOTIFICATION_URL
    )


def test_secret_from_aws_names_the_missing_provider_when_the_output_lacks_it() -> None:
    with mock_aws():
        target = MotoAwsTarget(
            name="aws",
            base_url="https://x/dev",
            outputs={"provider_secret_arns": {"square": "arn:aws:secretsmanager:us-east-1:123456789012:secret:x"}},
        )
        flags = SigningFlags(secret_from_aws=True)
        with pytest.raises(CliError, match="provider_secret_arns output has no stripe secret"):
            list(build_requests(SendOptions("stripe", "charge_succeeded", signing=flags), lambda: target))


def test_secret_id_falls_back_to_the_requests_name_only_without_the_output() -> None:
    assert Target(name="aws", base_url=None).secret_id("paypal") == "webhook-processor/paypal/secret"
    arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:webhook-processor-staging/paypal/secret-AbCdEf"
    target = Target(name="aws", base_url=None, outputs={"provider_secret_arns": {"paypal": arn}})
    assert target.secret_id("paypal") == arn
