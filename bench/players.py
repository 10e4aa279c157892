"""Players talking to a character while the world runs, with and without players-first scheduling, side by
side in one run (issue 16: "a player's reply first sentence p50/p95 with 10 and 50 players, and the clock's
tick lag, before and after the priorities").

    nice -n 19 .venv/bin/python bench/players.py --players 10,50 --model gemma3-npc --threads 1 \\
        --tick 2 --seconds 60 --rounds 1

For each crowd size a fresh server is started twice: once with the world's model work queued behind the
players (on: the default) and once queued like a player's (off: LLMVERSE_PRIORITY=off, the "before"). The
order alternates (on/off, then off/on), so a machine that gets busier during the run favours neither. Each
player stands beside the character and talks to it in a closed loop; one more socket listens to the world
clock. A reply's first piece is its first sentence that passed the checks (the voice streams whole checked
sentences): "first sentence" below. Replies under way when a run ends are waited for (up to 60 s) and
counted. The load average is printed with each row: on a shared machine the figures move with it.

bench/load.py measures crowds of moving players; this script only the talkers, and is kept apart from it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LINES = ["How much is the anchor?", "What do you make here?", "Do you sell fishing hooks?",
         "When do you close?", "What is new in town?"]


@dataclass
class Tally:
    firsts: list[float] = field(default_factory=list)  # seconds from the line sent to the first checked sentence
    ends: list[float] = field(default_factory=list)  # seconds from the line sent to the whole reply
    ticks: list[float] = field(default_factory=list)  # monotonic arrival of the world clock's ticks
    errors: dict[str, int] = field(default_factory=dict)


def pct(xs: list[float], q: float) -> float:
    return sorted(xs)[min(len(xs) - 1, int(q * len(xs)))] * 1000 if xs else float("nan")


def http(url: str, body: dict | None = None, token: str | None = None) -> dict:
    req = urllib.request.Request(url, data=json.dumps(body).encode() if body is not None else None,
                                 headers={"Content-Type": "application/json",
                                          **({"Authorization": f"Bearer {token}"} if token else {})})
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.loads(r.read())


async def clock(ws_url: str, token: str, t: Tally, stop: float) -> None:
    import websockets

    async with websockets.connect(ws_url, max_size=2**20) as ws:
        await ws.send(json.dumps({"type": "join", "token": token}))
        while (left := stop - time.monotonic()) > 0:
            try:
                f = json.loads(await asyncio.wait_for(ws.recv(), left))
            except asyncio.TimeoutError:
                break
            if f.get("type") == "tick":
                t.ticks.append(time.monotonic())


async def talker(url: str, ws_url: str, token: str, who: str, t: Tally, stop: float, think: float) -> None:
    """Stand beside `who`, then say a line, wait for the whole reply, think, and again until `stop`."""
    import websockets

    async with websockets.connect(ws_url, max_size=2**20) as ws:
        await ws.send(json.dumps({"type": "join", "token": token}))
        await ws.recv()  # welcome
        spot = await asyncio.to_thread(http, f"{url}/api/characters/{who}/beside", None, token)
        await ws.send(json.dumps({"type": "move", "to": spot["tile"], "id": "m0"}))
        while json.loads(await ws.recv()).get("id") != "m0":
            pass
        n = 0
        while time.monotonic() < stop:
            n += 1
            ref = f"s{n}"
            sent = time.perf_counter()
            await ws.send(json.dumps({"type": "say", "to": who, "text": random.choice(LINES), "id": ref}))
            first = True
            while True:
                f = json.loads(await asyncio.wait_for(ws.recv(), max(1.0, stop + 60 - time.monotonic())))
                if f.get("id") != ref:
                    continue  # broadcasts
                if f["type"] == "token" and first:
                    t.firsts.append(time.perf_counter() - sent)
                    first = False
                elif f["type"] == "end":
                    t.ends.append(time.perf_counter() - sent)
                    break
                elif f["type"] == "error":
                    t.errors[f["reason"]] = t.errors.get(f["reason"], 0) + 1
                    break
            await asyncio.sleep(think * random.uniform(0.5, 1.5))


async def crowd(url: str, tokens: list[str], args, seconds: float) -> Tally:
    t = Tally()
    ws_url = url.replace("http", "ws") + "/ws"
    stop = time.monotonic() + seconds
    results = await asyncio.gather(clock(ws_url, tokens[0], t, stop),
                                   *(talker(url, ws_url, tok, args.talk, t, stop, args.think) for tok in tokens),
                                   return_exceptions=True)
    for r in results:
        if isinstance(r, Exception):
            key = f"client:{type(r).__name__}"
            t.errors[key] = t.errors.get(key, 0) + 1
    return t


def start_server(args, priority: bool) -> tuple[subprocess.Popen, str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    db = f"sqlite:///{tempfile.mkdtemp(prefix='llmverse-players-')}/w.db"
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "LLMVERSE_ADMIN_PASSWORD": args.admin_password,
           "PYTHONPATH": str(ROOT / "src"), **({} if priority else {"LLMVERSE_PRIORITY": "off"})}
    cmd = [sys.executable, "-m", "llmverse.server", "--port", str(port), "--db", db, "--model", args.model,
           "--tick", str(args.tick), "--threads", str(args.threads)]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 180  # the first use of gemma3-npc merges its adapter (~20 s)
    while time.monotonic() < deadline:
        try:
            http(url + "/healthz")
            return proc, url
        except OSError:
            if proc.poll() is not None:
                raise SystemExit(f"the server did not start: {' '.join(cmd)}")
            time.sleep(0.2)
    proc.terminate()
    raise SystemExit("the server did not come up in 180 s")


def one_run(args, players: int, priority: bool) -> dict:
    """A fresh server, `players` talking for `args.seconds`; the figures of that run."""
    started = time.monotonic()
    proc, url = start_server(args, priority)
    try:
        admin = http(url + "/api/login", {"name": "admin", "password": args.admin_password})["token"]
        tokens = [http(url + "/api/admin/accounts", {"name": f"p{i:03d}"}, admin)["token"] for i in range(players)]
        if args.warm:  # one reply first: the model is loaded and the character's prefix evaluated
            asyncio.run(crowd(url, tokens[:1], args, 0.5))
        before = os.getloadavg()[0]
        t = asyncio.run(crowd(url, tokens, args, args.seconds))
        model = http(url + "/api/status", token=admin)["model"]
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    gaps = [b - a for a, b in zip(t.ticks, t.ticks[1:])]
    return {"players": players, "priority": "on" if priority else "off", "replies": len(t.firsts),
            "first_p50": pct(t.firsts, .5), "first_p95": pct(t.firsts, .95), "end_p50": pct(t.ends, .5),
            "ticks": len(t.ticks), "lag_worst": (max(gaps) - args.tick) * 1000 if gaps else float("nan"),
            "lag_mean": (sum(gaps) / len(gaps) - args.tick) * 1000 if gaps else float("nan"),
            "errors": dict(t.errors), "load": (before + os.getloadavg()[0]) / 2, "model": model,
            "wall": time.monotonic() - started}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--players", default="10,50", help="crowd sizes, comma-separated")
    ap.add_argument("--seconds", type=float, default=60.0, help="duration of each run")
    ap.add_argument("--rounds", type=int, default=1, help="times each (size, priority) pair is run")
    ap.add_argument("--model", default="gemma3-npc", help="the server's model")
    ap.add_argument("--threads", type=int, default=1, help="llama.cpp threads for the server")
    ap.add_argument("--tick", type=float, default=2.0, help="seconds between world steps (the simulation runs)")
    ap.add_argument("--talk", default="bram", help="the character every player talks to")
    ap.add_argument("--think", type=float, default=1.0, help="mean seconds between a player's lines")
    ap.add_argument("--no-warm", dest="warm", action="store_false", help="skip the warm-up reply of each run")
    ap.add_argument("--admin-password", default=os.environ.get("LLMVERSE_ADMIN_PASSWORD", "players-admin-password"))
    args = ap.parse_args()
    rows, flip = [], False
    for _ in range(args.rounds):
        for n in [int(x) for x in args.players.split(",")]:
            for priority in ((False, True) if flip else (True, False)):
                r = one_run(args, n, priority)
                rows.append(r)
                print(f"  {n} players, players first {r['priority']}: {r['replies']} replies, first sentence p50 "
                      f"{r['first_p50']:.0f} ms, load {r['load']:.1f}, {r['wall']:.0f} s", file=sys.stderr)
            flip = not flip
    print(f"\nmodel {rows[0]['model']}, {args.threads} thread(s), tick every {args.tick:g} s, {args.seconds:.0f} s "
          f"per run, {args.rounds} round(s), players talk to {args.talk}, think {args.think:g} s\n")
    print("| players | players first | replies | first sentence p50 (ms) | first sentence p95 (ms) "
          "| whole reply p50 (ms) | ticks seen | tick lag worst (ms) | tick lag mean (ms) | errors | load avg |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for r in sorted(rows, key=lambda r: (r["players"], r["priority"] == "on")):
        errors = ", ".join(f"{k} {v}" for k, v in r["errors"].items()) or "0"
        print(f"| {r['players']} | {r['priority']} | {r['replies']} | {r['first_p50']:.0f} | {r['first_p95']:.0f} "
              f"| {r['end_p50']:.0f} | {r['ticks']} | {r['lag_worst']:.0f} | {r['lag_mean']:.0f} | {errors} "
              f"| {r['load']:.1f} |")


if __name__ == "__main__":
    main()
