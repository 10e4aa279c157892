"""Load on the world server: N simulated players over WebSocket on loopback, moving and asking.

    .venv/bin/python bench/load.py --clients 100,500,1000 --seconds 20            # scripted backend
    .venv/bin/python bench/load.py --clients 20 --model smollm2-135m --threads 1   # the bundled model
    .venv/bin/python bench/load.py --url http://127.0.0.1:8000 --admin-password ...  # a running server
    .venv/bin/python bench/load.py --clients 1000 --cycles 3 --seconds 20 --ask-every 0  # memory cycles
    .venv/bin/python bench/load.py --clients 10,50 --model smollm2-135m --threads 1 --talk bram --tick 2 \
        --seconds 60 [--no-priority]       # players talking to Bram while the world runs: first piece, tick lag

Each player joins, then in a closed loop walks to a random tile a few steps away (a non-model
message: validated against the map, answered with `moved`) and, every `--ask-every` moves, asks the
assistant the way somewhere (model work: queued fairly, streamed, answered with `end`). Think time
between actions is `--think` seconds. Printed per crowd size: messages/s answered, p50/p99 latency
of moves and of asks, errors (rate limits included), and the server process's resident memory.
The bench client shares the machine with the server: on 2 cores it competes for them. It parses
only the frames it waits for (a broadcast is recognised by its first bytes and skipped), and the
table gives the CPU each side used during the run (100% = one core), so a run can be told
server-bound from client-bound. `--src DIR` runs the server from another source tree (a `git
archive` of an older commit): the same client against the server before and after a change.
`--trace FILE` appends every answered move and ask as a JSON line (monotonic time sent, kind, seconds),
so the slow 1% of a run can be placed in it (the crowd connecting, a stall, the whole machine slowing).

With `--cycles C` it measures memory instead: the server's RSS idle, then C times: the crowd
connects and plays for `--seconds` (RSS sampled while all are connected), leaves, and after
`--settle` seconds the RSS is sampled again; the p99 of non-model frames (moves) per cycle.
Loopback only; every loop is bounded by `--seconds`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PLACES = ["museum", "library", "forge", "inn", "park", "harbour", "town hall", "market"]
LINES = ["How much is the anchor?", "What do you make here?", "Do you sell fishing hooks?",
         "When do you close?", "What is new in town?"]  # --talk: what players say to the character


@dataclass
class Tally:
    moves: list[float] = field(default_factory=list)  # seconds, send to `moved`
    asks: list[float] = field(default_factory=list)  # seconds, send to `end`
    firsts: list[float] = field(default_factory=list)  # seconds, send to the first streamed piece
    ticks: list[float] = field(default_factory=list)  # monotonic arrival of the world clock's ticks (one client)
    errors: dict[str, int] = field(default_factory=dict)
    trace: list[tuple[float, str, float]] = field(default_factory=list)  # (monotonic when sent, kind, seconds)
    answered: int = 0
    cpu: tuple[float, float] = (float("nan"), float("nan"))  # cores used by the server and by this client


def pct(xs: list[float], q: float) -> float:
    if not xs:
        return float("nan")
    s = sorted(xs)
    return s[min(len(s) - 1, int(q * len(s)))] * 1000


def http(url: str, body: dict | None = None, token: str | None = None) -> dict:
    req = urllib.request.Request(url, data=json.dumps(body).encode() if body is not None else None,
                                 headers={"Content-Type": "application/json",
                                          **({"Authorization": f"Bearer {token}"} if token else {})})
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.loads(r.read())


BROADCASTS = ('{"type": "players"', '{"type": "event"', '{"type": "tick"', '{"type": "content"')


def cpu_seconds(pid: int | None) -> float:
    """User + system CPU seconds a process has used so far (Linux /proc)."""
    if pid is None:
        return float("nan")
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def own_cpu_seconds() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def rss_mb(pid: int | None) -> float:
    if pid is None:
        return float("nan")
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def watcher(url: str, token: str, t: Tally, stop: float) -> None:
    """A second socket of the first player that only listens: when each world tick arrives."""
    import websockets

    async with websockets.connect(url.replace("http", "ws") + "/ws", max_size=2**20) as ws:
        await ws.send(json.dumps({"type": "join", "token": token}))
        while (left := stop - time.monotonic()) > 0:
            try:
                f = json.loads(await asyncio.wait_for(ws.recv(), left))
            except asyncio.TimeoutError:
                break
            if f.get("type") == "tick":
                t.ticks.append(time.monotonic())


async def player(url: str, token: str, walkable: list[str], t: Tally, stop: float, args) -> None:
    import websockets

    async with websockets.connect(url.replace("http", "ws") + "/ws", max_size=2**20) as ws:
        await ws.send(json.dumps({"type": "join", "token": token}))
        welcome = json.loads(await ws.recv())
        x, y = welcome["tile"]
        if args.talk:  # stand beside the character once, then talk
            spot = await asyncio.to_thread(http, f"{url}/api/characters/{args.talk}/beside", None, token)
            await ws.send(json.dumps({"type": "move", "to": spot["tile"], "id": "m0"}))
            while (f := json.loads(await ws.recv())).get("id") != "m0":
                pass
        n = 0
        while time.monotonic() < stop:
            n += 1
            ref = f"m{n}"
            if args.talk:
                frame = {"type": "say", "to": args.talk, "text": random.choice(LINES), "id": ref}
                wait_for, bucket = "end", t.asks
            elif args.ask_every and n % args.ask_every == 0:
                frame = {"type": "ask", "text": f"How do I get to the {random.choice(PLACES)}?", "id": ref}
                wait_for, bucket = "end", t.asks
            else:
                for _ in range(20):  # a walkable tile a few steps away
                    nx, ny = x + random.randint(-3, 3), y + random.randint(-3, 3)
                    if 0 <= ny < len(walkable) and 0 <= nx < len(walkable[0]) and walkable[ny][nx] == "1":
                        break
                frame, wait_for, bucket = {"type": "move", "to": [nx, ny], "id": ref}, "moved", t.moves
            sent, sent_at = time.perf_counter(), time.monotonic()
            await ws.send(json.dumps(frame))
            first = True
            while True:
                remaining = stop + 60 - time.monotonic()  # a reply under way may finish past the run's end
                raw = await asyncio.wait_for(ws.recv(), max(1.0, remaining))
                if raw.startswith(BROADCASTS):
                    continue  # not an answer to this player: not worth parsing
                f = json.loads(raw)
                if f.get("type") == "token" and f.get("id") == ref and first:
                    t.firsts.append(time.perf_counter() - sent)
                    first = False
                if f.get("id") != ref:
                    continue  # broadcasts, queue positions, tokens
                if f["type"] == "error":
                    t.errors[f["reason"]] = t.errors.get(f["reason"], 0) + 1
                    break
                if f["type"] == wait_for:
                    bucket.append(time.perf_counter() - sent)
                    t.trace.append((sent_at, frame["type"], bucket[-1]))
                    t.answered += 1
                    if wait_for == "moved":
                        x, y = f["tile"]
                    break
            await asyncio.sleep(args.think * random.uniform(0.5, 1.5))


def crowds(url: str, tokens: list[str], walkable: list[str], args, pid: int | None = None) -> tuple[Tally, float, float]:
    """`crowd` in this process, or split over `--procs` client processes (one Python event loop reading
    every broadcast for 1,000 sockets is itself the bottleneck: 74% of a core while the server's loop was
    busy 19% of the time); their tallies merged, the server's CPU and RSS from the first part."""
    if args.procs <= 1:
        return asyncio.run(crowd(url, tokens, walkable, args, pid))
    from concurrent.futures import ProcessPoolExecutor

    parts = [tokens[i::args.procs] for i in range(args.procs)]
    with ProcessPoolExecutor(args.procs) as pool:
        done = list(pool.map(_crowd_part, [url] * args.procs, parts, [walkable] * args.procs,
                             [args] * args.procs, [pid] + [None] * (args.procs - 1), [True] + [False] * (args.procs - 1)))
    t = Tally()
    for part, _, _ in done:
        t.moves += part.moves
        t.asks += part.asks
        t.firsts += part.firsts
        t.ticks += part.ticks
        t.trace += part.trace
        t.answered += part.answered
        for k, v in part.errors.items():
            t.errors[k] = t.errors.get(k, 0) + v
    t.cpu = (done[0][0].cpu[0], sum(part.cpu[1] for part, _, _ in done))
    return t, max(took for _, took, _ in done), done[0][2]


