"""The gateway: timeouts, retries, schema validation, usage and fallback, in one place.

Every model call in llmverse goes through `Gateway`; backends stay small and know nothing of policy.
"""

from __future__ import annotations

import json
import logging
import queue
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import jsonschema

from llmverse.errors import BackendUnavailable
from llmverse.llm.base import Backend, Completion, Message, Usage

log = logging.getLogger(__name__)
_DONE = object()


@dataclass
class GatewayConfig:
    timeout: float = 30.0  # seconds allowed between two pieces of output (and before the first)
    retries: int = 2  # extra attempts after a failure, with exponential backoff
    backoff: float = 0.5  # seconds before the first retry; doubles each time


class Gateway:
    def __init__(self, backend: Backend, config: GatewayConfig | None = None) -> None:
        self.backend = backend
        self.config = config or GatewayConfig()
        self.history: list[Usage] = []  # usage of every call, in order

    def _pieces(self, messages: list[Message], max_tokens: int, schema: dict | None) -> Iterator[str]:
        """Run the backend in a thread so a hung backend cannot hang the caller past the timeout.

        When the caller stops early (timeout, error, break) the worker stops at its next piece, so a
        retry never drives the same backend from two threads at once.
        """
        q: queue.Queue = queue.Queue()
        stop = threading.Event()

        def work() -> None:
            try:
                for piece in self.backend.stream(messages, max_tokens=max_tokens, schema=schema):
                    if stop.is_set():
                        return
                    q.put(piece)
                q.put(_DONE)
            except Exception as exc:  # handed to the consumer, mapped there
                q.put(exc)

        threading.Thread(target=work, daemon=True).start()
        try:
            while True:
                try:
                    item = q.get(timeout=self.config.timeout)
                except queue.Empty as exc:
                    raise BackendUnavailable(
                        f"{self.backend.name}: no output within {self.config.timeout}s"
                    ) from exc
                if item is _DONE:
                    return
                if isinstance(item, Exception):
                    raise BackendUnavailable(f"{self.backend.name}: {item}") from item
                yield item
        finally:
            stop.set()

    def stream(self, messages: list[Message], *, max_tokens: int = 256, usage: Usage | None = None) -> Iterator[str]:
        """Stream text; raises BackendUnavailable on failure (no retry once output has started)."""
        yield from self._timed(messages, max_tokens, None, usage if usage is not None else Usage())

    def complete(
        self,
        messages: list[Message],
        *,
        max_tokens: int = 256,
        schema: dict[str, Any] | None = None,
        fallback: str | None = None,
    ) -> Completion:
        """Whole text (or schema-valid JSON text), retried; `fallback` answers when every attempt failed."""
        last_error: Exception | None = None
        for attempt in range(self.config.retries + 1):
            if attempt:
                time.sleep(self.config.backoff * 2 ** (attempt - 1))
            usage = Usage()
            try:
                text = "".join(self._timed(messages, max_tokens, schema, usage))
                if schema is not None:
                    jsonschema.validate(json.loads(text), schema)
                return Completion(text=text, usage=usage)
            except (BackendUnavailable, json.JSONDecodeError, jsonschema.ValidationError) as exc:
                last_error = exc
                log.warning("model call failed (attempt %d): %s", attempt + 1, exc)
        if fallback is not None:
            log.error("model call gave up, answering with fallback: %s", last_error)
            return Completion(text=fallback, fallback=True)
        raise BackendUnavailable(str(last_error)) from last_error

    def _timed(
        self, messages: list[Message], max_tokens: int, schema: dict | None, usage: Usage
    ) -> Iterator[str]:
        """Pieces of one attempt, with usage (word counts as tokens until backends report theirs)."""
        start = time.perf_counter()
        usage.prompt_tokens = sum(len(m.content.split()) for m in messages)
        try:
            for piece in self._pieces(messages, max_tokens, schema):
                if usage.time_to_first_token is None:
                    usage.time_to_first_token = time.perf_counter() - start
                usage.completion_tokens += 1
                yield piece
        finally:
            usage.total_time = time.perf_counter() - start
            self.history.append(usage)
