"""A character's first sentence on the bundled model, retrieval included, side by side in one run:
BM25 alone vs BM25 + multilingual-e5 retrieval, and the retrieval step on its own.

    .venv/bin/python bench/voice.py [--model smollm2-135m] [--threads 1] [--runs 3]

Questions alternate between the two rows (machine noise hits both alike); each reply is a new
visitor, so no history is reused. "first piece" is what a player waits for: from the question to
the first checked sentence on screen (a declined question's composed line counts too).
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
from llmverse.config import open_gateway, settings
from llmverse.llm.embed import open_embedder
from llmverse.world.world import open_world

QUESTIONS = [("bram", "How much is the iron anchor?"), ("mara", "When does the museum open?"),
             ("lin", "Where is the library?"), ("nell", "What would a bowl of stew cost me?"),
             ("otto", "Who runs the forge?"), ("bram", "Do you sell swords?"),
             ("mara", "博物馆几点关门？"), ("nell", "住一晚多少钱？")]


def first_piece(character: Character, player: str, text: str) -> tuple[float, float]:
    start, first = time.perf_counter(), None
    for _ in character.respond(player, text):
        first = first or time.perf_counter() - start
    return first or 0.0, time.perf_counter() - start


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default="smollm2-135m")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    gateway = open_gateway(settings(model=args.model, threads=args.threads))
    embedders = {"BM25 alone": None, "BM25 + e5": open_embedder("e5")}
    rows: dict[str, list[tuple[float, float]]] = {k: [] for k in embedders}
    retrieval: dict[str, list[float]] = {k: [] for k in embedders}
    with tempfile.TemporaryDirectory() as tmp:
        world = open_world(database_url=f"sqlite:///{Path(tmp) / 'bench.db'}")
        chars = {(name, cid): Character(world, cid, gateway, embedder=emb)
                 for name, emb in embedders.items() for cid in world.characters}
        for name, emb in embedders.items():  # warm: the model's first load, the facts' first embedding
            first_piece(chars[(name, "bram")], "warm", "Hello!")
        n = 0
        for run in range(args.runs):
            for cid, text in QUESTIONS:
                order = list(embedders) if n % 2 == 0 else list(reversed(embedders))
                for name in order:
                    n += 1
                    rows[name].append(first_piece(chars[(name, cid)], f"v{n}", text))
                    from llmverse.characters.facts import FactBook

                    t0 = time.perf_counter()
                    book = FactBook(world, world.characters[cid], embedders[name])
                    book.find(book.question(text))
                    retrieval[name].append(time.perf_counter() - t0)
    table = Table(title=f"first sentence on screen, {args.model}, {args.threads} thread(s), "
                        f"{len(rows['BM25 alone'])} replies per row")
    for col in ("retrieval", "first piece p50 s", "p95 s", "whole reply p50 s", "facts + retrieval p50 ms"):
        table.add_column(col, justify="right")
    for name, r in rows.items():
        firsts = sorted(f for f, _ in r)
        table.add_row(name, f"{statistics.median(firsts):.2f}", f"{firsts[int(0.95 * (len(firsts) - 1))]:.2f}",
                      f"{statistics.median(w for _, w in r):.2f}", f"{1000 * statistics.median(retrieval[name]):.0f}")
    Console().print(table)
    base = statistics.median(f for f, _ in rows["BM25 alone"])
    e5 = statistics.median(f for f, _ in rows["BM25 + e5"])
    Console().print(f"first piece, e5 / BM25 alone: {e5 / base:.2f}x")


if __name__ == "__main__":
    main()
