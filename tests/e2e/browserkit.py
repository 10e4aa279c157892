"""What every browser test does first: serve a world in a thread and log a player in through the page."""

from __future__ import annotations

from typing import Any

from serverkit import ThreadServer, make_runtime
from llmverse.server import create_app

SIGN_UP_SECONDS = 60  # an argon2 hash at nice 19 on a loaded machine took longer than httpx's 5 s


def served(tmp_path, **cfg: Any):
    """(runtime, server): the world server on the scripted backend, in a thread of this process."""
    rt = make_runtime(tmp_path, **cfg)
    return rt, ThreadServer(create_app(runtime=rt))


def log_in(page, url: str, name: str, password: str) -> None:
    """Fill the login form and wait for the game and its socket to be up."""
    page.goto(url)
    page.fill("#login-name", name)
    page.fill("#login-password", password)
    page.click("#login-button")
    page.wait_for_selector("#game:not([hidden])")
    page.wait_for_function("window.llmverse && window.llmverse.ws && window.llmverse.ws.readyState === 1")
