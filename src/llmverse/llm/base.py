"""The Backend protocol and the values that cross it."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from llmverse.errors import BackendUnavailable

Role = Literal["system", "user", "assistant"]


@dataclass(frozen=True)
class Message:
    role: Role
    content: str


@dataclass
class Usage:
    """Recorded for every call; times in seconds."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    time_to_first_token: float | None = None
    total_time: float = 0.0


@dataclass(frozen=True)
class TokenCount:
    """What a backend yields once, after its last text piece, when it knows the real token counts."""

    prompt_tokens: int
    completion_tokens: int


@dataclass
class Completion:
    text: str
    usage: Usage = field(default_factory=Usage)
    fallback: bool = False  # True when the gateway answered with the caller's fallback


class Cancelled(BackendUnavailable):
    """The caller gave up on the call (its player left or cancelled): never retried, no fallback."""


def _never() -> bool:
    return False


@dataclass
class Deadline:
    """One model call's limits, on the monotonic clock from `start`: the first piece within `gap`
    seconds (shared by every attempt: retries happen inside it, not on top of it), no two pieces
    more than `gap` apart, the whole reply within `total`; `cancelled()` says whether the caller gave
    up. A backend with `takes_deadline` stops at it itself, even while it waits for the first byte."""

    gap: float
    total: float
    cancelled: Callable[[], bool] = _never
    start: float = field(default_factory=time.monotonic)

    def wait(self, started: bool) -> float:
        """Seconds the next piece may still take (<= 0: too late). `started`: a piece has come."""
        now = time.monotonic()
        end = self.start + self.total
        limit = end if started else min(self.start + self.gap, end)
        return min(self.gap, limit - now)

    def renewed(self) -> Deadline:
        """For another attempt after one that gave a whole (unusable) reply: a new first-piece window
        inside what is left of the total."""
        return Deadline(self.gap, self.total - (time.monotonic() - self.start), self.cancelled)

    def late(self, started: bool = True) -> str:
        """Why the call ends now (for the error message)."""
        if started and time.monotonic() - self.start >= self.total:
            return f"no whole reply within {self.total:g}s"
        return f"no output within {min(self.gap, self.total):g}s"

    def check(self, started: bool, name: str) -> None:
        """Raise Cancelled or BackendUnavailable once the caller gave up or the time is out."""
        if self.cancelled():
            raise Cancelled(f"{name}: the call was cancelled")
        if self.wait(started) <= 0:
            raise BackendUnavailable(f"{name}: {self.late(started)}")


class Backend(Protocol):
    """A model: chat messages in, a stream of text pieces out (and, last, an optional TokenCount).

    `schema`, when given, is a JSON Schema the whole output must satisfy; backends enforce it
    natively where they can (grammar, response_format), and the gateway validates either way.

    `enforces_timeout`: True when the backend itself raises once `timeout` seconds pass without
    output (llama.cpp stopping criteria, HTTP read timeouts). The gateway then reads it in the
    caller's thread; otherwise it watches the backend from a worker thread, which costs a thread
    wake-up per piece.

    `takes_deadline`: True when `stream` accepts `deadline=` (a `Deadline`) and stops at it, or when
    its caller gave up, by itself, even mid-wait (the gateway then passes it; for other backends it
    checks the deadline between pieces). Missing means False.

    Sampling settings (temperature, stop strings, max_tokens) are set explicitly by every backend,
    never left to a server's or library's default.
    """

    name: str
    enforces_timeout: bool

    def stream(
        self,
        messages: list[Message],
        *,
        max_tokens: int = 256,
        schema: dict[str, Any] | None = None,
        timeout: float = 30.0,
    ) -> Iterator[str | TokenCount]: ...
