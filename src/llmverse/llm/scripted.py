"""A real Backend whose replies follow rules written in code: deterministic tests and runs with no model."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from llmverse.llm.base import Message

Reply = str | Callable[[list[Message]], str]


@dataclass
class ScriptedBackend:
    """Replies by the first rule whose regex matches the last user message; else `default`."""

    rules: list[tuple[str, Reply]] = field(default_factory=list)
    default: Reply = "..."
    name: str = "scripted"
    enforces_timeout: bool = False  # rules may be slow callables; let the gateway watch them
    languages: frozenset[str] = frozenset({"en", "zh"})  # what its rules write
    calls: list[list[Message]] = field(default_factory=list)

    def stream(
        self,
        messages: list[Message],
        *,
        max_tokens: int = 256,
        schema: dict[str, Any] | None = None,
        timeout: float = 30.0,
    ) -> Iterator[str]:
        self.calls.append(list(messages))
        last = next((m.content for m in reversed(messages) if m.role == "user"), "")
        reply = next((r for pattern, r in self.rules if re.search(pattern, last, re.I)), self.default)
        text = reply(messages) if callable(reply) else reply
        # Yield word by word so streaming consumers see more than one piece.
        yield from re.findall(r"\S+\s*|\s+", text)
