"""`llmverse data export dialogues|lore|events`: training sets from a world's store."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from llmverse.cli.common import DbOpt, WorldOpt, _fail, console
from llmverse.errors import LlmverseError


class Kind(StrEnum):
    dialogues = "dialogues"
    lore = "lore"
    events = "events"


def data_export(
    kind: Annotated[Kind, typer.Argument(help="dialogues (chat JSONL), lore (world text) or events (the log)")],
    out: Annotated[Path, typer.Option("--out", help="JSONL file to write")],
    world: WorldOpt = None, db: DbOpt = None,
    characters: Annotated[bool, typer.Option(help="dialogues: also conversations between characters")] = False,
) -> None:
    """Write a training set from the world's store. Players' conversations only with their consent
    (profile state consent.training); players pseudonymised; personal data redacted."""
    from llmverse.assistant.assistant import default_docs
    from llmverse.config import settings
    from llmverse.train import export
    from llmverse.world.world import open_world

    try:
        w = open_world(world, settings(database_url=db).database_url)
        counts = export.ExportCounts()
        records = {Kind.dialogues: lambda: export.dialogues(w, characters=characters, counts=counts),
                   Kind.lore: lambda: export.lore(w, default_docs(w), counts=counts),
                   Kind.events: lambda: export.events(w, counts=counts)}[kind]()
        n = export.write_jsonl(records, out)
    except (LlmverseError, OSError) as exc:
        raise _fail(exc) from exc
    console.print(f"wrote {n} {kind.value} record(s) to {out}; redacted {counts.redacted} text(s); "
                  f"left out {counts.skipped_consent} conversation(s) without consent and "
                  f"{counts.skipped_rail} refused turn(s)")
