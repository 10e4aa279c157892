"""Helpers for the server tests: a runtime on the scripted backend, a slow backend that notices being
stopped, uvicorn in a thread or a subprocess on a free loopback port, a world file with its own key."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
import uuid
from collections.abc import Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from llmverse.config import open_backend
from llmverse.llm.base import Message
from llmverse.llm.gateway import Gateway, GatewayConfig
from llmverse.server import ServerConfig
from llmverse.server.runtime import Runtime
from llmverse.world.world import DEFAULT_WORLD

ADMIN_PASSWORD = "admin-password-1"
SRC = Path(__file__).resolve().parents[3] / "src"


@dataclass
class SlowBackend:
    """Yields a few sentences word by word, `delay` seconds apart; records when its stream is closed
    before the end (the model stopped mid-reply)."""

    delay: float = 0.05
    text: str = "Hello there, I work here every day and I like it well. The sea is calm and the wind is low today."  # two sentences: a reply stops at three
    name: str = "slow"
    enforces_timeout: bool = True  # read in the caller's thread: closing the reply closes this stream
    languages: frozenset[str] = frozenset({"en"})
    started: int = 0
    stopped_early: int = 0
    finished: int = 0
    running: int = 0
    most_running: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def stream(self, messages: list[Message], *, max_tokens: int = 256, schema: dict[str, Any] | None = None,
               timeout: float = 30.0) -> Iterator[str]:
        with self.lock:
            self.started += 1
            self.running += 1
            self.most_running = max(self.most_running, self.running)
        done = False
        try:
            for word in re.findall(r"\S+\s*", self.text):
                time.sleep(self.delay)
                yield word
            done = True
        finally:
            with self.lock:
                self.running -= 1
                if done:
                    self.finished += 1
                else:
                    self.stopped_early += 1


def scripted_gateway() -> Gateway:
    return Gateway(open_backend("scripted"), GatewayConfig(timeout=10, retries=0))


def make_runtime(tmp_path: Path, gateway: Gateway | None = None, **cfg: Any) -> Runtime:
    cfg.setdefault("admin_password", ADMIN_PASSWORD)
    config = ServerConfig(database_url=cfg.pop("database_url", f"sqlite:///{tmp_path / 'world.db'}"), model="scripted",
                          **cfg)
    return Runtime(config, gateway=gateway or scripted_gateway())


def own_world(tmp_path: Path) -> Path:
    """Harbor Town under a name of its own, so its key (and rows in a shared database) are unique."""
    text = DEFAULT_WORLD.read_text(encoding="utf-8")
    tag = uuid.uuid4().hex[:8]
    text = text.replace("name: {en: Harbor Town, zh: 海港镇}", f"name: {{en: Harbor Town {tag}, zh: 海港镇}}", 1)
    path = tmp_path / f"harbor_{tag}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_up(url: str, proc: subprocess.Popen | None = None, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(f"{url} did not come up in {seconds}s")


class ThreadServer:
    """uvicorn serving an app in a thread of this process (the OpenAI client and browser tests)."""

    def __init__(self, app) -> None:
        import uvicorn

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning",
                                                    ws_max_size=1024 * 1024))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> ThreadServer:
        self.thread.start()
        wait_up(self.url)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


class ProcessServer:
    """`python -m llmverse.server` in a subprocess on a free port; its log goes to a file."""

    def __init__(self, tmp_path: Path, *, world: Path | None = None, db: str, extra: list[str] = (),
                 env: dict[str, str] | None = None, port: int | None = None) -> None:
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = tmp_path / f"server-{self.port}.log"
        self.args = [sys.executable, "-m", "llmverse.server", "--host", "127.0.0.1", "--port", str(self.port),
                     "--db", db, "--model", "scripted", *(["--world", str(world)] if world else []), *extra]
        self.env = {**os.environ, "HF_HUB_OFFLINE": "1", "LLMVERSE_ADMIN_PASSWORD": ADMIN_PASSWORD,
                    "PYTHONPATH": str(SRC), **(env or {})}
        self.proc: subprocess.Popen | None = None

    def start(self) -> ProcessServer:
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(self.args, stdout=out, stderr=subprocess.STDOUT, env=self.env)
        try:
            wait_up(self.url, self.proc)
        except Exception:
            self.stop()
            raise RuntimeError(f"server did not start:\n{self.log.read_text()[-3000:]}")
        return self

    def kill(self) -> None:
        """kill -9: no shutdown hooks, no flushing."""
        assert self.proc is not None
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)

    def __enter__(self) -> ProcessServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def ask_bram_the_price(client: Any, rt: Runtime) -> tuple[str, dict[str, Any], list[str]]:
    """Register alice, stand by Bram, ask the anchor's price over the WebSocket: her token, the `end`
    frame and the streamed `token` pieces (errors fail the test)."""
    token = client.post("/api/register", json={"name": "alice", "password": "wonderland"}).json()["token"]
    pieces: list[str] = []
    with client.websocket_connect("/ws") as ws:
        ws.send_json({"type": "join", "token": token})
        assert ws.receive_json()["type"] == "welcome"
        x, y = rt.world.tile("bram")
        ws.send_json({"type": "move", "to": [x - 1, y]})
        ws.send_json({"type": "say", "to": "bram", "text": "How much is the anchor?", "id": "s"})
        while (frame := ws.receive_json())["type"] != "end":
            assert frame["type"] != "error", frame
            if frame["type"] == "token":
                pieces.append(frame["text"])
    return token, frame, pieces


class FakeModelServer:
    """An OpenAI-compatible model server on loopback that is either healthy (streams `reply`) or
    stalled: it sends the response headers, then SSE keep-alive comments, never a token."""

    def __init__(self, reply: str = "Hello there. The anchor is forty coins.") -> None:
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        self.reply, self.stalled, self.open_streams = reply, True, 0
        self.stop = threading.Event()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                self._send(b'{"object": "list", "data": [{"id": "tiny", "object": "model"}]}', "application/json")

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers["Content-Length"]))
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.end_headers()
                fake.open_streams += 1
                try:
                    while fake.stalled and not fake.stop.is_set():
                        self.wfile.write(b": keep-alive\n\n")
                        self.wfile.flush()
                        time.sleep(0.05)
                    for word in re.findall(r"\S+\s*", fake.reply):
                        chunk = {"id": "c", "object": "chat.completion.chunk", "created": 0, "model": "tiny",
                                 "choices": [{"index": 0, "delta": {"content": word}, "finish_reason": None}]}
                        self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                    self.wfile.write(b"data: [DONE]\n\n")
                    self.wfile.flush()
                except OSError:
                    pass  # the client hung up: what a deadline should do
                finally:
                    fake.open_streams -= 1

            def _send(self, body: bytes, kind: str) -> None:
                self.send_response(200)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"

    def __enter__(self) -> FakeModelServer:
        threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.httpd.shutdown()
        self.httpd.server_close()


def run_coroutine(coro: Coroutine[Any, Any, Any]) -> Any:
    """Run a test's coroutine to the end on a loop of its own thread: the browser tests' session-wide
    playwright keeps an event loop running in the main thread, where `asyncio.run` refuses to start."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()
