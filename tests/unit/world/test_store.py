import os
from datetime import datetime

import pytest
from sqlalchemy import text

from llmverse.world.store import Store

T = datetime(2026, 5, 1, 8, 0)


def test_events_survive_a_restart(tmp_path):
    url = f"sqlite:///{tmp_path / 'w.db'}"
    first = Store(url)
    first.append(T, "say", "bram", text="欢迎来到铁匠铺", to="player1")
    first.append(T, "move", "nell", to="park")
    first.engine.dispose()
    again = Store(url)  # a new process would see the same file
    evs = again.events()
    assert [e.kind for e in evs] == ["say", "move"]
    assert evs[0].data["text"] == "欢迎来到铁匠铺"
    assert [e.actor for e in again.events(actor="nell")] == ["nell"]
    assert [e.id for e in again.events(since_id=evs[0].id)] == [evs[1].id]


def test_sqlite_runs_in_wal_mode(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'w.db'}")
    with store.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"


def test_postgresql_when_available():
    pytest.importorskip("psycopg")
    url = os.environ.get("LLMVERSE_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
    try:
        store = Store(url)
        with store.engine.connect():
            pass
    except Exception as exc:  # no server on this machine
        pytest.skip(f"PostgreSQL not reachable: {exc}")
    e = store.append(T, "say", "pg_test_actor", text="hello")
    assert e.id in [x.id for x in store.events(actor="pg_test_actor")]
