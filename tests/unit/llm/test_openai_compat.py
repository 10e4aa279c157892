"""The `openai` backend against a tiny real HTTP server that speaks enough of the OpenAI chat API.

The server runs in a thread on 127.0.0.1; each test picks its behaviour and reads back what the
server received, so the tests check real HTTP, SSE parsing and timeouts, not a mocked client.
"""

from __future__ import annotations

import json
import logging
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from llmverse.errors import BackendUnavailable
from llmverse.llm.base import Message
from llmverse.llm.gateway import Gateway, GatewayConfig

pytest.importorskip("openai")
from llmverse.llm.openai_compat import OpenAICompatBackend  # noqa: E402

FAST = GatewayConfig(timeout=0.5, retries=1, backoff=0.01)
SCHEMA = {"type": "object", "properties": {"action": {"enum": ["move", "speak", "wait"]}}, "required": ["action"]}
ASK = [Message("system", "You are Bram."), Message("user", "Hello?")]


@dataclass
class FakeServer:
    """What the server does (`behaviour`) and what it saw (`requests`: path, headers, JSON body)."""

    url: str
    behaviour: str = "ok"
    pieces: list[str] = field(default_factory=lambda: ["Hel", "lo", " there"])
    usage: tuple[int, int] = (17, 5)  # deliberately not the piece count: only the server knows it
    models: list[str] = field(default_factory=lambda: ["tiny"])
    refuse_status: int = 400  # how it refuses an option: 400, 422 (FastAPI), 500 (llama-cpp-python)
    requests: list[dict[str, Any]] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)  # ends a hang at teardown
    closed: list[float] = field(default_factory=list)  # when a client hung up on a silent/trickle reply
    every: float = 0.2  # seconds between pieces for "slow"

    def chat(self) -> list[dict[str, Any]]:
        return [r["body"] for r in self.requests if r["path"].endswith("/chat/completions")]


