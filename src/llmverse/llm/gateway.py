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
from typing import Any, TypeVar

import jsonschema
from pydantic import BaseModel, ValidationError

from llmverse.errors import BackendUnavailable
from llmverse.llm.base import Backend, Completion, Message, TokenCount, Usage

log = logging.getLogger(__name__)
_DONE = object()
# Programming errors are not a backend being down: they raise, they never turn into a fallback.
_BUGS = (TypeError, AttributeError, NameError, AssertionError)
M = TypeVar("M", bound=BaseModel)


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

    def stream(self, messages: list[Message], *, max_tokens: int = 256, usage: Usage | None = None) -> Iterator[str]:
        """Stream text. A failure before the first piece is retried with backoff (nothing was shown
        yet); after it, or when every attempt failed, BackendUnavailable is raised to the caller,
        whose fallback then speaks."""
        for attempt in range(self.config.retries + 1):
            if attempt:
                time.sleep(self.config.backoff * 2 ** (attempt - 1))
            attempt_usage = Usage()
            started = False
            try:
                for piece in self._timed(messages, max_tokens, None, attempt_usage):
                    started = True
                    yield piece
                break
            except BackendUnavailable as exc:
                if started or attempt == self.config.retries:
                    log.error("stream from %s failed%s: %s", self.backend.name,
                              " mid-reply" if started else f" after {attempt + 1} attempts", exc)
                    raise
                log.warning("stream from %s failed (attempt %d), retrying: %s", self.backend.name,
                            attempt + 1, exc)
            finally:
                if usage is not None:
                    usage.__dict__.update(attempt_usage.__dict__)

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
                    # strict=False: a raw newline inside a JSON string (small models write them;
                    # llama.cpp's grammar lets them through) is not worth a retry.
                    jsonschema.validate(json.loads(text, strict=False), schema)
                return Completion(text=text, usage=usage)
            except (BackendUnavailable, json.JSONDecodeError, jsonschema.ValidationError) as exc:
                last_error = exc
                log.warning("model call to %s failed (attempt %d): %s", self.backend.name, attempt + 1, exc)
        if fallback is not None:
            log.error("model call to %s gave up, answering with fallback: %s", self.backend.name, last_error)
            return Completion(text=fallback, fallback=True)
        raise BackendUnavailable(f"{self.backend.name}: {last_error}") from last_error

    def decide(self, messages: list[Message], model: type[M], *, fallback: M, max_tokens: int = 128) -> M:
        """A decision as a pydantic object: the model's JSON schema constrains the output."""
        out = self.complete(messages, max_tokens=max_tokens, schema=model.model_json_schema(),
                            fallback=fallback.model_dump_json())
        try:
            return model.model_validate(json.loads(out.text, strict=False))
        except (ValidationError, json.JSONDecodeError):  # jsonschema accepted what pydantic refuses (e.g. a custom validator)
            log.error("decision failed validation, using fallback: %s", out.text[:200])
            return fallback

    def _timed(
        self, messages: list[Message], max_tokens: int, schema: dict | None, usage: Usage
    ) -> Iterator[str]:
        """Pieces of one attempt, with usage: the backend's token counts, else one per piece."""
        start = time.perf_counter()
        counted: TokenCount | None = None
        try:
            for piece in self._pieces(messages, max_tokens, schema):
                if isinstance(piece, TokenCount):
                    counted = piece
                    continue
                if usage.time_to_first_token is None:
                    usage.time_to_first_token = time.perf_counter() - start
                usage.completion_tokens += 1
                yield piece
        finally:
            usage.total_time = time.perf_counter() - start
            if counted is not None:
                usage.prompt_tokens, usage.completion_tokens = counted.prompt_tokens, counted.completion_tokens
            else:
                usage.prompt_tokens = sum(len(m.content.split()) for m in messages)
            self.history.append(usage)

    def _pieces(self, messages: list[Message], max_tokens: int, schema: dict | None) -> Iterator[str | TokenCount]:
        if getattr(self.backend, "enforces_timeout", False):
            return self._direct(messages, max_tokens, schema)
        return self._watched(messages, max_tokens, schema)

    def _direct(self, messages: list[Message], max_tokens: int, schema: dict | None) -> Iterator[str | TokenCount]:
        """The backend keeps its own deadline: read it in this thread, at full speed."""
        try:
            yield from self.backend.stream(messages, max_tokens=max_tokens, schema=schema,
                                           timeout=self.config.timeout)
        except (BackendUnavailable, *_BUGS):
            raise
        except Exception as exc:  # a backend's own error, mapped at the boundary
            raise BackendUnavailable(f"{self.backend.name}: {exc}") from exc

    def _watched(self, messages: list[Message], max_tokens: int, schema: dict | None) -> Iterator[str | TokenCount]:
        """Run the backend in a thread so a hung backend cannot hang the caller past the timeout.

        When the caller stops early (timeout, error, break) the worker stops at its next piece, so a
        retry never drives the same backend from two threads at once.
        """
        q: queue.Queue = queue.Queue()
        stop = threading.Event()
        timeout = self.config.timeout

        def work() -> None:
            try:
                for piece in self.backend.stream(messages, max_tokens=max_tokens, schema=schema,
                                                 timeout=timeout):
                    if stop.is_set():
                        return
                    q.put(piece)
                q.put(_DONE)
            except Exception as exc:  # handed to the consumer, mapped there (bugs re-raised as they are)
                q.put(exc)

        threading.Thread(target=work, daemon=True).start()
        try:
            while True:
                try:
                    item = q.get(timeout=timeout)
                except queue.Empty as exc:
                    raise BackendUnavailable(f"{self.backend.name}: no output within {timeout}s") from exc
                if item is _DONE:
                    return
                if isinstance(item, _BUGS):
                    raise item
                if isinstance(item, Exception):
                    raise BackendUnavailable(f"{self.backend.name}: {item}") from item
                yield item
        finally:
            stop.set()
