"""Rate limits as token buckets: a burst allowed, then a sustained rate; a refusal says when to retry.

Kept per process (a player's sockets and API calls on one server share one bucket); behind several
processes each holds its own buckets, so the effective limit is per process (see docs/server.md).
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class _Bucket:
    tokens: float
    stamp: float


class RateLimiter:
    """`rate` actions per second sustained, `burst` at once; keyed by player (or connection)."""

    def __init__(self, rate: float, burst: int, clock: Callable[[], float] = time.monotonic) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError("rate must be positive and burst at least 1")
        self.rate, self.burst, self.clock = rate, burst, clock
        self._buckets: dict[str, _Bucket] = {}
        self._lock = threading.Lock()

    def take(self, key: str) -> float:
        """0.0 when allowed (and counted); otherwise the seconds to wait before it would be."""
        now = self.clock()
        with self._lock:
            b = self._buckets.get(key)
            if b is None:
                b = self._buckets[key] = _Bucket(float(self.burst), now)
            b.tokens = min(float(self.burst), b.tokens + (now - b.stamp) * self.rate)
            b.stamp = now
            if b.tokens >= 1.0:
                b.tokens -= 1.0
                return 0.0
            return (1.0 - b.tokens) / self.rate

    def forget(self, key: str) -> None:
        with self._lock:
            self._buckets.pop(key, None)


def retry_after_header(seconds: float) -> str:
    """HTTP Retry-After is whole seconds; round up so a client that obeys it is never refused again."""
    return str(max(1, math.ceil(seconds)))
