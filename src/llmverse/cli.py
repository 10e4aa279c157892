"""The llmverse command line: thin; parse, call the library, print with rich."""

from __future__ import annotations

import logging
import os
import sys
import tempfile
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from llmverse.errors import InvalidMessage, LlmverseError, WorldFileError
from llmverse.train.cli import predict_command, train_app  # imports only typer and rich

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # nothing is ever fetched from a model hub

app = typer.Typer(help="llmverse: LLM-driven inhabitants for virtual worlds.", no_args_is_help=True)
world_app = typer.Typer(help="World files.")
eval_app = typer.Typer(help="Evaluations that print a figure.")
app.add_typer(world_app, name="world")
app.add_typer(eval_app, name="eval")
app.add_typer(train_app, name="train")
app.command("predict")(predict_command)
import_app = typer.Typer(help="Bring characters and worlds in from other formats.")
export_app = typer.Typer(help="Write world characters out in other formats.")
app.add_typer(import_app, name="import")
app.add_typer(export_app, name="export")
console = Console()

WorldOpt = Annotated[Path | None, typer.Option("--world", help="world file (default: bundled Harbor Town)")]
ModelOpt = Annotated[str | None, typer.Option(
    "--model", help="bundled name, 'scripted', a .gguf path or an OpenAI-compatible URL [env LLMVERSE_MODEL]")]
DbOpt = Annotated[str | None, typer.Option("--db", help="SQLAlchemy URL [env DATABASE_URL]")]
ThreadsOpt = Annotated[int | None, typer.Option("--threads", help="llama.cpp threads [env LLMVERSE_THREADS]")]


def _fail(exc: Exception) -> typer.Exit:
    console.print(f"[red]error[/red] {exc}")
    return typer.Exit(1)


@app.callback()
def _main(verbose: Annotated[bool, typer.Option("--verbose", "-v", help="log what the checks do")] = False) -> None:
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)


@world_app.command("check")
def world_check(file: Path) -> None:
    """Validate a world file; errors name the file, line and field."""
    from llmverse.world.loader import load_world

    try:
        world = load_world(file)
    except WorldFileError as exc:
        raise _fail(exc) from exc
    console.print(
        f"[green]ok[/green] {world.name.en}: {len(world.places)} places, "
        f"{len(world.things)} things, {len(world.characters)} characters"
    )


@world_app.command("schema")
def world_schema(out: Annotated[Path | None, typer.Option(help="where to write it")] = None) -> None:
    """Write the world file format's JSON Schema (generated from the pydantic models)."""
    from llmverse.world.schema import SCHEMA_PATH, write_schema

    console.print(f"wrote {write_schema(out or SCHEMA_PATH)}")


@import_app.command("card")
def import_card(
    file: Annotated[Path, typer.Argument(help="Character Card .json or .png (V1, V2, V3)")],
    world: Annotated[Path, typer.Option("--world", help="world file to add the character to")],
    character_id: Annotated[str | None, typer.Option("--id", help="world id (default: from the name)")] = None,
    role: Annotated[str, typer.Option(help="role when the card's tags give none")] = "visitor",
    home: Annotated[str | None, typer.Option(help="place id where they live")] = None,
    workplace: Annotated[str | None, typer.Option(help="place id where they work")] = None,
) -> None:
    """Add a Character Card's character to a world file (comments and layout kept)."""
    from llmverse.characters.world_edit import import_card_to_world

    try:
        report = import_card_to_world(file, world, character_id=character_id, role=role,
                                      home=home, workplace=workplace)
    except LlmverseError as exc:
        raise _fail(exc) from exc
    console.print(f"[green]added[/green] {report.character_id} to {report.world}")
    for note in report.notes:
        console.print(f"[yellow]note[/yellow] {note}")
    if report.sidecar:
        console.print(f"card extras kept in {report.sidecar}")


