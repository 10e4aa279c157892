"""A 25-person town through a whole day: level-of-detail cognition against thinking every step.

    nice -n 10 .venv/bin/python bench/simulate.py [--world willow_bend] [--model smollm2-135m]
        [--hours 16] [--slice 1] [--threads 1] [--player square] [--budget 20] [--interview]

One run, three parts, each on a fresh copy of the world (start 07:00):
1. the day with every shortcut on (`SimConfig` defaults): Chen Mei announces a party at the cafe at
   08:00 for 17:00 (Generative Agents' information-spread test); who has heard of it by 17:00 and who
   is at the cafe during it (17:00-19:00) are counted; wall time, model calls and tokens per
   character-hour, by level of detail, and the step-time distribution;
2. think-every-step (`lod=False`, every shortcut off) on a shorter slice from 08:00 (`--slice` hours):
   the same figures, and the ratio;
3. with `--interview`: `llmverse eval interview`'s questions to every character, on like for like:
   after the think-every-step slice and after the same slice with every shortcut on (a third fresh
   world); with `--interview-day`, also after the whole day with the shortcuts.
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
from llmverse.characters.sim_stats import RunReport
from llmverse.characters.simulation import SimConfig, Simulation
from llmverse.config import open_gateway, settings
from llmverse.world.world import DEFAULT_WORLD, World, open_world

HOST, PARTY_PLACE, PARTY_WHAT = "mei", "cafe", "a summer party"
console = Console(width=160)  # the tables are wide: do not fold them into 80 columns


def _open(args, tmp: Path, name: str) -> tuple[World, object, MemorySystem | None]:
    path = Path(args.world) if args.world.endswith(".yaml") else DEFAULT_WORLD.parent.parent / args.world / "world.yaml"
    world = open_world(path, f"sqlite:///{tmp / name}")
    gateway = open_gateway(settings(model=args.model, threads=args.threads))
    memory = MemorySystem.open(world, gateway) if args.memory else None
    return world, gateway, memory


def _merge(parts: list[RunReport]) -> RunReport:
    """One report for a run made of several `run` calls on one Simulation (its stats accumulate)."""
    last = parts[-1]
    return RunReport(parts[0].start, last.end, sum(p.hours for p in parts), [e for p in parts for e in p.events],
                     last.stats, last.tiers, [s for p in parts for s in p.step_seconds],
                     sum(p.wall_seconds for p in parts), last.calls_cut, last.dropped,
                     any(p.interrupted for p in parts))


def day(args, tmp: Path) -> tuple[RunReport, dict, World, object, MemorySystem | None]:
    world, gateway, memory = _open(args, tmp, "day.db")
    sim = Simulation(world, gateway, {"p1": args.player}, SimConfig(step_budget=args.budget), memory=memory)
    parts = [sim.run(1.0)]  # 07:00 -> 08:00
    party = invite(world, HOST, PARTY_PLACE, world.now().replace(hour=17, minute=0), PARTY_WHAT)
    # The host spends the morning where people pass (after GA's Isabella, who invites at her cafe).
    DayPlan(world, world.characters[HOST]).add(world.now(), 60, "square", "telling people about the party", "own party")
    parts.append(sim.run(9.0))  # -> 17:00
    aware = [c for c in world.characters if c == HOST or party.id in world.state_of(f"mind:{c}").get("invites", [])]
    attended: set[str] = set()
    for _ in range(4):  # 17:00 -> 19:00, looking every half hour
        parts.append(sim.run(0.5))
        attended |= {c for c in world.characters if world.position(c) == PARTY_PLACE}
    rest = args.hours - 12.0
    if rest > 0:
        parts.append(sim.run(rest))
    invited = [c for c in aware if c != HOST]
    went = sorted(c for c in invited if c in attended)
    spread = {"aware": len(aware), "invited": len(invited), "attended": len(went),
              "at the cafe anyway": len(attended - set(aware) - {HOST}), "total": len(world.characters)}
    return _merge(parts), spread, world, gateway, memory


def baseline(args, tmp: Path, shortcuts: bool = False) -> tuple[RunReport, World, object, MemorySystem | None]:
    """The slice from 07:00, the party announced at 08:00: every shortcut off, or (for the interview's
    like-for-like comparison) every shortcut on."""
    world, gateway, memory = _open(args, tmp, "slice_on.db" if shortcuts else "every_step.db")
    off = SimConfig(lod=False, model_importance=True, share_plans=False, summarise_far_talk=False)
    on = SimConfig(step_budget=args.budget)
    sim = Simulation(world, gateway, {"p1": args.player}, on if shortcuts else off, memory=memory)
    first = sim.run(min(1.0, args.slice))  # from 07:00, as in the day
    if args.slice > 1.0:  # 08:00: the party announced, as in the day
        invite(world, HOST, PARTY_PLACE, world.now().replace(hour=17, minute=0), PARTY_WHAT)
        return _merge([first, sim.run(args.slice - 1.0)]), world, gateway, memory
    return first, world, gateway, memory


def _interview(world, gateway, memory) -> dict[str, float]:
    from llmverse.evals.interview import interview, scores

    answers = interview(world, gateway, memory=memory)
    out = scores(answers)
    out["overall"] = sum(a.passed for a in answers) / max(1, len(answers))
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--world", default="willow_bend")
    ap.add_argument("--model", default="smollm2-135m")
    ap.add_argument("--hours", type=float, default=16.0, help="world hours of the day, from 07:00 (at least 12)")
    ap.add_argument("--slice", type=float, default=1.0, help="world hours of think-every-step, from 07:00")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--player", default="square")
    ap.add_argument("--budget", type=float, default=None, help="wall seconds per step (the clock never waits)")
    ap.add_argument("--memory", action=argparse.BooleanOptionalAction, default=True)
    ap.add_argument("--interview", action="store_true", help="interview after the slice, shortcuts on and off")
    ap.add_argument("--interview-day", action="store_true", help="and after the whole day")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        t0 = time.perf_counter()
        on, spread, w_on, g_on, m_on = day(args, tmp)
        console.print(f"day done in {time.perf_counter() - t0:.0f} s")
        off, w_off, g_off, m_off = baseline(args, tmp)
        rows = [("shortcuts on (whole day)", on), (f"think every step ({args.slice:g} h slice)", off)]
        t = Table(title=f"{w_on.file.name.en}, {len(w_on.characters)} characters, {args.model}, "
                        f"{args.threads} thread(s), player at {args.player}")
        for col in ("run", "world hours", "wall (s)", "calls / char-hour", "tokens / char-hour",
                    "wall s / char-hour", "step p50 / p90 / max (s)", "late steps", "calls cut"):
            t.add_column(col)
        for label, r in rows:
            p = r.step_percentiles()
            t.add_row(label, f"{r.hours:g}", f"{r.wall_seconds:.0f}", f"{r.calls_per_character_hour():.2f}",
                      f"{r.tokens_per_character_hour():.0f}", f"{r.wall_per_character_hour():.2f}",
                      f"{p['p50']:.1f} / {p['p90']:.1f} / {p['max']:.1f}",
                      str(r.tiers.get("late").character_steps if r.tiers.get("late") else 0), str(r.calls_cut))
        ratio = off.calls_per_character_hour() / max(on.calls_per_character_hour(), 1e-9)
        tok = off.tokens_per_character_hour() / max(on.tokens_per_character_hour(), 1e-9)
        t.add_row("think-every-step / shortcuts", "", "", f"{ratio:.0f}x", f"{tok:.0f}x", "", "", "", "")
        console.print(t)
        tiers = Table(title="shortcuts on, by level of detail")
        for col in ("level", "character-steps", "model calls", "calls / char-hour", "tokens / char-hour"):
            tiers.add_column(col)
        for name, steps, calls, per, toks in on.tier_rows(10.0):
            tiers.add_row(name, str(steps), f"{calls:.0f}", f"{per:.2f}", f"{toks:.0f}")
        console.print(tiers)
        console.print(f"information spread: party announced by {HOST} at 08:00 for 17:00 at the {PARTY_PLACE}: "
                      f"{spread['aware']} of {spread['total']} aware by 17:00 (host included); "
                      f"{spread['attended']} of {spread['invited']} invited attended; "
                      f"{spread['at the cafe anyway']} uninvited were at the cafe then")
        if on.dropped:
            console.print("reflections dropped: " + ", ".join(f"{k} {v}" for k, v in on.dropped.most_common()))
        if args.interview:
            _, w_s, g_s, m_s = baseline(args, tmp, shortcuts=True)
            runs = [(f"think every step, after the {args.slice:g} h slice", (w_off, g_off, m_off)),
                    (f"shortcuts on, after the same {args.slice:g} h slice", (w_s, g_s, m_s))]
            if args.interview_day:
                runs.append((f"shortcuts on, after the whole {args.hours:g} h day", (w_on, g_on, m_on)))
            for label, (w, g, m) in runs:
                s = _interview(w, g, m)
                console.print(f"interview, {label}: " + "  ".join(f"{k} {v:.2f}" for k, v in s.items()))


if __name__ == "__main__":
    main()
