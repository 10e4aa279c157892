"""`llmverse world verify`: rebuild the world's state from its event log (its events and the journal of
every other change) and compare it with the store.

Thin: open the world, call `world.replay.verify`, print each difference. Exit code 0 when the log
and the stored state agree, 1 when they differ (or the world cannot be opened), so a script or a
cron job can watch a running world's database.
"""

from __future__ import annotations

import typer

from llmverse.cli.common import DbOpt, WorldOpt, _fail, console
from llmverse.errors import LlmverseError


def world_verify(world: WorldOpt = None, db: DbOpt = None) -> None:
    """Check that the stored state equals the state the event log rebuilds: where characters are and
    who holds each thing, the clock, plans, relationships, minds' notes, players' profiles and the
    assistant's sessions; print every difference."""
    from llmverse.config import settings
    from llmverse.world.replay import replay, verify
    from llmverse.world.world import open_world

    try:
        w = open_world(world, settings(database_url=db).database_url)
        try:
            rebuilt = replay(w)
            problems = verify(w)
        finally:
            w.store.dispose()
    except LlmverseError as exc:
        raise _fail(exc) from exc
    name = w.file.name.en or w.file.name.zh or w.key
    if not problems:
        console.print(f"[green]ok[/green] {name}: {len(rebuilt)} entities rebuilt from the event log "
                      "match the stored state")
        return
    for m in problems:
        console.print(f"[red]differs[/red] {m}", highlight=False)
    console.print(f"[red]{len(problems)} difference(s)[/red] between the stored state of {name} and its event log")
    raise typer.Exit(1)
