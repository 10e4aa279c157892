"""The player's WebSocket: join, bad frames, moving, talking (streamed, acknowledged), asking the way,
rate limits, queue positions, cancellation and disconnects."""

from __future__ import annotations

import time
from contextlib import ExitStack

import pytest
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from serverkit import SlowBackend, bearer, make_runtime
from llmverse.llm.gateway import Gateway, GatewayConfig
from llmverse.server import create_app


def until(ws, kind: str, ref: str | None = None, limit: int = 200) -> tuple[dict, list[dict]]:
    """Frames up to the first of this type (and id); returns it and everything before it."""
    seen = []
    for _ in range(limit):
        frame = ws.receive_json()
        if frame["type"] == kind and (ref is None or frame.get("id") == ref):
            return frame, seen
        seen.append(frame)
    raise AssertionError(f"no {kind} frame in {limit}: {seen[-5:]}")


@pytest.fixture
def sockets():
    """Open sockets are closed (and their sessions joined) when the test ends."""
    with ExitStack() as stack:
        yield stack


def join(client: TestClient, stack: ExitStack, token: str):
    conn = stack.enter_context(client.websocket_connect("/ws"))
    conn.send_json({"type": "join", "token": token})
    welcome = conn.receive_json()
    assert welcome["type"] == "welcome"
    return conn, welcome


def walk_to(ws, rt, character: str) -> None:
    x, y = rt.world.tile(character)
    ws.send_json({"type": "move", "to": [x - 1, y], "id": "walk"})
    moved, _ = until(ws, "moved", "walk")
    assert moved["tile"] == [x - 1, y]


@pytest.mark.parametrize("first", [{"type": "join", "token": "lv_wrong"}, {"type": "ping"}, {"type": "join"}])
def test_no_valid_join_no_session(client, first):
    with client.websocket_connect("/ws") as ws:
        ws.send_json(first)
        frame = ws.receive_json()
        assert frame["type"] == "error" and frame["reason"] == "unauthorized"
        with pytest.raises(WebSocketDisconnect) as e:
            ws.receive_json()
        assert e.value.code == 4401


def test_bad_frames_get_error_frames_and_the_session_goes_on(client, sockets, register):
    ws, _ = join(client, sockets, register("alice"))
    for raw, reason in [("x" * 17000, "too_large"), ("{oops", "malformed"), ('{"type": "teleport"}', "unknown_type"),
                        ('{"type": "move", "to": "north"}', "invalid")]:
        ws.send_text(raw)
        frame, _ = until(ws, "error")
        assert frame["reason"] == reason
    ws.send_bytes(b'{"type": "ping"}')
    assert until(ws, "error")[0]["reason"] == "malformed"
    ws.send_json({"type": "ping", "id": "p1"})
    assert until(ws, "pong", "p1")[0]["id"] == "p1"


def test_moves_are_checked_against_the_map(client, sockets, register, rt):
    ws, welcome = join(client, sockets, register("alice"))
    ws.send_json({"type": "move", "to": [0, 45], "id": "sea"})
    refused, _ = until(ws, "error", "sea")
    assert refused["reason"] == "refused" and refused["tile"] == welcome["tile"]
    ws.send_json({"type": "move", "to": [13, 11], "id": "forge"})
    moved, _ = until(ws, "moved", "forge")
    assert moved["place"] == "forge" and moved["waypoints"][-1] == [13, 11]
    assert rt.world.store.event(rt.world.key, moved["event"]).kind == "visit"


def test_talking_needs_the_character_near_and_known(client, sockets, register):
    ws, _ = join(client, sockets, register("alice"))
    ws.send_json({"type": "say", "to": "bram", "text": "hello", "id": "s1"})
    assert until(ws, "error", "s1")[0]["reason"] == "too_far"
    ws.send_json({"type": "say", "to": "ghost", "text": "hello", "id": "s2"})
    assert until(ws, "error", "s2")[0]["reason"] == "unknown_character"


def test_a_reply_streams_and_ends_with_the_events_it_stored(client, sockets, register, rt):
    ws, _ = join(client, sockets, register("alice"))
    bob, _ = join(client, sockets, register("bob"))
    walk_to(ws, rt, "bram")
    ws.send_json({"type": "say", "to": "bram", "text": "How much is the anchor?", "id": "s1"})
    end, before = until(ws, "end", "s1")
    tokens = [f["text"] for f in before if f["type"] == "token" and f["id"] == "s1"]
    assert tokens and "".join(tokens) == end["text"] and "40" in end["text"]
    asked, answered = (rt.world.store.event(rt.world.key, i) for i in end["events"])
    assert (asked.actor, asked.target, asked.data["text"]) == ("alice", "bram", "How much is the anchor?")
    assert (answered.actor, answered.target, answered.data["text"]) == ("bram", "alice", end["text"])
    # Bob saw Alice walk in but not the conversation: a public event stored after it reaches him,
    # so had the conversation been sent to him, it would have arrived before that.
    marker = rt.world.say("nell", None, "Fresh fish!").id
    frame, bob_frames = until(bob, "event")
    while frame["event"]["id"] != marker:
        bob_frames.append(frame)
        frame, more = until(bob, "event")
        bob_frames += more
    bob_events = [f["event"] for f in bob_frames if f["type"] == "event"]
    assert any(e["kind"] == "visit" and e["actor"] == "alice" for e in bob_events)
    assert not any(e["id"] in end["events"] for e in bob_events)


