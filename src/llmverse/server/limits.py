"""Rate limits as token buckets: a burst allowed, then a sustained rate; a refusal says when to retry.

Kept per process (a player's sockets and API calls on one server share one bucket); behind several
processes each holds its own buckets, so the effective limit is per process (see docs/server.md).
"""

from __future__ import annotations

import json
import math
import threading
import time
from collections import OrderedDict
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
        self._takes = 0

    def take(self, key: str) -> float:
        """0.0 when allowed (and counted); otherwise the seconds to wait before it would be."""
        now = self.clock()
        with self._lock:
            self._takes += 1
            if self._takes % 1024 == 0:
                self._prune(now)
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

    def __len__(self) -> int:
        return len(self._buckets)

    def _prune(self, now: float) -> None:
        """Drop buckets that have refilled: they hold nothing a new bucket would not (keys are per
        address, name and player, so without this the dict only grows)."""
        full = [k for k, b in self._buckets.items() if b.tokens + (now - b.stamp) * self.rate >= self.burst]
        for k in full:
            del self._buckets[k]


class LoginThrottle:
    """Slows password guessing without locking the owner out.

    Three buckets are spent before a password is hashed: the client address (every attempt), the
    address with the name, and the name alone. The name's bucket is what stops a guesser spread over
    many addresses; it would lock the owner out too, so an address that has logged in to (or
    registered) that name before skips it: the owner at home gets in while the name is under attack
    from elsewhere, and a guesser at the owner's address still meets the address-and-name bucket.
    A login from a new address during an attack waits, told when to retry (per process, in memory).
    """

    KNOWN = 100_000  # (address, name) pairs remembered, least recently used dropped first

    def __init__(self, rate: float, burst: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.limits = RateLimiter(rate, burst, clock)
        self._known: OrderedDict[tuple[str, str], None] = OrderedDict()
        self._lock = threading.Lock()

    def check(self, address: str, name: str | None = None) -> float:
        """0.0 when the attempt may go ahead; otherwise seconds to wait (nothing is hashed)."""
        keys = [f"ip:{address}"]
        if name is not None:
            keys.append(f"ip-name:{address}\x00{name}")
            if not self.known(address, name):
                keys.append(f"name:{name}")
        for key in keys:
            wait = self.limits.take(key)
            if wait:
                return wait
        return 0.0

    def succeeded(self, address: str, name: str) -> None:
        """The right password (or a new account) from this address: it is the owner's from now on."""
        with self._lock:
            self._known[(address, name)] = None
            self._known.move_to_end((address, name))
            while len(self._known) > self.KNOWN:
                self._known.popitem(last=False)
        self.limits.forget(f"ip-name:{address}\x00{name}")

    def known(self, address: str, name: str) -> bool:
        with self._lock:
            return (address, name) in self._known


def retry_after_header(seconds: float) -> str:
    """HTTP Retry-After is whole seconds; round up so a client that obeys it is never refused again."""
    return str(max(1, math.ceil(seconds)))


class BodyLimit:
    """ASGI middleware, outermost, so it runs before routing and authentication: a request whose
    Content-Length is over its cap (the longest matching prefix of `caps`, else `default`) gets 413
    before its body is read; one with a body but no Content-Length (chunked) gets 411, since its
    size cannot be known without reading it; a body that grows past the cap while it is read (a
    lying client) is cut off with 413 too. A NUL byte or another control character in the path or
    the query string gets 400 (PostgreSQL refuses NUL in text, SQLite would store it)."""

    def __init__(self, app, caps: dict[str, int], default: int = 64 * 1024) -> None:
        self.app, self.default = app, default
        self.caps = dict(sorted(caps.items(), key=lambda kv: -len(kv[0])))  # longest prefix first

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "http" and _controls(scope):
            return await self._refuse(send, scope, 400, "the path or query holds a NUL byte or a control character",
                                      "invalid_request")
        cap = self._cap(scope)
        if cap is not None:
            headers = dict(scope.get("headers") or [])
            length = headers.get(b"content-length")
            if length is None and b"transfer-encoding" in headers:
                return await self._refuse(send, scope, 411, "send the body with a Content-Length", "length_required")
            if length is not None and (not length.isdigit() or int(length) > cap):
                return await self._refuse(send, scope, 413, f"the request body is over the limit of {cap} bytes",
                                          "request_too_large")
            receive = _counted(receive, cap)
        await self.app(scope, receive, send)

    def _cap(self, scope) -> int | None:
        if scope["type"] != "http":
            return None
        return next((c for prefix, c in self.caps.items() if scope["path"].startswith(prefix)), self.default)

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


class BodyTooLarge(Exception):
    """A body read past its cap; the app answers 413 (see create_app's handler)."""


def _counted(receive, cap: int):
    seen = 0

    async def counted():
        nonlocal seen
        message = await receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > cap:
                raise BodyTooLarge(f"the request body is over the limit of {cap} bytes")
        return message
    return counted


def _controls(scope) -> bool:
    from urllib.parse import unquote_to_bytes

    raw = scope.get("raw_path") or scope["path"].encode("utf-8", "surrogateescape")
    for part in (raw, scope.get("query_string") or b""):
        if any(b < 32 or b == 127 for b in unquote_to_bytes(part.replace(b"+", b" "))):
            return True
    return False
