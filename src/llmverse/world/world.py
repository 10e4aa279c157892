"""A world file brought to life: entity state kept in the Store, changed only through this class.

The world is the one writer of world state (STYLE.md, after ai-town): characters, players and the
assistant submit actions; the world validates each against the state in the database and commits its
event and its state change in one transaction (`world/rules.py` decides, `Store.run` commits). How a
change flows, and the list of actions, is in docs/engine.md.

Reads (`position`, `thing_state`, `state_of`, ...) come from this object's copy of the state, brought
up to date by every commit it makes and by `reload()`; decisions never trust that copy.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from llmverse.lang import add_words
from llmverse.world import rules
from llmverse.world.actions import Action, Buy, Give, Move, Rate, Say, Use, Visit, Wait
from llmverse.world.clock import _minutes, is_open
from llmverse.world.grid import Grid
from llmverse.world.loader import load_world
from llmverse.world.model import Character, Place, Thing, WorldFile
from llmverse.world.refusals import ActionRefused, refused
from llmverse.world.rules import WALK_M_PER_MIN
from llmverse.world.state import WORLD_PREFIXES, check_row, journaled_fields, to_journal
from llmverse.world.store import DEFAULT_URL, Event, Store, StoreError, Tx

__all__ = ["ActionRefused", "DEFAULT_WORLD", "ThingState", "WALK_M_PER_MIN", "World", "open_world", "world_key"]

DEFAULT_WORLD = Path(__file__).resolve().parent.parent / "worlds" / "harbor_town" / "world.yaml"
MAX_SAY = 8000  # characters in one utterance
SEEDED = "world"  # the marker row: written in the seeding transaction, last of all (not journaled)
# What the log rebuilds, kept in the marker row as `journal`: 2 = every state change (the clock, the
# layers' rows and walkers' tiles in the journal, the rest in events). A marker without it was written by
# an older llmverse (before the journal, or before walkers' tiles were journaled): the first start on it
# logs the state as it stands as a baseline (`_seed`), and a replay starts from there.
JOURNAL_FORMAT = 2
log = logging.getLogger(__name__)
T = TypeVar("T")
Change = Callable[[dict[str, Any]], dict[str, Any]]


@dataclass(frozen=True)
class ThingState:
    location: str | None  # a place id; None while someone carries it
    owner: str | None


def world_key(file: WorldFile) -> str:
    """The world's slot in the store: its English name as a slug; a name with no Latin letters
    (星河市) gets a stable hash of its names, so two such worlds never share a slot."""
    slug = re.sub(r"[^a-z0-9]+", "-", file.name.en.lower()).strip("-")
    if slug:
        return slug[:64]
    digest = hashlib.sha256(f"{file.name.en}|{file.name.zh or ''}".encode()).hexdigest()[:12]
    return f"world-{digest}"


class World:
    def __init__(self, file: WorldFile, store: Store) -> None:
        self.file = file
        self.store = store
        add_words(file.chinese_names())  # 记忆馆, 薄荷膏: a question cuts the world's names whole
        self.key = world_key(file)
        self.places: dict[str, Place] = {p.id: p for p in file.places}
        self.things: dict[str, Thing] = {t.id: t for t in file.things}
        self.characters: dict[str, Character] = {c.id: c for c in file.characters}
        self.grid = Grid(file)
        self.source: Path | None = None  # the world file, when opened from one
        self._generation = (0, 0)
        self._state: dict[str, dict[str, Any]] = {}
        # entity -> the version of the row `_state` holds for it, as last read by `reload`; an entity this
        # process wrote (or saw in a transaction) since is left out, so the next reload reads it again
        self._versions: dict[str, int] = {}
        self._copy_lock = threading.Lock()
        self.reload()
        self._seed()

    # --- reading (this object's copy of the state) ----------------------------------------------
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
        """Read the state again from the store: another process (a second server) changed the world.
        Only the rows whose version moved are read whole: with a thousand players' tiles in the state,
        reading and decoding every row on each model request was a fifth of a busy server's time."""
        generation = self.store.generation(self.key)
        versions = self.store.versions(self.key)
        with self._copy_lock:
            stale = [e for e, v in versions.items() if self._versions.get(e) != v]
        fresh = self.store.rows(self.key, stale) if stale else {}
        with self._copy_lock:
            state, known = {}, {}
            for entity in versions:
                if entity in fresh:
                    state[entity], known[entity] = fresh[entity]
                elif entity in self._state:
                    state[entity] = self._state[entity]
                    if entity in self._versions:
                        known[entity] = self._versions[entity]
            self._state, self._versions, self._generation = state, known, generation

    def _saw(self, rows: dict[str, dict[str, Any]]) -> None:
        """State rows a transaction of this process read or wrote: the copy takes them at once, and the
        next `reload` reads them again (their versions are not known here)."""
        with self._copy_lock:
            self._state.update(rows)
            for entity in rows:
                self._versions.pop(entity, None)
            # and the next `refresh` reloads: a concurrent reload may have read the generation after
            # this write, and a newer row before it, which this older one has just overwritten
            self._generation = (-1, -1)

    def refresh(self) -> bool:
        """Reload only if any state row changed since this copy was read (one small query when none
        did): for a server process that must answer with what other processes wrote. True if reloaded."""
        if self.store.generation(self.key) == self._generation:
            return False
        self.reload()
        return True

    def state_of(self, entity: str) -> dict[str, Any]:
        """State kept for an entity above the world (a plan, a relationship); {} when none yet."""
        return dict(self._state.get(entity, {}))

    def events(self, **query: Any) -> list[Event]:
        return self.store.events(self.key, **query)

    def event(self, event_id: int) -> Event | None:
        return self.store.event(self.key, event_id)

    # --- writing: every change is one transaction ---------------------------------------------------
    def run(self, decide: Callable[[Tx], T]) -> T:
        """Commit `decide(tx)` (events and state together, decided against the database's state);
        this object's copy then holds what the decision read and wrote. A layer's row must fit the
        shape its writer registered (`state.register_row`). What the decision changed that its events
        do not explain (the clock, `rel:`, `plan:`, `mind:` ...) goes into the log's journal in the same
        transaction, one row for the lot, so a replay of the log rebuilds it."""
        def journaled(tx: Tx) -> T:
            result = decide(tx)
            for entity, data in tx.written.items():
                check_row(entity, data)  # a layer's row of the wrong shape: StoreError, nothing written
            changes = to_journal(tx.changes(lambda e: journaled_fields(e) != ()))
            if changes:
                clock = (tx.written.get("clock") or {}).get("now")
                tx.journal(datetime.fromisoformat(clock) if clock else self.now(), changes)
            return result

        return self.store.run(self.key, journaled, seen=self._saw).result

    def update_state(self, entity: str, change: Change) -> dict[str, Any]:
        """Atomic read-modify-write of state kept for the layers above (`rel:`, `plan:`, `mind:` ...):
        `change(current)` gets the state as committed now and returns the new one; a change that lost a
        race to another writer runs again on the newer state. Returns what was written."""
        self._check_key(entity)
        return self.run(lambda tx: tx.update(entity, change))

    def update_states(self, changes: Mapping[str, Change]) -> dict[str, dict[str, Any]]:
        """Several rows above the world changed in one transaction (a mind's notes and the simulation's
        step mark): all or none, one journal row. Returns what was written, by key."""
        changes = self._checked(changes)
        return self.run(lambda tx: {entity: tx.update(entity, change) for entity, change in changes.items()})

    def say(self, actor: str, target: str | None, text: str, *, updates: Mapping[str, Change] | None = None,
            **data: Any) -> Event:
        """Record an utterance (validated: a speaker and a listener named in at most 64 characters, some
        words, data that can be kept). `updates`: state changes committed with it (a relationship after
        a talk), so a crash keeps both or neither. `apply(Say)` also checks that a character speaks
        only to a character in the same place; the layers above call `say` for talks they arranged."""
        self._check_say(actor, target, text, data)
        changes = self._checked(updates or {})

        def decide(tx: Tx) -> Event:
            ev = tx.append(self.now(), "say", actor, target, {"text": text, **data})
            for entity, change in changes.items():
                tx.update(entity, change)
            return ev

        return self.run(decide)

    def apply(self, actor: str, action: Action, *, language: str | None = None,
              updates: Mapping[str, Change] | None = None) -> Event | None:
        """Validate an action against the stored state and commit its event and state change together.
        ActionRefused says why not (`reason` in English, `localized` in the actor's language: the
        character's own, else `language`); the refusal is recorded and nothing else changes.
        `updates`: rows above the world committed with the action (a mind's notes, the simulation's
        step mark), or alone for a `Wait`; a refused action writes none of them."""
        changes = self._checked(updates or {})
        try:
            if isinstance(action, Wait):
                if changes:
                    self.update_states(changes)
                return None  # time passes by tick(); nothing to record
            return self._apply(actor, action, changes)
        except ActionRefused as exc:
            lang = self.characters[actor].language if actor in self.characters else (language or "en")
            exc.localized = exc.in_language(lang)
            self.store.record_refusal(self.key, self.now(), actor, action.model_dump(mode="json"), exc.code,
                                      lang, exc.localized)
            raise

    def _apply(self, actor: str, action: Action, changes: dict[str, Change]) -> Event | None:
        if isinstance(action, Say) and not (action.to in self.characters and actor in self.characters):
            return self.say(actor, action.to, action.text, updates=changes)
        if isinstance(action, Say):
            self._check_say(actor, action.to, action.text, {})
        decide = _RULES[type(action)]

        def with_changes(tx: Tx) -> Event:
            ev = decide(self, tx, actor, action)
            for entity, change in changes.items():
                tx.update(entity, change)
            return ev

        return self.run(with_changes)

    def move(self, character_id: str, place_id: str) -> Event:
        return self.run(lambda tx: rules.move(self, tx, character_id, place_id))

    def tick(self, minutes: float) -> list[Event]:
        """Advance world time; walkers move along their paths; arrivals are events (one transaction)."""
        return self.run(lambda tx: rules.tick(self, tx, minutes))

    def advance(self, minutes: float) -> datetime:
        return self.run(lambda tx: rules.advance(tx, self.file.start, minutes))

    def alarm(self, place_id: str, what: str) -> Event:
        """Something everyone in town hears of at once (a fire at the forge, a ship in distress)."""
        if place_id not in self.places:
            raise refused("no_place", place=place_id)
        return self.run(lambda tx: tx.append(self.now(), "alarm", "world", place_id, {"what": what}))

    def invite(self, host: str, place: str, at: datetime, what: str, minutes: int,
               updates: Mapping[str, Change] | None = None) -> Event:
        """A character plans a gathering others can hear of and pass on; `updates` (the host's plan)
        are committed with the event."""
        if host not in self.characters:
            raise refused("no_one", who=host)
        if place not in self.places:
            raise refused("no_place", place=place)
        changes = self._checked(updates or {})

        def decide(tx: Tx) -> Event:
            ev = tx.append(self.now(), "invite", host, None, {"place": place, "at": at.isoformat(timespec="minutes"),
                                                             "what": what, "minutes": minutes})
            for entity, change in changes.items():
                tx.update(entity, change)
            return ev

        return self.run(decide)

    # --- internals ------------------------------------------------------------------------------------
    def _route(self, start: tuple[int, int], place_id: str) -> list[tuple[int, int]] | None:
        """Shortest walk to a place's entrances that crosses no other building (not thoroughfares)."""
        ends = {place_id, self.grid.place_at(*start)}
        avoid = [p for p in self.places if p not in ends and not self.places[p].open_air]
        return self.grid.route([start], self.grid.entrances(place_id), avoid=avoid)

    def _check_key(self, entity: str) -> None:
        if entity.split(":")[0] in WORLD_PREFIXES:
            raise ValueError(f"'{entity}' is world state: change it through an action")

    def _checked(self, changes: Mapping[str, Change]) -> dict[str, Change]:
        for entity in changes:
            self._check_key(entity)
        return dict(changes)

    def _check_say(self, actor: str, target: str | None, text: str, data: dict[str, Any]) -> None:
        for who in (actor, target):
            if who is not None and not (isinstance(who, str) and 0 < len(who) <= 64):
                raise refused("bad_name", who=str(who)[:40])
        if not isinstance(text, str) or not text.strip():
            raise refused("empty_speech")
        if len(text) > MAX_SAY:
            raise refused("too_long", n=len(text), limit=MAX_SAY)
        try:
            json.dumps(data, ensure_ascii=False)
        except (TypeError, ValueError) as exc:
            raise refused("bad_data", problem=str(exc)[:80]) from exc

    def _check_clash(self, marker: dict[str, Any]) -> None:
        """Two different worlds whose names make one key ('Harbor Town', 'harbor-town') must not share state."""
        stored = (marker.get("name") or {}).get("en")
        if stored is not None and stored != self.file.name.en:
            raise _clash(self.key, stored, self.file.name.en)

    def _seed_rows(self) -> dict[str, dict[str, Any]]:
        start = self.file.start
        rows: dict[str, dict[str, Any]] = {"clock": {"now": start.isoformat(timespec="minutes")}}
        for c in self.file.characters:
            place = _scheduled_place(c, start) or self.file.places[0].id  # no schedule, home or work
            rows[f"character:{c.id}"] = {"place": place, "tile": list(self.grid.door_of(place))}
        for t in self.file.things:
            rows[f"thing:{t.id}"] = {"location": t.location, "owner": t.owner}
        return rows

    def _seed(self) -> None:
        """First opening (or a world file that gained a character or thing): every missing row from the
        file, and the marker, in one transaction; rows already there are kept. A kill at any point of a
        first start leaves either nothing (seeded again next time) or a whole world.

        A store written by an older llmverse (its marker has no current `journal`, or there is no
        marker but there are rows) holds state its log cannot rebuild: the same transaction logs every
        row as it stands as a baseline (`Tx.baseline`) and names it in the marker, so `verify` checks
        every change after it (and says nothing of what was wrong before it)."""
        rows = self._seed_rows()
        if SEEDED in self._state:
            self._check_clash(self._state[SEEDED])
            if rows.keys() <= self._state.keys() and _format(self._state[SEEDED]) >= JOURNAL_FORMAT:
                return

        def seed(tx: Tx) -> tuple[int, int | None, int]:
            marker = tx.read(SEEDED)  # first, and locked: a second process opening it waits, then sees ours
            if marker is not None:
                self._check_clash(marker)
            old = {} if marker is not None and _format(marker) >= JOURNAL_FORMAT else \
                {e: d for e, d in tx.read_all().items() if e != SEEDED}
            missing = [e for e in rows if tx.read(e) is None]
            for entity in missing:
                tx.write(entity, rows[entity])
            new = dict(marker) if marker is not None else \
                {"name": self.file.name.model_dump(mode="json"), "seeded_at": rows["clock"]["now"]}
            base = None
            if old:  # rows an older llmverse wrote: their history is not in the log
                clock = (old.get("clock") or rows["clock"])["now"]
                base = tx.baseline(datetime.fromisoformat(clock), old,
                                   "the state was written by an older llmverse whose log does not rebuild it")
                new["baseline"] = base
            new["journal"] = max(JOURNAL_FORMAT, _format(new))
            if new != marker:
                tx.write(SEEDED, new)
            return len(missing), base, len(old)

        added, base, kept = self.store.run(self.key, seed, seen=self._saw).result  # no journal
        self.reload()  # with the generation it is read at
        if added:
            log.info("world %s: %d state rows seeded from the file", self.key, added)
        if base is not None:
            log.warning("world %s: its state was written by an older llmverse, whose log does not rebuild "
                        "it; the %d rows as they stand are now the baseline (log row %d): `llmverse world "
                        "verify` checks every change after it, none before", self.key, kept, base)


def _format(marker: dict[str, Any]) -> int:
    """What the log of a world with this marker rebuilds (JOURNAL_FORMAT); 0: written before it was kept."""
    value = marker.get("journal", 0)
    return value if isinstance(value, int) else 0


# The rule that decides each action (Say between two characters: both must stand in one place).
_RULES: dict[type, Callable[..., Event]] = {
    Move: lambda w, tx, actor, a: rules.move(w, tx, actor, a.to),
    Say: lambda w, tx, actor, a: rules.say_here(w, tx, actor, a.to, a.text),
    Give: lambda w, tx, actor, a: rules.give(w, tx, actor, a.thing, a.to),
    Buy: lambda w, tx, actor, a: rules.buy(w, tx, actor, a.thing),
    Use: lambda w, tx, actor, a: rules.use(w, tx, actor, a.thing),
    Visit: lambda w, tx, actor, a: rules.visit(w, tx, actor, a.to),
    Rate: lambda w, tx, actor, a: rules.rate(w, tx, actor, a.item, a.stars),
}


def _clash(key: str, stored: str, mine: str) -> StoreError:
    return StoreError(f"the store already holds a world named '{stored}' under the key '{key}', and this "
                      f"world is named '{mine}': give one of them another English name, or its own database")


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
