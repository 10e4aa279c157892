"""Local GGUF models through llama.cpp; JSON schema enforced by its grammar."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from llmverse.errors import BackendUnavailable
from llmverse.llm.base import Cancelled, Deadline, Message, TokenCount
from llmverse.llm.registry import BUNDLED, bundled_path
from llmverse.llm.transformers_backend import STOP as CHAT_STOP


MAX_CACHED_VOCAB = 65_536  # above this, no RAM prefix cache (see __init__)


class LlamaCppBackend:
    """One llama.cpp model in this process.

    Two things make a small model quick to answer on a CPU:
    - prefix reuse: llama.cpp keeps the KV state of the prompt it evaluated last, and a RAM cache
      (`prefix_cache_mb`) keeps the states of earlier prompts, so a character's second reply does not
      re-read its persona even when another character spoke in between;
    - the deadline is kept here, between tokens, so the gateway can read this backend in the
      caller's thread instead of a watcher thread that would take a core away from llama.cpp. A late
      or cancelled call ends by leaving the stream's loop and closing it; never by an exception
      raised inside a logits processor, which runs inside a ctypes callback where the exception is
      printed and swallowed and the generation goes on.
    """

    enforces_timeout = True
    takes_deadline = True

    def __init__(
        self,
        model: str,
        *,
        threads: int | None = None,
        n_ctx: int = 2048,
        seed: int = 0,
        temperature: float = 0.2,
        repeat_penalty: float = 1.1,  # SmolLM2 loops ("I'm not sure. I'm not sure.") without it
        prefix_cache_mb: int = 512,
    ) -> None:
        path = bundled_path(model) if model in BUNDLED else Path(model)
        if not path.is_file():
            raise BackendUnavailable(f"no GGUF model at {path}: give an existing .gguf file, a bundled model name "
                                     "(`llmverse models` lists them) or an http(s):// URL")
        if not _is_gguf(path):
            raise BackendUnavailable(f"{path} is not a GGUF model file (it does not start with 'GGUF'); "
                                     "give a .gguf file, a bundled model name or an http(s):// URL")
        from llama_cpp import Llama, LlamaRAMCache  # heavy optional dependency, imported where used

        self.name = f"llamacpp:{model if model in BUNDLED else path.name}"
        # A GGUF given by path is trusted with both languages; bundled models say what they can do.
        self.languages = BUNDLED[model].chat_languages if model in BUNDLED else frozenset({"en", "zh"})
        self.temperature, self.repeat_penalty = temperature, repeat_penalty
        try:
            self.llm = Llama(
                model_path=str(path), n_ctx=n_ctx, n_threads=threads or os.cpu_count() or 1,
                seed=seed, verbose=False,
            )
        except (ValueError, RuntimeError, OSError) as exc:  # llama.cpp could not load it
            raise BackendUnavailable(f"llama.cpp could not load {path}: {exc}") from exc
        # The RAM cache counts a saved state's KV bytes but not the logits saved with it (tokens x
        # vocabulary floats, uncounted): with Gemma's 262,144-word vocabulary each state is ~0.4 GB
        # unseen, and an evaluation run grew to 24 GB. Large vocabularies keep llama.cpp's own reuse
        # of the last prompt only.
        if prefix_cache_mb > 0 and self.llm.n_vocab() <= MAX_CACHED_VOCAB:
            self.llm.set_cache(LlamaRAMCache(capacity_bytes=prefix_cache_mb << 20))

    def stream(
        self,
        messages: list[Message],
        *,
        max_tokens: int = 256,
        schema: dict[str, Any] | None = None,
        timeout: float = 30.0,
        deadline: Deadline | None = None,
    ) -> Iterator[str | TokenCount]:
        from llama_cpp import LogitsProcessorList

        fmt = {"type": "json_object", "schema": schema} if schema is not None else None
        clock = _TokenClock(deadline or Deadline(gap=timeout, total=float("inf")))
        # The stream is a Python generator: llama.cpp decodes the next token only when it is pulled,
        # so stopping is leaving this loop and closing it (no exception ever crosses llama.cpp).
        chunks = self.llm.create_chat_completion(
            messages=[{"role": m.role, "content": m.content} for m in messages],
            max_tokens=max_tokens, stream=True, response_format=fmt, temperature=self.temperature,
            repeat_penalty=self.repeat_penalty, stop=list(CHAT_STOP),  # the end marks of models `train sft` made
            logits_processor=LogitsProcessorList([clock]),
        )
        try:
            for chunk in chunks:
                if clock.stop() is not None:
                    break
                piece = chunk["choices"][0]["delta"].get("content")
                if piece:
                    yield piece
        finally:
            chunks.close()
        if clock.why is not None:
            raise (Cancelled if clock.cancelled else BackendUnavailable)(f"{self.name}: {clock.why}")
        yield TokenCount(prompt_tokens=clock.prompt_tokens, completion_tokens=clock.tokens)


def _is_gguf(path: Path) -> bool:
    try:
        with path.open("rb") as f:
            return f.read(4) == b"GGUF"
    except OSError:
        return False


class _TokenClock:
    """Keeps one call's deadline. llama.cpp calls it once per token, before sampling, as a logits
    processor that changes nothing: it counts tokens (its first call sees the whole prompt) and notes
    a gap longer than allowed. It never raises: a logits processor runs inside a ctypes callback,
    where an exception is printed ("Exception ignored on calling ctypes callback") and swallowed
    while the generation goes on. The stream's loop asks `stop()` between pieces and, when it says
    why, leaves the loop and closes the generator, which ends the generation."""

    def __init__(self, deadline: Deadline) -> None:
        self.deadline = deadline
        self.prompt_tokens = self.tokens = 0
        self.why: str | None = None
        self.cancelled = False
        self.last = time.monotonic()

    def __call__(self, input_ids: Any, scores: Any) -> Any:
        now = time.monotonic()
        if self.tokens == 0:
            self.prompt_tokens = len(input_ids)
        elif now - self.last > self.deadline.gap and self.why is None:
            self.why = f"no token within {self.deadline.gap:g}s"
        self.tokens += 1
        self.last = now
        return scores

    def stop(self) -> str | None:
        """Why the call must end now (None: go on): cancelled, a gap too long, or the time is out."""
        if self.why is None:
            started = self.tokens > 1
            if self.deadline.cancelled():
                self.why, self.cancelled = "the call was cancelled", True
            elif self.deadline.wait(started) <= 0:
                self.why = self.deadline.late(started)
        return self.why
