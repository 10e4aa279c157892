"""The gateway: timeouts, retries, schema validation, usage and fallback, in one place.

Every model call in llmverse goes through `Gateway`; backends stay small and know nothing of policy.
"""

from __future__ import annotations

import json
import logging
import queue
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

import jsonschema
from pydantic import BaseModel, ValidationError

from llmverse.errors import BackendUnavailable
from llmverse.llm.base import Backend, Cancelled, Completion, Deadline, Message, TokenCount, Usage

log = logging.getLogger(__name__)
_DONE = object()
# Programming errors are not a backend being down: they raise, they never turn into a fallback.
_BUGS = (TypeError, AttributeError, NameError, AssertionError)
M = TypeVar("M", bound=BaseModel)
# Said once with every call that failed for good (issue 16: a newcomer saw four lines a turn, none
# saying what to do). Retries are logged at debug level; callers do not log the failure again.
ADVICE = ("check that the model runs and answers within LLMVERSE_TIMEOUT seconds "
          "(`llmverse models` lists the others; --model scripted needs none)")


@dataclass
class GatewayConfig:
    # Seconds allowed before the first piece of output, for all attempts together (a silent backend's
    # fallback comes after `timeout`, not after every retry's), and between two pieces.
    timeout: float = 30.0
    retries: int = 2  # extra attempts after a failure, with exponential backoff, inside the deadline
    backoff: float = 0.5  # seconds before the first retry; doubles each time
    total: float | None = None  # seconds for the whole call, retries included; None: 4 x timeout
    # The circuit breaker: after this many calls in a row failed (each after its retries), calls fail
    # at once (their fallback answers) for `breaker_cooldown` seconds; then one probe call goes
    # through, and its success closes the circuit again. 0 (the default) turns the breaker off; the
    # server turns it on (many players share one backend there).
    breaker_failures: int = 0
    breaker_cooldown: float = 30.0


def _never() -> bool:
    return False