def _crowd_part(url: str, tokens: list[str], walkable: list[str], args, pid: int | None,
                watch: bool) -> tuple[Tally, float, float]:
    return asyncio.run(crowd(url, tokens, walkable, args, pid, watch=watch))


async def crowd(url: str, tokens: list[str], walkable: list[str], args,
                pid: int | None = None, watch: bool = True) -> tuple[Tally, float, float]:
    """The crowd's tally, the seconds it ran, and the server's RSS sampled at 80% of the run."""
    print(f"  a crowd of {len(tokens)} connects", file=sys.stderr, flush=True)
    t = Tally()
    cpu = (cpu_seconds(pid), own_cpu_seconds())
    start = time.monotonic()
    stop = start + args.seconds
    sampled: list[float] = []

    async def sample() -> None:
        await asyncio.sleep(args.seconds * 0.8)
        sampled.append(rss_mb(pid))

    watching = [watcher(url, tokens[0], t, stop)] if watch else []
    results = await asyncio.gather(sample(), *watching,
                                   *(player(url, tok, walkable, t, stop, args) for tok in tokens),
                                   return_exceptions=True)
    for r in results:
        if isinstance(r, Exception):
            key = f"client:{type(r).__name__}"
            t.errors[key] = t.errors.get(key, 0) + 1
    took = time.monotonic() - start
    t.cpu = ((cpu_seconds(pid) - cpu[0]) / took, (own_cpu_seconds() - cpu[1]) / took)
    return t, took, sampled[0] if sampled else float("nan")


