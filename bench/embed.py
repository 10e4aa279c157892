"""MiniLM embedding throughput: one by one vs batched vs cached, 1 vs 2 torch threads, in one run.

    HF_HUB_OFFLINE=1 .venv/bin/python bench/embed.py [--sentences 256] [--runs 3] [--busy]

--busy keeps one core spinning in another process, as a server that also simulates or runs llama.cpp.
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import subprocess
import sys
import time
from collections.abc import Callable

from rich.console import Console
from rich.table import Table

from llmverse.llm.embed import Embedder

WHO = ["Bram the blacksmith", "Mara the museum guide", "old Tess", "the harbour master", "a young sailor",
       "the baker's daughter", "a travelling merchant", "the lighthouse keeper"]
DOES = ["repairs an anchor", "tells a story about the founding bell", "sells fresh bread",
        "waits for the evening tide", "argues about the price of hooks", "walks to the market square",
        "paints the old pier", "looks for a lost cat"]
WHERE = ["at the forge", "near the museum", "on the north quay", "behind the fish market"]
MODES = ["one by one", "batched (32)", "cached, batched (2nd pass)", "cached, one by one (2nd pass)"]


def sentences(n: int) -> list[str]:
    combos = itertools.product(WHO, DOES, WHERE, ["this morning.", "before sunset."])
    return [f"{w[0].upper()}{w[1:]} {d} {p} {t}" for w, d, p, t in itertools.islice(combos, n)]


def rate(texts: list[str], work: Callable[[], object]) -> float:
    start = time.perf_counter()
    work()
    return len(texts) / (time.perf_counter() - start)


def measure(threads: int, texts: list[str]) -> dict[str, float]:
    emb = Embedder(threads=threads)  # loading sets torch's (process-wide) thread count
    emb.embed_one("Warm-up: the first call pays for lazy initialisation.")
    emb.clear()
    chunks = [texts[i:i + 32] for i in range(0, len(texts), 32)]
    out = {MODES[0]: rate(texts, lambda: [emb.embed_one(t) for t in texts])}
    emb.clear()
    out[MODES[1]] = rate(texts, lambda: [emb.embed(c) for c in chunks])
    out[MODES[2]] = rate(texts, lambda: [emb.embed(c) for c in chunks])
    out[MODES[3]] = rate(texts, lambda: [emb.embed_one(t) for t in texts])
    assert emb.misses == len(texts) and emb.hits == 2 * len(texts), "cache did not serve the 2nd pass"
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sentences", type=int, default=256)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--busy", action="store_true", help="keep one core busy in another process")
    args = ap.parse_args()
    texts = sentences(args.sentences)
    assert len(set(texts)) == len(texts) == args.sentences, "need more templates for that many sentences"
    spinner = subprocess.Popen([sys.executable, "-c", "while True: pass"]) if args.busy else None
    try:
        runs: dict[int, list[dict[str, float]]] = {1: [], 2: []}
        for _ in range(args.runs):  # interleaved so machine noise hits both thread counts alike
            for threads in runs:
                runs[threads].append(measure(threads, texts))
    finally:
        if spinner:
            spinner.kill()
    med = {t: {m: statistics.median(r[m] for r in rs) for m in MODES} for t, rs in runs.items()}

    load = ", one core busy elsewhere" if args.busy else ""
    t = Table(title=f"MiniLM, {len(texts)} distinct sentences, sentences/s, median of {args.runs}{load}")
    for col in ("mode", "1 thread", "2 threads", "2 / 1"):
        t.add_column(col, justify="left" if col == "mode" else "right")
    for m in MODES:
        t.add_row(m, f"{med[1][m]:,.0f}", f"{med[2][m]:,.0f}", f"{med[2][m] / med[1][m]:.2f}")
    for label, a, b in (("batched / one by one", MODES[1], MODES[0]), ("cached / batched", MODES[2], MODES[1])):
        t.add_row(label, f"{med[1][a] / med[1][b]:.1f}x", f"{med[2][a] / med[2][b]:.1f}x", "")
    t.add_row("one by one, ms per sentence", f"{1e3 / med[1][MODES[0]]:.1f}", f"{1e3 / med[2][MODES[0]]:.1f}", "")
    Console().print(t)


if __name__ == "__main__":
    main()
