"""Token buckets, as API Gateway throttles: `burst_limit` tokens, refilled at `rate_limit` per second."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from webhookdev.local.deployed import Throttle


class TokenBucket:
    def __init__(self, throttle: Throttle, clock: Callable[[], float] = time.monotonic) -> None:
        self.throttle = throttle
        self._clock = clock
        # A burst of 0 with a positive rate still admits one request at a time.
        self._capacity = float(max(throttle.burst_limit, 1 if throttle.rate_limit > 0 else 0))
        self._tokens = self._capacity
        self._updated = clock()
        self._lock = threading.Lock()

    def take(self) -> bool:
        with self._lock:
            now = self._clock()
            self._tokens = min(self._capacity, self._tokens + (now - self._updated) * self.throttle.rate_limit)
            self._updated = now
            if self._tokens >= 1.0:
                self._tokens -= 1.0
                return True
            return False


class Buckets:
    """Buckets by key, rebuilt when the deployed limits for that key change."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._buckets: dict[str, TokenBucket] = {}
        self._lock = threading.Lock()

    def take(self, key: str, throttle: Throttle) -> bool:
        with self._lock:
            bucket = self._buckets.get(key)
            if bucket is None or bucket.throttle != throttle:
                bucket = self._buckets[key] = TokenBucket(throttle, self._clock)
        return bucket.take()
