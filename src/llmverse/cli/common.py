"""What every command shares: the console, the common options and how a world is opened."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from llmverse.errors import LlmverseError

console = Console()


def _fail(exc: Exception) -> typer.Exit:
    """One line (the terminal wraps it, not rich), then exit status 1."""
    console.print(f"[red]error[/red] {exc}", highlight=False, soft_wrap=True)
    return typer.Exit(1)


def no_world_file(path: Path, *, bundled_instead: bool = True) -> str:
    """What a path that is no file means, and what to do instead."""
    return (f"no world file at {path}: give the path of a world file (`llmverse world schema` shows what one "
            "holds)" + (", or leave out --world for the bundled Harbor Town" if bundled_instead else ""))


def _world_file(path: Path | None) -> Path | None:
    """--world names a file, or the command stops here in one line (every command that takes --world)."""
    if path is not None and not path.is_file():
        raise _fail(LlmverseError(no_world_file(path)))
    return path


WorldOpt = Annotated[Path | None, typer.Option(
    "--world", help="world file (default: bundled Harbor Town)", callback=_world_file)]
ModelOpt = Annotated[str | None, typer.Option(
    "--model", help="bundled name, 'scripted', a .gguf path or an OpenAI-compatible URL [env LLMVERSE_MODEL]")]
DbOpt = Annotated[str | None, typer.Option("--db", help="SQLAlchemy URL [env DATABASE_URL]")]
ThreadsOpt = Annotated[int | None, typer.Option("--threads", help="llama.cpp threads [env LLMVERSE_THREADS]")]


def _open(world: Path | None, model: str | None, db: str | None, threads: int | None):
    from llmverse.config import open_gateway, settings
    from llmverse.world.world import open_world

    s = settings(model=model, database_url=db, threads=threads)
    return open_world(world, s.database_url), open_gateway(s)


def _memory(w, gateway):
    from llmverse.characters.recall import MemorySystem

    try:
        return MemorySystem.open(w, gateway)
    except LlmverseError as exc:  # the embed extra is missing: run without memory, and say so
        console.print(f"[yellow]no memory[/yellow]: {exc}")
        return None

