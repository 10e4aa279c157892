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
from llmverse.world.actions import Action, Buy, Give, Move, Rate, Say, Use, Visit
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
    location: str | None  # a place id; None while someone carries it
    owner: str | None


WALK_M_PER_MIN = 80.0  # an easy pace, about 4.8 km/h


class World:
    def __init__(self, file: WorldFile, store: Store) -> None:
        self.file = file
        self.store = store
        self.key = re.sub(r"[^a-z0-9]+", "-", file.name.en.lower()).strip("-")
        self.places: dict[str, Place] = {p.id: p for p in file.places}
        self.things: dict[str, Thing] = {t.id: t for t in file.things}
        self.characters: dict[str, Character] = {c.id: c for c in file.characters}
        self.grid = Grid(file)
        self.source: Path | None = None  # the world file, when opened from one
        self._state = store.state(self.key)
        if not self._state:
            self._seed()

    # --- reading -------------------------------------------------------------------------
    def now(self) -> datetime:
        return datetime.fromisoformat(self._state["clock"]["now"])

    def position(self, character_id: str) -> str | None:
        """The place a character is in; None while it walks between places."""
        return self._state[f"character:{character_id}"]["place"]

    def tile(self, character_id: str) -> tuple[int, int]:
        x, y = self._state[f"character:{character_id}"]["tile"]
        return x, y

    def heading(self, character_id: str) -> str | None:
        """Where a walking character is going (None when it stands in a place)."""
        return self._state[f"character:{character_id}"].get("dest")

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
        path = self._route(self.grid.door_of(from_place), to_place)
        if path is None:
            return None
        return self.grid.distance_m(path), self.grid.walk_minutes(path)

    def reload(self) -> None:
        """Read the state again from the store: another process (a second server) changed the world."""
        self._state = self.store.state(self.key)

    def state_of(self, entity: str) -> dict[str, Any]:
        """State kept for an entity above the world (a plan, a relationship); {} when none yet."""
        return dict(self._state.get(entity, {}))

    def put_state(self, entity: str, data: dict[str, Any]) -> None:
        """Let the layers above keep their state in the world's store (a plan, a relationship)."""
        if entity.split(":")[0] in ("clock", "character", "thing"):
            raise ValueError(f"'{entity}' is world state: change it through an action")
        self._put(entity, data)

    def events(self, **query: Any) -> list[Event]:
        return self.store.events(self.key, **query)

    # --- acting: validate, write the event, then the state --------------------------------
    def say(self, actor: str, target: str | None, text: str, **data: Any) -> Event:
        return self.store.append(self.key, self.now(), "say", actor, target, {"text": text, **data})

    def apply(self, actor: str, action: Action) -> Event | None:
        """Validate an action, write its event, then the new state. ActionRefused says why not, in
        words the actor perceives; nothing changes then."""
        if isinstance(action, Move):
            return self._move(actor, action.to)
        if isinstance(action, Say):
            if action.to in self.characters and actor in self.characters and \
                    self.position(action.to) != self.position(actor):
                raise ActionRefused(f"{self.characters[action.to].names.en} is not here")
            return self.say(actor, action.to, action.text)
        if isinstance(action, Give):
            return self._give(actor, action.thing, action.to)
        if isinstance(action, Buy):
            return self._buy(actor, action.thing)
        if isinstance(action, Use):
            return self._use(actor, action.thing)
        if isinstance(action, Visit):
            return self._visit(actor, action.to)
        if isinstance(action, Rate):
            return self._rate(actor, action.item, action.stars)
        return None  # Wait: time passes by tick(); nothing to record

    def move(self, character_id: str, place_id: str) -> Event:
        return self._move(character_id, place_id)

    def tick(self, minutes: float) -> list[Event]:
        """Advance world time; walkers move along their paths; arrivals are events."""
        self.advance(minutes)
        arrivals = []
        for cid in self.characters:
            st = self._state[f"character:{cid}"]
            if not st.get("path"):
                continue
            budget = st.get("carry", 0.0) + minutes * WALK_M_PER_MIN / self.grid.tile_m  # tiles
            path = st["path"]
            steps = min(int(budget), len(path))
            tile, rest = (path[steps - 1] if steps else st["tile"]), path[steps:]
            if rest:
                self._put(f"character:{cid}", {**st, "tile": tile, "path": rest, "carry": budget - steps})
            else:
                self._put(f"character:{cid}", {"place": st["dest"], "tile": tile})
                arrivals.append(self.store.append(self.key, self.now(), "arrive", cid, st["dest"], {}))
        return arrivals
    def alarm(self, place_id: str, what: str) -> Event:
        """Something everyone in town hears of at once (a fire at the forge, a ship in distress)."""
        if place_id not in self.places:
            raise ActionRefused(f"there is no place called '{place_id}'")
        return self.store.append(self.key, self.now(), "alarm", "world", place_id, {"what": what})

    def advance(self, minutes: float) -> datetime:
        now = self.now() + timedelta(minutes=minutes)
        self._put("clock", {"now": now.isoformat(timespec="minutes")})
        return now

    def _move(self, cid: str, place_id: str) -> Event:
        if cid not in self.characters:
            raise ActionRefused(f"no one called '{cid}' lives here")
        place = self.places.get(place_id)
        if place is None:
            raise ActionRefused(f"there is no place called '{place_id}'")
        if self.position(cid) == place_id:
            raise ActionRefused(f"{cid} is already at the {place.names.en}")
        if not place.open_air and not self.is_open(place_id):
            raise ActionRefused(f"the {place.names.en} is closed now (open {place.hours})")
        path = self._route(self.tile(cid), place_id)
        if path is None:
            raise ActionRefused(f"there is no way to walk to the {place.names.en} from here")
        came_from = self.position(cid) or self.heading(cid)
        metres = self.grid.distance_m(path)
        ev = self.store.append(self.key, self.now(), "move", cid, place_id,
                               {"from": came_from, "metres": round(metres), "minutes": round(metres / WALK_M_PER_MIN, 1)})
        self._put(f"character:{cid}", {"place": None, "tile": list(path[0]), "dest": place_id,
                                       "path": [list(t) for t in path[1:]], "carry": 0.0})
        if len(path) == 1:  # already at the entrance
            self._put(f"character:{cid}", {"place": place_id, "tile": list(path[0])})
        return ev

    def _route(self, start: tuple[int, int], place_id: str) -> list[tuple[int, int]] | None:
        """Shortest walk to a place's entrances that crosses no other building (not thoroughfares)."""
        ends = {place_id, self.grid.place_at(*start)}
        avoid = [p for p in self.places if p not in ends and not self.places[p].open_air]
        return self.grid.route([start], self.grid.entrances(place_id), avoid=avoid)

    def _here(self, actor: str) -> str | None:
        return self.position(actor) if actor in self.characters else None

    def _give(self, actor: str, thing_id: str, to: str) -> Event:
        thing = self.things.get(thing_id)
        if thing is None:
            raise ActionRefused(f"there is no '{thing_id}'")
        st = self.thing_state(thing_id)
        if st.owner != actor:
            raise ActionRefused(f"the {thing.names.en} is not yours to give")
        if to in self.characters and actor in self.characters and self.position(to) != self.position(actor):
            raise ActionRefused(f"{self.characters[to].names.en} is not here")
        ev = self.store.append(self.key, self.now(), "give", actor, to, {"thing": thing_id})
        self._put(f"thing:{thing_id}", {"location": self._here(to), "owner": to})
        return ev

    def _use(self, actor: str, thing_id: str) -> Event:
        thing = self.things.get(thing_id)
        if thing is None:
            raise ActionRefused(f"there is no '{thing_id}'")
        st = self.thing_state(thing_id)
        here = self._here(actor)
        if st.owner != actor and (actor in self.characters and st.location != here):
            raise ActionRefused(f"the {thing.names.en} is not here")
        if thing.kind == "exhibit":
            raise ActionRefused(f"the {thing.names.en} is an exhibit: look, don't touch")
        return self.store.append(self.key, self.now(), "use", actor, None, {"thing": thing_id})

    def _visit(self, actor: str, place_id: str) -> Event:
        if actor in self.characters:
            raise ActionRefused("characters walk there: use move")
        place = self.places.get(place_id)
        if place is None:
            raise ActionRefused(f"there is no place called '{place_id}'")
        if not place.open_air and not self.is_open(place_id):
            raise ActionRefused(f"the {place.names.en} is closed now (open {place.hours})")
        return self.store.append(self.key, self.now(), "visit", actor, place_id, {})

    def _rate(self, actor: str, item: str, stars: int) -> Event:
        kind, _, ident = item.partition(":")
        known = {"place": self.places, "thing": self.things, "character": self.characters}[kind]
        if ident not in known:
            raise ActionRefused(f"there is no {kind} '{ident}' to rate")
        return self.store.append(self.key, self.now(), "rate", actor, item, {"stars": stars})

    def _buy(self, actor: str, thing_id: str) -> Event:
        thing = self.things.get(thing_id)
        if thing is None:
            raise ActionRefused(f"there is no '{thing_id}'")
        st = self.thing_state(thing_id)
        if thing.price is None or thing.kind == "exhibit":
            raise ActionRefused(f"the {thing.names.en} is not for sale")
        if st.owner == actor:
            raise ActionRefused(f"the {thing.names.en} is already yours")
        if actor in self.characters and self.position(actor) != st.location:
            where = self.places[st.location].names.en if st.location else "someone's hands"
            raise ActionRefused(f"the {thing.names.en} is at the {where}, not here")
        ev = self.store.append(self.key, self.now(), "buy", actor, st.owner,
                               {"thing": thing_id, "price": thing.price})
        self._put(f"thing:{thing_id}", {"location": None, "owner": actor})
        return ev

    # --- internals ------------------------------------------------------------------------
    def _put(self, entity: str, data: dict[str, Any]) -> None:
        self.store.put_state(self.key, entity, data)
        self._state[entity] = data

    def _seed(self) -> None:
        """First opening: state from the file (each character where its schedule puts it)."""
        start = self.file.start
        self._put("clock", {"now": start.isoformat(timespec="minutes")})
        for c in self.file.characters:
            place = _scheduled_place(c, start) or self.file.places[0].id  # no schedule, home or work
            self._put(f"character:{c.id}", {"place": place, "tile": list(self.grid.door_of(place))})
        for t in self.file.things:
            self._put(f"thing:{t.id}", {"location": t.location, "owner": t.owner})


def _scheduled_place(c: Character, at: datetime) -> str:
    now = at.hour * 60 + at.minute
    due = [s for s in c.schedule if _minutes(s.at) <= now]
    if due:
        return max(due, key=lambda s: _minutes(s.at)).place
    if c.schedule:  # before the first entry of the day: where the day ended
        return max(c.schedule, key=lambda s: _minutes(s.at)).place
    return c.workplace or c.home or ""  # "": nowhere given; the caller puts them somewhere


def open_world(path: str | Path | None = None, database_url: str = DEFAULT_URL) -> World:
    """Load a world file (the bundled Harbor Town by default) with its state from the store."""
    source = Path(path or DEFAULT_WORLD)
    world = World(load_world(source), Store(database_url))
    world.source = source  # where the file (and its docs/ folder) lives
    return world
