"""What the input rail adds to one exchange: rules alone, rules + head, the head with the text's vector
already cached, and what it adds to a character's reply, where the voice retrieves with the same line.

    HF_HUB_OFFLINE=1 OMP_NUM_THREADS=1 .venv/bin/python bench/safety_latency.py [--runs 2]

Messages: the bundled safety set (`evals/safety.jsonl`, both splits) and ordinary chat with a character
(`safety/data/world_chat.txt`); no held-out corpus. The load average is printed beside the figures:
on 2 shared cores a busy neighbour doubles the embedder's time.

"Added to the exchange" counts honestly: each line is sent to Bram (Harbor Town, scripted model) after
the rail checked it with a cold cache, and the embedder records which texts the voice asks for. When
the voice embeds the same line (a question it retrieves facts for), the rail only moved that embedding
earlier and adds its rules, n-grams and head (the cached figure for that line); when it does not (a
refusal, a greeting, small talk answered without retrieval), the rail's whole time is added.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from importlib.resources import files
from pathlib import Path

from rich.console import Console
from rich.table import Table

from llmverse.evals import safety as ev
from llmverse.safety import Policy, Rails, embed
from llmverse.safety.classify import SafetyClassifier
from llmverse.safety.head import packaged_path


def messages() -> tuple[list[str], list[str]]:
    """(harmless lines: the bundled set's benign items and ordinary chat with a character, attacks)."""
    chat = files("llmverse.safety").joinpath("data").joinpath("world_chat.txt").read_text("utf-8")
    lines = [s.strip() for s in chat.splitlines() if s.strip() and not s.startswith("#")]
    items = ev.load_items("all")
    return [i.text for i in items if i.kind == "benign"] + lines, [i.text for i in items if i.kind == "attack"]


def _ms(rails: Rails, text: str) -> float:
    t0 = time.perf_counter()
    rails.check_input("bench", text)
    return (time.perf_counter() - t0) * 1000


def added_to_exchange(rails: Rails, texts: list[str]) -> tuple[list[float], int]:
    """Per line, what the rail adds to Bram's reply; and how many lines the voice embedded itself."""
    from llmverse.characters.character import Character
    from llmverse.llm.gateway import Gateway, GatewayConfig
    from llmverse.llm.scripted import ScriptedBackend
    from llmverse.world.world import open_world

    world = open_world(database_url="sqlite://")
    shared = embed._shared()
    bram = Character(world, "bram", Gateway(ScriptedBackend(default="Anchors are twelve coins."), GatewayConfig(timeout=2)),
                     rails=rails)
    asked: list[str] = []
    real = shared.embed_queries

    def recording(batch):  # noqa: ANN001, ANN202 - the embedder's own signature
        asked.extend(batch)
        return real(batch)

    shared.embed_queries = recording
    out, shared_lines = [], 0
    try:
        for k, text in enumerate(texts):
            shared._cache["query"].clear()
            cold = _ms(rails, text)
            warm = _ms(rails, text)  # the same check with the vector cached: rules, n-grams, head
            asked.clear()
            bram.reply(f"bench{k}", text)  # the rail runs again inside (a cache hit), then the voice
            voice_used = asked.count(text) >= 2
            shared_lines += voice_used
            out.append(warm if voice_used else cold)
    finally:
        shared.embed_queries = real
    return out, shared_lines


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--head", type=Path, default=packaged_path())
    a = ap.parse_args()
    console = Console()
    harmless, attacks = messages()
    texts = harmless + attacks
    rules = Rails(Policy.for_level("teen"), classifier=SafetyClassifier(use_model=False))
    clf = SafetyClassifier(a.head)
    clf.warm()
    head = Rails(Policy.for_level("teen"), classifier=clf)
    table = Table(title=f"input rail, {len(texts)} messages, OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS')}")
    for col in ("configuration", "p50 ms", "p95 ms", "load average (1 min)"):
        table.add_column(col)

    def row(name: str, ms: list[float]) -> None:
        q = statistics.quantiles(ms, n=20)
        table.add_row(name, f"{statistics.median(ms):.1f}", f"{q[18]:.1f}", f"{os.getloadavg()[0]:.1f}")

    for _ in range(a.runs):
        embed._shared()._cache["query"].clear()  # cold: every text embedded now
        for name, rails in (("rules only", rules), ("rules + head, text not embedded before", head),
                            ("rules + head, vector already cached (voice or earlier check)", head)):
            row(name, [_ms(rails, t) for t in texts])
        for name, group in (("harmless lines", harmless), ("attacks", attacks)):
            added, shared = added_to_exchange(head, group)
            row(f"added to Bram's reply, {name} (the voice embedded {shared} of {len(group)} itself)", added)
    console.print(table)


if __name__ == "__main__":
    main()
