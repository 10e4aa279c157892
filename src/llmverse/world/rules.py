"""The rules of each action, decided inside the transaction that commits it.

Every function here gets the world (its file: places, things, the map; its clock) and a `Tx`, reads the
state it depends on from the database (not from the world's cache, which another process may have
made stale), refuses with a reason, or appends the event and writes the new state. `World` runs them
through `Store.run`, so a decision and its effects are one transaction and a lost race is decided again.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from llmverse.world.refusals import refused
from llmverse.world.state import CharacterRow, Clock, ThingRow, parse
from llmverse.world.store import Event, Tx

if TYPE_CHECKING:
    from llmverse.world.world import World

WALK_M_PER_MIN = 80.0  # an easy pace, about 4.8 km/h


def character(tx: Tx, cid: str) -> CharacterRow:
    return parse(CharacterRow, f"character:{cid}", tx.read(f"character:{cid}"))


def thing(tx: Tx, thing_id: str) -> ThingRow:
    return parse(ThingRow, f"thing:{thing_id}", tx.read(f"thing:{thing_id}"))


def place_of(w: World, tx: Tx, who: str) -> str | None:
    """Where a character stands now (None while walking, or for a player: players are not placed)."""
    return character(tx, who).place if who in w.characters else None


def move(w: World, tx: Tx, cid: str, place_id: str) -> Event:
    if cid not in w.characters:
        raise refused("no_one", who=cid)
    place = w.places.get(place_id)
    if place is None:
        raise refused("no_place", place=place_id)
    st = character(tx, cid)
    if st.place == place_id:
        raise refused("already_there", who=w.characters[cid].names, place=place.names)
    if not place.open_air and not w.is_open(place_id):
        raise refused("closed", place=place.names, hours=place.hours)
    path = w._route(st.tile, place_id)
    if path is None:
        raise refused("no_way", place=place.names)
    came_from = st.place or st.dest
    metres = w.grid.distance_m(path)
    ev = tx.append(w.now(), "move", cid, place_id,
                   {"from": came_from, "metres": round(metres), "minutes": round(metres / WALK_M_PER_MIN, 1)})
    if len(path) == 1:  # already at the entrance
        tx.write(f"character:{cid}", CharacterRow(place=place_id, tile=path[0]).row())
    else:
        tx.write(f"character:{cid}", CharacterRow(place=None, tile=path[0], dest=place_id, path=path[1:]).row())
    return ev


def say_here(w: World, tx: Tx, actor: str, to: str, text: str) -> Event:
    """A character speaks to another character: only one in the same place hears it."""
    if place_of(w, tx, to) != place_of(w, tx, actor):
        raise refused("not_here", who=w.characters[to].names)
    return tx.append(w.now(), "say", actor, to, {"text": text})


def give(w: World, tx: Tx, actor: str, thing_id: str, to: str) -> Event:
    t = w.things.get(thing_id)
    if t is None:
        raise refused("no_thing", thing=thing_id)
    if thing(tx, thing_id).owner != actor:
        raise refused("not_yours", thing=t.names)
    there = place_of(w, tx, to)
    if to in w.characters and actor in w.characters and there != place_of(w, tx, actor):
        raise refused("not_here", who=w.characters[to].names)
    ev = tx.append(w.now(), "give", actor, to, {"thing": thing_id})
    tx.write(f"thing:{thing_id}", ThingRow(location=there, owner=to).row())
    return ev


def buy(w: World, tx: Tx, actor: str, thing_id: str) -> Event:
    """Sold once: the owner is read (and on PostgreSQL locked) in the transaction that changes it."""
    t = w.things.get(thing_id)
    if t is None:
        raise refused("no_thing", thing=thing_id)
    if t.price is None or t.kind == "exhibit":
        raise refused("not_for_sale", thing=t.names)
    st = thing(tx, thing_id)
    if st.owner == actor:
        raise refused("already_yours", thing=t.names)
    if st.location is None:  # carried (sold a moment ago, to a player): no longer on a shelf
        raise refused("in_hands", thing=t.names)
    if actor in w.characters and place_of(w, tx, actor) != st.location:
        raise refused("elsewhere", thing=t.names, place=w.places[st.location].names)
    ev = tx.append(w.now(), "buy", actor, st.owner, {"thing": thing_id, "price": t.price})
    tx.write(f"thing:{thing_id}", ThingRow(location=None, owner=actor).row())
    return ev


def use(w: World, tx: Tx, actor: str, thing_id: str) -> Event:
    t = w.things.get(thing_id)
    if t is None:
        raise refused("no_thing", thing=thing_id)
    st = thing(tx, thing_id)
    if st.owner != actor and actor in w.characters and st.location != place_of(w, tx, actor):
        raise refused("thing_not_here", thing=t.names)
    if t.kind == "exhibit":
        raise refused("exhibit", thing=t.names)
    return tx.append(w.now(), "use", actor, None, {"thing": thing_id})


def visit(w: World, tx: Tx, actor: str, place_id: str) -> Event:
    if actor in w.characters:
        raise refused("walk_there")
    place = w.places.get(place_id)
    if place is None:
        raise refused("no_place", place=place_id)
    if not place.open_air and not w.is_open(place_id):
        raise refused("closed", place=place.names, hours=place.hours)
    return tx.append(w.now(), "visit", actor, place_id, {})


def rate(w: World, tx: Tx, actor: str, item: str, stars: int) -> Event:
    kind, _, ident = item.partition(":")
    known = {"place": w.places, "thing": w.things, "character": w.characters}[kind]
    if ident not in known:
        raise refused("no_rating", kind=kind, item=ident)
    return tx.append(w.now(), "rate", actor, item, {"stars": stars})


def advance(tx: Tx, start: datetime, minutes: float) -> datetime:
    """The clock moves on from what is stored (two processes' ticks add up; none is lost)."""
    clock = parse(Clock, "clock", tx.read("clock") or {"now": start.isoformat(timespec="minutes")})
    now = datetime.fromisoformat(clock.now) + timedelta(minutes=minutes)
    tx.write("clock", Clock(now=now.isoformat(timespec="minutes")).row())
    return now


def tick(w: World, tx: Tx, minutes: float) -> list[Event]:
    """Time passes; walkers move along their paths; an arrival is an event, in the same transaction."""
    now = advance(tx, w.file.start, minutes)
    arrivals = []
    walkers = tx.read_many([f"character:{c}" for c in w.characters])  # locked in one order
    for cid in w.characters:
        key = f"character:{cid}"
        st = parse(CharacterRow, key, walkers[key])
        if not st.path:
            continue
        budget = st.carry + minutes * WALK_M_PER_MIN / w.grid.tile_m  # tiles
        steps = min(int(budget), len(st.path))
        tile, rest = (st.path[steps - 1] if steps else st.tile), st.path[steps:]
        if rest:
            tx.write(key, st.model_copy(update={"tile": tile, "path": rest, "carry": budget - steps}).row())
        else:
            tx.write(key, CharacterRow(place=st.dest, tile=tile).row())
            arrivals.append(tx.append(now, "arrive", cid, st.dest, {}))
    return arrivals