def start_server(args, port: int) -> subprocess.Popen:
    db = f"sqlite:///{tempfile.mkdtemp(prefix='llmverse-load-')}/load.db"
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "LLMVERSE_ADMIN_PASSWORD": args.admin_password,
           "PYTHONPATH": str(Path(args.src) if args.src else ROOT / "src")}
    if args.no_priority:
        env["LLMVERSE_PRIORITY"] = "off"
    cmd = [sys.executable, "-m", "llmverse.server", "--port", str(port), "--db", db, "--model", args.model,
           "--tick", str(args.tick)]
    if args.threads:
        cmd += ["--threads", str(args.threads)]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(600):
        try:
            http(f"http://127.0.0.1:{port}/healthz")
            return proc
        except OSError:
            if proc.poll() is not None:
                raise SystemExit("the server did not start")
            time.sleep(0.1)
    raise SystemExit("the server did not come up in 60 s")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clients", default="100,500,1000", help="crowd sizes, comma-separated")
    ap.add_argument("--procs", type=int, default=1, help="client processes the crowd is split over")
    ap.add_argument("--seconds", type=float, default=20.0, help="duration of each run")
    ap.add_argument("--think", type=float, default=1.0, help="mean seconds between a player's actions")
    ap.add_argument("--ask-every", type=int, default=10, help="every n-th action asks the assistant (0: never)")
    ap.add_argument("--model", default="scripted", help="the server's model when this script starts it")
    ap.add_argument("--threads", type=int, default=None, help="llama.cpp threads for the started server")
    ap.add_argument("--url", default=None, help="a running server instead of starting one")
    ap.add_argument("--cycles", type=int, default=0, help="memory mode: this many connect/leave cycles")
    ap.add_argument("--settle", type=float, default=10.0, help="memory mode: seconds after a crowd leaves")
    ap.add_argument("--talk", default=None, help="character id: players stand beside it and talk (model work)")
    ap.add_argument("--tick", type=float, default=0.0, help="the started server's seconds between world steps")
    ap.add_argument("--no-priority", action="store_true", help="the started server queues the world's model work "
                    "like a player's (LLMVERSE_PRIORITY=off): the 'before' of players-first scheduling")
    ap.add_argument("--trace", default=None, help="write every answered move and ask to this file, one JSON line "
                    "each: [monotonic time sent, kind, seconds] (when in a run the slow ones came)")
    ap.add_argument("--src", default=None, help="the started server's source tree (default: this checkout's src/)")
    ap.add_argument("--admin-password", default=os.environ.get("LLMVERSE_ADMIN_PASSWORD", "load-admin-password"))
    args = ap.parse_args()

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)  # two sockets per player on loopback
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 65536)), hard))
    proc = None
    url = args.url
    if url is None:
        import socket

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        proc = start_server(args, port)
        url = f"http://127.0.0.1:{port}"
    try:
        admin = http(url + "/api/login", {"name": "admin", "password": args.admin_password})["token"]
        walkable = http(url + "/api/world", token=admin)["map"]["walkable"]
        made: list[str] = []
        if args.cycles:
            return memory_cycles(url, admin, walkable, made, proc.pid if proc else None, args)
        rows, talks = [], []
        for n in [int(c) for c in args.clients.split(",")]:
            while len(made) < n:
                made.append(http(url + "/api/admin/accounts", {"name": f"load{len(made):05d}_{os.getpid() % 1000}"},
                                 admin)["token"])
            t, took, _ = crowds(url, made[:n], walkable, args, proc.pid if proc else None)
            rows.append((n, t.answered / took, pct(t.moves, .5), pct(t.moves, .99), len(t.asks), pct(t.asks, .5),
                         pct(t.asks, .99), sum(t.errors.values()), rss_mb(proc.pid if proc else None), t.cpu,
                         t.errors))
            if args.trace:
                with open(args.trace, "a") as out:
                    out.writelines(json.dumps([round(at, 4), kind, round(took_s, 5)]) + "\n"
                                   for at, kind, took_s in sorted(t.trace))
            gaps = [b - a for a, b in zip(t.ticks, t.ticks[1:])]
            talks.append((n, len(t.firsts), pct(t.firsts, .5), pct(t.firsts, .95), len(t.ticks),
                          (max(gaps) - args.tick) * 1000 if gaps else float("nan"),
                          (sum(gaps) / len(gaps) - args.tick) * 1000 if gaps else float("nan")))
            print(f"  {n} clients done", file=sys.stderr)
        model = http(url + "/api/status", token=admin)["model"]
        print(f"\nmodel {model}, {args.seconds:.0f} s per run, think {args.think} s, ask every {args.ask_every}; "
              f"load average {os.getloadavg()[0]:.1f}\n")
        print("| clients | answered msg/s | move p50 (ms) | move p99 (ms) | asks | ask p50 (ms) | ask p99 (ms) "
              "| errors | server RSS (MB) | server CPU | client CPU |")
        print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
        for n, rate, m50, m99, asks, a50, a99, errs, rss, (scpu, ccpu), _ in rows:
            print(f"| {n} | {rate:.0f} | {m50:.1f} | {m99:.1f} | {asks} | {a50:.0f} | {a99:.0f} | {errs} | {rss:.0f} "
                  f"| {scpu:.0%} | {ccpu:.0%} |")
        for n, *_, detail in rows:
            if detail:
                print(f"errors at {n} clients: {detail}")
        if args.talk or args.tick:
            print(f"\nplayers first (world's model work in the background): {'off' if args.no_priority else 'on'}; "
                  f"tick every {args.tick} s\n")
            print("| clients | replies | first piece p50 (ms) | first piece p95 (ms) | ticks seen "
                  "| tick lag, worst (ms) | tick lag, mean (ms) |")
            print("| --- | --- | --- | --- | --- | --- | --- |")
            for n, k, f50, f95, ticks, worst, mean in talks:
                print(f"| {n} | {k} | {f50:.0f} | {f95:.0f} | {ticks} | {worst:.0f} | {mean:.0f} |")
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(timeout=10)


