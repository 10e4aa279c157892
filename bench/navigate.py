"""Pathfinding and navigation speed: tcod's compiled A* vs a pure-Python heap A*, side by side in one run.

    .venv/bin/python bench/navigate.py [--queries 200] [--big-queries 40] [--seed 1]

Each query runs both pathfinders on the same start and goal, in alternating order, so a busy
machine slows both alike and the ratio holds; every pair of paths must have the same cost (the
Python A* is also the check). Maps: the bundled Harbor Town (64x48) and a generated 512x512 map
with ~20% random obstacles (8-connected, no corner cutting, integer costs 1000/1414 as in Grid).
Then the whole navigate() (resolve the words, route, directions) on Harbor Town, English and Chinese.
"""

from __future__ import annotations

import argparse
import heapq
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from rich.console import Console
from rich.table import Table

from llmverse.assistant import navigate, resolve
from llmverse.world.grid import Grid
from llmverse.world.world import open_world

STRAIGHT, DIAGONAL = 1000, 1414
ASK = ["how do I get to the museum?", "the forge", "where Bram works", "where is the founding bell",
       "the libary", "take me to the town hall", "博物馆怎么走？", "从集市到图书馆怎么走", "布拉姆在哪工作",
       "怎么去海鸥旅店", "码头在哪里", "the moon"]


def py_astar(walk: list[list[bool]], start: tuple[int, int], goal: tuple[int, int]) -> list[tuple[int, int]] | None:
    """Textbook A* with a binary heap and the octile heuristic: the reference and the baseline."""
    h, w = len(walk), len(walk[0])
    gx, gy = goal

    def octile(x: int, y: int) -> int:
        dx, dy = abs(x - gx), abs(y - gy)
        return STRAIGHT * abs(dx - dy) + DIAGONAL * min(dx, dy)

    best = {start: 0}
    came: dict[tuple[int, int], tuple[int, int]] = {}
    heap = [(octile(*start), 0, start)]
    while heap:
        _, g, node = heapq.heappop(heap)
        if node == goal:
            path = [node]
            while path[-1] in came:
                path.append(came[path[-1]])
            return path[::-1]
        if g > best[node]:
            continue
        x, y = node
        for dx, dy in ((1, 0), (-1, 0), (0, 1), (0, -1), (1, 1), (1, -1), (-1, 1), (-1, -1)):
            nx, ny = x + dx, y + dy
            if not (0 <= nx < w and 0 <= ny < h and walk[ny][nx]):
                continue
            if dx and dy and not (walk[y][nx] and walk[ny][x]):
                continue
            ng = g + (DIAGONAL if dx and dy else STRAIGHT)
            if ng < best.get((nx, ny), 1 << 62):
                best[(nx, ny)] = ng
                came[(nx, ny)] = node
                heapq.heappush(heap, (ng + octile(nx, ny), ng, (nx, ny)))
    return None


def cost(path: list[tuple[int, int]]) -> int:
    return sum(DIAGONAL if a[0] != b[0] and a[1] != b[1] else STRAIGHT for a, b in zip(path, path[1:]))


def timed(fn: Callable[[], object]) -> tuple[float, object]:
    t0 = time.perf_counter()
    out = fn()
    return (time.perf_counter() - t0) * 1000, out


def pairs(grid: Grid, n: int, rng: np.random.Generator) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """Random start/goal pairs in the largest walkable region (unreachable goals would make the
    Python A* flood the map and measure something else)."""
    ys, xs = np.nonzero(grid.mask)
    seeds = [(int(xs[i]), int(ys[i])) for i in rng.choice(len(xs), size=8, replace=False)]
    labels = grid.components(seeds)
    main = np.bincount(labels[labels >= 0]).argmax()
    ys, xs = np.nonzero(labels == main)
    pick = rng.choice(len(xs), size=(n, 2))
    return [((int(xs[a]), int(ys[a])), (int(xs[b]), int(ys[b]))) for a, b in pick]


def race(grid: Grid, queries: list) -> dict[str, object]:
    walk = grid.mask.tolist()
    t_first, _ = timed(lambda: grid.path(*queries[0]))  # builds and caches tcod's graph
    fast, slow, agree = [], [], 0
    for k, (a, b) in enumerate(queries):
        runs = [("tcod", lambda: grid.path(a, b)), ("py", lambda: py_astar(walk, a, b))]
        got = {}
        for name, fn in runs if k % 2 == 0 else runs[::-1]:
            ms, got[name] = timed(fn)
            (fast if name == "tcod" else slow).append(ms)
        agree += got["tcod"] is not None and got["py"] is not None and cost(got["tcod"]) == cost(got["py"])
    return {"first": t_first, "tcod": fast, "py": slow, "agree": agree, "n": len(queries)}


def pct(xs: list[float], q: float) -> float:
    return statistics.quantiles(xs, n=100, method="inclusive")[int(q) - 1] if len(xs) > 1 else xs[0]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--queries", type=int, default=200, help="queries on Harbor Town")
    ap.add_argument("--big-queries", type=int, default=60, help="queries on the 512x512 map")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    rng = np.random.default_rng(args.seed)
    console = Console(width=160)

    world = open_world(database_url=f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.db'}")
    big = Grid.from_mask(rng.random((512, 512)) >= 0.2)
    results = {"Harbor Town 64x48": race(world.grid, pairs(world.grid, args.queries, rng)),
               "generated 512x512, 20% blocked": race(big, pairs(big, args.big_queries, rng))}

    table = Table(title="A* query time (ms): tcod vs pure-Python heap A*, same queries, one run")
    for col in ("map", "queries", "tcod p50", "tcod p95", "Python p50", "Python p95", "ratio p50", "ratio p95",
                "same cost", "tcod 1st query (graph build)"):
        table.add_column(col, justify="left" if col == "map" else "right")
    for name, r in results.items():
        f, s = r["tcod"], r["py"]
        table.add_row(name, str(r["n"]), f"{pct(f, 50):.3f}", f"{pct(f, 95):.3f}", f"{pct(s, 50):.2f}",
                      f"{pct(s, 95):.2f}", f"{pct(s, 50) / pct(f, 50):.1f}x", f"{pct(s, 95) / pct(f, 95):.1f}x",
                      f"{r['agree']}/{r['n']}",
                      f"{r['first']:.2f}")
    console.print(table)

    places = sorted(world.places)
    calls = [(ASK[k % len(ASK)], places[k % len(places)]) for k in range(args.queries)]
    navigate(world, *calls[0][:1], start=calls[0][1])  # warm-up: jieba's dictionary loads once
    res_ms = [timed(lambda: resolve(world, text))[0] for text, _ in calls]
    nav_ms, found = [], 0
    for text, start in calls:
        ms, route = timed(lambda: navigate(world, text, start=start))
        nav_ms.append(ms)
        found += route.found
    table = Table(title="navigate() on Harbor Town (ms), English and Chinese requests")
    for col in ("what", "calls", "p50", "p95", "found a route"):
        table.add_column(col, justify="left" if col == "what" else "right")
    table.add_row("resolve (names, aliases, fuzzy)", str(len(res_ms)), f"{pct(res_ms, 50):.2f}",
                  f"{pct(res_ms, 95):.2f}", "")
    table.add_row("navigate (resolve + route + directions)", str(len(nav_ms)), f"{pct(nav_ms, 50):.2f}",
                  f"{pct(nav_ms, 95):.2f}", f"{found}/{len(nav_ms)}")
    console.print(table)


if __name__ == "__main__":
    main()
