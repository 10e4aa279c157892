"""A model server that trickles keep-alives and never answers must not stall every player (issue 17:
with LLMVERSE_TIMEOUT=5 nothing came back in 90 s, and after the server turned healthy a new player
still waited 90 s behind the open streams)."""

from __future__ import annotations

import threading
import time

import pytest
from fastapi.testclient import TestClient

from serverkit import FakeModelServer, bearer, make_runtime
from llmverse.llm.gateway import Gateway, GatewayConfig
from llmverse.server import create_app

pytest.importorskip("openai")


def _ask(client: TestClient, token: str, out: dict, key: str) -> None:
    start = time.monotonic()
    r = client.post("/v1/chat/completions", headers=bearer(token),
                    json={"model": "npc:bram", "messages": [{"role": "user", "content": "What do you sell?"}]})
    out[key] = (r.status_code, time.monotonic() - start, r.json())


def test_a_stalled_model_server_gives_each_player_an_answer_at_the_timeout_and_recovers(tmp_path):
    from llmverse.llm.openai_compat import OpenAICompatBackend

    with FakeModelServer() as model:
        gateway = Gateway(OpenAICompatBackend(model.url, model="tiny"), GatewayConfig(timeout=1.0, retries=2))
        rt = make_runtime(tmp_path, gateway=gateway, concurrency=1)
        with TestClient(create_app(runtime=rt)) as client:
            tokens = [client.post("/api/register", json={"name": n, "password": "correct-horse"}).json()["token"]
                      for n in ("alice", "bob")]
            got: dict = {}
            threads = [threading.Thread(target=_ask, args=(client, t, got, n)) for t, n in zip(tokens, "ab")]
            for t in threads:
                t.start()
            for t in threads:
                t.join(timeout=20)
            # Each model call gives up at its 1 s first-piece deadline (a reply here makes two calls;
            # then the character's fallback, or a 503), one request after the other on one worker:
            # a few seconds, not "never" (before: no answer in 90 s).
            for key in "ab":
                status, took, _ = got[key]
                assert status in (200, 503) and took < 7, got
            time.sleep(0.3)
            assert model.open_streams == 0  # the upstream streams were closed, not left trickling
            model.stalled = False
            _ask(client, tokens[0], got, "healthy")
            status, took, body = got["healthy"]
            assert status == 200 and took < 1.5, got["healthy"]
            assert body["choices"][0]["message"]["content"].strip()
            assert rt.gateway.history[-1].completion_tokens > 0  # the model's own words this time