def test_asking_the_way_sends_a_route_to_draw(client, sockets, register, rt):
    ws, welcome = join(client, sockets, register("alice"))
    ws.send_json({"type": "ask", "text": "how do I get to the museum?", "id": "a1"})
    route, _ = until(ws, "route", "a1")
    end, _ = until(ws, "end", "a1")
    assert route["destination"] == "museum" and route["path"][0] == welcome["tile"]
    assert tuple(route["path"][-1]) in rt.world.grid.entrances("museum")
    assert "Maritime Museum" in end["text"] and len(end["events"]) == 2


def test_model_calls_past_the_rate_limit_are_refused_with_retry_after(tmp_path):
    rt = make_runtime(tmp_path, model_rate=0.01, model_burst=2)
    with TestClient(create_app(runtime=rt)) as client, ExitStack() as sockets:
        token = client.post("/api/register", json={"name": "alice", "password": "wonderland"}).json()["token"]
        ws, _ = join(client, sockets, token)
        for i in range(2):
            ws.send_json({"type": "ask", "text": "hello", "id": f"a{i}"})
            until(ws, "end", f"a{i}")
        ws.send_json({"type": "ask", "text": "hello", "id": "a2"})
        refused, _ = until(ws, "error", "a2")
        assert refused["reason"] == "rate_limited" and refused["retry_after"] > 1
        ws.send_json({"type": "ping", "id": "p"})
        until(ws, "pong", "p")  # still usable
        # The OpenAI-compatible API shares the player's bucket: refused with Retry-After.
        r = client.post("/v1/chat/completions", headers=bearer(token),
                        json={"model": "assistant", "messages": [{"role": "user", "content": "hello"}]})
        assert r.status_code == 429 and int(r.headers["retry-after"]) >= 1
        assert r.json()["error"]["code"] == "rate_limit_exceeded"


def test_a_message_flood_is_refused_and_the_session_survives(tmp_path):
    rt = make_runtime(tmp_path, message_rate=1, message_burst=5)
    with TestClient(create_app(runtime=rt)) as client, ExitStack() as sockets:
        token = client.post("/api/register", json={"name": "alice", "password": "wonderland"}).json()["token"]
        ws, _ = join(client, sockets, token)
        for i in range(8):
            ws.send_json({"type": "ping", "id": f"p{i}"})
        frames = [ws.receive_json() for _ in range(8)]
        kinds = [f["type"] for f in frames if f["type"] in ("pong", "error")]
        assert kinds.count("pong") == 5 and kinds.count("error") == 3
        assert all(f["reason"] == "rate_limited" and f["retry_after"] > 0 for f in frames if f["type"] == "error")
        time.sleep(1.1)
        ws.send_json({"type": "ping", "id": "later"})
        until(ws, "pong", "later")


def slow_client(tmp_path, backend: SlowBackend, **cfg):
    rt = make_runtime(tmp_path, gateway=Gateway(backend, GatewayConfig(timeout=10, retries=0)), **cfg)
    return rt, TestClient(create_app(runtime=rt))


def test_queue_positions_count_down_and_cancel_drops_a_waiting_request(tmp_path):
    backend = SlowBackend(delay=0.05)
    rt, client = slow_client(tmp_path, backend, concurrency=1)
    with client, ExitStack() as sockets:
        tokens = [client.post("/api/register", json={"name": n, "password": "long-enough"}).json()["token"]
                  for n in ("alice", "bob", "carol", "dave")]
        socks = [join(client, sockets, t)[0] for t in tokens]
        for ws in socks:
            walk_to(ws, rt, "bram")
        for i, ws in enumerate(socks):
            # (not "Tell me about your day.": the persona rail refuses it since safety head v3)
            ws.send_json({"type": "say", "to": "bram", "text": "What do you think of the sea?", "id": f"s{i}"})
            if i == 0:
                until(ws, "token", "s0")  # alice is being answered: the others queue behind her
        # dave cancels while waiting: his request never reaches the model
        socks[3].send_json({"type": "cancel", "ref": "s3"})
        cancelled, _ = until(socks[3], "cancelled", "s3")
        assert cancelled["found"]
        assert until(socks[3], "error", "s3")[0]["reason"] == "cancelled"
        carol = [f["position"] for f in until(socks[2], "end", "s2")[1] if f["type"] == "queued"]
        assert carol[0] == 1 and carol[-1] == 0
        time.sleep(0.3)
        assert backend.started == 3 and backend.finished == 3  # alice, bob, carol; not dave


