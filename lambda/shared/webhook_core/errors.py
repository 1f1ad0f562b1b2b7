"""Named failures of the webhook path, and the one table that maps each to an HTTP status.

Handlers raise these; only :func:`http_status` decides what the caller sees. Messages name the field and the
problem, never the value (issue 8): they reach logs, X-Ray, the runtime's error line and the DLQ's ErrorMessage.
:func:`redact_errors` enforces that for exceptions that leave a handler.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

MAX_ERROR_MESSAGE_CHARS = 300


class WebhookError(Exception):
    """Base class. ``outcome`` is the stable log/metric label for the failure."""

    outcome = "error"

    def __init__(self, message: str = "") -> None:
        super().__init__(message or self.__class__.__name__)
        self.message = message or self.__class__.__name__


# --- the caller's fault: 4xx ---------------------------------------------------------------------------------------


class InvalidSignature(WebhookError):
    """The signature does not match the body with any configured secret.

    ``secret_mismatch`` is True when a rotated secret could explain the failure (an HMAC or webhook-id mismatch);
    the validator then re-reads the secret (at most once a minute) and verifies again.
    """

    outcome = "invalid_signature"

    def __init__(self, message: str = "", *, secret_mismatch: bool = False) -> None:
        super().__init__(message)
        self.secret_mismatch = secret_mismatch


class StaleTimestamp(InvalidSignature):
    """The signed timestamp is outside the tolerance, in the past or in the future (replay protection)."""

    outcome = "stale_timestamp"


class MissingHeader(InvalidSignature):
    """A header the signature scheme needs is absent: the request is unauthenticated."""

    outcome = "missing_header"


class UntrustedCertificate(InvalidSignature):
    """PayPal's signing certificate URL or certificate failed a check (host, dates, chain, subject)."""

    outcome = "untrusted_certificate"


class ForeignReceiver(WebhookError):
    """A PayPal-verified IPN paid an account that is not ours (decision 25): acknowledged, never booked.

    It maps to 200 so PayPal does not retry for days; it is counted and logged, and nothing is stored.
    """

    outcome = "foreign_receiver"


class MalformedPayload(WebhookError):
    """The body is not what the provider sends (not JSON / not form data, missing event id, empty)."""

    outcome = "malformed_payload"


class UnsupportedContentType(MalformedPayload):
    """The Content-Type is not one the provider uses."""

    outcome = "unsupported_content_type"


# --- our side or a dependency failed: 5xx (the provider retries) ---------------------------------------------------


class ConfigurationError(WebhookError):
    """A required setting (env var, stage variable, secret field) is missing or invalid."""

    outcome = "configuration_error"


class SecretUnavailable(WebhookError):
    """Secrets Manager could not be read."""

    outcome = "secret_unavailable"


class VerificationUnavailable(WebhookError):
    """An outbound verification call (PayPal certificate download, IPN postback) failed or timed out."""

    outcome = "verification_unavailable"


class StorageUnavailable(WebhookError):
    """The raw payload could not be written to S3."""

    outcome = "storage_unavailable"


class ProcessorInvokeFailed(WebhookError):
    """The asynchronous invoke of the processor was not accepted (no 202)."""

    outcome = "processor_invoke_failed"


class Unauthorized(WebhookError):
    """The authorizer refuses the request (no API key on a query route, unknown route)."""

    outcome = "unauthorized"


# The one place a failure becomes an HTTP status. Lookup walks the class hierarchy, most specific first.
_HTTP_STATUS: dict[type[WebhookError], int] = {
    ForeignReceiver: 200,
    InvalidSignature: 401,
    Unauthorized: 401,
    MalformedPayload: 400,
    ConfigurationError: 500,
    SecretUnavailable: 503,
    VerificationUnavailable: 503,
    StorageUnavailable: 503,
    ProcessorInvokeFailed: 502,
    WebhookError: 500,
}


def http_status(exc: BaseException) -> int:
    """The HTTP status for ``exc``: its mapped status, or 500 for anything unexpected."""
    for cls in type(exc).__mro__:
        if cls in _HTTP_STATUS:
            return _HTTP_STATUS[cls]
    return 500


class RedactedError(Exception):
    """An exception leaving a handler, re-raised with a masked, bounded message and its original type's name.

    The Lambda runtime writes ``errorType``/``errorMessage`` to the function's log and to the DLQ message's
    ``ErrorMessage`` attribute, and Powertools records the exception in X-Ray: none of them may carry card data.
    """

    def __init__(self, original: BaseException) -> None:
        from webhook_core.masking import mask_text  # noqa: PLC0415 - avoid an import cycle at load time

        self.original_type = type(original).__name__
        text = mask_text(str(original)[: MAX_ERROR_MESSAGE_CHARS * 2])[:MAX_ERROR_MESSAGE_CHARS]
        super().__init__(f"{self.original_type}: {text}")


F = TypeVar("F", bound=Callable[..., Any])


def redact_errors(function: F) -> F:
    """Re-raise any exception from ``function`` as :class:`RedactedError` (chain suppressed: the traceback of the
    original still goes to the log through the masking formatter, where the caller logs it)."""

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return function(*args, **kwargs)
        except Exception as exc:
            raise RedactedError(exc) from None

    return wrapper  # type: ignore[return-value]
