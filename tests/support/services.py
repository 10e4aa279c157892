"""Real services for the tests that need them: PostgreSQL and Redis.

On the development and CI machines both run on loopback; on a user's machine they may not, and the
tests that need them skip with the reason. `LLMVERSE_REQUIRE_SERVICES=1` (set by `.ci/run`) turns
that skip into a failure, so CI can never pass by skipping.
"""

from __future__ import annotations

import os
import socket

import pytest

PG_URL = os.environ.get("LLMVERSE_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("LLMVERSE_TEST_REDIS", "redis://127.0.0.1:6379/0")


def missing(service: str, reason: str) -> None:
    """Skip (or fail, when services are required) a test whose service is absent."""
    message = f"{service} not available: {reason}"
    if os.environ.get("LLMVERSE_REQUIRE_SERVICES") == "1":
        pytest.fail(message + " (LLMVERSE_REQUIRE_SERVICES=1)")
    pytest.skip(message)


def postgres_url() -> str:
    """The test database's URL after checking it answers; skips or fails otherwise."""
    try:
        import psycopg  # noqa: F401
    except ImportError as exc:
        missing("PostgreSQL", f"psycopg not installed ({exc})")
    from sqlalchemy import create_engine, text

    try:
        engine = create_engine(PG_URL)
        with engine.connect() as conn:
            conn.execute(text("select 1"))
        engine.dispose()
    except Exception as exc:  # no server on this machine
        missing("PostgreSQL", str(exc).splitlines()[0])
    return PG_URL


def redis_url() -> str:
    """The test Redis's URL after a PING; skips or fails otherwise."""
    try:
        import redis
    except ImportError as exc:
        missing("Redis", f"redis-py not installed ({exc})")
    try:
        client = redis.Redis.from_url(REDIS_URL, socket_timeout=2)
        client.ping()
        client.close()
    except (redis.RedisError, socket.error) as exc:
        missing("Redis", str(exc))
    return REDIS_URL
