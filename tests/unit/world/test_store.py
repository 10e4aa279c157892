from datetime import datetime

import pytest
from sqlalchemy import text

from enginekit import put_state_unjournaled
from llmverse.world.store import Store

T = datetime(2026, 5, 1, 8, 0)


def test_events_survive_a_restart(tmp_path):
    url = f"sqlite:///{tmp_path / 'w.db'}"
    first = Store(url)
    first.append("harbor", T, "say", "bram", "player1", {"text": "欢迎来到铁匠铺"})
    first.append("harbor", T, "move", "nell", data={"to": "park"})
    first.append("other", T, "move", "nell", data={"to": "elsewhere"})
    first.engine.dispose()
    again = Store(url)  # a new process would see the same file
    evs = again.events("harbor")
    assert [e.kind for e in evs] == ["say", "move"]
    assert evs[0].data["text"] == "欢迎来到铁匠铺" and evs[0].target == "player1"
    assert [e.data["to"] for e in again.events("harbor", actor="nell")] == ["park"]
    assert [e.id for e in again.events("harbor", since_id=evs[0].id)] == [evs[1].id]


def test_conversation_query_and_last_n(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'w.db'}")
    for i in range(5):
        store.append("w", T, "say", "p1", "bram", {"text": f"q{i}"})
        store.append("w", T, "say", "bram", "p1", {"text": f"a{i}"})
        store.append("w", T, "say", "p2", "bram", {"text": "other player"})
    talk = store.events("w", between=("p1", "bram"), last=4)
    assert [e.data["text"] for e in talk] == ["q3", "a3", "q4", "a4"]


def test_state_is_rewritten_and_survives_a_restart(tmp_path):
    url = f"sqlite:///{tmp_path / 'w.db'}"
    store = Store(url)
    put_state_unjournaled(store, "w", "character:bram", {"place": "forge"})
    put_state_unjournaled(store, "w", "character:bram", {"place": "inn"})
    put_state_unjournaled(store, "v", "character:bram", {"place": "park"})
    store.engine.dispose()
    assert Store(url).state("w") == {"character:bram": {"place": "inn"}}


def test_sqlite_runs_in_wal_mode(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'w.db'}")
    for engine in (store.engine, store._writer):
        with engine.connect() as conn:
            assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            # NORMAL (1), not FULL (2): no fsync per commit; in WAL mode a killed process loses nothing
            # (tests/unit/server/test_crash.py). Accounts, tokens and audit logs commit on `engine`.
            assert conn.execute(text("PRAGMA synchronous")).scalar() == 1


def test_postgresql_when_available():
    from services import postgres_url

    store = Store(postgres_url())
    e = store.append("pg_test", T, "say", "pg_test_actor", data={"text": "hello"})
    assert e.id in [x.id for x in store.events("pg_test", actor="pg_test_actor")]
    put_state_unjournaled(store, "pg_test", "clock", {"now": "2026-05-01T08:00"})
    assert store.state("pg_test")["clock"] == {"now": "2026-05-01T08:00"}
    store.dispose()


def test_a_world_rereads_what_another_process_wrote(tmp_path):
    from llmverse.world.world import open_world

    url = f"sqlite:///{tmp_path / 'two.db'}"
    here, there = open_world(database_url=url), open_world(database_url=url)
    there.advance(30)
    assert here.now() != there.now()
    here.reload()
    assert here.now() == there.now()


def test_a_database_that_does_not_answer_is_our_error_with_what_to_check():
    from llmverse.world.store import StoreError

    with pytest.raises(StoreError, match="check that the database server runs and the URL") as info:
        Store("postgresql+psycopg://nobody@127.0.0.1:9/none")
    assert info.value.__cause__ is not None


def test_a_sqlite_write_lock_held_elsewhere_is_retried_then_a_clear_conflict(tmp_path):
    import sqlite3

    from sqlalchemy.exc import OperationalError

    from llmverse.world.store import WriteConflict

    path = tmp_path / "w.db"
    store = Store(f"sqlite:///{path}", retries=3, busy_seconds=0.05)
    put_state_unjournaled(store, "w", "rel:a:b", {"n": 1})
    other = sqlite3.connect(path, isolation_level=None)  # another process, holding the write lock
    other.execute("BEGIN IMMEDIATE")
    with pytest.raises(WriteConflict, match="3 times") as info:
        store.run("w", lambda tx: tx.update("rel:a:b", lambda r: {"n": r["n"] + 1}))
    assert isinstance(info.value.__cause__, OperationalError) and "locked" in str(info.value.__cause__)
    other.execute("ROLLBACK")
    store.run("w", lambda tx: tx.update("rel:a:b", lambda r: {"n": r["n"] + 1}))
    assert store.state("w") == {"rel:a:b": {"n": 2}}


def test_generation_moves_with_every_state_write_and_not_with_events(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'w.db'}")
    assert store.generation("w") == (0, 0)
    put_state_unjournaled(store, "w", "a", {"x": 1})
    put_state_unjournaled(store, "w", "a", {"x": 2})
    put_state_unjournaled(store, "w", "b", {"x": 1})
    assert store.generation("w") == (2, 3)
    store.append("w", T, "say", "p1", data={"text": "hi"})
    assert store.generation("w") == (2, 3)


def test_event_ids_are_64_bit_on_postgresql_and_an_old_32_bit_log_is_widened():
    """A busy world's log outgrows 2^31 ids; a database made with INTEGER ids is altered on open."""
    import sys
    import uuid
    from pathlib import Path

    from sqlalchemy import create_engine

    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "support"))
    from services import postgres_url

    base = postgres_url()
    schema = f"ids_{uuid.uuid4().hex[:8]}"  # a schema of its own: the shared tables are left alone
    admin = create_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
        conn.execute(text(f"CREATE TABLE {schema}.llmverse_events (id SERIAL PRIMARY KEY, world VARCHAR(64), "
                          "world_time TIMESTAMP, kind VARCHAR(32), actor VARCHAR(64), target VARCHAR(64), data JSON)"))
    url = f"{base}?options=-csearch_path%3D{schema}"
    try:
        store = Store(url)
        with store.engine.connect() as conn:
            kinds = dict(conn.execute(text(
                "SELECT table_name, data_type FROM information_schema.columns WHERE table_schema = :s "
                "AND column_name = 'id'"), {"s": schema}).all())
            assert kinds == {"llmverse_events": "bigint", "llmverse_refusals": "bigint"}
            conn.execute(text("SELECT setval(pg_get_serial_sequence('llmverse_events', 'id'), 3000000000)"))
            conn.commit()
        ev = store.append("w", T, "say", "bram", "p1", {"text": "past two billion"})
        assert ev.id == 3000000001
        assert [e.id for e in store.events("w", since_id=2**31)] == [ev.id]
        store.dispose()
        Store(url).dispose()  # opening again: already BIGINT, nothing to do
    finally:
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()
