"""One player holds at most one of a process's model slots (issues 17/18): with four slots and a player
whose request hangs, that player's further requests (socket and `/v1` alike) wait behind it and are told
so at once in their language, one over the cap is refused at once in their language (nothing queued,
nothing spent), another player is served meanwhile, and when the hang ends every waiting request is
answered with its own events."""

from __future__ import annotations

import json
import threading
import time
from contextlib import ExitStack
from dataclasses import dataclass, field

import httpx

from serverkit import SlowBackend, ThreadServer, make_runtime
from llmverse.llm.gateway import Gateway, GatewayConfig
from llmverse.server import create_app

HOLD = "Hold on"  # a line the backend below keeps waiting after its first word, until the test lets it go


@dataclass
class HeldBackend(SlowBackend):
    """SlowBackend that holds a reply to a line containing HOLD after its first word (counted as running)."""

    gate: threading.Event = field(default_factory=threading.Event)

    def stream(self, messages, **kw):
        held = any(HOLD in m.content for m in messages)
        for i, word in enumerate(super().stream(messages, **kw)):
            yield word
            if held and i == 0:
                self.gate.wait(30)


def _wait(predicate, seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def _until(ws, kind: str, ref: str) -> tuple[dict, list[dict]]:
    seen = []
    while True:
        frame = json.loads(ws.recv(timeout=30))
        if frame["type"] == kind and frame.get("id") == ref:
            return frame, seen
        seen.append(frame)


def _joined(stack: ExitStack, server, rt, token: str, lang: str):
    from websockets.sync.client import connect

    ws = stack.enter_context(connect(server.url.replace("http", "ws") + "/ws"))
    ws.send(json.dumps({"type": "join", "token": token, "lang": lang}))
    assert json.loads(ws.recv(timeout=30))["type"] == "welcome"
    x, y = rt.world.tile("bram")
    ws.send(json.dumps({"type": "move", "to": [x - 1, y], "id": "walk"}))
    _until(ws, "moved", "walk")
    return ws


def test_one_player_holds_one_model_slot_and_hears_at_once_why_the_rest_wait(tmp_path):
    backend = HeldBackend(delay=0.02)
    rt = make_runtime(tmp_path, gateway=Gateway(backend, GatewayConfig(timeout=20, retries=0)), concurrency=4)
    with ThreadServer(create_app(runtime=rt)) as server, ExitStack() as sockets:
        token = {n: httpx.post(server.url + "/api/register", json={"name": n, "password": "wonderland"}).json()["token"]
                 for n in ("alice", "bob")}
        api = server.url + "/v1/chat/completions"
        alice, bob = _joined(sockets, server, rt, token["alice"], "zh"), _joined(sockets, server, rt, token["bob"], "en")
        alice.send(json.dumps({"type": "say", "to": "bram", "text": f"{HOLD}, what do you think of the sea?",
                               "id": "s0"}))
        _wait(lambda: backend.running == 1)  # her first request holds a slot

        # her /v1 call waits behind it (a thread: it answers only when it is done)
        answered: dict = {}
        call = threading.Thread(target=lambda: answered.update(r=httpx.post(
            api, headers={"Authorization": f"Bearer {token['alice']}"}, timeout=60,
            json={"model": "npc:bram", "messages": [{"role": "user", "content": "And the fish today?"}]})))
        call.start()
        _wait(lambda: rt.scheduler.outstanding("alice") == 2)
        # a third: queued, and told at once that it waits for her own request, in her language
        alice.send(json.dumps({"type": "say", "to": "bram", "text": "Is the market busy?", "id": "s1"}))
        queued, _ = _until(alice, "queued", "s1")
        assert queued["reason"] == "own_request"
        assert queued["detail"] == queued["reasons"]["zh"] and "上一个请求" in queued["detail"]
        assert "previous request" in queued["reasons"]["en"]

        # a fourth is over the cap: refused at once, in her language, on the socket and on /v1
        alice.send(json.dumps({"type": "say", "to": "bram", "text": "One more thing.", "id": "s2"}))
        busy, _ = _until(alice, "error", "s2")
        assert busy["reason"] == "busy" and busy["detail"] == busy["reasons"]["zh"] and "3" in busy["detail"]
        r = httpx.post(api, headers={"Authorization": f"Bearer {token['alice']}", "Accept-Language": "zh-CN,zh;q=0.9"},
                       json={"model": "npc:bram", "messages": [{"role": "user", "content": "hello"}]}, timeout=30)
        assert r.status_code == 429 and r.json()["error"]["code"] == "too_many_requests"
        assert "请等其中一个结束" in r.json()["error"]["message"]
        r = httpx.post(api, headers={"Authorization": f"Bearer {token['alice']}"},
                       json={"model": "npc:bram", "messages": [{"role": "user", "content": "hello"}]}, timeout=30)
        assert r.status_code == 429 and "wait for one to end" in r.json()["error"]["message"]
        assert rt.scheduler.outstanding("alice") == 3  # the refused ones queued nothing

        # bob is served meanwhile from a free slot; alice never held a second one
        bob.send(json.dumps({"type": "say", "to": "bram", "text": "What do you think of the sea?", "id": "b0"}))
        end, before = _until(bob, "end", "b0")
        assert end["events"] and not [f for f in before if f["type"] == "error"]
        assert all(f["reason"] != "own_request" for f in before if f["type"] == "queued")
        time.sleep(0.3)
        assert backend.most_running == 2 and backend.running == 1  # hers (held) and his; her others wait

        # the hang ends: every request that waited is answered, each with its own two events
        backend.gate.set()
        first, _ = _until(alice, "end", "s0")
        third, _ = _until(alice, "end", "s1")
        call.join(60)
        assert answered["r"].status_code == 200
        through_api = answered["r"].json()["llmverse"]["events"]
        acks = [first["events"], through_api, third["events"]]
        assert all(len(a) == 2 for a in acks) and len({e for a in acks for e in a}) == 6
        assert backend.most_running == 2  # one at a time for her, to the end
