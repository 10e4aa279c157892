"""The state rebuilt from the event log alone, and compared with the stored state (`verify`).

Two kinds of rows in the log rebuild it, starting from the world file's seed:
- the actions' events: where each character stands or is heading (`move`, `arrive`), who holds each
  thing and where (`give`, `buy`);
- the journal (rows of kind JOURNAL, one per transaction that changed anything else): the clock and
  every row the layers above keep (`rel:`, `plan:`, `mind:`, `sim:step`, `profile:`, `assistant:` ...),
  field by field.
A difference means a state change was written without its record in the log, or the reverse: what the
engine's one transaction per action rules out. A row the log never mentions (written behind the
world's back, or by code from before the journal) is a difference too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from llmverse.world.state import journaled_key
from llmverse.world.tables import JOURNAL

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


def _pages(world: World, kind: str | None = None):
    since = 0
    while True:
        page = world.store.events(world.key, since_id=since, limit=PAGE, kind=kind)
        yield from page
        if len(page) < PAGE:
            return
        since = page[-1].id


def replay(world: World) -> dict[str, dict[str, Any]]:
    """Character places and heading, thing owners and locations, the clock and the layers' rows, from
    the seed and the log."""
    seed = world._seed_rows()
    chars = {k: {"place": v["place"], "dest": None} for k, v in seed.items() if k.startswith("character:")}
    things = {k: dict(v) for k, v in seed.items() if k.startswith("thing:")}
    for e in _pages(world):
        key = f"character:{e.actor}"
        if e.kind == "move" and key in chars:
            arrived = e.data.get("metres") == 0  # already at the entrance: no walk, no arrival event
            chars[key] = {"place": e.target if arrived else None, "dest": None if arrived else e.target}
        elif e.kind == "arrive" and key in chars:
            chars[key] = {"place": e.target, "dest": None}
        elif e.kind in ("give", "buy") and f"thing:{e.data.get('thing')}" in things:
            if e.kind == "buy":  # carried off by the buyer
                things[f"thing:{e.data['thing']}"] = {"location": None, "owner": e.actor}
            else:  # kept where the receiver stands (nowhere while walking, or for a player)
                where = chars.get(f"character:{e.target}", {}).get("place")
                things[f"thing:{e.data['thing']}"] = {"location": where, "owner": e.target}
    return {**chars, **things, **journaled(world, {"clock": dict(seed["clock"])})}


def journaled(world: World, start: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The rows the journal keeps, from `start` (the clock's seed) and every change in order."""
    rows = {k: dict(v) for k, v in start.items()}
    for e in _pages(world, JOURNAL):
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
        if not journaled_key(entity):  # the fields the events determine (a standing character has no `dest`)
            out += [Mismatch(entity, name, have.get(name), value) for name, value in want.items()
                    if have.get(name) != value]
            continue
        for name in dict.fromkeys([*want, *have]):  # every field, both ways
            if have.get(name, ABSENT) != want.get(name, ABSENT):
                out.append(Mismatch(entity, name, have.get(name, ABSENT), want.get(name, ABSENT)))
    for entity in sorted(stored):
        if journaled_key(entity) and entity not in rebuilt and stored[entity]:
            out.append(Mismatch(entity, WHOLE, stored[entity], None))
    return out
