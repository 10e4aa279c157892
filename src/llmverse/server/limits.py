"""Rate limits as token buckets: a burst allowed, then a sustained rate; a refusal says when to retry.

Kept per process (a player's sockets and API calls on one server share one bucket); behind several
processes each holds its own buckets, so the effective limit is per process (see docs/server.md).
"""

from __future__ import annotations

import json
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


class BodyLimit:
    """ASGI middleware: a request to one of `caps` (path prefix -> bytes) whose Content-Length is over
    the cap gets 413 before its body is read; one with a body but no Content-Length (chunked) gets
    411, since its size cannot be known without reading it. Other requests pass untouched."""

    def __init__(self, app, caps: dict[str, int]) -> None:
        self.app, self.caps = app, caps

    async def __call__(self, scope, receive, send) -> None:
        cap = self._cap(scope)
        if cap is not None:
            headers = dict(scope.get("headers") or [])
            length = headers.get(b"content-length")
            if length is None and b"transfer-encoding" in headers:
                return await self._refuse(send, scope, 411, "send the body with a Content-Length", "length_required")
            if length is not None and (not length.isdigit() or int(length) > cap):
                return await self._refuse(send, scope, 413, f"the request body is over the limit of {cap} bytes",
                                          "request_too_large")
        await self.app(scope, receive, send)

    def _cap(self, scope) -> int | None:
        if scope["type"] != "http" or scope.get("method") in ("GET", "HEAD", "OPTIONS"):
            return None
        return next((c for prefix, c in self.caps.items() if scope["path"].startswith(prefix)), None)

    @staticmethod
    async def _refuse(send, scope, status: int, message: str, code: str) -> None:
        # /v1 speaks OpenAI's error shape; the rest of the API FastAPI's {"detail": ...}
        body = {"error": {"message": message, "type": "invalid_request_error", "param": None, "code": code}} \
            if scope["path"].startswith("/v1") else {"detail": message}
        data = json.dumps(body).encode()
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode()),
                                (b"connection", b"close")]})
        await send({"type": "http.response.body", "body": data})
