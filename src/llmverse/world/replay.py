"""The state rebuilt from the event log alone, and compared with the stored state (`verify`).

What the log determines: where each character stands or is heading (`move`, `arrive`) and who holds
each thing and where (`give`, `buy`), starting from the world file's seed. A difference means a state
change was written without its event, or an event without its change — what the engine's one
transaction per action rules out. The clock (advanced without events) and the state the layers above
keep (`rel:`, `plan:`) are not rebuilt here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from llmverse.world.world import World

PAGE = 2000


@dataclass(frozen=True)
class Mismatch:
    entity: str
    field: str
    stored: Any
    replayed: Any

    def __str__(self) -> str:
        return f"{self.entity}.{self.field}: stored {self.stored!r}, the log says {self.replayed!r}"


def replay(world: World) -> dict[str, dict[str, Any]]:
    """Character places and heading, thing owners and locations, from the seed and the log."""
    seed = world._seed_rows()
    chars = {k: {"place": v["place"], "dest": None} for k, v in seed.items() if k.startswith("character:")}
    things = {k: dict(v) for k, v in seed.items() if k.startswith("thing:")}
    since = 0
    while True:
        page = world.events(since_id=since, limit=PAGE)
        for e in page:
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
        if len(page) < PAGE:
            break
        since = page[-1].id
    return {**chars, **things}


def verify(world: World) -> list[Mismatch]:
    """Every difference between the stored state and the state the log rebuilds (empty: they agree)."""
    stored = world.store.state(world.key)
    out = []
    for entity, want in replay(world).items():
        have = stored.get(entity, {})
        for field, value in want.items():
            if have.get(field) != value:
                out.append(Mismatch(entity, field, have.get(field), value))
    return out