@import_app.command("smallville")
def import_smallville_cmd(
    folder: Path,
    out: Annotated[Path, typer.Option("--out", help="world file to write")],
    personas: Annotated[Path | None, typer.Option(
        help="personas folder if not DIR/personas (Generative Agents: storage/<sim>/personas)")] = None,
    name: Annotated[str | None, typer.Option(help="the world's English name")] = None,
) -> None:
    """Import a Generative Agents (Smallville) town as an llmverse world file."""
    from llmverse.world.smallville import SmallvilleError, import_smallville, write_world

    try:
        result = import_smallville(folder, name=name, personas=personas)
    except SmallvilleError as exc:
        raise _fail(exc) from exc
    write_world(result.world, out)
    for warning in result.warnings:
        console.print(f"[yellow]warning[/yellow] {warning}")
    t = Table(title="sectors → places")
    for col in ("sector", "place", "tiles in rect", "walkable in rect"):
        t.add_column(col)
    for c in result.coverage:
        t.add_row(c.sector, c.place or "(left out)", f"{c.covered}/{c.tiles}", f"{c.covered_walkable}/{c.walkable}")
    console.print(t)
    w = result.world
    console.print(f"[green]ok[/green] wrote {out}: {len(w.places)} places, {len(w.things)} things, "
                  f"{len(w.characters)} characters, {len(result.warnings)} warnings")


@export_app.command("card")
def export_card(
    character: Annotated[str, typer.Argument(help="character id")],
    world: Annotated[Path, typer.Option("--world", help="world file")],
    out: Annotated[Path, typer.Option("--out", help="card to write: .png or .json")],
    version: Annotated[int | None, typer.Option(min=2, max=3, help="2 or 3 (default: as imported, else 2)")] = None,
) -> None:
    """Write a world character as a Character Card (with what its card sidecar kept)."""
    from llmverse.characters.world_edit import export_world_character

    try:
        path = export_world_character(world, character, out, version=version)
    except LlmverseError as exc:
        raise _fail(exc) from exc
    console.print(f"wrote {path}")


@app.command()
def models() -> None:
    """The bundled models (installed or not) and the other ways to name a model."""
    from llmverse.llm.registry import BUNDLED, DEFAULT_MODEL, is_installed

    t = Table(title="models for --model / LLMVERSE_MODEL")
    for col in ("name", "installed", "chat languages", "what", "package"):
        t.add_column(col)
    for name, m in BUNDLED.items():
        t.add_row(name + (" (default)" if name == DEFAULT_MODEL else ""),
                  "[green]yes[/green]" if is_installed(name) else "[red]no[/red]",
                  ", ".join(sorted(m.chat_languages)) or "none (base model)", m.about, m.package)
    t.add_row("scripted", "yes", "en", "no model: replies recite the world's facts", "")
    t.add_row("PATH.gguf", "", "en, zh", "any GGUF file, through llama.cpp", "")
    t.add_row("http(s)://HOST/v1", "", "en, zh", "an OpenAI-compatible server (vLLM, llama.cpp, Ollama)", "")
    console.print(t)


def _open(world: Path | None, model: str | None, db: str | None, threads: int | None):
    from llmverse.config import open_gateway, settings
    from llmverse.world.world import open_world

    s = settings(model=model, database_url=db, threads=threads)
    return open_world(world, s.database_url), open_gateway(s)


@app.command()
def chat(
    character: Annotated[str | None, typer.Argument(help="character id (default: the first)")] = None,
    world: WorldOpt = None, model: ModelOpt = None, db: DbOpt = None, threads: ThreadsOpt = None,
    player: Annotated[str, typer.Option(help="your name in the world")] = "visitor",
) -> None:
    """Talk with a character in the terminal; replies stream. /who lists characters, /talk ID switches."""
    from llmverse.characters.character import Character, check_message

    try:
        w, gateway = _open(world, model, db, threads)
        current = Character(w, character or next(iter(w.characters)), gateway)
    except (LlmverseError, InvalidMessage) as exc:
        raise _fail(exc) from exc
    interactive = sys.stdin.isatty()
    console.print(f"[bold]{w.file.name.en} / {w.file.name.zh or ''}[/bold] — {w.now():%H:%M}, "
                  f"model [cyan]{gateway.backend.name}[/cyan]. /who, /talk ID, /quit")
    console.print(f"You are talking with [bold]{current.name}[/bold] ({current.me.role}).")
    while True:
        try:
            line = input("you> ") if interactive else sys.stdin.readline()
        except (EOFError, KeyboardInterrupt):
            break
        if not interactive:
            if not line:
                break
            line = line.rstrip("\n")
            console.print(f"you> {line}")
        if line.strip() in ("/quit", "/exit"):
            break
        if line.strip() == "/who":
            for c in w.characters.values():
                where = w.position(c.id) or f"walking to {w.heading(c.id)}"
                console.print(f"  {c.id:8} {c.names.en} / {c.names.zh or ''} — {c.role}, at {where}")
            continue
        if line.startswith("/talk"):
            try:
                current = Character(w, line.split(maxsplit=1)[1].strip(), gateway)
                console.print(f"You are talking with [bold]{current.name}[/bold] ({current.me.role}).")
            except (IndexError, InvalidMessage) as exc:
                console.print(f"[yellow]{getattr(exc, 'reason', 'usage: /talk ID')}[/yellow]")
            continue
        try:
            check_message(line)
            console.print(f"[bold]{current.name}>[/bold] ", end="")
            for piece in current.respond(player, line):
                console.print(piece, end="", highlight=False)
            console.print()
        except InvalidMessage as exc:
            console.print(f"[yellow]not sent: {exc.reason}[/yellow]")


