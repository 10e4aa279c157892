"""Evaluations that print a figure: grounding, interview, assistant, content, recommendations."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from llmverse.cli.common import ModelOpt, ThreadsOpt, WorldOpt, _fail, _memory, _open, console
from llmverse.errors import LlmverseError


def eval_interview(
    model: ModelOpt = None, threads: ThreadsOpt = None, world: WorldOpt = None,
    hours: Annotated[float, typer.Option(help="world hours to simulate before the interview")] = 10.0,
    players: Annotated[str, typer.Option(help="places where players stand during the day")] = "market",
    every_step: Annotated[bool, typer.Option("--every-step", help="every character thinks with the model every "
                                             "step (no shortcuts): the baseline the shortcuts are compared with")] = False,
) -> None:
    """Simulate a day on a fresh world, then interview every character; answers checked against the log."""
    from rich.progress import Progress

    from llmverse.characters.simulation import SimConfig, Simulation
    from llmverse.evals.interview import CATEGORIES, interview, scores

    with tempfile.TemporaryDirectory() as tmp:
        w, gateway = _open(world, model, f"sqlite:///{Path(tmp) / 'interview.db'}", threads)
        where = {f"player{i}": p.strip() for i, p in enumerate(players.split(",")) if p.strip()}
        with Progress(console=console, transient=True) as bar:
            task = bar.add_task("simulating the day", total=1)
            memories = _memory(w, gateway)
            Simulation(w, gateway, where, SimConfig.every_step() if every_step else None, memory=memories).run(
                hours, progress=lambda i, n: bar.update(task, completed=i, total=n))
            task2 = bar.add_task("interviewing", total=len(w.characters) * len(CATEGORIES))
            answers = interview(w, gateway, memory=memories, progress=lambda _: bar.advance(task2))
        w.store.engine.dispose()
    t = Table(title=f"interview after {hours:g} world hours, model {gateway.backend.name}")
    for col in ("who", "category", "answer", "ok", "checked"):
        t.add_column(col, overflow="fold")
    for a in answers:
        t.add_row(a.character, a.category, a.reply, "[green]yes[/green]" if a.passed else "[red]no[/red]", a.why)
    console.print(t)
    per = scores(answers)
    console.print("  ".join(f"{k} {v:.2f}" for k, v in per.items()) +
                  f"  overall {sum(a.passed for a in answers) / len(answers):.2f}")

def eval_assistant(model: ModelOpt = None, threads: ThreadsOpt = None, world: WorldOpt = None,
                   embed: Annotated[bool, typer.Option(help="blend MiniLM cosine into retrieval")] = False,
                   show: Annotated[bool, typer.Option(help="print every request and reply")] = True) -> None:
    """Run the 64 bundled requests through the assistant; print tool-choice and answer accuracy,
    unsupported-claim rate and latency p50/p95."""
    from rich.progress import track

    from llmverse.evals import assistant as ev

    with tempfile.TemporaryDirectory() as tmp:  # a fresh world each run: the figure is repeatable
        w, gateway = _open(world, model, f"sqlite:///{Path(tmp) / 'eval.db'}", threads)
        embedder = None
        if embed:
            from llmverse.llm.embed import Embedder

            embedder = Embedder()
        n = len(ev.load_eval_set().requests)
        steps = iter(track(range(n), description="asking", console=console, transient=True))
        outcomes = ev.run(w, gateway, embedder=embedder, progress=lambda _: next(steps, None))
        w.store.engine.dispose()
    if show:
        t = Table(title=f"assistant eval, model {gateway.backend.name}")
        for col in ("request", "expected", "model", "final", "reply", "right", "unsupported"):
            t.add_column(col, overflow="fold")
        for o in outcomes:
            t.add_row(o.r.text, o.r.tool, o.model_tool or "-", o.reply.tool, o.reply.text,
                      "[green]yes[/green]" if o.right else "[red]no[/red]", ", ".join(o.unsupported))
        console.print(t)
    f = ev.figures(outcomes)
    console.print(f"tool choice: final [bold]{f.tool_final:.2f}[/bold], model alone {f.tool_model:.2f}; "
                  f"answers right [bold]{f.answer:.2f}[/bold]; unsupported claims {f.unsupported:.3f} "
                  f"(model drafts {f.drafts_unsupported:.2f} of {f.drafts}); "
                  f"latency p50 {f.p50:.2f}s, p95 {f.p95:.2f}s")
    for lang, (final, alone, right) in f.by_language.items():
        console.print(f"  {lang}: tool final {final:.2f}, model {alone:.2f}, answers {right:.2f}")

def eval_grounding(model: ModelOpt = None, threads: ThreadsOpt = None, world: WorldOpt = None,
                   show: Annotated[bool, typer.Option(help="print every question and reply")] = True,
                   held_out: Annotated[bool, typer.Option(
                       "--held-out", help="generated questions split by template and world: the held-out "
                       "part (with a second world) first, the tuning part beside it")] = False,
                   part: Annotated[str, typer.Option(help="with --held-out: held_out, tuning or both")] = "both",
                   embedder: Annotated[str, typer.Option(help="with --held-out: auto, e5, minilm or none")] = "auto",
                   failures: Annotated[int, typer.Option(help="with --held-out: print this many failed replies")] = 20,
                   limit: Annotated[int | None, typer.Option(help="with --held-out: at most this many questions per world")] = None,
                   out: Annotated[Path | None, typer.Option(help="with --held-out: write every reply as JSON lines")] = None) -> None:
    """Ask questions about the world's facts; print the fraction answered with the right fact.

    Without --held-out: the 30 bundled questions about Harbor Town (the team's own set)."""
    from rich.progress import track

    if held_out:
        from llmverse.cli.heldout import run_held_out

        parts = ("held_out", "tuning") if part == "both" else (part,)
        try:
            run_held_out(model, threads, parts=parts, embedder_name=embedder, show=failures, limit=limit, out=out)
        except LlmverseError as exc:
            raise _fail(exc) from exc
        return

    from llmverse.evals import grounding
    from llmverse.lang import detect_language

    with tempfile.TemporaryDirectory() as tmp:  # a fresh world each run: the figure is repeatable
        w, gateway = _open(world, model, f"sqlite:///{Path(tmp) / 'eval.db'}", threads)
        questions = grounding.load_eval_set().questions
        steps = iter(track(range(len(questions)), description="asking", console=console, transient=True))
        outcomes = grounding.run(w, gateway, progress=lambda _: next(steps, None))
        w.store.engine.dispose()
    if show:
        t = Table(title=f"grounding eval, model {gateway.backend.name}")
        for col in ("who", "question", "reply", "right", "how"):
            t.add_column(col, overflow="fold")
        for o in outcomes:
            how = ("fallback" if o.reply.fallback else "composed" if o.reply.composed
                   else "completed" if o.reply.completed else "model")
            t.add_row(o.q.character, o.q.question, o.reply.text, "[green]yes[/green]" if o.right else "[red]no[/red]", how)
        console.print(t)
    n = len(outcomes)
    final, alone = grounding.fraction(outcomes), grounding.fraction(outcomes, "model")
    lang = sum(o.language_ok for o in outcomes) / n
    dropped = sum(len(o.reply.dropped) for o in outcomes)
    en = [o for o in outcomes if detect_language(o.q.question) == "en"]
    console.print(f"right fact: [bold]{final:.2f}[/bold] ({round(final * n)}/{n}) final replies; "
                  f"from the model alone {alone:.2f} ({sum(o.by_model for o in outcomes)}/{n}; "
                  f"English questions {sum(o.by_model for o in en)}/{len(en)}); "
                  f"reply in the question's language {lang:.2f}; {dropped} invented sentence(s) dropped")


def eval_content(
    model: ModelOpt = None, threads: ThreadsOpt = None, world: WorldOpt = None,
    hours: Annotated[float, typer.Option(help="world hours of the simulated day (from 08:00)")] = 12.0,
    show: Annotated[bool, typer.Option(help="print every item, not only the figures")] = True,
) -> None:
    """Simulate a Harbor Town day, then generate news, poems, quests, stories and descriptions; print the figures."""
    from rich.progress import Progress

    from llmverse.config import open_gateway, settings
    from llmverse.content.evaluate import evaluate_content, tables

    try:
        gateway = open_gateway(settings(model=model, threads=threads))
        with Progress(console=console, transient=True) as bar:
            task = bar.add_task("simulating the day", total=None)
            result = evaluate_content(gateway, world_path=world, hours=hours,
                                      progress=lambda label: bar.update(task, description=label))
    except LlmverseError as exc:
        raise _fail(exc) from exc
    summary, items = tables(result)
    console.print(summary)
    if show:
        console.print(items)


def eval_recommend(
    world: WorldOpt = None,
    players: Annotated[int, typer.Option(help="simulated players (each holds out its last 2 choices)")] = 200,
    days: Annotated[int, typer.Option(help="world days the players act (08:00-21:00)")] = 1,
    seed: Annotated[int, typer.Option(help="random seed of the simulated players")] = 11,
    embed: Annotated[bool, typer.Option(help="MiniLM embeddings for content similarity (else bag of words)")] = False,
) -> None:
    """Simulate players with hidden tastes, hold out each one's last choices, and print hit rate @5 of
    the recommender beside a popularity baseline and content alone."""
    from rich.progress import Progress

    from llmverse.evals import recommend as ev
    from llmverse.world.world import open_world

    with tempfile.TemporaryDirectory() as tmp:  # a fresh world each run: the figure is repeatable
        try:
            w = open_world(world, f"sqlite:///{Path(tmp) / 'recommend.db'}")
        except LlmverseError as exc:
            raise _fail(exc) from exc
        embedder = None
        if embed:
            from llmverse.llm.embed import Embedder

            embedder = Embedder()
        with Progress(console=console, transient=True) as bar:
            task = bar.add_task("players acting", total=1)
            people = ev.simulate_players(w, players=players, days=days, seed=seed,
                                         progress=lambda i, n: bar.update(task, completed=i, total=n))
            task2 = bar.add_task("recommending", total=1)
            result = ev.evaluate(w, people, embedder=embedder,
                                 progress=lambda i, n: bar.update(task2, completed=i, total=n))
        w.store.engine.dispose()
    t = Table(title=f"recommendations: hit rate @{ev.K} on {result.tests} held-out choices of "
                    f"{result.players} simulated players (seed {seed}, {'MiniLM' if embed else 'bag of words'})")
    t.add_column("stated interest")
    for mode in ev.MODES:
        t.add_column(mode, justify="right")
    names = {"en": "English", "zh": "Chinese", "none": "none (behaviour only)"}
    for lang in ("en", "zh", "none"):
        cells = result.by_language.get(lang)
        if cells:
            t.add_row(names[lang], *(f"{cells[m][0] / cells[m][1]:.3f}" for m in ev.MODES))
    t.add_row("[bold]all[/bold]", *(f"[bold]{result.rate(m):.3f}[/bold]" for m in ev.MODES))
    console.print(t)
    lift = result.rate("blend") / result.rate("popularity") if result.rate("popularity") else float("inf")
    console.print(f"blend / popularity: {lift:.2f}×; a top {ev.K} is chosen from {result.candidates:.1f} candidates "
                  f"on average (places, things, characters, activities open and reachable then)")
