"""Rate limits as token buckets: a burst allowed, then a sustained rate; a refusal says when to retry.

`RateLimiter` keeps its buckets in this process (a player's sockets and API calls on one server share
one bucket). `RedisRateLimiter` keeps the same buckets in Redis, so a limit holds across every server
process behind one address: a player who alternates between two processes gets one burst, not two.
Should Redis fail, each process falls back to its own buckets (logged) rather than refusing everyone.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from starlette.exceptions import HTTPException

log = logging.getLogger(__name__)


class Limiter(Protocol):
    def take(self, key: str) -> float: ...
    def forget(self, key: str) -> None: ...


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


# One bucket, decided inside Redis so two processes cannot both spend its last token. The clock is
# Redis's own (TIME), so processes whose clocks differ still agree. Numbers travel as strings: a Lua
# number returned as such is truncated to an integer.
_TAKE = """
local rate, burst = tonumber(ARGV[1]), tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local b = redis.call('HMGET', KEYS[1], 'tokens', 'stamp')
local tokens, stamp = tonumber(b[1]), tonumber(b[2])
if tokens == nil or stamp == nil then tokens, stamp = burst, now end
tokens = math.min(burst, tokens + math.max(0, now - stamp) * rate)
local wait = 0
if tokens >= 1 then tokens = tokens - 1 else wait = (1 - tokens) / rate end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'stamp', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil(burst / rate * 1000) + 1000)
return tostring(wait)
"""


class RedisRateLimiter:
    """`RateLimiter`'s buckets in Redis (`<prefix>:<key>`, expiring once refilled): one limit for all
    the processes that share the Redis. While Redis fails, a bucket in this process answers, and Redis
    is not asked again for `PAUSE` seconds (a request never waits on a dead Redis more than once)."""

    PAUSE = 5.0

    def __init__(self, rate: float, burst: int, redis: Any, prefix: str) -> None:
        self.rate, self.burst, self.prefix = rate, burst, prefix
        self._redis = redis
        self._take = redis.register_script(_TAKE)
        self.local = RateLimiter(rate, burst)  # while Redis is unreachable
        self._down_until = 0.0

    def take(self, key: str) -> float:
        if time.monotonic() >= self._down_until:
            try:
                return float(self._take(keys=[f"{self.prefix}:{key}"], args=[repr(self.rate), str(self.burst)]))
            except Exception as exc:  # Redis down: a limit per process is better than none, or than refusing all
                self._failed(exc)
        return self.local.take(key)

    @property
    def redis(self) -> Any:
        """The Redis client (shared with the other limits that must hold across processes)."""
        return self._redis

    def forget(self, key: str) -> None:
        self.local.forget(key)
        if time.monotonic() >= self._down_until:
            try:
                self._redis.delete(f"{self.prefix}:{key}")
            except Exception as exc:
                self._failed(exc)

    def _failed(self, exc: Exception) -> None:
        self._down_until = time.monotonic() + self.PAUSE
        log.error("rate limits: Redis failed (%s); this process counts for itself for %.0f s", exc, self.PAUSE)


class Known(Protocol):
    def add(self, address: str, name: str) -> None: ...
    def __contains__(self, pair: tuple[str, str]) -> bool: ...


class KnownInMemory:
    """(address, name) pairs that logged in, least recently used dropped first (one process)."""

    def __init__(self, size: int = 100_000) -> None:
        self.size = size
        self._known: OrderedDict[tuple[str, str], None] = OrderedDict()
        self._lock = threading.Lock()

    def add(self, address: str, name: str) -> None:
        with self._lock:
            self._known[(address, name)] = None
            self._known.move_to_end((address, name))
            while len(self._known) > self.size:
                self._known.popitem(last=False)

    def __contains__(self, pair: tuple[str, str]) -> bool:
        with self._lock:
            return pair in self._known


class KnownInRedis:
    """The same pairs in Redis, so an owner known to one process is known to all (kept 90 days; the
    pair is hashed, so Redis holds no address next to a name)."""

    DAYS = 90

    def __init__(self, redis: Any, prefix: str) -> None:
        self._redis, self.prefix = redis, prefix
        self.local = KnownInMemory()

    def _key(self, address: str, name: str) -> str:
        pair = hashlib.sha256(address.encode() + b"\x00" + name.encode()).hexdigest()[:32]
        return f"{self.prefix}:{pair}"

    def add(self, address: str, name: str) -> None:
        self.local.add(address, name)
        try:
            self._redis.set(self._key(address, name), b"1", ex=self.DAYS * 86400)
        except Exception as exc:
            log.error("login throttle: Redis failed (%s); the owner is known to this process only", exc)

    def __contains__(self, pair: tuple[str, str]) -> bool:
        if pair in self.local:
            return True
        try:
            return bool(self._redis.exists(self._key(*pair)))
        except Exception:
            return False


class LoginThrottle:
    """Slows password guessing without locking the owner out.

    Three buckets are spent before a password is hashed: the client address (every attempt), the
    address with the name, and the name alone. The name's bucket is what stops a guesser spread over
    many addresses; it would lock the owner out too, so an address that has logged in to (or
    registered) that name before skips it: the owner at home gets in while the name is under attack
    from elsewhere, and a guesser at the owner's address still meets the address-and-name bucket.
    A login from a new address during an attack waits, told when to retry. The buckets and the known
    pairs are in this process's memory, or in Redis for every process (`shared_limits`).
    """

    def __init__(self, rate: float, burst: int, clock: Callable[[], float] = time.monotonic, *,
                 limits: Limiter | None = None, known: Known | None = None) -> None:
        self.limits: Limiter = limits or RateLimiter(rate, burst, clock)
        self._known: Known = known or KnownInMemory()

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
        self._known.add(address, name)
        self.limits.forget(f"ip-name:{address}\x00{name}")

    def known(self, address: str, name: str) -> bool:
        return (address, name) in self._known


def shared_limits(redis_url: str, world: str, model_rate: float, model_burst: int, auth_rate: float,
                  auth_burst: int) -> tuple[RedisRateLimiter, LoginThrottle]:
    """The limits that must hold across server processes (model calls per player, login attempts),
    kept in the Redis the processes already share for fan-out."""
    import redis
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    # Short timeouts: a take is one round trip (~0.1 ms on loopback) made where the request is handled;
    # a Redis that hangs costs half a second, then the process's own buckets answer.
    client = redis.Redis.from_url(redis_url, socket_timeout=0.5, socket_connect_timeout=0.5,
                                  retry=Retry(NoBackoff(), 0))  # no retries with backoff: answer now
    prefix = f"llmverse:{world}"
    model = RedisRateLimiter(model_rate, model_burst, client, f"{prefix}:rate:model")
    login = LoginThrottle(auth_rate, auth_burst, limits=RedisRateLimiter(auth_rate, auth_burst, client,
                                                                         f"{prefix}:rate:login"),
                          known=KnownInRedis(client, f"{prefix}:known"))
    return model, login


def retry_after_header(seconds: float) -> str:
    """HTTP Retry-After is whole seconds; round up so a client that obeys it is never refused again."""
    return str(max(1, math.ceil(seconds)))


BODY_SECONDS = 10.0  # a request body (64 KiB at most) must arrive whole within this


class BodyLimit:
    """ASGI middleware, outermost, so it runs before routing and authentication: a request whose
    Content-Length is over its cap (the longest matching prefix of `caps`, else `default`) gets 413
    before its body is read; one with a body but no Content-Length (chunked) gets 411, since its
    size cannot be known without reading it; a body that grows past the cap while it is read (a
    lying client) is cut off with 413 too, and one that has not arrived whole `body_seconds` after
    the request began (a slow or lying Content-Length) gets 408 and the connection is closed. A NUL
    byte or another control character in the path or the query string gets 400 (PostgreSQL refuses
    NUL in text, SQLite would store it)."""

    def __init__(self, app, caps: dict[str, int], default: int = 64 * 1024, body_seconds: float = BODY_SECONDS) -> None:
        self.app, self.default, self.body_seconds = app, default, body_seconds
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
            receive = _counted(receive, cap, self.body_seconds)
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


class BodyTooLarge(HTTPException):
    """A body read past its cap; the app answers 413 (see create_app's handler). An HTTPException, so
    FastAPI's body parsing lets it through instead of answering 400 "error parsing the body"."""

    def __init__(self, detail: str) -> None:
        super().__init__(413, detail)

    def __str__(self) -> str:
        return str(self.detail)


class BodyTooSlow(HTTPException):
    """A body not whole by its deadline; the app answers 408 and closes the connection."""

    def __init__(self, detail: str) -> None:
        super().__init__(408, detail)

    def __str__(self) -> str:
        return str(self.detail)


def _counted(receive, cap: int, seconds: float):
    """`receive` with the body's size counted and its arrival bounded in time. Once the body is whole,
    later calls (a streamed response waiting for the client to hang up) pass through untimed."""
    seen, whole = 0, False
    deadline = asyncio.get_running_loop().time() + seconds

    async def counted():
        nonlocal seen, whole
        if whole:
            return await receive()
        try:
            message = await asyncio.wait_for(receive(), max(0.0, deadline - asyncio.get_running_loop().time()))
        except asyncio.TimeoutError:
            raise BodyTooSlow(f"the request body did not arrive within {seconds:.0f} s") from None
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > cap:
                raise BodyTooLarge(f"the request body is over the limit of {cap} bytes")
            whole = not message.get("more_body", False)
        else:  # http.disconnect
            whole = True
        return message
    return counted


def _controls(scope) -> bool:
    from urllib.parse import unquote_to_bytes

    raw = scope.get("raw_path") or scope["path"].encode("utf-8", "surrogateescape")
    for part in (raw, scope.get("query_string") or b""):
        if any(b < 32 or b == 127 for b in unquote_to_bytes(part.replace(b"+", b" "))):
            return True
    return False