@app.command()
def ask(
    text: Annotated[str, typer.Argument(help="the request, in English or Chinese")],
    start: Annotated[str | None, typer.Option("--from", help="place id, place name, or X,Y tile")] = None,
    lang: Annotated[str | None, typer.Option("--lang", help="en or zh (default: the request's)")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="the whole reply, with route waypoints")] = False,
    player: Annotated[str, typer.Option(help="your name in the world (keeps the conversation)")] = "visitor",
    world: WorldOpt = None, model: ModelOpt = None, db: DbOpt = None, threads: ThreadsOpt = None,
) -> None:
    """Ask the assistant: directions, answers with sources, small talk. llmverse ask "how do I get to the museum?" --from market"""
    import json
    import re

    from llmverse.assistant import Assistant

    try:
        w, gateway = _open(world, model, db, threads)
    except LlmverseError as exc:
        raise _fail(exc) from exc
    where: str | tuple[int, int] | None = start
    if start and re.fullmatch(r"\d+,\d+", start):
        x, y = (int(v) for v in start.split(","))
        where = (x, y)
    assistant = Assistant(w, gateway)
    for piece in assistant.ask(player, text, start=where, language=lang):
        if not as_json:
            console.print(piece, end="", highlight=False)
    r = assistant.last
    if as_json:
        console.print_json(json.dumps({"tool": r.tool, "text": r.text, "citations": r.citations,
                                       "route": r.route.model_dump(mode="json") if r.route else None}))
    else:
        console.print()


@app.command()
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


def _memory(w, gateway):
    from llmverse.characters.recall import MemorySystem

    try:
        return MemorySystem.open(w, gateway)
    except LlmverseError as exc:  # the embed extra is missing: run without memory, and say so
        console.print(f"[yellow]no memory[/yellow]: {exc}")
        return None


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


@eval_app.command("interview")
def eval_interview(
    model: ModelOpt = None, threads: ThreadsOpt = None, world: WorldOpt = None,
    hours: Annotated[float, typer.Option(help="world hours to simulate before the interview")] = 10.0,
    players: Annotated[str, typer.Option(help="places where players stand during the day")] = "market",
) -> None:
    """Simulate a day on a fresh world, then interview every character; answers checked against the log."""
    from rich.progress import Progress

    from llmverse.characters.simulation import Simulation
    from llmverse.evals.interview import CATEGORIES, interview, scores

    with tempfile.TemporaryDirectory() as tmp:
        w, gateway = _open(world, model, f"sqlite:///{Path(tmp) / 'interview.db'}", threads)
        where = {f"player{i}": p.strip() for i, p in enumerate(players.split(",")) if p.strip()}
        with Progress(console=console, transient=True) as bar:
            task = bar.add_task("simulating the day", total=1)
            memories = _memory(w, gateway)
            Simulation(w, gateway, where, memory=memories).run(
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


@eval_app.command("assistant")
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


@eval_app.command("grounding")
def eval_grounding(model: ModelOpt = None, threads: ThreadsOpt = None, world: WorldOpt = None,
                   show: Annotated[bool, typer.Option(help="print every question and reply")] = True) -> None:
    """Ask 30 bundled questions about Harbor Town; print the fraction answered with the right fact."""
    from rich.progress import track

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


if __name__ == "__main__":
    app()