def _handler(fake: FakeServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:  # keep test output clean
            pass

        def do_GET(self) -> None:
            self._record(None)
            if self.path == "/v1/models":
                self._json(200, {"object": "list", "data": [
                    {"id": m, "object": "model", "created": 0, "owned_by": "test"} for m in fake.models]})
            else:
                self._json(404, {"error": {"message": f"no route {self.path}"}})

        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            self._record(body)
            fmt = (body.get("response_format") or {}).get("type")
            if fake.behaviour == "hang":
                fake.release.wait(10)
                return
            if fake.behaviour == "silent":  # not a byte back, not even headers
                return self._until_client_leaves()
            if fake.behaviour == "trickle":  # headers, then SSE keep-alive comments forever
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.end_headers()
                return self._until_client_leaves(keep_alive=True)
            if fake.behaviour == "error":
                return self._json(500, {"error": {"message": "model crashed", "type": "server_error"}})
            if fake.behaviour == "no_stream_options" and "stream_options" in body:
                return self._refuse("Unrecognized request argument supplied: stream_options", "stream_options")
            if fake.behaviour == "no_json_schema" and fmt == "json_schema":
                return self._refuse("response_format type 'json_schema' is not supported", "response_format")
            if fake.behaviour == "no_response_format" and fmt:
                return self._refuse(f"invalid response_format type {fmt!r}", "response_format")
            self._stream(body)

        def _until_client_leaves(self, keep_alive: bool = False) -> None:
            import select

            while not fake.release.is_set():
                try:
                    if keep_alive:
                        self.wfile.write(b": keep-alive\n\n")
                        self.wfile.flush()
                    ready, _, _ = select.select([self.connection], [], [], 0.05)
                    if ready and not self.connection.recv(1):
                        break
                except OSError:
                    break
            if not fake.release.is_set():
                fake.closed.append(time.monotonic())

        def _record(self, body: dict[str, Any] | None) -> None:
            headers = {k.lower(): v for k, v in self.headers.items()}
            fake.requests.append({"path": self.path, "headers": headers, "body": body})

        def _stream(self, body: dict[str, Any]) -> None:
            try:
                self._stream_or_fail(body)
            except (BrokenPipeError, ConnectionResetError):
                fake.closed.append(time.monotonic())  # the client hung up mid-reply

        def _stream_or_fail(self, body: dict[str, Any]) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.end_headers()
            for i, piece in enumerate(fake.pieces):
                if fake.behaviour == "slow":
                    time.sleep(fake.every)
                if fake.behaviour == "hang_mid" and i == 1:
                    self.wfile.flush()
                    fake.release.wait(10)
                    return
                self._event({"choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}]})
            self._event({"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
            if (body.get("stream_options") or {}).get("include_usage"):
                prompt, completion = fake.usage
                self._event({"choices": [], "usage": {"prompt_tokens": prompt, "completion_tokens": completion,
                                                      "total_tokens": prompt + completion}})
            self.wfile.write(b"data: [DONE]\n\n")

        def _event(self, chunk: dict[str, Any]) -> None:
            chunk = {"id": "c1", "object": "chat.completion.chunk", "created": 0, "model": "tiny", **chunk}
            self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
            self.wfile.flush()

        def _refuse(self, message: str, param: str) -> None:
            error = {"message": message, "type": "invalid_request_error", "param": param}
            self._json(fake.refuse_status, {"error": error})

        def _json(self, status: int, data: dict[str, Any]) -> None:
            raw = json.dumps(data).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

    return Handler


@pytest.fixture
def server() -> Iterator[FakeServer]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    fake = FakeServer(url=f"http://127.0.0.1:{httpd.server_address[1]}")
    httpd.RequestHandlerClass = _handler(fake)
    # A short poll interval: shutdown() waits up to one interval, per test.
    threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True).start()
    yield fake
    fake.release.set()
    httpd.shutdown()
    httpd.server_close()


def test_streams_pieces_and_the_servers_usage_reaches_the_gateway(server: FakeServer) -> None:
    gw = Gateway(OpenAICompatBackend(server.url, model="tiny"), FAST)
    assert list(gw.stream(ASK)) == ["Hel", "lo", " there"]
    out = gw.complete(ASK, max_tokens=42)
    assert out.text == "Hello there" and not out.fallback
    assert (out.usage.prompt_tokens, out.usage.completion_tokens) == (17, 5)
    body = server.chat()[-1]
    assert body["model"] == "tiny" and body["stream"] is True and body["max_tokens"] == 42
    assert body["stream_options"] == {"include_usage": True}
    assert body["messages"] == [{"role": "system", "content": "You are Bram."}, {"role": "user", "content": "Hello?"}]


@pytest.mark.parametrize("behaviour", ["hang", "silent", "trickle"])
def test_hung_server_times_out_and_the_fallback_answers_at_the_timeout(server: FakeServer, caplog,
                                                                       behaviour: str) -> None:
    server.behaviour = behaviour
    gw = Gateway(OpenAICompatBackend(server.url, model="tiny"), FAST)
    start = time.perf_counter()
    with caplog.at_level(logging.WARNING, logger="llmverse.llm.gateway"):
        out = gw.complete(ASK, fallback="Bram shrugs.")
    took = time.perf_counter() - start
    assert 0.45 < took < 0.9, took  # the 0.5 s timeout: no retry on top of it, keep-alives or not
    assert out.fallback and out.text == "Bram shrugs."
    assert len(server.chat()) == 1  # no time left for the gateway's retry, and none inside the client
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert any("no output within 0.5s" in e and "openai:tiny@127.0.0.1" in e for e in errors)


def test_server_stalling_mid_reply_raises_after_the_first_piece(server: FakeServer) -> None:
    server.behaviour = "hang_mid"
    gw = Gateway(OpenAICompatBackend(server.url, model="tiny"), FAST)
    got: list[str] = []
    start = time.perf_counter()
    with pytest.raises(BackendUnavailable, match="no output within 0.5s"):
        for piece in gw.stream(ASK):
            got.append(piece)
    assert got == ["Hel"] and time.perf_counter() - start < 2.0
    assert len(server.chat()) == 1  # text was already shown: no retry


def test_server_error_is_retried_by_the_gateway_then_falls_back(server: FakeServer, caplog) -> None:
    server.behaviour = "error"
    gw = Gateway(OpenAICompatBackend(server.url, model="tiny"), FAST)
    with caplog.at_level(logging.ERROR, logger="llmverse.llm.gateway"):
        out = gw.complete(ASK, fallback="Bram shrugs.")
    assert out.fallback and len(server.chat()) == 2
    assert any("500" in r.getMessage() and "model crashed" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize("status", [400, 422, 500])
def test_refused_json_schema_steps_down_to_json_object_and_remembers(server: FakeServer, status: int) -> None:
    server.behaviour, server.pieces, server.refuse_status = "no_json_schema", ['{"action": ', '"wait"}'], status
    gw = Gateway(OpenAICompatBackend(server.url, model="tiny"), FAST)
    out = gw.complete(ASK, schema={**SCHEMA, "title": "Next action"})
    assert json.loads(out.text) == {"action": "wait"} and not out.fallback
    first, second = server.chat()
    assert first["response_format"] == {"type": "json_schema", "json_schema": {
        "name": "Next_action", "schema": {**SCHEMA, "title": "Next action"}, "strict": True}}
    assert second["response_format"] == {"type": "json_object", "schema": {**SCHEMA, "title": "Next action"}}
    gw.complete(ASK, schema=SCHEMA)
    assert len(server.chat()) == 3 and server.chat()[2]["response_format"]["type"] == "json_object"


def test_server_refusing_every_response_format_gets_none(server: FakeServer) -> None:
    server.behaviour, server.pieces = "no_response_format", ['{"action": "move"}']
    gw = Gateway(OpenAICompatBackend(server.url, model="tiny"), FAST)
    assert json.loads(gw.complete(ASK, schema=SCHEMA).text) == {"action": "move"}
    sent = [b.get("response_format") for b in server.chat()]
    assert sent == [{"type": "json_schema", "json_schema": {"name": "reply", "schema": SCHEMA, "strict": True}},
                    {"type": "json_object", "schema": SCHEMA}, {"type": "json_object"}, None]


def test_refused_stream_options_is_dropped_once_and_usage_is_estimated(server: FakeServer) -> None:
    server.behaviour = "no_stream_options"
    gw = Gateway(OpenAICompatBackend(server.url, model="tiny"), FAST)
    out = gw.complete(ASK)
    assert out.text == "Hello there"
    assert [("stream_options" in b) for b in server.chat()] == [True, False]
    assert out.usage.completion_tokens == 3  # no usage from the server: the gateway counts pieces
    gw.complete(ASK)
    assert len(server.chat()) == 3 and "stream_options" not in server.chat()[2]


def test_model_is_discovered_from_the_server_on_first_use(server: FakeServer) -> None:
    server.models = ["served-model", "other"]
    backend = OpenAICompatBackend(server.url)
    assert server.requests == []  # lazily: constructing talks to nobody
    assert Gateway(backend, FAST).complete(ASK).text == "Hello there"
    assert server.requests[0]["path"] == "/v1/models"
    assert server.chat()[0]["model"] == "served-model"
    assert backend.name == f"openai:served-model@127.0.0.1:{server.url.rsplit(':', 1)[1]}"


def test_empty_model_list_is_a_clear_error(server: FakeServer) -> None:
    server.models = []
    with pytest.raises(BackendUnavailable, match="lists no model; pass model="):
        list(OpenAICompatBackend(server.url).stream(ASK))


@pytest.mark.parametrize("suffix", ["", "/", "/v1", "/v1/"])
def test_base_url_with_or_without_v1(server: FakeServer, suffix: str) -> None:
    backend = OpenAICompatBackend(server.url + suffix, model="tiny")
    assert backend.base_url == server.url + "/v1"
    assert "".join(p for p in backend.stream(ASK) if isinstance(p, str)) == "Hello there"
    assert server.requests[-1]["path"] == "/v1/chat/completions"


def test_base_url_without_scheme_is_refused_at_construction() -> None:
    with pytest.raises(BackendUnavailable, match="is not http"):
        OpenAICompatBackend("localhost:8000", model="tiny")


def test_api_key_from_argument_else_env_else_placeholder(server: FakeServer, monkeypatch) -> None:
    def key_sent(**kwargs: Any) -> str:
        list(OpenAICompatBackend(server.url, model="tiny", **kwargs).stream(ASK))
        return server.requests[-1]["headers"]["authorization"]

    monkeypatch.setenv("OPENAI_API_KEY", "sk-from-env")
    assert key_sent(api_key="sk-given") == "Bearer sk-given"
    assert key_sent() == "Bearer sk-from-env"
    monkeypatch.delenv("OPENAI_API_KEY")
    assert key_sent() == "Bearer sk-no-key"


def test_connection_refused_is_backend_unavailable_with_a_clear_message() -> None:
    with socket.socket() as s:  # a port nobody listens on once this socket closes
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    backend = OpenAICompatBackend(f"http://127.0.0.1:{port}", model="smollm")
    with pytest.raises(BackendUnavailable, match=rf"openai:smollm@127.0.0.1:{port}: cannot reach .*refused") as err:
        list(backend.stream(ASK, timeout=2.0))
    assert err.value.__cause__ is not None  # mapped at the boundary, `from` the client's error


def test_sampling_settings_are_sent_explicitly(server: FakeServer) -> None:
    list(OpenAICompatBackend(server.url, model="tiny").stream(ASK, max_tokens=7))
    body = server.chat()[-1]
    assert body["temperature"] == 0.2 and body["max_tokens"] == 7
    assert body["stop"] and len(body["stop"]) <= 4
    list(OpenAICompatBackend(server.url, model="tiny", temperature=0.7).stream(ASK))
    assert server.chat()[-1]["temperature"] == 0.7


@pytest.mark.parametrize("behaviour", ["silent", "trickle"])
def test_cancelling_while_waiting_for_the_first_byte_ends_the_call_and_closes_the_connection(
        server: FakeServer, behaviour: str) -> None:
    from llmverse.llm.base import Cancelled

    server.behaviour = behaviour
    gw = Gateway(OpenAICompatBackend(server.url, model="tiny"), GatewayConfig(timeout=10, retries=2))
    flag = threading.Event()
    gw.cancelled = flag.is_set
    threading.Timer(0.3, flag.set).start()
    start = time.monotonic()
    with pytest.raises(Cancelled):
        gw.complete(ASK, fallback="never")
    assert time.monotonic() - start < 0.8
    deadline = time.monotonic() + 2
    while not server.closed and time.monotonic() < deadline:
        time.sleep(0.02)
    assert server.closed, "the upstream connection was left open"
    assert len(server.chat()) == 1


def test_a_reply_that_dribbles_past_the_total_is_cut_and_the_connection_closed(server: FakeServer) -> None:
    server.behaviour, server.every, server.pieces = "slow", 0.2, ["a "] * 20
    gw = Gateway(OpenAICompatBackend(server.url, model="tiny"), GatewayConfig(timeout=0.5, retries=0, total=1.0))
    got, start = [], time.monotonic()
    with pytest.raises(BackendUnavailable, match="no whole reply within 1s"):
        for piece in gw.stream(ASK):
            got.append(piece)
    assert 0.95 < time.monotonic() - start < 1.4 and 3 <= len(got) <= 6

