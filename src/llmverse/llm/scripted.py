"""A real Backend whose replies follow rules written in code: deterministic tests and runs with no model."""

from __future__ import annotations

import json
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
    # When a schema is asked for and no rule matched: answer with the simplest valid instance
    # (the first option of every choice), so runs with no model still make decisions.
    json_default: bool = False
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
        reply = next((r for pattern, r in self.rules if re.search(pattern, last, re.I)), None)
        if reply is None and schema is not None and self.json_default:
            yield json.dumps(minimal_instance(schema))
            return
        reply = self.default if reply is None else reply
        text = reply(messages) if callable(reply) else reply
        # Yield word by word so streaming consumers see more than one piece.
        yield from re.findall(r"\S+\s*|\s+", text)


def minimal_instance(schema: dict[str, Any]) -> Any:
    """The simplest value a (pydantic-made) JSON schema accepts: first enum value, minimum, empty."""
    if "enum" in schema:
        return schema["enum"][0]
    if "const" in schema:
        return schema["const"]
    for key in ("anyOf", "oneOf"):
        if key in schema:
            return minimal_instance(schema[key][0])
    kind = schema.get("type")
    if kind == "object":
        props = schema.get("properties", {})
        return {k: minimal_instance(props[k]) for k in schema.get("required", []) if k in props}
    if kind == "array":
        return [minimal_instance(schema["items"]) for _ in range(schema.get("minItems", 0))]
    if kind in ("integer", "number"):
        return schema.get("minimum", schema.get("exclusiveMinimum", -1) + 1)
    if kind == "boolean":
        return False
    if kind == "null":
        return None
    return "x" * schema.get("minLength", 0)
