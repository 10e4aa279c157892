"""Password guessing is slowed without locking the owner out (issue 17: 30 wrong guesses from 30
addresses used to make the right password from the owner's own address get 429)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from serverkit import make_runtime
from llmverse.server import create_app
from llmverse.server.limits import KnownInMemory, LoginThrottle


class Clock:
    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


def test_the_name_bucket_stops_a_spread_guesser_but_not_the_known_address():
    t = LoginThrottle(rate=0.2, burst=3, clock=Clock())
    t.succeeded("home", "alice")
    waits = [t.check(f"10.0.0.{i}", "alice") for i in range(10)]
    assert waits[:3] == [0.0, 0.0, 0.0] and all(w > 0 for w in waits[3:])
    assert t.check("home", "alice") == 0.0  # the owner's address skips the name's bucket
    assert t.check("10.0.0.99", "bob") == 0.0  # other names are untouched


def test_a_guesser_at_the_owners_address_still_meets_the_address_and_name_bucket():
    t = LoginThrottle(rate=0.2, burst=3, clock=Clock())
    t.succeeded("shared-nat", "alice")
    assert [t.check("shared-nat", "alice") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert t.check("shared-nat", "alice") > 0


def test_known_addresses_are_bounded():
    t = LoginThrottle(rate=1, burst=1, known=KnownInMemory(size=10))
    for i in range(50):
        t.succeeded(f"a{i}", "alice")
    assert not t.known("a0", "alice") and t.known("a49", "alice")


def test_thirty_wrong_guesses_from_thirty_addresses_do_not_lock_the_owner_out(tmp_path):
    app = create_app(runtime=make_runtime(tmp_path, auth_burst=10, auth_rate=0.01))  # no refill on a slow machine
    with TestClient(app, client=("192.0.2.10", 40000)) as home:
        assert home.post("/api/register", json={"name": "alice", "password": "right-password"}).status_code == 200
        codes = []
        for i in range(30):
            attacker = TestClient(app, client=(f"198.51.100.{i}", 50000))
            codes.append(attacker.post("/api/login", json={"name": "alice", "password": f"guess-{i}"}).status_code)
        assert codes[:10] == [401] * 10 and set(codes[10:]) == {429}  # the spread guesser is slowed
        r = home.post("/api/login", json={"name": "alice", "password": "right-password"})
        assert r.status_code == 200, r.text  # ... and the owner at home gets in
        stranger = TestClient(app, client=("203.0.113.7", 50000))
        r = stranger.post("/api/login", json={"name": "alice", "password": "right-password"})
        assert r.status_code == 429 and int(r.headers["retry-after"]) >= 1  # a new address waits its turn


def test_retry_after_in_a_rate_limited_frame_is_never_zero(tmp_path):
    rt = make_runtime(tmp_path, message_burst=1, message_rate=1000.0)
    with TestClient(create_app(runtime=rt)) as c:
        token = c.post("/api/register", json={"name": "alice", "password": "right-password"}).json()["token"]
        with c.websocket_connect("/ws") as ws:
            ws.send_json({"type": "join", "token": token})
            assert ws.receive_json()["type"] == "welcome"
            for _ in range(5):
                ws.send_json({"type": "ping"})
            seen = []
            while len(seen) < 5:
                frame = ws.receive_json()
                if frame["type"] in ("pong", "error"):
                    seen.append(frame)
            assert all(f["retry_after"] > 0 for f in seen if f["type"] == "error")
