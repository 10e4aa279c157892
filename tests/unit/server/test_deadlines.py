"""Slow clients cannot hold connections (issue 17: 300 slowloris connections held for 60 s, a lying
Content-Length held one 60 s and more). A real `llmverse serve` process, real sockets."""

from __future__ import annotations

import json
import socket
import time

import httpx
import pytest

from serverkit import ADMIN_PASSWORD, ProcessServer

pytestmark = pytest.mark.timeout(120)
DEADLINE = 1.5  # seconds, for headers and for a body: the server is started with them


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("deadlines")
    with ProcessServer(tmp, db=f"sqlite:///{tmp / 'world.db'}",
                       extra=["--header-timeout", str(DEADLINE), "--body-timeout", str(DEADLINE)]) as s:
        yield s


def _connect(server) -> socket.socket:
    s = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    s.settimeout(10)
    return s


def _closed_after(sock: socket.socket, trickle: bytes | None, limit: float) -> float:
    """Seconds until the server closes the connection, sending `trickle` every 0.3 s meanwhile."""
    start = time.monotonic()
    sock.settimeout(0.3)
    while time.monotonic() - start < limit:
        try:
            if trickle is not None:
                sock.sendall(trickle)
            data = sock.recv(65536)
            if data == b"":
                return time.monotonic() - start
        except TimeoutError:
            continue
        except (BrokenPipeError, ConnectionResetError):
            return time.monotonic() - start
    return float("inf")


def test_a_client_trickling_its_headers_is_cut_off_and_others_are_served(server):
    opened = time.monotonic()
    crowd = [_connect(server) for _ in range(30)]
    for s in crowd:
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
    # Meanwhile an honest client is served at once.
    assert httpx.get(server.url + "/healthz", timeout=5).status_code == 200
    _closed_after(crowd[-1], b"X-a: b\r\n", limit=DEADLINE + 8)  # the last one opened, trickling
    took = time.monotonic() - opened
    assert DEADLINE - 0.2 <= took <= DEADLINE + 3, took
    time.sleep(0.5)
    for s in crowd[:-1]:  # every other slow connection is gone too
        s.settimeout(2)
        try:
            assert s.recv(1) == b""
        except (ConnectionResetError, BrokenPipeError):
            pass
        s.close()
    crowd[-1].close()


def test_a_connection_that_never_sends_a_byte_is_closed(server):
    s = _connect(server)
    took = _closed_after(s, None, limit=DEADLINE + 8)
    s.close()
    assert took <= DEADLINE + 3, took


def test_the_next_request_on_a_kept_alive_connection_has_the_same_deadline(server):
    s = _connect(server)
    s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
    s.settimeout(5)
    assert s.recv(65536).startswith(b"HTTP/1.1 200")
    s.sendall(b"GET /healthz HTTP/1.1\r\n")  # the second request's headers, then a trickle
    took = _closed_after(s, b"X-a: b\r\n", limit=DEADLINE + 10)
    s.close()
    assert took <= DEADLINE + 3, took


def test_a_body_shorter_than_its_content_length_gets_408_and_the_connection_ends(server):
    s = _connect(server)
    start = time.monotonic()
    s.sendall(b"POST /api/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
              b"Content-Length: 1000\r\n\r\n{\"name\": \"adm")
    s.settimeout(DEADLINE + 8)
    answer = b""
    while True:
        try:
            chunk = s.recv(65536)
        except ConnectionResetError:
            break
        if not chunk:
            break
        answer += chunk
    took = time.monotonic() - start
    s.close()
    assert answer.startswith(b"HTTP/1.1 408"), answer[:200]
    assert b"connection: close" in answer.lower()
    assert DEADLINE - 0.2 <= took <= DEADLINE + 3, took


def test_a_body_sent_in_time_and_a_websocket_past_the_deadline_still_work(server):
    from websockets.sync.client import connect

    r = httpx.post(server.url + "/api/login", json={"name": "admin", "password": ADMIN_PASSWORD}, timeout=10)
    assert r.status_code == 200
    with connect(f"ws://127.0.0.1:{server.port}/ws") as ws:  # the header timer must not close a WebSocket
        ws.send(json.dumps({"type": "join", "token": r.json()["token"]}))
        assert json.loads(ws.recv(timeout=10))["type"] == "welcome"
        time.sleep(DEADLINE + 1)
        ws.send(json.dumps({"type": "ping", "id": "p"}))
        while (frame := json.loads(ws.recv(timeout=10)))["type"] != "pong":
            pass
        assert frame["id"] == "p"
    # A kept-alive connection whose requests come within the deadline is left alone.
    with httpx.Client(base_url=server.url, timeout=10) as c:
        for _ in range(3):
            assert c.get("/healthz").status_code == 200
            time.sleep(DEADLINE / 2)


def test_once_the_body_is_whole_waiting_for_the_client_to_hang_up_is_not_timed():
    """A streamed answer (SSE) listens for the client's disconnect after the body: no deadline there."""
    import asyncio

    from llmverse.server.limits import BodyTooSlow, _counted

    async def run() -> list[str]:
        messages = [{"type": "http.request", "body": b"{}", "more_body": False}]

        async def receive():
            if messages:
                return messages.pop(0)
            await asyncio.sleep(0.5)  # the client hangs up later than the body deadline
            return {"type": "http.disconnect"}

        counted = _counted(receive, cap=100, seconds=0.2)
        first = await counted()
        later = await counted()
        slow = _counted(lambda: asyncio.sleep(1.0), cap=100, seconds=0.2)
        try:
            await slow()
        except BodyTooSlow:
            return [first["type"], later["type"], "timed out"]
        return [first["type"], later["type"], "waited"]

    # A thread of its own: a browser test earlier in the run may leave its event loop set in this one.
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as pool:
        assert pool.submit(asyncio.run, run()).result() == ["http.request", "http.disconnect", "timed out"]


def test_websocket_frames_are_not_compressed_even_when_the_client_offers_it(server):
    """Compressing each frame per connection took half the server's CPU at 1,000 clients (the
    `players` frame, ~25 KB, to every socket every second): the server declines permessage-deflate."""
    from websockets.sync.client import connect

    with connect(f"ws://127.0.0.1:{server.port}/ws", compression="deflate") as ws:  # offered, as browsers do
        assert "permessage-deflate" in ws.request.headers.get("Sec-WebSocket-Extensions", "")
        assert ws.response.headers.get("Sec-WebSocket-Extensions") is None
        ws.send(json.dumps({"type": "join", "token": "lv_wrong"}))
        assert json.loads(ws.recv(timeout=10))["reason"] == "unauthorized"
