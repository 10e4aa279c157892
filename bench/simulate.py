"""Level of detail for minds: Harbor Town for N world hours with LOD on vs off, in one run.

    .venv/bin/python bench/simulate.py [--model smollm2-135m] [--hours 2] [--threads 2]

Both runs start from the same fresh world (a player at the market, Nell's lunch party announced),
so the difference is only who thinks with the model.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from llmverse.characters.mind import invite
from llmverse.characters.plans import DayPlan
from llmverse.characters.recall import MemorySystem
from llmverse.characters.simulation import SimConfig, Simulation
from llmverse.config import open_gateway, settings
from llmverse.world.world import open_world


def run(model: str, threads: int, hours: float, lod: bool, tmp: Path) -> tuple[Simulation, float, float, float]:
    world = open_world(database_url=f"sqlite:///{tmp / ('lod.db' if lod else 'full.db')}")
    gateway = open_gateway(settings(model=model, threads=threads))
    invite(world, "nell", "inn", world.now().replace(hour=12), "a lunch party")
    DayPlan(world, world.characters["nell"]).add(world.now().replace(hour=9), 60, "market", "inviting people", "own party")
    memory = MemorySystem.open(world, gateway)  # characters remember, recall and reflect in both runs
    sim = Simulation(world, gateway, players={"p1": "market"}, config=SimConfig(lod=lod), memory=memory)
    start = time.perf_counter()
    report = sim.run(hours)
    return sim, time.perf_counter() - start, report.calls_per_character_hour(), report.tokens_per_character_hour()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default="smollm2-135m")
    ap.add_argument("--hours", type=float, default=2.0)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    rows = {}
    with tempfile.TemporaryDirectory() as tmp:
        for lod in (True, False):
            rows[lod] = run(args.model, args.threads, args.hours, lod, Path(tmp))
    t = Table(title=f"Harbor Town, {args.hours:g} world hours, {args.model}, 5 characters, player at the market")
    for col in ("level of detail", "model calls / character-hour", "tokens / character-hour", "wall time (s)",
                "steps with the model"):
        t.add_column(col)
    for lod, (sim, wall, calls, tokens) in rows.items():
        detailed = sum(s.detailed_steps for s in sim.stats.values())
        steps = sum(s.steps for s in sim.stats.values())
        t.add_row("on (near players only)" if lod else "off (everyone, every step)", f"{calls:.1f}", f"{tokens:.0f}",
                  f"{wall:.1f}", f"{detailed}/{steps}")
    on, off = rows[True], rows[False]
    t.add_row("reduction off / on", f"{off[2] / max(on[2], 1e-9):.1f}x", f"{off[3] / max(on[3], 1e-9):.1f}x",
              f"{off[1] / max(on[1], 1e-9):.1f}x", "")
    Console().print(t)


if __name__ == "__main__":
    main()
