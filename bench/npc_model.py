"""The NPC voice models side by side in one run: first-token time and tokens/s on a character's real
prompt (the grounded voice's system prompt and facts), runs interleaved so machine noise hits both,
and the size of what each needs on disk.

    .venv/bin/python bench/npc_model.py [--models smollm2-135m,gemma3-npc] [--threads 1] [--runs 6]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from llmverse.characters.character import Character
from llmverse.llm.base import Message, TokenCount
from llmverse.llm.gateway import Gateway
from llmverse.llm.llamacpp import LlamaCppBackend
from llmverse.llm.registry import bundled_path
from llmverse.llm.scripted import ScriptedBackend
from llmverse.world.world import open_world

QUESTIONS = [("bram", "How much is the fishing hook?"), ("mara", "博物馆几点开门？"),
             ("nell", "What does a room cost?"), ("lin", "图书馆在哪里？")]


def prompts() -> list[list[Message]]:
    """The messages real characters send their model for a few questions (captured, not rebuilt)."""
    backend = ScriptedBackend(default="Hm.")
    with tempfile.TemporaryDirectory() as tmp:
        world = open_world(None, f"sqlite:///{Path(tmp) / 'b.db'}")
        for cid, q in QUESTIONS:
            Character(world, cid, Gateway(backend), embedder=None).reply("visitor", q)
        world.store.engine.dispose()
    return [list(c) for c in backend.calls]


def timed(backend: LlamaCppBackend, messages: list[Message]) -> tuple[float, float, int]:
    start, first, tokens = time.perf_counter(), None, 0
    for piece in backend.stream(messages, max_tokens=48):
        if isinstance(piece, TokenCount):
            tokens = piece.completion_tokens
        elif first is None:
            first = time.perf_counter() - start
    return first or 0.0, time.perf_counter() - start, tokens


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--models", default="smollm2-135m,gemma3-npc")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--runs", type=int, default=6)
    args = ap.parse_args()
    names = args.models.split(",")
    msgs = prompts()
    backends = {n: LlamaCppBackend(n, threads=args.threads, prefix_cache_mb=0) for n in names}
    first: dict[str, list[float]] = {n: [] for n in names}
    rate: dict[str, list[float]] = {n: [] for n in names}
    for r in range(args.runs):
        for n in names if r % 2 == 0 else reversed(names):  # interleaved, order alternating
            m = msgs[r % len(msgs)]
            f, total, tokens = timed(backends[n], m)
            first[n].append(f)
            if tokens > 1 and total > f:
                rate[n].append((tokens - 1) / (total - f))
    t = Table(title=f"NPC voice models, {args.threads} thread(s), {args.runs} prompts each (interleaved)")
    for col in ("model", "first token p50 s", "tokens/s p50", "GGUF MB", "ships in the package"):
        t.add_column(col, justify="right")
    for n in names:
        ships = "-"
        if n == "gemma3-npc":
            from llmverse.llm.tuned import adapter_dir

            ships = f"{(adapter_dir(n) / 'adapter.npz').stat().st_size / 1e6:.1f} MB adapter"
        t.add_row(n, f"{statistics.median(first[n]):.2f}", f"{statistics.median(rate[n]):.1f}" if rate[n] else "-",
                  f"{bundled_path(n).stat().st_size / 1e6:.0f}", ships)
    Console().print(t)


if __name__ == "__main__":
    main()
