"""Content written from what happened in the world: news, stories, poems, quests, descriptions."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from llmverse.cli.common import DbOpt, ModelOpt, ThreadsOpt, WorldOpt, _fail, _open, console
from llmverse.errors import LlmverseError

LangOpt = Annotated[str, typer.Option("--lang", help="en or zh")]
SaveOpt = Annotated[bool, typer.Option(help="keep the document in the content store")]
JsonOpt = Annotated[bool, typer.Option("--json", help="print the whole document as JSON (sources, claims, scores)")]


def _generate(kind: str, world: Path | None, model: str | None, db: str | None, threads: int | None,
              save: bool, as_json: bool, **params: object) -> None:
    from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from llmverse.content import ContentStore, generate

    columns = (SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn())
    try:
        w, gateway = _open(world, model, db, threads)
        # A bar while the model writes (a gazette's stories one by one); gone when the document is printed.
        with Progress(*columns, console=console, transient=True) as bar:
            task = bar.add_task(f"{kind}: writing", total=None)
            doc = generate(kind, w, gateway, progress=lambda what, done, total: bar.update(
                task, description=f"{kind}: {what}", completed=done, total=total), **params)
    except LlmverseError as exc:
        raise _fail(exc) from exc
    if save:
        ContentStore(w).save(doc)
    if as_json:
        console.print_json(doc.model_dump_json())
        return
    console.print(doc.text, highlight=False)
    status = "[green]passed its checks[/green]" if doc.passed else "[red]FAILS its check[/red]"
    scores = "  ".join(f"{k} {v:g}" for k, v in doc.scores.items())
    saved = f"  saved as #{doc.id}" if doc.id is not None else ""
    console.print(f"{status}  {scores}  {doc.seconds:.1f} s  model {doc.model}{saved}", highlight=False)
    for note in doc.notes:
        console.print(f"[yellow]note[/yellow] {note}", highlight=False)


def generate_news(
    day: Annotated[int | None, typer.Option(help="world day, 1 = the first (default: today)")] = None,
    lang: LangOpt = "en",
    reporter: Annotated[str | None, typer.Option(help="character id (default: the world's reporter)")] = None,
    stories: Annotated[int, typer.Option(help="most stories in the edition")] = 4,
    world: WorldOpt = None, model: ModelOpt = None, db: DbOpt = None, threads: ThreadsOpt = None,
    save: SaveOpt = True, as_json: JsonOpt = False,
) -> None:
    """The daily gazette from the event log; every fact-stating sentence cites its events."""
    _generate("news", world, model, db, threads, save, as_json, day=day, language=lang, reporter=reporter,
              stories=stories)


def generate_story(
    about: Annotated[str, typer.Option(help="character or place: id or name (bram, market, 集市)")],
    genre: Annotated[str, typer.Option(help="mystery, adventure, comedy, fable, slice_of_life")] = "slice_of_life",
    length: Annotated[str, typer.Option(help="short, medium or long")] = "short",
    day: Annotated[int | None, typer.Option(help="only this world day (default: every day)")] = None,
    lang: LangOpt = "en",
    world: WorldOpt = None, model: ModelOpt = None, db: DbOpt = None, threads: ThreadsOpt = None,
    save: SaveOpt = True, as_json: JsonOpt = False,
) -> None:
    """A short story about a character or place, built from its events."""
    _generate("story", world, model, db, threads, save, as_json, about=about, genre=genre, length=length,
              day=day, language=lang)


def generate_poem(
    form: Annotated[str, typer.Option(help="haiku, quatrain (ABAB), jueju5 or jueju7")],
    topic: Annotated[str, typer.Option(help="what it is about (default: the world)")] = "",
    attempts: Annotated[int, typer.Option(help="model attempts before it is reported as failing")] = 4,
    world: WorldOpt = None, model: ModelOpt = None, db: DbOpt = None, threads: ThreadsOpt = None,
    save: SaveOpt = True, as_json: JsonOpt = False,
) -> None:
    """A poem whose form is verified; one that fails its form is shown marked as failing."""
    _generate("poem", world, model, db, threads, save, as_json, form=form, topic=topic, attempts=attempts)


def generate_quest(
    giver: Annotated[str, typer.Option(help="character id of the quest giver")],
    lang: LangOpt = "en",
    world: WorldOpt = None, model: ModelOpt = None, db: DbOpt = None, threads: ThreadsOpt = None,
    save: SaveOpt = True, as_json: JsonOpt = False,
) -> None:
    """A quest whose every step can be done in the world (paths, items, people checked)."""
    _generate("quest", world, model, db, threads, save, as_json, giver=giver, language=lang)


def generate_description(
    of: Annotated[str, typer.Argument(help="place, thing or character: id or name")],
    sentences: Annotated[int, typer.Option(help="1 to 4")] = 2,
    lang: LangOpt = "en",
    world: WorldOpt = None, model: ModelOpt = None, db: DbOpt = None, threads: ThreadsOpt = None,
    save: SaveOpt = True, as_json: JsonOpt = False,
) -> None:
    """A description of a place, thing or character in the world's tone."""
    _generate("description", world, model, db, threads, save, as_json, of=of, sentences=sentences, language=lang)


def generate_batch(
    jobs: Annotated[Path, typer.Argument(help="YAML or JSON list of jobs, e.g. '- {kind: poem, form: haiku}'")],
    world: WorldOpt = None, model: ModelOpt = None, db: DbOpt = None, threads: ThreadsOpt = None,
    save: SaveOpt = True,
) -> None:
    """Many documents in one run (every job validated first), with a progress bar."""
    from rich.progress import Progress

    from llmverse.content import load_jobs, run_batch

    try:
        todo = load_jobs(jobs)
        w, gateway = _open(world, model, db, threads)
        with Progress(console=console, transient=True) as bar:
            task = bar.add_task(f"generating {len(todo)} documents", total=len(todo))
            docs = run_batch(w, gateway, todo, save=save, progress=lambda i, d: bar.update(
                task, completed=i, description=f"{d.kind}: {d.title[:40]}"))
    except LlmverseError as exc:
        raise _fail(exc) from exc
    t = Table(title=f"{len(docs)} documents, model {gateway.backend.name}")
    for col in ("id", "kind", "title", "checks", "seconds"):
        t.add_column(col, overflow="fold")
    for d in docs:
        t.add_row(str(d.id or ""), d.kind, d.title, "[green]passed[/green]" if d.passed else "[red]failed[/red]",
                  f"{d.seconds:.1f}")
    console.print(t)
