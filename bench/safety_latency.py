"""What the input rail adds to one exchange: rules alone, rules + head, and the head when the text's
vector is already in the shared embedder's cache (the voice's retrieval then costs nothing more).

    HF_HUB_OFFLINE=1 OMP_NUM_THREADS=1 .venv/bin/python bench/safety_latency.py [--runs 2]

Messages: the bundled safety set (`evals/safety.jsonl`, both splits) and ordinary chat with a character
(`safety/data/world_chat.txt`); no held-out corpus. The load average is printed beside the figures:
on 2 shared cores a busy neighbour doubles the embedder's time.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from importlib.resources import files

from rich.console import Console
from rich.table import Table

from llmverse.evals import safety as ev
from llmverse.safety import Policy, Rails, embed
from llmverse.safety.classify import SafetyClassifier
from llmverse.safety.head import packaged_path


def messages() -> list[str]:
    chat = files("llmverse.safety").joinpath("data").joinpath("world_chat.txt").read_text("utf-8")
    lines = [s.strip() for s in chat.splitlines() if s.strip() and not s.startswith("#")]
    return [i.text for i in ev.load_items("all")] + lines


def timed(rails: Rails, texts: list[str]) -> list[float]:
    out = []
    for t in texts:
        t0 = time.perf_counter()
        rails.check_input("bench", t)
        out.append((time.perf_counter() - t0) * 1000)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=1)
    a = ap.parse_args()
    console = Console()
    texts = messages()
    rules = Rails(Policy.for_level("teen"), classifier=SafetyClassifier(use_model=False))
    clf = SafetyClassifier(packaged_path())
    clf.warm()
    head = Rails(Policy.for_level("teen"), classifier=clf)
    table = Table(title=f"input rail, {len(texts)} messages, OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS')}")
    for col in ("configuration", "p50 ms", "p95 ms", "load average (1 min)"):
        table.add_column(col)
    for _ in range(a.runs):
        embed._shared()._cache["query"].clear()  # cold: every text embedded now
        for name, rails in (("rules only", rules), ("rules + head, text not embedded before", head),
                            ("rules + head, vector already cached (voice or earlier check)", head)):
            ms = timed(rails, texts)
            q = statistics.quantiles(ms, n=20)
            table.add_row(name, f"{statistics.median(ms):.1f}", f"{q[18]:.1f}", f"{os.getloadavg()[0]:.1f}")
    console.print(table)


if __name__ == "__main__":
    main()
