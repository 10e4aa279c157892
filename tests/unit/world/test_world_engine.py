"""The engine on one process: an action's event and its state change commit together or not at all;
refusals give a reason in the actor's language, are recorded, and change nothing; `say` is validated;
database errors come out as ours; a first start killed at any point leaves a world that starts. On a
SQLite file and on PostgreSQL (each world under a name of its own: the PostgreSQL database is shared)."""

from __future__ import annotations

import random

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from enginekit import child, harbor, put_state_unjournaled, unique_name
from llmverse.errors import LlmverseError
from llmverse.world.actions import Buy, Say, Use
from llmverse.world.loader import load_world
from llmverse.world.store import Store, StoreError, WriteConflict
from llmverse.world.transactions import Lost, Tx
from llmverse.world.world import DEFAULT_WORLD, ActionRefused, World, world_key


def _chinese_name() -> str:
    """A world name with no Latin letter, new for each test (so a shared database has no such world yet).
    Drawn from the system's randomness: another test seeding `random` made every run draw the same names,
    and the second run on a kept PostgreSQL database found the first run's world."""
    rng = random.SystemRandom()
    return "".join(chr(rng.randint(0x4E00, 0x9FA5)) for _ in range(6)) + "市"


def _fail_after_event(monkeypatch, error: BaseException) -> None:
    """Every state write fails once the action's event is appended: the gap the issue measured."""
    real = Tx.write

    def write(self, entity, data):
        if self.events:
            raise error
        return real(self, entity, data)

    monkeypatch.setattr(Tx, "write", write)


@pytest.mark.parametrize("error", [RuntimeError("disk full"), OperationalError("UPDATE", {}, Exception("disk I/O error"))])
def test_a_failure_between_event_and_state_writes_neither(url, monkeypatch, error):
    world = harbor(url)
    before = world.events()
    _fail_after_event(monkeypatch, error)
    with pytest.raises(RuntimeError if isinstance(error, RuntimeError) else StoreError) as info:
        world.apply("player1", Buy(thing="anchor"))
    if not isinstance(error, RuntimeError):
        assert isinstance(info.value, LlmverseError) and isinstance(info.value.__cause__, OperationalError)
    monkeypatch.undo()
    again = World(world.file, Store(url))  # what the database holds, not this object's copy
    assert again.events() == before
    assert again.thing_state("anchor").owner == "bram"


def test_buy_is_decided_on_the_stored_owner_not_on_a_stale_copy(url):
    here, there = harbor(url), None
    there = World(here.file, Store(url))  # a second process on the same world
    assert there.apply("player2", Buy(thing="anchor")).actor == "player2"
    assert here.thing_state("anchor").owner == "bram"  # this copy is stale ...
    with pytest.raises(ActionRefused) as info:  # ... but the decision reads the database
        here.apply("player1", Buy(thing="anchor"))
    assert "someone's hands" in info.value.reason
    assert here.thing_state("anchor").owner == "player2"  # and the copy learnt the truth
    assert [e.actor for e in here.events(kind="buy")] == ["player2"]


def test_refusals_are_recorded_in_the_actors_language_and_change_nothing(url):
    world = harbor(url)
    before = (world.events(), world.store.state(world.key))
    with pytest.raises(ActionRefused) as info:
        world.apply("mara", Use(thing="founding_bell"))  # Mara speaks Chinese first
    assert "exhibit" in info.value.reason and "展品" in info.value.localized
    with pytest.raises(ActionRefused) as info:
        world.apply("player1", Buy(thing="founding_bell"), language="zh")
    assert info.value.localized == "建镇铜钟不出售"
    with pytest.raises(ActionRefused):
        world.apply("player2", Buy(thing="moonstone"))
    kept = world.store.refusals(world.key)
    assert [(r.actor, r.code, r.language) for r in kept] == [
        ("mara", "exhibit", "zh"), ("player1", "not_for_sale", "zh"), ("player2", "no_thing", "en")]
    assert kept[0].action == {"kind": "use", "thing": "founding_bell"} and "展品" in kept[0].reason
    assert (world.events(), world.store.state(world.key)) == before


@pytest.mark.parametrize("args, code", [
    (("player1", "bram", "   "), "empty_speech"),
    (("player1", "bram", "x" * 8001), "too_long"),
    (("p" * 65, "bram", "hello"), "bad_name"),
])
def test_say_is_validated(url, args, code):
    world = harbor(url)
    with pytest.raises(ActionRefused) as info:
        world.say(*args)
    assert info.value.code == code and world.events() == []


