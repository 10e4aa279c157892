"""Two server processes behind one address share PostgreSQL and fan events out through Redis."""

from __future__ import annotations

import json
import time

import httpx
import pytest

from serverkit import ADMIN_PASSWORD, ProcessServer, own_world

pytestmark = pytest.mark.timeout(240)


def _frames(ws, seconds: float, until_event: int | None = None, until_type: str | None = None) -> list[dict]:
    """Frames for `seconds`, or until the event with id `until_event` (or a frame of `until_type`) arrives."""
    out, deadline = [], time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            out.append(json.loads(ws.recv(timeout=max(0.01, deadline - time.monotonic()))))
        except TimeoutError:
            break
        if until_event is not None and out[-1]["type"] == "event" and out[-1]["event"]["id"] == until_event:
            break
        if until_type is not None and out[-1]["type"] == until_type:
            break
    return out


def _join(url: str, token: str):
    from websockets.sync.client import connect

    ws = connect(url.replace("http", "ws") + "/ws")
    ws.send(json.dumps({"type": "join", "token": token}))
    assert json.loads(ws.recv())["type"] == "welcome"
    return ws


def test_events_written_by_one_process_reach_players_on_the_other(tmp_path):
    from services import postgres_url, redis_url

    db, redis, world = postgres_url(), redis_url(), own_world(tmp_path)
    extra = ["--redis", redis, "--tick", "0.5"]
    with ProcessServer(tmp_path, world=world, db=db, extra=extra) as a, \
            ProcessServer(tmp_path, world=world, db=db, extra=extra) as b:
        alice = httpx.post(a.url + "/api/register", json={"name": "alice", "password": "wonderland"}).json()["token"]
        bob = httpx.post(b.url + "/api/login", json={"name": "alice", "password": "wonderland"})
        assert bob.status_code == 200  # one account store: an account made on A logs in on B
        bob = httpx.post(b.url + "/api/register", json={"name": "bob", "password": "builder-99"}).json()["token"]
        admin = httpx.post(b.url + "/api/login", json={"name": "admin", "password": ADMIN_PASSWORD}).json()["token"]
        ws_a, ws_b = _join(a.url, alice), _join(b.url, bob)

        # An admin edit on B is heard by Alice on A.
        moved = httpx.post(b.url + "/api/admin/act", headers={"Authorization": f"Bearer {admin}"},
                           json={"actor": "nell", "action": {"kind": "move", "to": "harbour"}}).json()["event"]
        # Bob walks on B: Alice on A sees his avatar move.
        ws_b.send(json.dumps({"type": "move", "to": [30, 25]}))
        # Alice talks to Lin on A: Bob on B must not hear it.
        x, y = 19, 5  # inside the town hall (y 2..7; door at 19, 7), where Lin works
        ws_a.send(json.dumps({"type": "move", "to": [x, y]}))
        ws_a.send(json.dumps({"type": "say", "to": "lin", "text": "Where do I get a permit?", "id": "s"}))
        got_a = _frames(ws_a, 30.0, until_type="end")  # the reply's end (its first call loads the rails' models)
        while sum(f["type"] == "tick" for f in got_a) < 3 and (more := _frames(ws_a, 2.0, until_type="tick")):
            got_a += more  # a few more ticks (a loaded machine steps the clock slower)
        # A public event written on A after the conversation: once Bob has it, he would also have had
        # the conversation's events had they leaked (A publishes in order), so "not seen" means something.
        marker = httpx.post(a.url + "/api/admin/act", headers={"Authorization": f"Bearer {admin}"},
                            json={"actor": "nell", "action": {"kind": "say", "text": "Fresh fish!"}}).json()["event"]
        got_b = _frames(ws_b, 10.0, until_event=marker["id"])
        ws_a.close()
        ws_b.close()

    events_a = [f["event"] for f in got_a if f["type"] == "event"]
    assert any(e["id"] == moved["id"] and e["actor"] == "nell" for e in events_a)
    assert any(f["type"] == "players" and f["tiles"].get("bob") == [30, 25] for f in got_a)
    end = next(f for f in got_a if f["type"] == "end")
    assert any(f["type"] == "event" and f["event"]["id"] == marker["id"] for f in got_b)
    assert not any(f["type"] == "event" and f["event"]["id"] in end["events"] for f in got_b)
    assert any(f["type"] == "event" and f["event"]["kind"] == "visit" and f["event"]["actor"] == "alice" for f in got_b)
    # One world clock for both processes: the ticks both see advance strictly, never twice per step.
    ticks = [f["now"] for f in got_a if f["type"] == "tick"]
    assert len(ticks) >= 3 and ticks == sorted(set(ticks))
