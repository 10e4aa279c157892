"""Players on the map: where each stands, which moves the map allows, and what each may see.

Players are not world characters: their avatars walk on their own clients, and the server checks
every move against the tile map (on the map, walkable, reachable from where they stand). Walking
into a place is a `Visit` the world validates (a closed building refuses) and records as an event.
A player's tile is kept in memory and written to the world's state when it matters (a visit,
leaving), so a crowd of walkers does not become a crowd of database writes.

Privacy: a conversation is seen only by those in it. Events where another player speaks or is
spoken to are hidden; what characters do among themselves, and where anyone goes, is public.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict

from llmverse.world.actions import Visit
from llmverse.world.grid import turning_points
from llmverse.world.model import Names
from llmverse.world.state import register_row
from llmverse.world.world import ActionRefused

if TYPE_CHECKING:
    from llmverse.world.store import Event
    from llmverse.world.world import World

TALK_RADIUS = 4  # tiles (Chebyshev) within which a player can talk to a character
PUBLIC = {"world", "assistant"}
PRIVATE_KINDS = {"say"}  # conversations: only their parties see them
# Why a move or a talk cannot happen, (English, Chinese); {0}, {1}: names in that language.
MOVE_REASONS: dict[str, tuple[str, str]] = {
    "off_map": ("that is off the map", "那里在地图外面"),
    "wall": ("you cannot walk through the wall of {0}", "{0}的墙走不过去"),
    "blocked": ("you cannot walk on {0}", "{0}上面不能走"),
    "no_way": ("there is no way to walk from here to {0}", "从这里走不到{0}"),
    "no_way_to": ("there is no way from here to {0} in {1}", "从这里走不到{1}的{0}身边"),
    "too_far": ("{0} is in {1}, too far to talk: walk there first", "{0}在{1}，离你太远：先走过去"),
}


@dataclass
class Moved:
    tile: tuple[int, int]
    waypoints: list[tuple[int, int]]
    place: str | None
    event: int | None  # the visit recorded, when the walk entered a place


def _texts(texts: tuple[str, str], *names: Names) -> dict[str, str]:
    return {"en": texts[0].format(*(n.en for n in names)),
            "zh": texts[1].format(*(n.zh or n.en for n in names))}


def _refused(texts: tuple[str, str], *names: Names) -> ActionRefused:
    said = _texts(texts, *names)
    return ActionRefused(said["en"], code="move", reasons=said)


def player_key(name: str) -> str:
    return f"player:{name}"


class PlayerRow(BaseModel):
    """`player:<name>`: where a player stood when they left (every write fits it)."""

    model_config = ConfigDict(extra="forbid")
    tile: tuple[int, int]


register_row("player", PlayerRow)


class Presence:
    def __init__(self, world: World) -> None:
        self.world = world
        self._tiles: dict[str, tuple[int, int]] = {}
        self._lock = threading.Lock()
        self._spawn: tuple[int, int] | None = None

    def spawn(self) -> tuple[int, int]:
        """Where a new player appears: the first open-air place (the market square), else the first door.
        Found once (the map does not change): for an open-air place it walks the whole area, and a crowd
        of 1,000 joining at once spent 7% of the event loop on it."""
        if self._spawn is None:
            first = next((p for p in self.world.places.values() if p.open_air), next(iter(self.world.places.values())))
            self._spawn = self.world.grid.door_of(first.id)
        return self._spawn

    def tile(self, player: str) -> tuple[int, int]:
        """Where the player stands, putting them on the map (present) if they were not: for sessions."""
        x, y = self.where(player)
        with self._lock:
            return self._tiles.setdefault(player, (x, y))

    def where(self, player: str) -> tuple[int, int]:
        """Where the player stands (or would appear), without putting them on the map: for REST and
        API calls, whose callers have no avatar and must not show as present to others."""
        with self._lock:
            if player in self._tiles:
                return self._tiles[player]
        saved = self.world.state_of(player_key(player)).get("tile")
        x, y = saved if saved and self.world.grid.walkable(*saved) else self.spawn()
        return int(x), int(y)

    def all(self) -> dict[str, tuple[int, int]]:
        with self._lock:
            return dict(self._tiles)

    def move(self, player: str, to: tuple[int, int]) -> Moved:
        """Validate and make a move; ActionRefused says why not, in English and Chinese, naming the
        place or landmark (never a tile's coordinates: players see the map, not the grid)."""
        grid = self.world.grid
        x, y = to
        if not grid.inside(x, y):
            raise _refused(MOVE_REASONS["off_map"])
        if not grid.walkable(x, y):
            place = grid.place_at(x, y)
            wall = place is not None and not self.world.places[place].open_air and self._landmark(x, y) is None
            raise _refused(MOVE_REASONS["wall" if wall else "blocked"], self.spot(x, y))
        here = self.tile(player)
        path = grid.path(here, (x, y)) if here != (x, y) else [here]
        if path is None:
            raise _refused(MOVE_REASONS["no_way"], self.spot(x, y))
        before, after = grid.place_at(*here), grid.place_at(x, y)
        event = None
        if after is not None and after != before:  # the visit and the saved tile in one commit
            ev = self.world.apply(player, Visit(to=after),  # may refuse: closed now
                                  updates={player_key(player): lambda cur: {**cur, "tile": [x, y]}})
            event = ev.id if ev is not None else None
        with self._lock:
            self._tiles[player] = (x, y)
        return Moved((x, y), turning_points(path), after, event)

    def spot(self, x: int, y: int) -> Names:
        """What a player would call a tile: the place it is in, a named landmark on it, else the spot
        near the nearest place ("that spot near the Forge"); English with its article."""
        landmark = self._landmark(x, y)
        if landmark is not None:
            return Names(en=f"the {landmark.en}", zh=landmark.zh)
        place = self.world.grid.place_at(x, y)
        if place is not None:
            names = self.world.places[place].names
            return Names(en=f"the {names.en}", zh=names.zh)
        near = self.world.places[self.nearest_place(x, y)].names
        return Names(en=f"that spot near the {near.en}", zh=f"{near.zh or near.en}附近那里")

    def _landmark(self, x: int, y: int) -> Names | None:
        return next((b.name for b in self.world.file.map.blocked
                     if b.name is not None and b.x <= x < b.x + b.w and b.y <= y < b.y + b.h), None)

    def beside(self, player: str, character_id: str) -> tuple[int, int]:
        """The tile a player walks to for talking with a character: next to them, reachable from where
        the player stands, not through or into a closed building; ActionRefused when there is none."""
        w = self.world
        here = self.where(player)
        closed = [p.id for p in w.places.values()
                  if not p.open_air and not w.is_open(p.id) and p.id != w.grid.place_at(*here)]
        found = w.grid.beside(here, w.tile(character_id), radius=TALK_RADIUS, avoid=closed)
        if found is None:
            where = w.position(character_id)
            texts = MOVE_REASONS["no_way_to"]
            raise _refused(texts, w.characters[character_id].names,
                           self.spot(*w.grid.door_of(where)) if where else self.spot(*w.tile(character_id)))
        return found

    def too_far(self, player: str, character_id: str) -> dict[str, str]:
        """Why a player cannot talk with a character yet, in each language, naming where the character is."""
        w = self.world
        where = w.position(character_id)
        at = self.spot(*w.grid.door_of(where)) if where else self.spot(*w.tile(character_id))
        return _texts(MOVE_REASONS["too_far"], w.characters[character_id].names, at)

    def save(self, player: str) -> None:
        with self._lock:
            tile = self._tiles.get(player)
        if tile is not None:
            self.world.update_state(player_key(player), lambda cur: {**cur, "tile": list(tile)})

    def leave(self, player: str) -> None:
        self.save(player)
        with self._lock:
            self._tiles.pop(player, None)

    def near(self, player: str, character_id: str) -> bool:
        """Can the player talk to the character: in the same place, or within TALK_RADIUS tiles."""
        px, py = self.tile(player)
        where = self.world.position(character_id)
        if where is not None and self.world.grid.place_at(px, py) == where:
            return True
        cx, cy = self.world.tile(character_id)
        return max(abs(px - cx), abs(py - cy)) <= TALK_RADIUS

    def place_of(self, player: str) -> str:
        """The place nearest the player (the simulation's level of detail thinks in places)."""
        return self.nearest_place(*self.tile(player))

    def nearest_place(self, x: int, y: int) -> str:
        inside = self.world.grid.place_at(x, y)
        if inside is not None:
            return inside
        doors = {p: self.world.grid.door_of(p) for p in self.world.places}
        return min(doors, key=lambda p: max(abs(doors[p][0] - x), abs(doors[p][1] - y)))


def visible(event: dict[str, Any] | Event, player: str, world: World) -> bool:
    """May this player see this event? Conversations only by their parties."""
    kind = event["kind"] if isinstance(event, dict) else event.kind
    if kind not in PRIVATE_KINDS:
        return True
    actor = event["actor"] if isinstance(event, dict) else event.actor
    target = event["target"] if isinstance(event, dict) else event.target
    for party in (actor, target):
        if party is None or party == player or party in PUBLIC or party in world.characters \
                or party in world.places:
            continue
        return False  # another player's conversation
    return True