def test_a_reload_mid_reply_finishes_the_reply_stores_it_and_the_new_page_gets_it(tmp_path):
    """Issue 16: a reload while Bram replied lost the reply (closing the socket cancelled the model call,
    so the exchange was never written). Now the running reply is finished and stored, the request still
    waiting behind it is dropped unrun, the reloaded page is sent the reply's event, and the history
    (what the page restores from) holds the whole reply."""
    backend = SlowBackend(delay=0.2)  # ~4 s for the reply: the close comes in its middle
    rt, client = slow_client(tmp_path, backend, concurrency=1)
    with client, ExitStack() as sockets:
        token = client.post("/api/register", json={"name": "alice", "password": "wonderland"}).json()["token"]
        ws, _ = join(client, sockets, token)
        walk_to(ws, rt, "bram")
        ws.send_json({"type": "say", "to": "bram", "text": "What do you think of the sea?", "id": "s1"})
        ws.send_json({"type": "say", "to": "bram", "text": "And of the wind?", "id": "s2"})  # waits behind s1
        until(ws, "queued", "s2")
        deadline = time.monotonic() + 5
        while backend.started == 0 and time.monotonic() < deadline:
            time.sleep(0.02)
        ws.close()  # the reload
        assert backend.finished == 0, "the close came after the reply, not in it"
        page, _ = join(client, sockets, token)
        said: list[dict] = []
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not (said and said[-1]["actor"] == "bram"):
            time.sleep(0.1)
            said = client.get("/api/conversations?with=bram&last=10", headers=bearer(token)).json()
        assert [e["actor"] for e in said] == ["alice", "bram"], said  # (s2 never said: it was dropped)
        assert said[0]["data"]["text"] == "What do you think of the sea?"
        assert "The sea is calm" in said[1]["data"]["text"], said[1]  # the sentence after the close
        assert backend.finished == 1 and backend.stopped_early == 0
        page.send_json({"type": "ping", "id": "after"})
        _, frames = until(page, "pong", "after")
        assert said[1]["id"] in [f["event"]["id"] for f in frames if f["type"] == "event"]
        time.sleep(0.5)
        assert backend.started == 1, "the request still waiting when the socket closed was run"
        # the new page talks as before
        backend.delay = 0.0
        page.send_json({"type": "say", "to": "bram", "text": "Hello again.", "id": "s3"})
        end, _ = until(page, "end", "s3")
        assert end["text"] and backend.finished == 2


def test_world_events_reach_connected_players(client, sockets, register, admin_token):
    ws, _ = join(client, sockets, register("alice"))
    r = client.post("/api/admin/act", headers=bearer(admin_token),
                    json={"actor": "nell", "action": {"kind": "move", "to": "market"}})
    event_id = r.json()["event"]["id"]
    frame, _ = until(ws, "event")
    while frame["event"]["id"] != event_id:
        frame, _ = until(ws, "event")
    assert frame["event"]["kind"] == "move" and frame["event"]["actor"] == "nell"


def test_a_player_with_three_requests_outstanding_is_told_busy(tmp_path):
    backend = SlowBackend(delay=0.2)
    rt, client = slow_client(tmp_path, backend, concurrency=1)
    with client, ExitStack() as sockets:
        token = client.post("/api/register", json={"name": "alice", "password": "wonderland"}).json()["token"]
        ws, _ = join(client, sockets, token)
        walk_to(ws, rt, "bram")
        for i in range(rt.cfg.max_model_requests):
            # (not "Tell me about your day.": the persona rail refuses it since safety head v3)
            ws.send_json({"type": "say", "to": "bram", "text": "What do you think of the sea?", "id": f"s{i}"})
            until(ws, "queued", f"s{i}")
        ws.send_json({"type": "say", "to": "bram", "text": "And another thing.", "id": "more"})
        assert until(ws, "error", "more")[0]["reason"] == "busy"
        r = client.post("/v1/chat/completions", headers=bearer(token),
                        json={"model": "npc:bram", "messages": [{"role": "user", "content": "hello"}]})
        assert r.status_code == 429 and r.json()["error"]["code"] == "too_many_requests"
        ws.send_json({"type": "cancel", "ref": "s2"})
        until(ws, "error", "s2")  # its end: cancelled
        ws.send_json({"type": "say", "to": "bram", "text": "Now there is room.", "id": "s3"})
        until(ws, "queued", "s3")


def test_players_using_only_rest_and_the_api_are_not_shown_as_present(client, sockets, register, rt):
    alice = bearer(register("alice"))
    assert client.get("/api/me", headers=alice).json()["place"] == "market"
    r = client.post("/v1/chat/completions", headers=alice,
                    json={"model": "assistant", "messages": [{"role": "user", "content": "where is the museum?"}]})
    assert r.status_code == 200
    _, welcome = join(client, sockets, register("bob"))
    assert "alice" not in welcome["players"] and "alice" not in rt.presence.all()
