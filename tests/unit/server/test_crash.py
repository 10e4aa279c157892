"""kill -9 during activity, then restart: every event acknowledged to a client is in the store."""

from __future__ import annotations

import json
import threading
import time

import httpx
import pytest

from serverkit import ProcessServer
from llmverse.world.store import Store

pytestmark = pytest.mark.timeout(180)


def test_every_acknowledged_event_survives_kill_9(tmp_path):
    from websockets.exceptions import ConnectionClosed
    from websockets.sync.client import connect

    db = f"sqlite:///{tmp_path / 'crash.db'}"
    server = ProcessServer(tmp_path, db=db).start()
    acked: list[int] = []
    talks: list[int] = []  # acknowledged `end`s: a reply takes seconds, twenty visits less
    stop = threading.Event()
    try:
        token = httpx.post(server.url + "/api/register", json={"name": "alice", "password": "wonderland"}).json()["token"]
        ws = connect(server.url.replace("http", "ws") + "/ws")
        ws.send(json.dumps({"type": "join", "token": token}))
        assert json.loads(ws.recv())["type"] == "welcome"

        def reader() -> None:
            try:
                while True:
                    f = json.loads(ws.recv())
                    if f["type"] == "moved" and f["event"] is not None:
                        acked.append(f["event"])
                    elif f["type"] == "end":
                        acked.extend(f["events"])
                        talks.append(f["events"][0])
            except (ConnectionClosed, OSError):
                pass

        def writer() -> None:
            # In and out of the forge (a visit event each time in), and a word with Bram now and then.
            i = 0
            try:
                while not stop.is_set():
                    ws.send(json.dumps({"type": "move", "to": [13, 11] if i % 2 == 0 else [16, 11]}))
                    if i % 10 == 1:
                        ws.send(json.dumps({"type": "say", "to": "bram", "text": f"Hello number {i}"}))
                    i += 1
                    time.sleep(0.06)
            except (ConnectionClosed, OSError):
                pass

        threads = [threading.Thread(target=reader), threading.Thread(target=writer)]
        for t in threads:
            t.start()
        deadline = time.monotonic() + 60
        while (len(acked) < 20 or not talks) and time.monotonic() < deadline:
            time.sleep(0.05)
        server.kill()  # in the middle of the traffic
        stop.set()
        for t in threads:
            t.join(timeout=10)
        seen = list(acked)
    finally:
        stop.set()
        server.stop()
    assert len(seen) >= 20, f"only {len(seen)} events were acknowledged before the kill"

    # Restart on the same store: the server comes back, and every acknowledged event is there.
    with ProcessServer(tmp_path, db=db) as again:
        login = httpx.post(again.url + "/api/login", json={"name": "alice", "password": "wonderland"})
        assert login.status_code == 200
        events = httpx.get(again.url + "/api/events?limit=1000",
                           headers={"Authorization": f"Bearer {login.json()['token']}"}).json()
    stored = {e["id"]: e for e in events}
    missing = [i for i in seen if i not in stored]
    assert not missing, f"acknowledged but lost: {missing}"
    kinds = {stored[i]["kind"] for i in seen}
    assert "visit" in kinds and "say" in kinds
    assert {e.id for e in Store(db).events("harbor-town")} >= set(seen)
