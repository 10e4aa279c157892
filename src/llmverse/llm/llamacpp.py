"""Local GGUF models through llama.cpp; JSON schema enforced by its grammar."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from llmverse.llm.base import Message
from llmverse.llm.registry import BUNDLED, bundled_path


class LlamaCppBackend:
    def __init__(self, model: str, *, threads: int | None = None, n_ctx: int = 2048, seed: int = 0) -> None:
        from llama_cpp import Llama  # heavy optional dependency, imported where used

        path = bundled_path(model) if model in BUNDLED else Path(model)
        self.name = f"llamacpp:{model}"
        # The prompt cache keeps the KV state of the longest shared prefix (a persona's system
        # prompt), so a second reply to the same character does not re-read it.
        self.llm = Llama(
            model_path=str(path), n_ctx=n_ctx, n_threads=threads or os.cpu_count() or 1,
            seed=seed, verbose=False,
        )

    def stream(
        self, messages: list[Message], *, max_tokens: int = 256, schema: dict[str, Any] | None = None
    ) -> Iterator[str]:
        fmt = {"type": "json_object", "schema": schema} if schema is not None else None
        chunks = self.llm.create_chat_completion(
            messages=[{"role": m.role, "content": m.content} for m in messages],
            max_tokens=max_tokens, stream=True, response_format=fmt, temperature=0.2,
        )
        for chunk in chunks:
            piece = chunk["choices"][0]["delta"].get("content")
            if piece:
                yield piece