def test_say_refuses_data_it_cannot_keep_and_apply_say_records_the_refusal(url):
    world = harbor(url)
    with pytest.raises(ActionRefused, match="cannot keep"):
        world.say("player1", "bram", "hi", blob=object())
    with pytest.raises(ActionRefused, match="not here"):
        world.apply("bram", Say(to="mara", text="hello"))
    assert [r.code for r in world.store.refusals(world.key)] == ["not_here"]
    assert world.events() == []


def test_say_commits_its_state_updates_with_it_or_not_at_all(url, monkeypatch):
    world = harbor(url)
    world.say("player1", "bram", "hello", updates={"rel:bram:player1": lambda r: {**r, "familiarity": 1}})
    assert world.state_of("rel:bram:player1") == {"familiarity": 1}

    def broken(r):
        raise RuntimeError("crash while counting")

    with pytest.raises(RuntimeError):
        world.say("player1", "bram", "again", updates={"rel:bram:player1": broken})
    assert [e.data["text"] for e in World(world.file, Store(url)).events()] == ["hello"]
    with pytest.raises(ValueError, match="world state"):
        world.say("player1", "bram", "hi", updates={"thing:anchor": lambda r: {**r, "owner": "player1"}})


def test_a_lost_race_is_decided_again_and_an_endless_one_is_a_clear_error(url):
    world = harbor(url, retries=4)  # on a layer's row of no registered shape ("note:")
    attempts = []

    def first_insert_loses(tx: Tx) -> None:
        attempts.append(1)
        if len(attempts) == 1:  # another writer inserts the key between our read and our write
            tx.read("note:a:b")
            tx.session.execute(text("INSERT INTO llmverse_state (world, entity, data, version) "
                                    "VALUES (:w, 'note:a:b', '{\"n\": 7}', 1)"), {"w": world.key})
        tx.update("note:a:b", lambda r: {"n": r.get("n", 0) + 1})

    world.run(first_insert_loses)  # the raw IntegrityError never reaches us: it is a retry
    assert len(attempts) == 2 and world.store.state(world.key)["note:a:b"] == {"n": 1}

    def always_loses(tx: Tx) -> None:
        tx.write("note:a:b", {"n": -1})
        raise Lost("note:a:b")

    with pytest.raises(WriteConflict, match="4 times") as info:
        world.run(always_loses)
    assert isinstance(info.value, LlmverseError)
    assert world.store.state(world.key)["note:a:b"] == {"n": 1}  # never a silent overwrite


def test_worlds_with_chinese_only_names_keep_separate_slots(url):
    base = load_world(DEFAULT_WORLD)
    names = ("星河市", "东海市") if url.startswith("sqlite") else (_chinese_name(), _chinese_name())
    files = [base.model_copy(update={"name": base.name.model_copy(update={"en": n, "zh": n})}) for n in names]
    assert len({world_key(f) for f in files}) == 2
    first, second = (World(f, Store(url)) for f in files)
    first.advance(90)
    first.apply("player1", Buy(thing="anchor"))
    second.reload()
    assert second.now() != first.now() and second.thing_state("anchor").owner == "bram"


def test_a_database_made_before_versions_is_upgraded_and_kept(tmp_path):
    import sqlite3

    path = tmp_path / "old.db"
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE llmverse_state (world VARCHAR(64) NOT NULL, entity VARCHAR(96) NOT NULL, "
                "data JSON NOT NULL, PRIMARY KEY (world, entity))")
    con.execute("""INSERT INTO llmverse_state VALUES ('w', 'rel:a:b', '{"n": 2}')""")
    con.commit()
    con.close()
    store = Store(f"sqlite:///{path}")
    store.run("w", lambda tx: tx.update("rel:a:b", lambda r: {"n": r["n"] + 1}))
    assert store.state("w") == {"rel:a:b": {"n": 3}}


def test_every_committed_event_is_announced_once_after_its_commit(url):
    seen, refused_seen = [], []

    class Publishing(Store):  # as server/bus.py's PublishingStore
        def published(self, event):
            # announced after the commit: a fresh reader already finds the event in the log
            assert self.event(event.world, event.id) == event
            seen.append(event.id)

    world = World(harbor(url).file, Publishing(url))
    moved = world.move("bram", "market")
    said = world.say("player1", "otto", "hello")
    direct = world.store.append(world.key, world.now(), "visit", "player1", "park")
    with pytest.raises(ActionRefused):
        world.apply("bram", Buy(thing="no-such-thing"))
    refused_seen.extend(seen)
    assert seen == [moved.id, said.id, direct.id]
    assert refused_seen == seen  # a refusal announces nothing


