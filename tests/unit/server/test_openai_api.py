"""The OpenAI-compatible API, driven by the official `openai` client against uvicorn on loopback."""

from __future__ import annotations

import json
import time

import httpx
import pytest

from serverkit import SlowBackend, ThreadServer, make_runtime
from llmverse.llm.gateway import Gateway, GatewayConfig
from llmverse.server import create_app

openai = pytest.importorskip("openai", reason="the openai client is not installed")


@pytest.fixture
def served(tmp_path):
    rt = make_runtime(tmp_path)
    with ThreadServer(create_app(runtime=rt)) as server:
        token = httpx.post(server.url + "/api/register", json={"name": "alice", "password": "wonderland"}).json()["token"]
        yield server, rt, token


def client_for(server, key: str):
    return openai.OpenAI(base_url=server.url + "/v1", api_key=key, max_retries=0, timeout=30)


def test_models_are_the_characters_and_the_assistant(served):
    server, rt, token = served
    ids = {m.id for m in client_for(server, token).models.list()}
    assert ids == {f"npc:{c}" for c in rt.world.characters} | {"assistant"}


def test_a_character_answers_in_persona_with_world_facts(served):
    server, rt, token = served
    r = client_for(server, token).chat.completions.create(
        model="npc:bram", messages=[{"role": "user", "content": "How much is the anchor?"}])
    text = r.choices[0].message.content
    assert "40" in text and r.choices[0].finish_reason == "stop" and r.usage.completion_tokens > 0
    said = rt.world.events(kind="say", between=("alice", "bram"))
    assert [e.data["text"] for e in said] == ["How much is the anchor?", text]


def test_streaming_gives_the_same_reply_in_pieces(served):
    server, _, token = served
    c = client_for(server, token)
    stream = c.chat.completions.create(model="npc:bram", stream=True,
                                       messages=[{"role": "user", "content": "How much is the anchor?"}])
    chunks = list(stream)
    pieces = [ch.choices[0].delta.content for ch in chunks if ch.choices and ch.choices[0].delta.content]
    assert pieces and "40" in "".join(pieces)
    assert chunks[-1].choices[0].finish_reason == "stop"


def test_api_and_in_world_talk_share_one_memory(served):
    """Talk through the API and through the socket is one conversation in the world's log, which is
    what the character reads its history from. (It used to also check the 'Good to see you again'
    greeting; characters greet once per conversation now, so the log is the check.)"""
    from websockets.sync.client import connect

    server, rt, token = served
    c = client_for(server, token)
    c.chat.completions.create(model="npc:bram", messages=[{"role": "user", "content": "Hello, I am new here."}])
    again = c.chat.completions.create(model="npc:bram", messages=[{"role": "user", "content": "What do you sell?"}])
    assert again.choices[0].message.content.strip()
    with connect(server.url.replace("http", "ws") + "/ws") as ws:
        ws.send(json.dumps({"type": "join", "token": token}))
        assert json.loads(ws.recv())["type"] == "welcome"
        x, y = rt.world.tile("bram")
        ws.send(json.dumps({"type": "move", "to": [x - 1, y]}))
        ws.send(json.dumps({"type": "say", "to": "bram", "text": "Me again.", "id": "s"}))
        while (frame := json.loads(ws.recv()))["type"] != "end":
            assert frame["type"] != "error", frame
    assert frame["text"].strip()
    history = httpx.get(server.url + "/api/conversations?with=bram", headers={"Authorization": f"Bearer {token}"}).json()
    assert [e["data"]["text"] for e in history][::2] == ["Hello, I am new here.", "What do you sell?", "Me again."]


def test_a_wrong_key_is_a_401_that_leaks_nothing(served):
    server, _, _ = served
    with pytest.raises(openai.AuthenticationError) as e:
        client_for(server, "lv_not-a-token").chat.completions.create(
            model="npc:bram", messages=[{"role": "user", "content": "hi"}])
    assert e.value.status_code == 401
    assert e.value.body == {"message": "invalid or missing token", "type": "invalid_request_error", "param": None,
                            "code": "invalid_api_key"}


def test_unknown_models_and_empty_requests_are_refused(served):
    server, _, token = served
    c = client_for(server, token)
    with pytest.raises(openai.NotFoundError):
        c.chat.completions.create(model="npc:ghost", messages=[{"role": "user", "content": "hi"}])
    with pytest.raises(openai.BadRequestError):
        c.chat.completions.create(model="npc:bram", messages=[{"role": "system", "content": "only a system line"}])


def test_a_stream_abandoned_by_its_client_is_cancelled(tmp_path):
    backend = SlowBackend(delay=0.1)
    rt = make_runtime(tmp_path, gateway=Gateway(backend, GatewayConfig(timeout=10, retries=0)))
    with ThreadServer(create_app(runtime=rt)) as server:
        token = httpx.post(server.url + "/api/register", json={"name": "alice", "password": "wonderland"}).json()["token"]
        body = {"model": "npc:bram", "stream": True, "messages": [{"role": "user", "content": "Tell me a story."}]}
        with httpx.stream("POST", server.url + "/v1/chat/completions", json=body,
                          headers={"Authorization": f"Bearer {token}"}, timeout=10) as r:
            for line in r.iter_lines():
                if '"content": ""' not in line and line.startswith("data:"):
                    break  # the first real piece: hang up
        deadline = time.monotonic() + 5
        while backend.stopped_early == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert backend.stopped_early == 1 and backend.finished == 0


def test_a_text_part_with_null_text_is_skipped_not_a_500(client, register):
    h = {"Authorization": f"Bearer {register('alice')}"}
    parts = [{"type": "text", "text": None}, {"type": "text", "text": "How much is the anchor?"}]
    r = client.post("/v1/chat/completions", headers=h,
                    json={"model": "npc:bram", "messages": [{"role": "user", "content": parts}]})
    assert r.status_code == 200 and "40" in r.json()["choices"][0]["message"]["content"]
    r = client.post("/v1/chat/completions", headers=h,
                    json={"model": "npc:bram", "messages": [{"role": "user", "content": [{"type": "text", "text": None}]}]})
    assert r.status_code == 400 and r.json()["error"]["code"] == "invalid_request"


def test_a_message_is_kept_as_sent_but_for_whitespace_at_its_ends(served):
    """As on the socket (docs/server.md, issue 17 item 8): trimmed at the ends on purpose, kept inside."""
    server, rt, token = served
    client_for(server, token).chat.completions.create(
        model="npc:bram", messages=[{"role": "user", "content": "\u3000 How much is\n\nthe anchor?\u200b \n"}])
    said = rt.world.events(kind="say", actor="alice")
    assert [e.data["text"] for e in said] == ["How much is\n\nthe anchor?\u200b"]
