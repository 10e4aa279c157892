"""Running the world and printing what happened."""

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
    lod: Annotated[bool, typer.Option(help="far characters follow plans without the model")] = True,
    step: Annotated[float, typer.Option(help="world minutes per step")] = 10.0,
    memory: Annotated[bool, typer.Option(help="characters remember, recall and reflect (MiniLM embeddings)")] = True,
) -> None:
    """Run the world: characters follow plans, meet, talk and pass news on. Resumes from the store."""
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
    sim = Simulation(w, gateway, where, SimConfig(step_minutes=step, lod=lod), memory=memories)
    with Progress(console=console, transient=True) as bar:
        task = bar.add_task(f"simulating from {w.now():%H:%M}", total=1)
        report = sim.run(hours, progress=lambda i, n: bar.update(task, completed=i, total=n))
    if memories is not None:
        memories.retriever.flush()
    _print_timeline(report, w)


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
        elif e.kind == "say":
            what = f"to {names.get(e.target, e.target)}: {e.data['text']}"
        elif e.kind == "invite":
            what = f"plans {e.data['what']} at {w.places[e.data['place']].names.en}, {e.data['at'][11:]}"
        else:
            what = f"{e.kind} {e.target or ''}"
        t.add_row(f"{e.world_time:%H:%M}", who, what)
    console.print(t)
    s = Table(title="model use per character")
    for col in ("character", "steps (with model)", "model calls", "tokens", "calls / hour", "reflections"):
        s.add_column(col)
    for cid, st in report.stats.items():
        s.add_row(names[cid], f"{st.steps} ({st.detailed_steps})", f"{st.model_calls:.1f}",
                  f"{st.prompt_tokens + st.completion_tokens:.0f}", f"{st.model_calls / report.hours:.2f}",
                  str(st.reflections))
    console.print(s)
    console.print(f"{report.calls_per_character_hour():.2f} model calls and "
                  f"{report.tokens_per_character_hour():.0f} tokens per character-hour")
