"""What a server process is configured with: one dataclass, a comment per field.

The model and the store come from `llmverse.config.settings()` (LLMVERSE_MODEL, DATABASE_URL) as for
every command; what is here is the server's own: limits, scheduling, fan-out and accounts.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class ServerConfig:
    world: Path | None = None  # world file; None: the bundled Harbor Town
    database_url: str | None = None  # SQLAlchemy URL; None: settings() (DATABASE_URL)
    model: str | None = None  # model spec; None: settings() (LLMVERSE_MODEL)
    threads: int | None = None  # llama.cpp threads; None: settings() (LLMVERSE_THREADS)
    # Model requests running at once: 1 for the embedded llama.cpp (one context, not thread-safe),
    # more for an OpenAI-compatible server, which batches. None: 1 for local backends, 4 for URLs.
    concurrency: int | None = None
    model_rate: float = 0.5  # model calls a player may start per second, sustained
    model_burst: int = 5  # ... and in a burst
    message_rate: float = 20.0  # WebSocket messages per second per connection, sustained
    message_burst: int = 60  # ... and in a burst
    max_message_bytes: int = 16 * 1024  # larger WebSocket frames get an error frame
    auth_rate: float = 0.2  # logins and registrations per second per client IP (and per name), sustained
    auth_burst: int = 10  # ... and in a burst (each costs an argon2 hash)
    max_model_requests: int = 3  # model requests a player may have queued or running at once
    tick_seconds: float = 0.0  # real seconds between simulation steps; 0: the world stands still
    step_minutes: float = 10.0  # world minutes per simulation step
    redis_url: str | None = field(default_factory=lambda: os.environ.get("LLMVERSE_REDIS_URL"))  # fan-out
    open_registration: bool = True  # anyone may create a player account (off: admins create them)
    admin_password: str | None = field(default_factory=lambda: os.environ.get("LLMVERSE_ADMIN_PASSWORD"))
    token_hours: float = 24 * 30  # lifetime of an issued token
    token_check_seconds: float = 5.0  # open sockets' tokens re-checked this often (revoked elsewhere)
    refresh_seconds: float = 1.0  # the event loop's copy of the world is checked against the store this often
    memory: bool = False  # characters remember with embeddings (needs the embed extra)
    header_seconds: float = 10.0  # a request's headers must be complete this long after the connection opened
    body_seconds: float = 10.0  # ... and its body (64 KiB at most) this long after the request began
