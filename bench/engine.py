"""The world engine's commit rate: committed actions/s and p50/p99 commit latency, on SQLite and
PostgreSQL, one process and two, and whether any update was lost.

    HF_HUB_OFFLINE=1 .venv/bin/python bench/engine.py [--db sqlite postgresql] [--processes 1 2]
        [--threads 2] [--actions 200] [--contended]

One action is what the world does for every line a player says to a character: the utterance is
appended to the log and the character's relationship with the player is read, changed and written
(`World.say` + `relations.after_talk`, the public calls on `main` before and after the engine, so the
same script measures both: run it with PYTHONPATH pointing at an older checkout's src/). Each worker
thread speaks for its own player (`--contended`: all threads for one player, one hot row). At the end
the familiarity counted is compared with the actions committed: a lost update shows as "lost".
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import threading
import time
import uuid

PG = os.environ.get("LLMVERSE_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def _world(url: str, name: str):
    from llmverse.world.loader import load_world
    from llmverse.world.store import Store
    from llmverse.world.world import DEFAULT_WORLD, World

    file = load_world(DEFAULT_WORLD)
    file = file.model_copy(update={"name": file.name.model_copy(update={"en": name})})
    return World(file, Store(url))


def worker(url: str, name: str, start: float, threads: int, actions: int, tag: str, contended: bool) -> None:
    """One process: `threads` threads, `actions` actions each; prints latencies (s) as JSON."""
    from llmverse.characters.relations import after_talk

    world = _world(url, name)
    time.sleep(max(0.0, start - time.time()))
    lat: list[float] = []
    errors: list[str] = []

    def run(i: int) -> None:
        player = "player" if contended else f"p{tag}{i}"
        for n in range(actions):
            t0 = time.perf_counter()
            try:
                text = f"thanks, line {n}"
                world.say(player, "bram", text)
                after_talk(world, "bram", player, text)
            except Exception as exc:  # counted and shown, not hidden
                errors.append(f"{type(exc).__name__}: {exc}"[:200])
                continue
            lat.append(time.perf_counter() - t0)

    pool = [threading.Thread(target=run, args=(i,)) for i in range(threads)]
    t0 = time.time()
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    print(json.dumps({"lat": lat, "errors": errors, "began": t0, "ended": time.time()}))


def measure(url: str, processes: int, threads: int, actions: int, contended: bool) -> dict:
    name = f"Bench {uuid.uuid4().hex[:8]}"
    world = _world(url, name)  # seeded once, before the workers
    start = time.time() + 3 + 2 * processes  # after every worker's imports
    cmd = [sys.executable, __file__, "--worker", url, name, str(start), str(threads), str(actions)]
    runs = [subprocess.Popen(cmd + [str(p), "1" if contended else "0"], stdout=subprocess.PIPE, text=True)
            for p in range(processes)]
    outs = [json.loads(r.communicate()[0].strip().splitlines()[-1]) for r in runs]
    lat = sorted(x for o in outs for x in o["lat"])
    errors = [e for o in outs for e in o["errors"]]
    wall = max(o["ended"] for o in outs) - min(o["began"] for o in outs)
    world.reload()
    players = ["player"] if contended else [f"p{p}{i}" for p in range(processes) for i in range(threads)]
    counted = sum(world.state_of(f"rel:bram:{p}").get("familiarity", 0) for p in players)
    return {"committed": len(lat), "per_s": len(lat) / wall, "p50_ms": 1000 * statistics.median(lat),
            "p99_ms": 1000 * lat[min(len(lat) - 1, int(0.99 * len(lat)))], "lost": len(lat) - counted,
            "errors": len(errors), "first_error": errors[0] if errors else ""}


def main() -> None:
    if sys.argv[1:2] == ["--worker"]:
        url, name, start, threads, actions, tag, contended = sys.argv[2:9]
        worker(url, name, float(start), int(threads), int(actions), tag, contended == "1")
        return
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--db", nargs="+", default=["sqlite", "postgresql"])
    ap.add_argument("--processes", nargs="+", type=int, default=[1, 2])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--actions", type=int, default=200, help="per thread")
    ap.add_argument("--contended", action="store_true", help="every thread updates one relationship")
    ap.add_argument("--dir", default="/tmp", help="where the SQLite files go")
    args = ap.parse_args()
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"engine: say + relationship update, {args.threads} threads x {args.actions} actions "
                  f"per process{' (one hot row)' if args.contended else ''}")
    for col in ("database", "processes", "committed", "actions/s", "p50 ms", "p99 ms", "lost updates", "errors"):
        table.add_column(col)
    for db in args.db:
        for procs in args.processes:
            url = PG if db == "postgresql" else db if "://" in db else \
                f"sqlite:///{os.path.join(args.dir, f'bench-engine-{uuid.uuid4().hex[:8]}.db')}"
            r = measure(url, procs, args.threads, args.actions, args.contended)
            table.add_row(db, str(procs), str(r["committed"]), f"{r['per_s']:.0f}", f"{r['p50_ms']:.1f}",
                          f"{r['p99_ms']:.1f}", str(r["lost"]), f"{r['errors']} {r['first_error'][:50]}".strip())
    Console(width=140).print(table)


if __name__ == "__main__":
    main()
