"""The socket's edges: frames that used to end a session without an error frame, a blank ask that was
acknowledged with the previous exchange's events, and sessions that outlived their token."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from serverkit import ThreadServer, bearer, make_runtime, own_world
from llmverse.server import create_app
from llmverse.server.protocol import MAX_DEPTH, ProtocolError, parse


@pytest.fixture(params=["sqlite", "postgresql"])
def edge(request, tmp_path: Path) -> Iterator[tuple[TestClient, object]]:
    if request.param == "postgresql":
        from services import postgres_url

        rt = make_runtime(tmp_path, database_url=postgres_url(), world=own_world(tmp_path), token_check_seconds=0.2)
    else:
        rt = make_runtime(tmp_path, token_check_seconds=0.2)
    with TestClient(create_app(runtime=rt)) as c:
        yield c, rt


def _join(ws, token: str) -> None:
    ws.send_json({"type": "join", "token": token})
    assert ws.receive_json()["type"] == "welcome"


def _register(c: TestClient, name: str = "alice", **extra) -> str:
    r = c.post("/api/register", json={"name": name, "password": "correct-horse"})
    assert r.status_code == 200, r.text
    return r.json()["token"]


def _next(ws, kind: str) -> dict:
    """The next frame of `kind`, skipping pushes (events, ticks, players)."""
    while (frame := ws.receive_json())["type"] in ("event", "tick", "players") and kind not in ("event",):
        pass
    assert frame["type"] == kind, frame
    return frame


@pytest.mark.parametrize("raw, detail", [
    ('{"type": "move", "to": [' + "1" * 5000 + ', 1]}', "more than 20 digits"),
    ('{"type": "ping", "id": ' + "9" * 30 + "}", "more than 20 digits"),
    ("[" * 5000 + "]" * 5000, "deeper than"),
    ('{"type": "ping", "x": ' + '{"a": ' * 40 + "1" + "}" * 40 + "}", "deeper than"),
    ('{"type": "move", "to": [99999999, 1]}', "less than or equal"),
])
def test_hostile_frames_get_an_error_frame_and_the_session_goes_on(edge, raw, detail):
    c, _ = edge
    with c.websocket_connect("/ws") as ws:
        _join(ws, _register(c))
        ws.send_text(raw)
        frame = _next(ws, "error")
        assert frame["reason"] in ("malformed", "invalid") and detail in frame["detail"], frame
        ws.send_json({"type": "ping", "id": "p"})
        assert _next(ws, "pong")["id"] == "p"


def test_parse_never_raises_anything_but_protocol_error_on_these():
    for raw in ["1" * 5000, "-" + "1" * 30, "[" * 100000, '{"a": "' + "\\" * 3 + '"}', '"\\ud800"', "1e999999"]:
        try:
            parse(raw, 1 << 20)
        except ProtocolError:
            pass
    assert MAX_DEPTH >= 3  # a real frame nests 3 deep ({"to": [x, y]})


@pytest.mark.parametrize("frame", [{"type": "ask", "text": "   "}, {"type": "ask", "text": "\n\t "},
                                   {"type": "say", "to": "bram", "text": "  "}])
def test_a_blank_ask_or_say_is_refused_and_acknowledges_nothing(edge, frame):
    c, rt = edge
    with c.websocket_connect("/ws") as ws:
        _join(ws, _register(c))
        x, y = rt.world.tile("bram")
        ws.send_json({"type": "move", "to": [x - 1, y]})
        _next(ws, "moved")
        ws.send_json({"type": "ask", "text": "Where is the museum?", "id": "first"})
        while (f := ws.receive_json())["type"] != "end":
            assert f["type"] != "error", f
        ws.send_json({**frame, "id": "blank"})
        err = _next(ws, "error")
        assert err["reason"] == "invalid" and "blank" in err["detail"] and err["id"] == "blank"


def test_services_ask_refuses_blank_text_and_an_exchange_acknowledges_only_its_own_events(edge):
    from llmverse.errors import InvalidMessage
    from llmverse.server.services import Outcome

    _, rt = edge
    first = Outcome()
    list(rt.services.ask("alice", "Where is the museum?", first))
    assert len(first.events) == 2
    with pytest.raises(InvalidMessage):
        list(rt.services.ask("alice", " \n ", Outcome()))
    assert rt.services._written("alice", "assistant", max(first.events)) == []


def test_logout_ends_the_sockets_that_joined_with_that_token(edge):
    c, _ = edge
    token = _register(c)
    other = c.post("/api/tokens", headers=bearer(token), json={"label": "tab"}).json()["token"]
    with c.websocket_connect("/ws") as ws, c.websocket_connect("/ws") as ws2:
        _join(ws, token)
        _join(ws2, other)
        assert c.post("/api/logout", headers=bearer(token)).status_code == 204
        err = _next(ws, "error")
        assert err["reason"] == "unauthorized" and "revoked" in err["detail"]
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_json()
        assert closed.value.code == 4401
        ws2.send_json({"type": "ping", "id": "still"})  # the account's other session lives on
        assert _next(ws2, "pong")["id"] == "still"


def test_a_token_revoked_elsewhere_ends_an_idle_socket_at_the_next_check(edge):
    c, rt = edge
    token = _register(c)
    with c.websocket_connect("/ws") as ws:
        _join(ws, token)
        rt.accounts.revoke(token)  # as another process would: nothing is pushed here
        err = _next(ws, "error")  # the runtime's check (every 0.2 s here) finds it gone
        assert err["reason"] == "unauthorized"
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_json()
        assert closed.value.code == 4401


def test_an_expired_token_ends_the_session_at_its_next_frame(edge):
    c, rt = edge
    _register(c)
    token = rt.accounts.issue("alice", hours=3 / 3600)  # 3 s: joining on a loaded PostgreSQL took over 0.6 s
    issued = time.monotonic()
    with c.websocket_connect("/ws") as ws:
        _join(ws, token)
        ws.send_json({"type": "ping", "id": "p"})
        assert _next(ws, "pong")["id"] == "p"
        time.sleep(max(0.0, 3.2 - (time.monotonic() - issued)))
        ws.send_json({"type": "move", "to": [1, 1], "id": "late"})
        err = _next(ws, "error")
        assert err["reason"] == "unauthorized"
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_json()
        assert closed.value.code == 4401
    assert not any(e.actor == "alice" for e in rt.world.events(kind="visit"))  # nothing of it acted on


def test_a_frame_over_one_mib_closes_with_1009_as_documented_and_the_server_lives_on(tmp_path):
    sync = pytest.importorskip("websockets.sync.client")
    from llmverse.cli.serve import WS_MAX_BYTES

    rt = make_runtime(tmp_path)
    with ThreadServer(create_app(runtime=rt)) as srv:
        import httpx

        token = httpx.post(srv.url + "/api/register", json={"name": "alice", "password": "correct-horse"}).json()["token"]
        url = srv.url.replace("http", "ws") + "/ws"
        with sync.connect(url, max_size=None) as ws:
            ws.send('{"type": "join", "token": "%s"}' % token)
            assert '"welcome"' in ws.recv(timeout=5)
            ws.send('{"type": "ping", "pad": "' + "x" * (64 * 1024) + '"}')  # over 16 KiB: an error frame
            assert '"too_large"' in ws.recv(timeout=5)
            ws.send("x" * (WS_MAX_BYTES + 1))
            with pytest.raises(Exception) as closed:
                while True:
                    ws.recv(timeout=5)
            assert getattr(closed.value, "rcvd", None) is not None and closed.value.rcvd.code == 1009
        with sync.connect(url) as ws:  # the server is still there for the next player
            ws.send('{"type": "join", "token": "%s"}' % token)
            assert '"welcome"' in ws.recv(timeout=5)


@pytest.mark.parametrize("sent, kept", [
    ("  Hello Bram!\n", "Hello Bram!"),
    ("\u3000\u00a0Good morning,\u2003Bram\u3000", "Good morning,\u2003Bram"),  # ideographic space, NBSP at the ends
    ("Hello\n\n  Bram, how are you?", "Hello\n\n  Bram, how are you?"),  # inner whitespace is kept
    ("\u200bHello Bram\u200d", "\u200bHello Bram\u200d"),  # zero-width characters are no whitespace
])
def test_what_a_player_says_is_kept_byte_for_byte_but_for_whitespace_at_its_ends(edge, sent, kept):
    """Issue 17 item 8: surrounding whitespace is trimmed, on purpose and documented (docs/server.md,
    `protocol._said`): the same text is checked, answered and logged."""
    c, rt = edge
    with c.websocket_connect("/ws") as ws:
        _join(ws, _register(c))
        x, y = rt.world.tile("bram")
        ws.send_json({"type": "move", "to": [x - 1, y]})
        _next(ws, "moved")
        for frame in ({"type": "say", "to": "bram", "text": sent, "id": "s"}, {"type": "ask", "text": sent, "id": "a"}):
            ws.send_json(frame)
            while (end := ws.receive_json())["type"] != "end":
                assert end["type"] != "error", end
            mine = [rt.world.event(i) for i in end["events"]]
            assert [e.data["text"] for e in mine if e.actor == "alice"] == [kept], frame["type"]