KILL_AFTER = """
import os, signal
from enginekit import harbor
from llmverse.world.transactions import Tx
real, n = Tx.write, [0]
def write(self, entity, data):
    n[0] += 1
    if n[0] > {k}:
        os.kill(os.getpid(), signal.SIGKILL)
    return real(self, entity, data)
Tx.write = write
harbor({url!r}, {name!r})
print("seeded without a kill")
"""


@pytest.mark.parametrize("db, k", [("sqlite", 0), ("sqlite", 1), ("sqlite", 7), ("sqlite", 15), ("sqlite", 21),
                                   ("postgresql", 1), ("postgresql", 12)])
def test_a_kill_9_at_any_point_of_the_first_start_leaves_a_world_that_starts(tmp_path, db, k):
    if db == "postgresql":
        from services import postgres_url

        url, name = postgres_url(), unique_name()
    else:
        url, name = f"sqlite:///{tmp_path / 'first.db'}", "Harbor Kill"
    done = child(KILL_AFTER.format(k=k, url=url, name=name))
    assert done.returncode == -9, done.stderr[-2000:]
    world = harbor(url, name)  # the next start
    assert world.position("mara") == "museum" and world.thing_state("anchor").owner == "bram"
    assert world.apply("player1", Buy(thing="anchor")).kind == "buy"  # and it serves


def test_a_world_whose_state_lacks_a_row_is_seeded_with_it_and_keeps_the_rest(url):
    world = harbor(url, unique_name())  # as a world file that gained a thing, or a store half-seeded before
    world.apply("player1", Buy(thing="anchor"))
    store = Store(url)
    store.run(world.key, lambda tx: tx.session.execute(
        text("DELETE FROM llmverse_state WHERE world = :w AND entity IN ('thing:ship_model', 'world')"),
        {"w": world.key}))
    again = World(world.file, store)
    assert again.thing_state("ship_model").location == "museum"
    assert again.thing_state("anchor").owner == "player1"


def test_a_malformed_state_row_is_a_clear_error_naming_it(url):
    world = harbor(url)
    put_state_unjournaled(world.store, world.key, "thing:anchor", {"owner": "bram"})  # no location: hand-made
    with pytest.raises(StoreError, match="'thing:anchor' is malformed"):
        world.apply("player1", Buy(thing="anchor"))
    assert world.events() == []


def test_refresh_rereads_only_when_another_process_wrote(url):
    here = harbor(url)
    there = World(here.file, Store(url))
    assert here.refresh() is False  # nothing changed: one small query, no reload
    there.apply("player2", Buy(thing="anchor"))
    assert here.thing_state("anchor").owner == "bram"
    assert here.refresh() is True and here.thing_state("anchor").owner == "player2"
    assert here.refresh() is False


def test_two_worlds_whose_names_make_one_key_do_not_share_state(url):
    name = unique_name()
    first = harbor(url, name)
    with pytest.raises(StoreError, match="another English name"):
        harbor(url, name.lower().replace(" ", "  ") + "!")
    assert harbor(url, name).key == first.key  # the same world opens again


def test_a_layer_row_that_does_not_fit_its_registered_shape_is_not_written(url):
    from pydantic import BaseModel, ConfigDict

    from llmverse.world.state import LAYER_ROWS, register_row
    from llmverse.world.tables import JOURNAL

    class Badge(BaseModel):
        model_config = ConfigDict(extra="forbid")
        stars: int

    register_row("badge", Badge)
    try:
        world = harbor(url)
        world.update_state("badge:p1", lambda cur: {"stars": 2})
        with pytest.raises(StoreError, match=r"'badge:p1' was not written: it does not fit Badge \(stars"):
            world.update_state("badge:p1", lambda cur: {"stars": "many"})
        with pytest.raises(StoreError, match="was not written"):  # with an event: neither is written
            world.say("player1", "bram", "hi", updates={"badge:p1": lambda cur: {**cur, "colour": "red"}})
        assert world.store.state(world.key)["badge:p1"] == {"stars": 2}
        assert world.state_of("badge:p1") == {"stars": 2}  # nor kept in this process's copy
        assert world.events(kind="say") == [] and len(world.store.events(world.key, kind=JOURNAL)) == 1
        with pytest.raises(ValueError):
            register_row("thing", Badge)  # the world's own rows are typed by the world
    finally:
        LAYER_ROWS.pop("badge", None)
