"""Running the world and printing what happened (and, with --stats, what it cost)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from llmverse.cli.common import DbOpt, ModelOpt, ThreadsOpt, WorldOpt, _fail, _memory, _open, console
from llmverse.errors import LlmverseError


def simulate(
    hours: Annotated[float, typer.Option(help="world hours to simulate")] = 2.0,
    world: WorldOpt = None, model: ModelOpt = None, db: DbOpt = None, threads: ThreadsOpt = None,
    players: Annotated[str, typer.Option(help="places where players stand, comma-separated")] = "market",
    lod: Annotated[bool, typer.Option(help="only characters a player can see think with the model")] = True,
    step: Annotated[float, typer.Option(help="world minutes per step")] = 10.0,
    memory: Annotated[bool, typer.Option(help="characters remember, recall and reflect (MiniLM embeddings)")] = True,
    stats: Annotated[bool, typer.Option("--stats", help="model calls, tokens and wall time per character-hour, "
                                        "by level of detail, and step times")] = False,
    timeline: Annotated[bool, typer.Option(help="print every event")] = True,
    max_near: Annotated[int, typer.Option(help="characters per player that think with the model (0: all seen)")] = 4,
    radius: Annotated[int, typer.Option(help="tiles within which a player sees or hears a character")] = 8,
    budget: Annotated[float | None, typer.Option(help="wall seconds per step; past it, rules (never wait on the model)")] = None,
    by_sight: Annotated[bool, typer.Option(help="near = seen by a player; --no-by-sight: anyone at the place")] = True,
    model_importance: Annotated[bool, typer.Option(help="near characters' memories scored by the model")] = True,
    share_plans: Annotated[bool, typer.Option(help="ten-minute steps made once serve every character alike")] = True,
    summarise_far_talk: Annotated[bool, typer.Option(help="far conversations as one line by rules")] = True,
    share_importance: Annotated[bool, typer.Option(help="near memories: the same words rated once, talk "
                                                   "rated in the step's batch")] = True,
    cache_decisions: Annotated[bool, typer.Option(help="a near character that chose to stay keeps at it "
                                                  "while its options are unchanged")] = True,
) -> None:
    """Run the world: characters follow plans, meet, talk and pass news on. Resumes from the store;
    Ctrl-C ends after the step under way and prints what ran."""
    from rich.progress import Progress

    from llmverse.characters.simulation import SimConfig, Simulation

    try:
        w, gateway = _open(world, model, db, threads)
    except LlmverseError as exc:
        raise _fail(exc) from exc
    where = {f"player{i}": p.strip() for i, p in enumerate(players.split(",")) if p.strip()}
    unknown = [p for p in where.values() if p not in w.places]
    if unknown:
        raise _fail(LlmverseError(f"unknown place(s) {unknown}; choose from {sorted(w.places)}"))
    memories = _memory(w, gateway) if memory else None
    config = SimConfig(step_minutes=step, lod=lod, radius=radius, by_sight=by_sight, max_near=max_near,
                       model_importance=model_importance, share_plans=share_plans,
                       summarise_far_talk=summarise_far_talk, share_importance=share_importance,
                       cache_decisions=cache_decisions, step_budget=budget)
    sim = Simulation(w, gateway, where, config, memory=memories)
    with Progress(console=console, transient=True) as bar:
        task = bar.add_task(f"simulating from {w.now():%H:%M} (Ctrl-C: stop after this step)", total=1)
        report = sim.run(hours, progress=lambda i, n: bar.update(task, completed=i, total=n))
    if memories is not None:
        memories.retriever.flush()
    if report.interrupted:
        console.print(f"[yellow]interrupted[/yellow] after {len(report.step_seconds)} whole steps "
                      f"({report.start} → {report.end}); run again to go on from there")
    if timeline:
        _print_timeline(report, w)
    _print_use(report, w)
    if stats:
        print_stats(report, step)


def _print_timeline(report, w) -> None:
    t = Table(title=f"{w.file.name.en}, {report.start} → {report.end}")
    for col in ("time", "who", "what"):
        t.add_column(col, overflow="fold")
    names = {c: w.characters[c].names.en for c in w.characters}
    for e in report.events:
        who = names.get(e.actor, e.actor)
        if e.kind == "move":
            what = f"walks to {w.places[e.target].names.en} ({e.data['minutes']} min)"
        elif e.kind == "arrive":
            what = f"arrives at {w.places[e.target].names.en}"
        elif e.kind == "say" and e.data.get("summary"):
            what = e.data["text"]
        elif e.kind == "say":
            what = f"to {names.get(e.target, e.target)}: {e.data['text']}"
        elif e.kind == "invite":
            what = f"plans {e.data['what']} at {w.places[e.data['place']].names.en}, {e.data['at'][11:]}"
        elif e.kind in ("buy", "give"):
            thing = w.things.get(e.data.get("thing", ""))
            item = f"the {thing.names.en}" if thing else e.data.get("thing", "something")
            if e.kind == "buy":
                seller = f" from {names[e.target]}" if e.target in names else ""
                price = f" for {e.data['price']:g} coins" if e.data.get("price") is not None else ""
                what = f"buys {item}{seller}{price}"
            else:
                what = f"gives {item} to {names.get(e.target, e.target)}"
        else:
            what = f"{e.kind} {e.target or ''}"
        t.add_row(f"{e.world_time:%H:%M}", who, what)
    console.print(t)


def _print_use(report, w) -> None:
    names = {c: w.characters[c].names.en for c in w.characters}
    s = Table(title="model use per character")
    for col in ("character", "steps (with model)", "model calls", "tokens", "calls / hour", "reflections"):
        s.add_column(col)
    for cid, st in report.stats.items():
        s.add_row(names[cid], f"{st.steps} ({st.detailed_steps})", f"{st.model_calls:.1f}",
                  f"{st.prompt_tokens + st.completion_tokens:.0f}", f"{st.model_calls / max(report.hours, 1e-9):.2f}",
                  str(st.reflections))
    console.print(s)
    console.print(f"{report.calls_per_character_hour():.2f} model calls and "
                  f"{report.tokens_per_character_hour():.0f} tokens per character-hour")


def print_stats(report, step_minutes: float) -> None:
    """The run's cost: per character-hour, per level of detail, and the step-time distribution."""
    t = Table(title=f"cost by level of detail ({len(report.stats)} characters, {report.hours:g} world hours)")
    for col in ("level", "character-steps", "model calls", "calls / character-hour", "tokens / character-hour"):
        t.add_column(col)
    for name, steps, calls, per_hour, tokens in report.tier_rows(step_minutes):
        t.add_row(name, str(steps), f"{calls:.0f}", f"{per_hour:.2f}", f"{tokens:.0f}")
    console.print(t)
    p = report.step_percentiles()
    console.print(f"all: {report.calls_per_character_hour():.2f} calls, {report.tokens_per_character_hour():.0f} tokens "
                  f"and {report.wall_per_character_hour():.2f} s of wall time per character-hour; "
                  f"wall {report.wall_seconds:.1f} s for {len(report.step_seconds)} steps "
                  f"(step p50 {p['p50']:.2f} s, p90 {p['p90']:.2f} s, max {p['max']:.2f} s)")
    if report.purposes:
        console.print("model calls by purpose: " + ", ".join(f"{k} {v}" for k, v in report.purposes.items()))
    late = report.tiers.get("late")
    console.print(f"clock: {late.character_steps if late else 0} character-steps out of time used rules; "
                  f"{report.calls_cut} model calls cut")
    if report.dropped:
        console.print("reflections dropped: " + ", ".join(f"{why} {n}" for why, n in report.dropped.most_common()))
