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


@dataclass
class Completion:
    text: str
    usage: Usage = field(default_factory=Usage)
    fallback: bool = False  # True when the gateway answered with the caller's fallback


class Backend(Protocol):
    """A model: chat messages in, a stream of text pieces out.

    `schema`, when given, is a JSON Schema the whole output must satisfy; backends enforce it
    natively where they can (grammar, response_format), and the gateway validates either way.
    """

    name: str

    def stream(
        self, messages: list[Message], *, max_tokens: int = 256, schema: dict[str, Any] | None = None
    ) -> Iterator[str]: ...