class Gateway:
    def __init__(self, backend: Backend, config: GatewayConfig | None = None) -> None:
        self.backend = backend
        self.config = config or GatewayConfig()
        self.history: list[Usage] = []  # usage of every call, in order
        # Asked during every wait: True once whoever made the call no longer wants it (the server
        # sets it to its request's cancellation); the call then ends with `Cancelled`.
        self.cancelled: Callable[[], bool] = _never
        self._failed = 0  # calls in a row that failed
        self._open_until = 0.0  # monotonic time the circuit stays open until (0: closed)
        self._probe = 0.0  # when a probe call set out (half-open; 0: none on its way)
        self._breaker = threading.Lock()

    # --- the circuit breaker ------------------------------------------------------------------------
    def _admit(self) -> None:
        """Raise BackendUnavailable at once while the circuit is open; past the cool-down, let one
        probe call through (the others still fail fast until it ends)."""
        if self.config.breaker_failures <= 0:
            return
        with self._breaker:
            if not self._open_until:
                return
            now = time.monotonic()
            # A probe not heard of within a call's whole deadline was abandoned (its caller stopped
            # reading): the next call probes instead.
            abandoned = self._probe and now - self._probe > self.deadline().total + 1.0
            if now >= self._open_until and (not self._probe or abandoned):
                self._probe = now
                return
            wait = max(0.0, self._open_until - now)
        raise BackendUnavailable(f"{self.backend.name}: {self._failed} calls in a row failed; not calling it "
                                 f"for {wait:.0f}s more (circuit open)")

    def _outcome(self, ok: bool) -> None:
        if self.config.breaker_failures <= 0:
            return
        with self._breaker:
            probe, self._probe = bool(self._probe), 0.0
            if ok:
                if self._open_until:
                    log.warning("%s answers again: circuit closed", self.backend.name)
                self._failed, self._open_until = 0, 0.0
                return
            self._failed += 1
            if probe or self._failed >= self.config.breaker_failures:
                if not self._open_until or probe:
                    log.error("%s failed %d calls in a row: circuit open for %gs", self.backend.name,
                              self._failed, self.config.breaker_cooldown)
                self._open_until = time.monotonic() + self.config.breaker_cooldown

    def _why(self, exc: Exception | None) -> str:
        """An error's text without the backend's name in front (the log line names it already)."""
        text = str(exc)
        return text[len(self.backend.name) + 2:] if text.startswith(self.backend.name + ": ") else text

    def deadline(self) -> Deadline:
        """The limits of one call starting now."""
        total = self.config.total if self.config.total is not None else 4 * self.config.timeout
        return Deadline(gap=self.config.timeout, total=max(total, self.config.timeout), cancelled=self.cancelled)

    def _time_for_retry(self, attempt: int, deadline: Deadline, started: bool = False) -> bool:
        """Whether the deadline leaves time for the backoff before `attempt` and a little more."""
        return deadline.wait(started) > self.config.backoff * 2 ** (attempt - 1) + 0.05

    def _pause(self, attempt: int, deadline: Deadline) -> bool:
        """Back off before a retry; False when the caller gave up meanwhile."""
        end = time.monotonic() + self.config.backoff * 2 ** (attempt - 1)
        while (left := end - time.monotonic()) > 0:
            if deadline.cancelled():
                return False
            time.sleep(min(left, 0.1))
        return True

    def stream(self, messages: list[Message], *, max_tokens: int = 256, usage: Usage | None = None) -> Iterator[str]:
        """Stream text. A failure before the first piece is retried with backoff (nothing was shown
        yet) while the first-piece deadline allows; after it, or when every attempt failed,
        BackendUnavailable is raised to the caller, whose fallback then speaks. The failure is logged
        here, once (the retries at debug level): the caller need not log it again."""
        try:
            self._admit()
        except BackendUnavailable as exc:
            log.warning("%s; the caller's fallback answers", exc)
            raise
        deadline = self.deadline()
        for attempt in range(self.config.retries + 1):
            attempt_usage = Usage()
            started = False
            try:
                for piece in self._timed(messages, max_tokens, None, attempt_usage, deadline):
                    started = True
                    yield piece
                self._outcome(True)
                return
            except Cancelled:
                with self._breaker:
                    self._probe = 0.0  # a cancelled probe proves nothing: the next call probes
                raise
            except BackendUnavailable as exc:
                if started or attempt == self.config.retries or not self._time_for_retry(attempt + 1, deadline):
                    log.error("stream from %s failed%s: %s; %s", self.backend.name,
                              " mid-reply" if started else f" after {attempt + 1} attempt(s)", self._why(exc), ADVICE)
                    self._outcome(False)
                    raise
                log.debug("stream from %s failed (attempt %d), retrying: %s", self.backend.name,
                          attempt + 1, exc)
            finally:
                if usage is not None:
                    usage.__dict__.update(attempt_usage.__dict__)
            if not self._pause(attempt + 1, deadline):
                raise Cancelled(f"{self.backend.name}: the call was cancelled")

    def complete(
        self,
        messages: list[Message],
        *,
        max_tokens: int = 256,
        schema: dict[str, Any] | None = None,
        fallback: str | None = None,
    ) -> Completion:
        """Whole text (or schema-valid JSON text), retried inside the deadline; `fallback` answers
        when every attempt failed (not when the call was cancelled: that raises `Cancelled`)."""
        last_error: Exception | None = None
        try:
            self._admit()
        except BackendUnavailable as exc:  # the circuit is open: one line for this call too
            if fallback is None:
                log.warning("%s", exc)
                raise
            log.warning("%s, answering with fallback", exc)
            return Completion(text=fallback, fallback=True)
        deadline = self.deadline()
        answered = False  # an attempt gave a whole reply: the next gets a fresh first-piece window
        tried = 0
        for attempt in range(self.config.retries + 1):
            if attempt:
                if not self._time_for_retry(attempt, deadline, answered):
                    log.debug("model call to %s: no time left for attempt %d", self.backend.name, attempt + 1)
                    break
                if not self._pause(attempt, deadline):
                    raise Cancelled(f"{self.backend.name}: the call was cancelled")
            if answered:
                deadline = deadline.renewed()
            usage = Usage()
            tried += 1
            try:
                text = "".join(self._timed(messages, max_tokens, schema, usage, deadline))
                answered = True
                if schema is not None:
                    # strict=False: a raw newline inside a JSON string (small models write them;
                    # llama.cpp's grammar lets them through) is not worth a retry.
                    jsonschema.validate(json.loads(text, strict=False), schema)
                self._outcome(True)
                return Completion(text=text, usage=usage)
            except Cancelled:
                with self._breaker:
                    self._probe = 0.0
                raise
            except (BackendUnavailable, json.JSONDecodeError, jsonschema.ValidationError) as exc:
                last_error = exc
                log.debug("model call to %s failed (attempt %d): %s", self.backend.name, attempt + 1, exc)
        # A backend that answered, only not in the schema, is up: the breaker counts outages only.
        self._outcome(answered)
        # One line for the whole call; advice only for an outage (a reply off the schema is the model's doing).
        why = f"after {tried} attempt(s): {self._why(last_error)}" + ("" if answered else f"; {ADVICE}")
        if fallback is not None:
            log.error("model call to %s failed %s (answered with the fallback)", self.backend.name, why)
            return Completion(text=fallback, fallback=True)
        log.error("model call to %s failed %s", self.backend.name, why)
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
        self, messages: list[Message], max_tokens: int, schema: dict | None, usage: Usage, deadline: Deadline
    ) -> Iterator[str]:
        """Pieces of one attempt, with usage: the backend's token counts, else one per piece."""
        start = time.perf_counter()
        counted: TokenCount | None = None
        try:
            for piece in self._pieces(messages, max_tokens, schema, deadline):
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

    def _pieces(self, messages: list[Message], max_tokens: int, schema: dict | None,
                deadline: Deadline) -> Iterator[str | TokenCount]:
        deadline.check(False, self.backend.name)
        if getattr(self.backend, "takes_deadline", False):
            return self._direct(messages, max_tokens, schema, deadline, own=True)
        if getattr(self.backend, "enforces_timeout", False):
            return self._direct(messages, max_tokens, schema, deadline, own=False)
        return self._watched(messages, max_tokens, schema, deadline)

    def _direct(self, messages: list[Message], max_tokens: int, schema: dict | None, deadline: Deadline,
                own: bool) -> Iterator[str | TokenCount]:
        """The backend keeps its own time: read it in this thread, at full speed. One that takes the
        deadline stops at it (and at cancellation) even mid-wait; for the others the gap is their
        timeout and the rest is checked here, between pieces."""
        started = False
        extra: dict[str, Any] = {"deadline": deadline} if own else {}
        try:
            for piece in self.backend.stream(messages, max_tokens=max_tokens, schema=schema,
                                             timeout=deadline.gap, **extra):
                if not own:
                    deadline.check(started, self.backend.name)
                started = started or not isinstance(piece, TokenCount)
                yield piece
        except (BackendUnavailable, *_BUGS):
            raise
        except Exception as exc:  # a backend's own error, mapped at the boundary
            raise BackendUnavailable(f"{self.backend.name}: {exc}") from exc

    def _watched(self, messages: list[Message], max_tokens: int, schema: dict | None,
                 deadline: Deadline) -> Iterator[str | TokenCount]:
        """Run the backend in a thread so a hung backend cannot hang the caller past the deadline.

        When the caller stops early (deadline, cancellation, error, break) the worker stops at its
        next piece, so a retry never drives the same backend from two threads at once.
        """
        q: queue.Queue = queue.Queue()
        stop = threading.Event()

        def work() -> None:
            try:
                for piece in self.backend.stream(messages, max_tokens=max_tokens, schema=schema,
                                                 timeout=deadline.gap):
                    if stop.is_set():
                        return
                    q.put(piece)
                q.put(_DONE)
            except Exception as exc:  # handed to the consumer, mapped there (bugs re-raised as they are)
                q.put(exc)

        threading.Thread(target=work, daemon=True).start()
        started = False
        try:
            while True:
                deadline.check(started, self.backend.name)
                try:  # wake at least every 0.1 s to notice a cancellation
                    item = q.get(timeout=min(0.1, max(0.001, deadline.wait(started))))
                except queue.Empty:
                    continue
                if item is _DONE:
                    return
                if isinstance(item, _BUGS):
                    raise item
                if isinstance(item, Exception):
                    raise BackendUnavailable(f"{self.backend.name}: {item}") from item
                started = started or not isinstance(item, TokenCount)
                yield item
        finally:
            stop.set()
