"""A 25-person town through a whole day: level-of-detail cognition against thinking every step.

    nice -n 19 .venv/bin/python bench/simulate.py [--world willow_bend] [--model NAME] [--hours 16]
        [--parts day,slices,interview] [--slices 07:00,12:00,18:00] [--slice 0.5] [--threads 1]
        [--player cafe] [--budget 12] [--interview-at 12:00] [--interview-day] [--out figures.json]

Parts (each on fresh copies of the world, which starts at 07:00; one gateway, one model load):
- `day`: the whole day with every shortcut on (`SimConfig` defaults): Chen Mei announces a party at
  the cafe at 08:00 for 17:00 (Generative Agents' information-spread test); who has heard of it by
  17:00 and who is at the cafe during it (17:00-19:00) are counted; wall time, model calls and tokens
  per character-hour, by level of detail and by what the calls were for, and the step-time distribution.
- `slices`: think-every-step (`lod=False`, every shortcut off) on short slices spread over the day
  (`--slices`, `--slice` hours each): a fresh world is run by rules (no player: no model call) to the
  slice's start, the party announced at 08:00 as in the day, then every character thinks with the
  model every step. Each slice's calls per character-hour are set against the day's, whole and over the
  same hours of the clock: one early slice is not the day (the 07:00 slice, with most people at home,
  was the only baseline before).
- `every-day`: the whole day thinking every step, every shortcut off (affordable with `--model
  scripted`, which gives the structure of the calls: how many, for what, at which hours).
- `interview`: `llmverse eval interview`'s questions to every character, like for like: after the
  whole day with and without the shortcuts when `day` and `every-day` both ran; otherwise two fresh
  worlds run by rules to `--interview-at`, then the same slice with every shortcut on (player at
  `--player`, `--budget`) and with every shortcut off; with `--interview-day`, also after the whole day.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from datetime import datetime
from pathlib import Path

from rich.console import Console
from rich.table import Table

from llmverse.characters.mind import invite
from llmverse.characters.plans import DayPlan
from llmverse.characters.recall import MemorySystem
from llmverse.characters.sim_stats import PURPOSES, RunReport
from llmverse.characters.simulation import SimConfig, Simulation
from llmverse.config import open_gateway, settings
from llmverse.world.world import DEFAULT_WORLD, World, open_world

HOST, PARTY_PLACE, PARTY_WHAT = "mei", "cafe", "a summer party"
console = Console(width=170)  # the tables are wide: do not fold them into 80 columns


class Bench:
    def __init__(self, args: argparse.Namespace, tmp: Path) -> None:
        self.args, self.tmp = args, tmp
        self.gateway = open_gateway(settings(model=args.model, threads=args.threads))
        self.figures: dict = {"model": self.gateway.backend.name, "args": vars(args)}

    def open(self, name: str) -> tuple[World, MemorySystem | None]:
        a = self.args
        path = Path(a.world) if a.world.endswith(".yaml") else DEFAULT_WORLD.parent.parent / a.world / "world.yaml"
        world = open_world(path, f"sqlite:///{self.tmp / name}")
        return world, MemorySystem.open(world, self.gateway) if a.memory else None

    def announce(self, world: World) -> None:
        """08:00: the host plans a party at her cafe for 17:00 and spends the next hour at the square
        telling people (after Generative Agents' Isabella)."""
        invite(world, HOST, PARTY_PLACE, world.now().replace(hour=17, minute=0), PARTY_WHAT)
        DayPlan(world, world.characters[HOST]).add(world.now(), 60, "square", "telling people about the party",
                                                   "own party")

    def by_rules_until(self, world: World, memory: MemorySystem | None, clock: str) -> None:
        """Run the world with no player (no model call at all) to `clock`, the party announced at 08:00."""
        sim = Simulation(world, self.gateway, {}, SimConfig(), memory=memory)
        for stop in ("08:00", clock):
            hours = (_at(world, stop) - world.now()).total_seconds() / 3600
            if hours > 0:
                sim.run(hours)
            if stop == "08:00" and world.now() == _at(world, "08:00"):
                self.announce(world)

    def save(self) -> None:
        """Write the figures so far (`--out`): a long run stopped later keeps what it measured."""
        if self.args.out:
            Path(self.args.out).write_text(json.dumps(self.figures, indent=1, default=str))

    # --- the parts ---------------------------------------------------------------------------------
    def day(self, config: SimConfig, label: str = "day") -> tuple[RunReport, Simulation, World, MemorySystem | None]:
        a = self.args
        world, memory = self.open(f"{label}.db")
        sim = Simulation(world, self.gateway, {"p1": a.player}, config, memory=memory)
        parts = [sim.run(1.0)]  # 07:00 -> 08:00
        self.announce(world)
        party = world.events(kind="invite", last=1)[0]
        parts.append(sim.run(9.0))  # -> 17:00
        aware = [c for c in world.characters if c == HOST or party.id in world.state_of(f"mind:{c}").get("invites", [])]
        attended: set[str] = set()
        for _ in range(4):  # 17:00 -> 19:00, looking every half hour
            parts.append(sim.run(0.5))
            attended |= {c for c in world.characters if world.position(c) == PARTY_PLACE}
        if a.hours > 12.0:
            parts.append(sim.run(a.hours - 12.0))
        invited = [c for c in aware if c != HOST]
        went = sorted(c for c in invited if c in attended)
        spread = {"aware": len(aware), "invited": len(invited), "attended": len(went),
                  "at the cafe anyway": len(attended - set(aware) - {HOST}), "total": len(world.characters)}
        report = _merge(parts)
        self.figures[label] = {**_figures(report), "spread": spread,
                               "decisions cached": sum(m.decisions_cached for m in sim.minds.values()),
                               "ratings reused": _reused(memory)}
        return report, sim, world, memory

    def slice(self, clock: str, config: SimConfig, name: str) -> tuple[RunReport, World, MemorySystem | None]:
        world, memory = self.open(name)
        self.by_rules_until(world, memory, clock)
        report = Simulation(world, self.gateway, {"p1": self.args.player}, config, memory=memory).run(self.args.slice)
        return report, world, memory

    def interview(self, label: str, world: World, memory: MemorySystem | None) -> dict[str, float]:
        from llmverse.evals.interview import interview, scores

        began = time.perf_counter()
        answers = interview(world, self.gateway, memory=memory)
        out = {**scores(answers), "overall": sum(a.passed for a in answers) / max(1, len(answers))}
        self.figures.setdefault("interview", {})[label] = {**out, "answers": len(answers),
                                                           "wall": time.perf_counter() - began}
        console.print(f"interview, {label}: " + "  ".join(f"{k} {v:.2f}" for k, v in out.items()))
        return out


def _at(world: World, clock: str) -> datetime:
    h, m = map(int, clock.split(":"))
    return world.now().replace(hour=h, minute=m)


def _merge(parts: list[RunReport]) -> RunReport:
    """One report for a run made of several `run` calls on one Simulation (its stats accumulate)."""
    last = parts[-1]
    return RunReport(parts[0].start, last.end, sum(p.hours for p in parts), [e for p in parts for e in p.events],
                     last.stats, last.tiers, [s for p in parts for s in p.step_seconds],
                     sum(p.wall_seconds for p in parts), last.calls_cut, last.dropped,
                     any(p.interrupted for p in parts), last.purposes, [c for p in parts for c in p.step_calls])


def _figures(r: RunReport) -> dict:
    return {"hours": r.hours, "wall": r.wall_seconds, "calls per character-hour": r.calls_per_character_hour(),
            "tokens per character-hour": r.tokens_per_character_hour(), "steps": r.step_percentiles(),
            "calls": sum(r.step_calls), "step calls": r.step_calls, "purposes": r.purposes, "calls cut": r.calls_cut,
            "tiers": {n: {"steps": s, "calls": c, "per hour": p} for n, s, c, p, _ in r.tier_rows(10.0)},
            "reflections dropped": dict(r.dropped)}


def _reused(memory: MemorySystem | None) -> int:
    return getattr(memory.stream.scorer, "reused", 0) if memory is not None else 0


def _window(day: RunReport, clock: str, hours: float, characters: int) -> float:
    """The day's model calls per character-hour over `clock` .. `clock + hours` (its 10-minute steps)."""
    start = datetime.fromisoformat(day.start)
    i = int((datetime.combine(start.date(), datetime.strptime(clock, "%H:%M").time()) - start).total_seconds() // 600)
    n = max(1, round(hours * 6))
    return sum(day.step_calls[i:i + n]) / (characters * n / 6)


def _cost_table(rows: list[tuple[str, RunReport]], title: str) -> None:
    t = Table(title=title)
    for col in ("run", "world hours", "wall (s)", "calls / char-hour", "tokens / char-hour", "wall s / char-hour",
                "step p50 / p90 / max (s)", "late steps", "calls cut", *PURPOSES):
        t.add_column(col)
    for label, r in rows:
        p = r.step_percentiles()
        late = r.tiers.get("late")
        t.add_row(label, f"{r.hours:g}", f"{r.wall_seconds:.0f}", f"{r.calls_per_character_hour():.2f}",
                  f"{r.tokens_per_character_hour():.0f}", f"{r.wall_per_character_hour():.2f}",
                  f"{p['p50']:.1f} / {p['p90']:.1f} / {p['max']:.1f}", str(late.character_steps if late else 0),
                  str(r.calls_cut), *(str(r.purposes.get(k, 0)) for k in PURPOSES))
    console.print(t)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--world", default="willow_bend")
    ap.add_argument("--model", default=None, help="model name (default: the configured default model)")
    ap.add_argument("--hours", type=float, default=16.0, help="world hours of the day, from 07:00 (at least 12)")
    ap.add_argument("--parts", default="day,slices,interview")
    ap.add_argument("--slices", default="07:00,12:00,18:00", help="clock times where think-every-step slices start")
    ap.add_argument("--slice", type=float, default=1 / 3, help="world hours of each think-every-step slice")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--player", default="cafe")
    ap.add_argument("--budget", type=float, default=12.0, help="wall seconds per step (the clock never waits)")
    ap.add_argument("--memory", action=argparse.BooleanOptionalAction, default=True)
    ap.add_argument("--interview-at", default="12:00", help="where the like-for-like interview slice starts")
    ap.add_argument("--interview-day", action="store_true", help="also interview after the whole day")
    ap.add_argument("--out", default=None, help="write the figures as JSON here")
    args = ap.parse_args()
    parts = set(args.parts.split(","))
    with tempfile.TemporaryDirectory() as tmp_name:
        bench = Bench(args, Path(tmp_name))
        day = None
        if "every-day" in parts:  # the whole day thinking every step: affordable with the scripted backend
            every, _, w_every, m_every = bench.day(SimConfig.every_step(), "every-day")
            _cost_table([("think every step (whole day)", every)], "every shortcut off, the whole day")
            bench.save()
        if "day" in parts:
            day, sim, w_day, m_day = bench.day(SimConfig(step_budget=args.budget))
            _cost_table([("shortcuts on (whole day)", day)],
                        f"{w_day.file.name.en}, {len(w_day.characters)} characters, {bench.figures['model']}, "
                        f"{args.threads} thread(s), player at {args.player}, budget {args.budget:g} s")
            tiers = Table(title="shortcuts on, by level of detail")
            for col in ("level", "character-steps", "model calls", "calls / char-hour"):
                tiers.add_column(col)
            for name, steps, calls, per, _ in day.tier_rows(10.0):
                tiers.add_row(name, str(steps), f"{calls:.0f}", f"{per:.2f}")
            console.print(tiers)
            s = bench.figures["day"]["spread"]
            console.print(f"information spread: party announced by {HOST} at 08:00 for 17:00 at the {PARTY_PLACE}: "
                          f"{s['aware']} of {s['total']} aware by 17:00 (host included); {s['attended']} of "
                          f"{s['invited']} invited attended; {s['at the cafe anyway']} uninvited were at the cafe then")
            console.print(f"decisions kept from the cache: {bench.figures['day']['decisions cached']}; "
                          f"importance ratings reused: {bench.figures['day']['ratings reused']}")
            if day.dropped:
                console.print("reflections dropped: " + ", ".join(f"{k} {v}" for k, v in day.dropped.most_common()))
            bench.save()
        kept: dict[str, tuple[World, MemorySystem | None]] = {}
        if "slices" in parts:
            rows, ratios = [], Table(title=f"think every step ({args.slice * 60:.0f} min slices) against the shortcuts")
            for col in ("slice", "every step: calls / char-hour", "tokens / char-hour", "wall (s)",
                        "day, same hours: calls / char-hour", "ratio (same hours)", "ratio (whole day)"):
                ratios.add_column(col)
            for clock in args.slices.split(","):
                r, w, m = bench.slice(clock, SimConfig.every_step(), f"every_step_{clock.replace(':', '')}.db")
                kept[clock] = (w, m)
                rows.append((f"every step from {clock}", r))
                f = {**_figures(r), "start": clock}
                if day is not None:
                    same = _window(day, clock, args.slice, len(w.characters))
                    f |= {"day, same hours": same, "ratio same hours": r.calls_per_character_hour() / max(same, 1e-9),
                          "ratio whole day": r.calls_per_character_hour() / max(day.calls_per_character_hour(), 1e-9)}
                bench.figures.setdefault("slices", []).append(f)
                ratios.add_row(clock, f"{r.calls_per_character_hour():.2f}", f"{r.tokens_per_character_hour():.0f}",
                               f"{r.wall_seconds:.0f}", *(("", "", "") if day is None else (
                                   f"{f['day, same hours']:.2f}", f"{f['ratio same hours']:.0f}x",
                                   f"{f['ratio whole day']:.0f}x")))
                console.print(f"slice {clock} done: {r.calls_per_character_hour():.2f} calls per character-hour")
                bench.save()
            _cost_table(rows, "think every step, every shortcut off")
            console.print(ratios)
            bench.save()
        if "day" in parts and "every-day" in parts:
            ratio = every.calls_per_character_hour() / max(day.calls_per_character_hour(), 1e-9)
            bench.figures["whole-day ratio"] = ratio
            console.print(f"whole day: think every step / shortcuts = {ratio:.0f}x fewer calls")
            if "interview" in parts:
                bench.interview(f"think every step, after the whole {args.hours:g} h day", w_every, m_every)
                bench.interview(f"shortcuts on, after the whole {args.hours:g} h day", w_day, m_day)
                bench.save()
            parts.discard("interview")
        if "interview" in parts:
            on, w_on, m_on = bench.slice(args.interview_at, SimConfig(step_budget=args.budget), "interview_on.db")
            bench.figures["interview slice, shortcuts on"] = _figures(on)
            w_off, m_off = kept.get(args.interview_at) or bench.slice(
                args.interview_at, SimConfig.every_step(), "interview_off.db")[1:]
            bench.interview(f"think every step, after the {args.interview_at} slice", w_off, m_off)
            bench.interview(f"shortcuts on, after the same {args.interview_at} slice", w_on, m_on)
            bench.save()
        if day is not None and args.interview_day:
            bench.interview(f"shortcuts on, after the whole {args.hours:g} h day", w_day, m_day)
            bench.save()


if __name__ == "__main__":
    main()
