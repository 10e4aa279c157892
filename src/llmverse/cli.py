"""The llmverse command line: thin; parse, call the library, print with rich."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from llmverse.errors import WorldFileError
from llmverse.world.loader import load_world

app = typer.Typer(help="llmverse: LLM-driven inhabitants for virtual worlds.")
world_app = typer.Typer(help="World files.")
app.add_typer(world_app, name="world")
console = Console()


@world_app.command("check")
def world_check(file: Path) -> None:
    """Validate a world file; errors name the file, line and field."""
    try:
        world = load_world(file)
    except WorldFileError as exc:
        console.print(f"[red]error[/red] {exc}")
        raise typer.Exit(1) from exc
    console.print(
        f"[green]ok[/green] {world.name.en}: {len(world.places)} places, "
        f"{len(world.things)} things, {len(world.characters)} characters"
    )
