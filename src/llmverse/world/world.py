"""A world file brought to life: entity state kept in the Store, changed only through this class.

The world is the one writer of world state (STYLE.md, after ai-town): characters, players and the
assistant submit actions; the world validates each, writes the event, then the new state.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from llmverse.errors import LlmverseError
from llmverse.world.clock import _minutes, is_open
from llmverse.world.grid import Grid
from llmverse.world.loader import load_world
from llmverse.world.model import Character, Place, Thing, WorldFile
from llmverse.world.store import DEFAULT_URL, Event, Store

DEFAULT_WORLD = Path(__file__).resolve().parent.parent / "worlds" / "harbor_town" / "world.yaml"


class ActionRefused(LlmverseError):
    """The world refused an action; `reason` is what the actor perceives."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


@dataclass(frozen=True)
class ThingState:
    location: str
    owner: str | None


class World:
    def __init__(self, file: WorldFile, store: Store) -> None:
        self.file = file
        self.store = store
        self.key = re.sub(r"[^a-z0-9]+", "-", file.name.en.lower()).strip("-")
        self.places: dict[str, Place] = {p.id: p for p in file.places}
        self.things: dict[str, Thing] = {t.id: t for t in file.things}
        self.characters: dict[str, Character] = {c.id: c for c in file.characters}
        self.grid = Grid(file)
        self._state = store.state(self.key)
        if not self._state:
            self._seed()

    # --- reading -------------------------------------------------------------------------
    def now(self) -> datetime:
        return datetime.fromisoformat(self._state["clock"]["now"])

    def position(self, character_id: str) -> str:
        return self._state[f"character:{character_id}"]["place"]

    def characters_at(self, place_id: str) -> list[Character]:
        return [c for c in self.characters.values() if self.position(c.id) == place_id]

    def thing_state(self, thing_id: str) -> ThingState:
        return ThingState(**self._state[f"thing:{thing_id}"])

    def things_owned_by(self, owner: str) -> list[Thing]:
        return [t for t in self.things.values() if self.thing_state(t.id).owner == owner]

    def things_at(self, place_id: str) -> list[Thing]:
        return [t for t in self.things.values() if self.thing_state(t.id).location == place_id]

    def is_open(self, place_id: str, at: datetime | None = None) -> bool:
        return is_open(self.places[place_id], at or self.now())

    def walk(self, from_place: str, to_place: str) -> tuple[float, float] | None:
        """Walking distance (m) and time (world minutes) between two places' entrances, or None."""
        path = self.grid.path_to_place(self.grid.door_of(from_place), to_place)
        if path is None:
            return None
        return self.grid.distance_m(path), self.grid.walk_minutes(path)

    def events(self, **query: Any) -> list[Event]:
        return self.store.events(self.key, **query)

    # --- acting: validate, write the event, then the state --------------------------------
    def say(self, actor: str, target: str | None, text: str, **data: Any) -> Event:
        return self.store.append(self.key, self.now(), "say", actor, target, {"text": text, **data})

    def move(self, character_id: str, place_id: str) -> Event:
        if character_id not in self.characters:
            raise ActionRefused(f"no one called '{character_id}' lives here")
        if place_id not in self.places:
            raise ActionRefused(f"there is no place called '{place_id}'")
        came_from = self.position(character_id)
        ev = self.store.append(self.key, self.now(), "move", character_id, place_id, {"from": came_from})
        self._put(f"character:{character_id}", {"place": place_id})
        return ev

    def advance(self, minutes: float) -> datetime:
        now = self.now() + timedelta(minutes=minutes)
        self._put("clock", {"now": now.isoformat(timespec="minutes")})
        return now

    # --- internals ------------------------------------------------------------------------
    def _put(self, entity: str, data: dict[str, Any]) -> None:
        self.store.put_state(self.key, entity, data)
        self._state[entity] = data

    def _seed(self) -> None:
        """First opening: state from the file (each character where its schedule puts it)."""
        start = self.file.start
        self._put("clock", {"now": start.isoformat(timespec="minutes")})
        for c in self.file.characters:
            self._put(f"character:{c.id}", {"place": _scheduled_place(c, start)})
        for t in self.file.things:
            self._put(f"thing:{t.id}", {"location": t.location, "owner": t.owner})


def _scheduled_place(c: Character, at: datetime) -> str:
    now = at.hour * 60 + at.minute
    due = [s for s in c.schedule if _minutes(s.at) <= now]
    if due:
        return max(due, key=lambda s: _minutes(s.at)).place
    if c.schedule:  # before the first entry of the day: where the day ended
        return max(c.schedule, key=lambda s: _minutes(s.at)).place
    return c.workplace or c.home or ""


def open_world(path: str | Path | None = None, database_url: str = DEFAULT_URL) -> World:
    """Load a world file (the bundled Harbor Town by default) with its state from the store."""
    return World(load_world(path or DEFAULT_WORLD), Store(database_url))
