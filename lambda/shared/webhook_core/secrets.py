"""The provider secret: read once per container, cached, refreshed after a mismatch at most once a minute.

Decision 11: a signature failure may mean the provider rotated the secret, so the validator asks for a refresh; the
refresh is rate-limited so a flood of forged requests cannot turn into a flood of Secrets Manager calls. A failed
read is not retried for ``failure_backoff`` seconds (issue 8): while Secrets Manager fails, each container makes at
most one attempt per interval, and the requests in between get the same 503 without a call.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from typing import Any

from webhook_core.errors import ConfigurationError, SecretUnavailable

MIN_REFRESH_INTERVAL_SECONDS = 60.0
FAILURE_BACKOFF_SECONDS = 5.0

SecretFetcher = Callable[[str], str]  # secret ARN -> SecretString


class SecretCache:
    """Caches one JSON secret. ``fetch`` is called lazily (first use), never at import."""

    def __init__(
        self,
        secret_arn: str,
        fetch: SecretFetcher,
        *,
        min_refresh_interval: float = MIN_REFRESH_INTERVAL_SECONDS,
        failure_backoff: float = FAILURE_BACKOFF_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._arn = secret_arn
        self._fetch = fetch
        self._interval = min_refresh_interval
        self._clock = clock
        self._value: dict[str, Any] | None = None
        self._fetched_at: float | None = None
        self._backoff = failure_backoff
        self._failed_at: float | None = None
        self._failure = ""
        self.fetch_count = 0
        self.attempt_count = 0

    def _load(self) -> dict[str, Any]:
        if not self._arn:
            raise ConfigurationError("setting PROVIDER_SECRET_ARN is not configured")
        if self._failed_at is not None and self._clock() - self._failed_at < self._backoff:
            raise SecretUnavailable(f"could not read the provider secret: {self._failure} (backing off)")
        self.attempt_count += 1
        try:
            raw = self._fetch(self._arn)
        except ConfigurationError:
            raise
        except Exception as exc:  # boto errors, timeouts: the provider should retry
            self._failed_at = self._clock()
            self._failure = type(exc).__name__
            raise SecretUnavailable(f"could not read the provider secret: {type(exc).__name__}") from exc
        self._failed_at = None
        self.fetch_count += 1
        self._fetched_at = self._clock()
        try:
            parsed = json.loads(raw)
        except ValueError as exc:
            raise ConfigurationError("the provider secret is not JSON (see docs/lambda-ingest.md)") from exc
        if not isinstance(parsed, dict):
            raise ConfigurationError("the provider secret must be a JSON object (see docs/lambda-ingest.md)")
        return parsed

    def get(self) -> Mapping[str, Any]:
        """The cached secret, fetching it on first use."""
        if self._value is None:
            self._value = self._load()
        return self._value

    def refresh_after_mismatch(self) -> bool:
        """Re-read the secret if the last read is at least a minute old. True when the value changed."""
        if self._fetched_at is not None and self._clock() - self._fetched_at < self._interval:
            return False
        previous = self._value
        try:
            self._value = self._load()
        except SecretUnavailable:
            # Keep the cached secret: the request fails on its signature (401), not on the outage (503).
            if previous is None:
                raise
            return False
        return self._value != previous


def secrets_manager_fetcher(client: Any) -> SecretFetcher:
    """A fetcher backed by a boto3 ``secretsmanager`` client."""

    def fetch(arn: str) -> str:
        response = client.get_secret_value(SecretId=arn)
        value = response.get("SecretString")
        if not isinstance(value, str):
            raise ConfigurationError("the provider secret has no SecretString")
        return value

    return fetch
