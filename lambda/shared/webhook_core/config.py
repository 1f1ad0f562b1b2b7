"""Settings from environment variables, with API Gateway stage variables taking precedence (decision 1).

Stage variables exist only for a few names (``dynamodb_table``, ``s3_bucket``, ``s3_processed_bucket``,
``square_notification_url``, ``environment``); every other setting comes from the function's environment.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from webhook_core.errors import ConfigurationError

# stage variable -> environment variable it overrides
STAGE_VARIABLE_ENV: Mapping[str, str] = {
    "dynamodb_table": "DYNAMODB_TABLE",
    "s3_bucket": "S3_BUCKET",
    "s3_processed_bucket": "S3_PROCESSED_BUCKET",
    "square_notification_url": "SQUARE_NOTIFICATION_URL",
    "environment": "ENVIRONMENT",
}

DEFAULT_STRIPE_TOLERANCE_SECONDS = 300
# PayPal retries a webhook for up to 3 days (25 attempts); a day of margin on top. Docs: docs/security.md.
DEFAULT_PAYPAL_TRANSMISSION_TOLERANCE_SECONDS = 4 * 86400
PAYPAL_TRANSMISSION_FUTURE_SKEW_SECONDS = 300
DEFAULT_PAYPAL_CERT_ALLOWED_HOSTS = ("api.paypal.com", "api-m.paypal.com")
# Trusted only where PAYPAL_TRUST_SANDBOX is true and the environment is not prod (issue 8 item 5).
PAYPAL_SANDBOX_CERT_HOSTS = ("api.sandbox.paypal.com", "api-m.sandbox.paypal.com")
DEFAULT_PAYPAL_IPN_VERIFY_URL = "https://ipnpb.paypal.com/cgi-bin/webscr"
# The subject CN of PayPal's live webhook signing certificates, and of the sandbox ones.
DEFAULT_PAYPAL_CERT_SUBJECT_CNS = ("messageverificationcerts.paypal.com",)
PAYPAL_SANDBOX_CERT_SUBJECT_CNS = ("messageverificationcerts.sandbox.paypal.com",)
PRODUCTION_ENVIRONMENTS = ("prod", "production")


def setting(
    name: str, stage_variables: Mapping[str, str] | None = None, environ: Mapping[str, str] | None = None
) -> str:
    """One setting: the stage variable that overrides ``name`` when present and non-empty, else the env var."""
    env = os.environ if environ is None else environ
    if stage_variables:
        for stage_name, env_name in STAGE_VARIABLE_ENV.items():
            if env_name == name and stage_variables.get(stage_name):
                return stage_variables[stage_name]
    return env.get(name, "")


def _csv(value: str, default: tuple[str, ...]) -> tuple[str, ...]:
    items = tuple(part.strip().lower() for part in value.split(",") if part.strip())
    return items or default


def _int(name: str, value: str, default: int) -> int:
    if not value:
        return default
    try:
        parsed = int(value)
    except ValueError as exc:
        raise ConfigurationError(f"{name} must be an integer") from exc
    if parsed <= 0:
        raise ConfigurationError(f"{name} must be positive")
    return parsed


def _bool(value: str) -> bool:
    return value.strip().lower() in ("1", "true", "yes", "on")


def _is_sandbox(name: str) -> bool:
    return ".sandbox." in f".{name.split(':', 1)[0]}."


def _receivers(value: str) -> tuple[str, ...]:
    """PayPal merchant ids (case kept, compared case-insensitively) and e-mails: lower case, comma-separated."""
    return tuple(part.strip().lower() for part in value.split(",") if part.strip())


@dataclass(frozen=True)
class Settings:
    """Everything a validator needs, resolved for one request's stage."""

    provider_name: str
    provider_secret_arn: str
    dynamodb_table: str
    s3_bucket: str
    s3_processed_bucket: str
    processor_function_arn: str
    environment: str
    stripe_tolerance_seconds: int = DEFAULT_STRIPE_TOLERANCE_SECONDS
    paypal_cert_allowed_hosts: tuple[str, ...] = DEFAULT_PAYPAL_CERT_ALLOWED_HOSTS
    paypal_ipn_verify_url: str = DEFAULT_PAYPAL_IPN_VERIFY_URL
    paypal_cert_ca_bundle: str = ""
    paypal_cert_subject_cns: tuple[str, ...] = DEFAULT_PAYPAL_CERT_SUBJECT_CNS
    square_notification_url: str = ""
    paypal_trust_sandbox: bool = False
    paypal_transmission_tolerance_seconds: int = DEFAULT_PAYPAL_TRANSMISSION_TOLERANCE_SECONDS
    paypal_ipn_receivers: tuple[str, ...] = ()
    raw_payloads_kms_key_arn: str = ""

    @property
    def is_production(self) -> bool:
        return self.environment.strip().lower() in PRODUCTION_ENVIRONMENTS

    @classmethod
    def load(
        cls, stage_variables: Mapping[str, str] | None = None, environ: Mapping[str, str] | None = None
    ) -> Settings:
        env = os.environ if environ is None else environ

        def get(name: str) -> str:
            return setting(name, stage_variables, env)

        environment = get("ENVIRONMENT")
        # Sandbox certificates are signed by PayPal for anyone's sandbox app: never trusted in production.
        sandbox = _bool(get("PAYPAL_TRUST_SANDBOX")) and environment.strip().lower() not in PRODUCTION_ENVIRONMENTS
        hosts = _csv(get("PAYPAL_CERT_ALLOWED_HOSTS"), DEFAULT_PAYPAL_CERT_ALLOWED_HOSTS)
        cns = _csv(get("PAYPAL_CERT_SUBJECT_CNS"), DEFAULT_PAYPAL_CERT_SUBJECT_CNS)
        if sandbox:
            hosts = tuple(dict.fromkeys(hosts + PAYPAL_SANDBOX_CERT_HOSTS))
            cns = tuple(dict.fromkeys(cns + PAYPAL_SANDBOX_CERT_SUBJECT_CNS))
        else:
            hosts = tuple(h for h in hosts if not _is_sandbox(h))
            cns = tuple(c for c in cns if not _is_sandbox(c))
        return cls(
            provider_name=get("PROVIDER_NAME").strip().lower(),
            provider_secret_arn=get("PROVIDER_SECRET_ARN"),
            dynamodb_table=get("DYNAMODB_TABLE"),
            s3_bucket=get("S3_BUCKET"),
            s3_processed_bucket=get("S3_PROCESSED_BUCKET"),
            processor_function_arn=get("PROCESSOR_FUNCTION_ARN"),
            environment=environment,
            stripe_tolerance_seconds=_int(
                "STRIPE_TOLERANCE_SECONDS", get("STRIPE_TOLERANCE_SECONDS"), DEFAULT_STRIPE_TOLERANCE_SECONDS
            ),
            paypal_cert_allowed_hosts=hosts,
            paypal_ipn_verify_url=get("PAYPAL_IPN_VERIFY_URL") or DEFAULT_PAYPAL_IPN_VERIFY_URL,
            paypal_cert_ca_bundle=get("PAYPAL_CERT_CA_BUNDLE"),
            paypal_cert_subject_cns=cns,
            square_notification_url=get("SQUARE_NOTIFICATION_URL"),
            paypal_trust_sandbox=sandbox,
            paypal_transmission_tolerance_seconds=_int(
                "PAYPAL_TRANSMISSION_TOLERANCE_SECONDS",
                get("PAYPAL_TRANSMISSION_TOLERANCE_SECONDS"),
                DEFAULT_PAYPAL_TRANSMISSION_TOLERANCE_SECONDS,
            ),
            paypal_ipn_receivers=_receivers(get("PAYPAL_IPN_RECEIVERS")),
            raw_payloads_kms_key_arn=get("RAW_PAYLOADS_KMS_KEY_ARN").strip(),
        )

    def require(self, field: str) -> str:
        """The value of a string field, or :class:`ConfigurationError` naming the setting when it is empty."""
        value = getattr(self, field)
        if not isinstance(value, str) or not value:
            raise ConfigurationError(f"setting {field.upper()} is not configured")
        return value

    def raw_payload_encryption(self) -> dict[str, str]:
        """``put_object`` arguments for the raw bucket: SSE-S3, or SSE-KMS with the configured customer key."""
        if self.raw_payloads_kms_key_arn:
            return {"ServerSideEncryption": "aws:kms", "SSEKMSKeyId": self.raw_payloads_kms_key_arn}
        return {"ServerSideEncryption": "AES256"}
