"""Local GGUF models through llama.cpp; JSON schema enforced by its grammar."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from llmverse.errors import BackendUnavailable
from llmverse.llm.base import Message, TokenCount
from llmverse.llm.registry import BUNDLED, bundled_path
from llmverse.llm.transformers_backend import STOP as CHAT_STOP


class LlamaCppBackend:
    """One llama.cpp model in this process.

    Two things make a small model quick to answer on a CPU:
    - prefix reuse: llama.cpp keeps the KV state of the prompt it evaluated last, and a RAM cache
      (`prefix_cache_mb`) keeps the states of earlier prompts, so a character's second reply does not
      re-read its persona even when another character spoke in between;
    - the timeout is enforced here, per token, so the gateway can read this backend in the caller's
      thread instead of a watcher thread that would take a core away from llama.cpp.
    """

    enforces_timeout = True

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
        from llama_cpp import Llama, LlamaRAMCache  # heavy optional dependency, imported where used

        path = bundled_path(model) if model in BUNDLED else Path(model)
        if not path.is_file():
            raise BackendUnavailable(f"no GGUF model at {path}")
        self.name = f"llamacpp:{model if model in BUNDLED else path.name}"
        # A GGUF given by path is trusted with both languages; bundled models say what they can do.
        self.languages = BUNDLED[model].chat_languages if model in BUNDLED else frozenset({"en", "zh"})
        self.temperature, self.repeat_penalty = temperature, repeat_penalty
        self.llm = Llama(
            model_path=str(path), n_ctx=n_ctx, n_threads=threads or os.cpu_count() or 1,
            seed=seed, verbose=False,
        )
        if prefix_cache_mb > 0:
            self.llm.set_cache(LlamaRAMCache(capacity_bytes=prefix_cache_mb << 20))

    def stream(
        self,
        messages: list[Message],
        *,
        max_tokens: int = 256,
        schema: dict[str, Any] | None = None,
        timeout: float = 30.0,
    ) -> Iterator[str | TokenCount]:
        from llama_cpp import LogitsProcessorList

        fmt = {"type": "json_object", "schema": schema} if schema is not None else None
        clock = _TokenClock(timeout)
        chunks = self.llm.create_chat_completion(
            messages=[{"role": m.role, "content": m.content} for m in messages],
            max_tokens=max_tokens, stream=True, response_format=fmt, temperature=self.temperature,
            repeat_penalty=self.repeat_penalty, stop=list(CHAT_STOP),  # the end marks of models `train sft` made
            logits_processor=LogitsProcessorList([clock]),
        )
        try:
            for chunk in chunks:
                piece = chunk["choices"][0]["delta"].get("content")
                if piece:
                    yield piece
        except _Late as exc:
            raise BackendUnavailable(f"{self.name}: {exc}") from None
        yield TokenCount(prompt_tokens=clock.prompt_tokens, completion_tokens=clock.tokens)


class _Late(Exception):
    pass


class _TokenClock:
    """A logits processor that changes nothing: llama.cpp calls it once per token, before sampling,
    so it counts tokens (its first call sees the whole prompt) and stops a generation that stalls."""

    def __init__(self, timeout: float) -> None:
        self.timeout, self.last = timeout, time.perf_counter()
        self.prompt_tokens = self.tokens = 0

    def __call__(self, input_ids: Any, scores: Any) -> Any:
        now = time.perf_counter()
        if self.tokens == 0:
            self.prompt_tokens = len(input_ids)
        if now - self.last > self.timeout:
            raise _Late(f"no token within {self.timeout}s")
        self.tokens += 1
        self.last = now
        return scores
