"""The state rebuilt from the event log alone, and compared with the stored state (`verify`).

Two kinds of rows in the log rebuild it, starting from the world file's seed:
- the actions' events: where each character stands or is heading (`move`, `arrive`), who holds each
  thing and where (`give`, `buy`);
- the journal (rows of kind JOURNAL, one per transaction that changed anything else): the clock, every
  row the layers above keep (`rel:`, `plan:`, `mind:`, `sim:step`, `profile:`, `assistant:` ...) and
  the walk of each character (the tile it has reached, the tiles still to walk), field by field.
A store written by an older llmverse, whose log does not hold all of that, got a baseline at its first
start under this one (`World._seed`): a journal row holding every state row as it stood, named in the
marker row; the replay then starts from it and reads only the log after it.
A difference means a state change was written without its record in the log, or the reverse: what the
engine's one transaction per action rules out. A row the log never mentions (written behind the
world's back) is a difference too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from llmverse.world.state import journaled_key
from llmverse.world.tables import JOURNAL
from llmverse.world.transactions import StoreError

if TYPE_CHECKING:
    from llmverse.world.world import World

PAGE = 2000
WHOLE = "*"  # the field of a Mismatch about a whole row the log never mentions


class _Absent:
    """A field one side has and the other has not."""

    def __repr__(self) -> str:
        return "nothing"


ABSENT = _Absent()


@dataclass(frozen=True)
class Mismatch:
    entity: str
    field: str
    stored: Any
    replayed: Any

    def __str__(self) -> str:
        if self.field == WHOLE:
            return f"{self.entity}: stored {self.stored!r}, the log holds no change of it"
        return f"{self.entity}.{self.field}: stored {self.stored!r}, the log says {self.replayed!r}"


@dataclass(frozen=True)
class Baseline:
    """The state as it stood when a store written by an older llmverse was first opened (`World._seed`):
    the replay starts from it, not from the world file's seed."""

    id: int  # its row in the log: the replay reads what comes after it
    at: datetime  # world time then
    why: str
    rows: dict[str, dict[str, Any]]


def baseline(world: World) -> Baseline | None:
    """The baseline the world's marker row names, or None (the log rebuilds everything from the seed)."""
    ident = (world.store.state(world.key).get("world") or {}).get("baseline")
    if not isinstance(ident, int):
        return None
    found = world.store.events(world.key, since_id=ident - 1, limit=1, kind=JOURNAL)
    if not found or found[0].id != ident or "baseline" not in found[0].data:
        raise StoreError(f"the world's marker names log row {ident} as its baseline, and the log has no such "
                         "row: the log cannot be replayed")
    row = found[0]
    return Baseline(row.id, row.world_time, row.data["baseline"].get("why", ""), row.data.get("rows", {}))


def _pages(world: World, kind: str | None = None, since: int = 0):
    while True:
        page = world.store.events(world.key, since_id=since, limit=PAGE, kind=kind)
        yield from page
        if len(page) < PAGE:
            return
        since = page[-1].id


def replay(world: World) -> dict[str, dict[str, Any]]:
    """Every row the log rebuilds, from the seed (or the baseline) and the log after it: characters'
    places, headings and walks, things' owners and locations, the clock and the layers' rows."""
    base = baseline(world)
    start = {**world._seed_rows(), **(base.rows if base is not None else {})}
    since = base.id if base is not None else 0
    chars = {k: dict(v) for k, v in start.items() if k.startswith("character:")}
    things = {k: dict(v) for k, v in start.items() if k.startswith("thing:")}
    for e in _pages(world, since=since):
        key = f"character:{e.actor}"
        if e.kind == "move" and key in chars:
            arrived = e.data.get("metres") == 0  # already at the entrance: no walk, no arrival event
            chars[key].update(place=e.target if arrived else None, dest=None if arrived else e.target)
        elif e.kind == "arrive" and key in chars:
            chars[key].update(place=e.target, dest=None)
        elif e.kind in ("give", "buy") and f"thing:{e.data.get('thing')}" in things:
            if e.kind == "buy":  # carried off by the buyer
                things[f"thing:{e.data['thing']}"] = {"location": None, "owner": e.actor}
            else:  # kept where the receiver stands (nowhere while walking, or for a player)
                where = chars.get(f"character:{e.target}", {}).get("place")
                things[f"thing:{e.data['thing']}"] = {"location": where, "owner": e.target}
    layers = {k: v for k, v in start.items() if journaled_key(k)}
    return {**things, **journaled(world, {**layers, **chars}, since)}


def journaled(world: World, start: dict[str, dict[str, Any]], since: int = 0) -> dict[str, dict[str, Any]]:
    """The rows the journal keeps (the clock, the layers' rows, walkers' tiles), from `start` and every
    change after log row `since`, in order."""
    rows = {k: dict(v) for k, v in start.items()}
    for e in _pages(world, JOURNAL, since):
        for entity, change in e.data.get("changes", {}).items():
            row = rows.setdefault(entity, {})
            row.update(change.get("set", {}))
            for name in change.get("unset", []):
                row.pop(name, None)
    return rows


def verify(world: World) -> list[Mismatch]:
    """Every difference between the stored state and the state the log rebuilds (empty: they agree)."""
    stored = world.store.state(world.key)
    rebuilt = replay(world)
    out = []
    for entity, want in rebuilt.items():
        have = stored.get(entity, {})
        if not journaled_key(entity):  # a thing's or a character's fields (a standing character has no `dest`)
            out += [Mismatch(entity, name, have.get(name), want.get(name)) for name in dict.fromkeys([*want, *have])
                    if have.get(name) != want.get(name)]
            continue
        for name in dict.fromkeys([*want, *have]):  # every field, both ways
            if have.get(name, ABSENT) != want.get(name, ABSENT):
                out.append(Mismatch(entity, name, have.get(name, ABSENT), want.get(name, ABSENT)))
    for entity in sorted(stored):
        if journaled_key(entity) and entity not in rebuilt and stored[entity]:
            out.append(Mismatch(entity, WHOLE, stored[entity], None))
    return out
