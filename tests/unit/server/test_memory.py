"""Memory given back after clients leave (issue 17: RSS 117 MB idle, 435 MB with 1,000 clients and
730-768 MB after all had left). A closed session must not be held by the runtime, is mostly freed by
reference counting alone (not left in a cycle for the collector's rare full pass), and leaves nothing
per departed player but the tile it saves; `bench/load.py --cycles` measures the RSS."""

from __future__ import annotations

import gc
import time
import weakref

import pytest
from fastapi.testclient import TestClient

from serverkit import ADMIN_PASSWORD, bearer, make_runtime
from llmverse.server import create_app, ws
from llmverse.server.memory import YOUNG, Watermark


@pytest.fixture
def no_collector():
    """The cyclic collector off: what is not freed by reference counting stays, and is seen."""
    gc.collect()
    gc.disable()
    yield
    gc.enable()


def test_sessions_that_closed_are_freed_without_the_collector(tmp_path, monkeypatch, no_collector):
    sessions: list[weakref.ref] = []
    real = ws.Session.__init__

    def init(self, *args, **kw):
        real(self, *args, **kw)
        sessions.append(weakref.ref(self))

    monkeypatch.setattr(ws.Session, "__init__", init)
    rt = make_runtime(tmp_path)
    with TestClient(create_app(runtime=rt)) as c:
        admin = bearer(c.post("/api/login", json={"name": "admin", "password": ADMIN_PASSWORD}).json()["token"])
        tokens = [c.post("/api/admin/accounts", headers=admin, json={"name": f"p{i}"}).json()["token"]
                  for i in range(20)]
        for token in tokens:
            with c.websocket_connect("/ws") as sock:
                sock.send_json({"type": "join", "token": token})
                assert sock.receive_json()["type"] == "welcome"
                sock.send_json({"type": "move", "to": list(rt.world.grid.door_of("park")), "id": "m"})
                while (frame := sock.receive_json()).get("id") != "m":
                    pass
                assert frame["type"] == "moved"
                sock.send_json({"type": "ask", "text": "Where is the museum?", "id": "a"})
                while (frame := sock.receive_json()).get("type") != "end":
                    pass
        for _ in range(100):  # the last session's `finally` runs after its socket closed
            if not rt.hub.connections and not rt.presence.all():
                break
            time.sleep(0.05)
        assert not rt.hub.connections and rt.presence.all() == {}
        by_refcount = sum(1 for r in sessions if r() is None)
        gc.collect()
        alive = [r() for r in sessions if r() is not None]
        assert len(sessions) == 20 and alive == [], f"{len(alive)} of 20 closed sessions still held"
        # Freed without the collector: the hub breaks a session's cycles when it removes it. (Not all:
        # a socket that ends by an exception may leave a cycle through its traceback, which the
        # collector frees.)
        assert by_refcount >= 10, by_refcount
        assert rt.scheduler.outstanding("p0") == 0


def test_memory_is_given_back_once_the_crowd_has_halved():
    mark = Watermark(crowd=50)
    assert not any(mark.update(n) for n in range(1, 101))  # a crowd gathers
    assert not any(mark.update(n) for n in range(99, 50, -1))
    assert mark.update(50)  # half of the peak left: now
    assert not mark.update(49)  # once per wave
    small = Watermark(crowd=50)
    assert not any(small.update(n) for n in [1, 2, 3, 2, 1, 0])  # a handful is no crowd


def test_what_the_server_made_at_start_is_out_of_the_collectors_sight_while_it_runs(tmp_path):
    rt = make_runtime(tmp_path)
    before, thresholds = gc.get_freeze_count(), gc.get_threshold()
    with TestClient(create_app(runtime=rt)):
        running = gc.get_freeze_count()
        assert gc.isenabled() and gc.get_threshold()[0] == YOUNG  # the collector still runs, less often
    assert running > before + 10_000  # the world, the libraries, the runtime: tens of thousands of objects
    assert gc.get_freeze_count() == 0  # given back to the collector when the server stops
    assert gc.get_threshold() == thresholds