def memory_cycles(url: str, admin: str, walkable: list[str], made: list[str], pid: int | None, args) -> None:
    n = max(int(c) for c in args.clients.split(","))
    while len(made) < n:
        made.append(http(url + "/api/admin/accounts", {"name": f"mem{len(made):05d}_{os.getpid() % 1000}"},
                         admin)["token"])
    time.sleep(args.settle)
    idle = rss_mb(pid)
    rows = []
    for cycle in range(1, args.cycles + 1):
        t, took, full = crowds(url, made[:n], walkable, args, pid)
        time.sleep(args.settle)
        rows.append((cycle, full, rss_mb(pid), len(t.moves), pct(t.moves, .5), pct(t.moves, .99),
                     sum(t.errors.values()), t.errors))
        print(f"  cycle {cycle} done", file=sys.stderr)
    model = http(url + "/api/status", token=admin)["model"]
    print(f"\nmodel {model}, {n} clients, {args.seconds:.0f} s per cycle, think {args.think} s, "
          f"ask every {args.ask_every}, settle {args.settle:.0f} s; server RSS idle {idle:.0f} MB; "
          f"load average {os.getloadavg()[0]:.1f}\n")
    print("| cycle | RSS with clients (MB) | RSS after they left (MB) | moves | move p50 (ms) | move p99 (ms) "
          "| errors |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for cycle, full, after, moves, m50, m99, errs, _ in rows:
        print(f"| {cycle} | {full:.0f} | {after:.0f} | {moves} | {m50:.1f} | {m99:.1f} | {errs} |")
    for cycle, *_, detail in rows:
        if detail:
            print(f"errors in cycle {cycle}: {detail}")


if __name__ == "__main__":
    main()
