"""World files: check and schema; import (Character Card, Smallville) and export (Character Card)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from llmverse.cli.common import _fail, console, no_world_file
from llmverse.errors import LlmverseError, WorldFileError


def world_check(file: Path) -> None:
    """Validate a world file; errors name the file, line and field."""
    from llmverse.world.loader import load_world

    if not file.is_file():
        raise _fail(LlmverseError(no_world_file(file, bundled_instead=False)))
    try:
        world = load_world(file)
    except WorldFileError as exc:
        for problem in _every_problem(file, exc):
            console.print(f"[red]error[/red] {problem}", highlight=False, soft_wrap=True)  # one line each
        raise typer.Exit(1) from exc
    from llmverse.world.bilingual import missing_chinese

    console.print(
        f"[green]ok[/green] {world.name.en}: {len(world.places)} places, "
        f"{len(world.things)} things, {len(world.characters)} characters"
    )
    missing = missing_chinese(world)
    for field in missing:
        console.print(f"[yellow]warning[/yellow] no Chinese for {field}: Chinese-speaking players will read English")
    if missing:
        console.print(f"[yellow]{len(missing)} field(s) without Chinese[/yellow]")


def _every_problem(file: Path, exc: WorldFileError) -> list[str]:
    """Every problem of a world file that failed validation, each with its line and field (the loader
    raises the first, most telling one: an unknown key before the missing one it misspells)."""
    from pydantic import ValidationError

    cause = exc.__cause__
    if not isinstance(cause, ValidationError):
        return [str(exc)]
    import yaml

    from llmverse.world.loader import _line_of

    root = yaml.compose(Path(file).read_text(encoding="utf-8"))
    out = [str(exc).split(" (and ")[0]]
    for err in cause.errors():
        loc = tuple(err["loc"])
        field = ".".join(str(p) for p in loc) or "(root)"
        line = _line_of(root, loc)
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            msg = f"unknown field '{loc[-1]}': check its spelling (see docs/world-format.md)"
        text = f"{file}:{line}: field '{field}': {msg}" if line is not None else f"{file}: field '{field}': {msg}"
        if text != out[0]:
            out.append(text)
    return out


def world_schema(out: Annotated[Path | None, typer.Option(help="where to write it")] = None) -> None:
    """Write the world file format's JSON Schema (generated from the pydantic models)."""
    from llmverse.world.schema import SCHEMA_PATH, write_schema

    console.print(f"wrote {write_schema(out or SCHEMA_PATH)}")


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
