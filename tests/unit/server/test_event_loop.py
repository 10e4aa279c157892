"""The event loop that serves every socket never waits on the store, and its copy of the world keeps up
with writers it never hears from (issue 18: "the server never blocks its event loop on the database";
`Runtime.fresh()` re-read only when Redis said so, so without Redis a process never saw another
writer's change), on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event

from serverkit import ADMIN_PASSWORD, bearer, make_runtime, own_world, run_coroutine
from llmverse.server import create_app
from llmverse.server.bus import ORIGIN
from llmverse.world.actions import Buy
from llmverse.world.store import Store
from llmverse.world.world import World

pytestmark = pytest.mark.timeout(120)


@pytest.fixture(params=["sqlite", "postgresql"])
def served(request, tmp_path: Path) -> Iterator[tuple[TestClient, object, str]]:
    """A client of a fresh server (no Redis) and the database URL another writer can open."""
    if request.param == "postgresql":
        from services import postgres_url

        url = postgres_url()
        rt = make_runtime(tmp_path, database_url=url, world=own_world(tmp_path), refresh_seconds=0.2, redis_url=None)
    else:
        url = f"sqlite:///{tmp_path / 'world.db'}"
        rt = make_runtime(tmp_path, database_url=url, refresh_seconds=0.2, redis_url=None)
    with TestClient(create_app(runtime=rt)) as c:
        yield c, rt, url


def _statements_in_the_loop(rt) -> list[str]:
    """Every SQL statement the store and the accounts run from a thread that runs an event loop."""
    seen: list[str] = []

    def check(conn, cursor, statement, *args) -> None:
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return  # a worker thread: where store work belongs
        seen.append(f"{threading.current_thread().name}: {statement.split()[0]} {statement[:80]!r}")

    for engine in {rt.store.engine, rt.store._writer, rt.accounts.engine}:
        event.listen(engine, "before_cursor_execute", check)
    return seen


def _until(ws, kind: str, ref: str | None = None) -> dict:
    for _ in range(500):
        frame = ws.receive_json()
        assert frame["type"] != "error" or frame.get("id") != ref, frame
        if frame["type"] == kind and (ref is None or frame.get("id") == ref):
            return frame
    raise AssertionError(f"no {kind} frame")


def test_a_whole_session_runs_no_statement_in_the_event_loop(served):
    c, rt, _ = served
    seen = _statements_in_the_loop(rt)
    # A process that hears (as from Redis) that another process wrote: before, the next join re-read
    # the whole state in the event loop.
    rt._on_bus({"type": "event", "origin": "elsewhere-" + ORIGIN, "event": {"id": 1, "kind": "visit", "actor": "x",
                                                                           "target": "park", "data": {}}})
    token = c.post("/api/register", json={"name": "alice", "password": "correct-horse"}).json()["token"]
    admin = c.post("/api/login", json={"name": "admin", "password": ADMIN_PASSWORD}).json()["token"]
    with c.websocket_connect("/ws") as ws:
        ws.send_json({"type": "join", "token": token, "lang": "en"})
        _until(ws, "welcome")
        ws.send_json({"type": "move", "to": list(rt.world.grid.door_of("park")), "id": "in"})  # a visit: a write
        assert _until(ws, "moved", "in")["event"] is not None
        x, y = rt.world.tile("bram")
        ws.send_json({"type": "move", "to": [x - 1, y], "id": "walk"})
        _until(ws, "moved", "walk")
        ws.send_json({"type": "say", "to": "bram", "text": "How much is the anchor?", "id": "s"})
        assert len(_until(ws, "end", "s")["events"]) == 2
        ws.send_json({"type": "ask", "text": "Where is the museum?", "id": "a"})
        _until(ws, "end", "a")
    r = c.post("/api/admin/generate", headers=bearer(admin), json={"kind": "news", "params": {"day": 1, "language": "en"}})
    assert r.status_code == 200, r.text
    c.post("/api/logout", headers=bearer(token))
    for _ in range(50):  # the departure's write (the avatar's tile) runs in a worker thread after the socket closed
        if rt.world.state_of("player:alice"):
            break
        time.sleep(0.1)
    assert seen == [], seen


def test_without_redis_a_change_by_another_writer_reaches_rest_at_once_and_the_sockets_soon(served):
    c, rt, url = served
    other = World(rt.world.file, Store(url))  # another process, or `llmverse` commands on the same database
    try:
        other.apply("player2", Buy(thing="anchor"))
        other.move("bram", "market")
        other.tick(60)
        token = c.post("/api/register", json={"name": "alice", "password": "correct-horse"}).json()["token"]
        things = {t["id"]: t for t in c.get("/api/things", headers=bearer(token)).json()}
        assert things["anchor"]["owner"] == "player2"  # REST reads in a worker thread: re-read first
        chars = {ch["id"]: ch for ch in c.get("/api/characters", headers=bearer(token)).json()}
        assert chars["bram"]["place"] == other.position("bram") == "market"
        # The event loop's copy is refreshed by the runtime in a worker thread (every 0.2 s here).
        for _ in range(100):
            with c.websocket_connect("/ws") as ws:
                ws.send_json({"type": "join", "token": token})
                welcome = _until(ws, "welcome")
            if welcome["characters"]["bram"]["place"] == "market":
                break
            time.sleep(0.1)
        assert welcome["characters"]["bram"] == {"tile": list(other.tile("bram")), "place": "market"}
        assert rt.world.thing_state("anchor").owner == "player2"
    finally:
        other.store.dispose()


def test_players_writes_run_in_one_thread_in_the_order_made_and_still_run_after_a_stop(tmp_path):
    rt = make_runtime(tmp_path)
    done: list[tuple[int, str]] = []

    def write(i: int) -> None:
        time.sleep(0.002 * (5 - i % 5))  # earlier ones take longer: parallel threads would finish out of order
        done.append((i, threading.current_thread().name))

    async def scenario() -> None:
        rt.start(asyncio.get_running_loop())
        await asyncio.gather(*(rt.write(write, i) for i in range(20)))
        await rt.stop()
        await rt.write(write, 20)  # a session that ends after the server stopped still saves its tile

    run_coroutine(scenario())
    assert [i for i, _ in done] == list(range(21))
    assert {name for _, name in done[:20]} == {done[0][1]} and done[0][1].startswith("player-writes")
    assert not done[20][1].startswith("player-writes")
