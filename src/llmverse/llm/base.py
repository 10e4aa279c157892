"""The Backend protocol and the values that cross it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

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


class Backend(Protocol):
    """A model: chat messages in, a stream of text pieces out (and, last, an optional TokenCount).

    `schema`, when given, is a JSON Schema the whole output must satisfy; backends enforce it
    natively where they can (grammar, response_format), and the gateway validates either way.

    `enforces_timeout`: True when the backend itself raises once `timeout` seconds pass without
    output (llama.cpp stopping criteria, HTTP read timeouts). The gateway then reads it in the
    caller's thread; otherwise it watches the backend from a worker thread, which costs a thread
    wake-up per piece.
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
