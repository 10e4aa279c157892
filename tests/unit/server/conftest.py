"""Fixtures for the server tests: a runtime on the scripted backend over a fresh SQLite file, and a
TestClient that runs the app's lifespan (its threads start and stop with the client)."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # serverkit, for the e2e tests as well

pytest.importorskip("fastapi", reason="the `server` extra is not installed")

from fastapi.testclient import TestClient  # noqa: E402

from serverkit import ADMIN_PASSWORD, make_runtime  # noqa: E402
from llmverse.server import create_app  # noqa: E402
from llmverse.server.runtime import Runtime  # noqa: E402


@pytest.fixture
def rt(tmp_path: Path) -> Runtime:
    return make_runtime(tmp_path)


@pytest.fixture
def client(rt: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(runtime=rt)) as c:
        yield c


@pytest.fixture
def register(client: TestClient) -> Callable[[str], str]:
    """Create a player account; returns its token."""
    def make(name: str, password: str = "correct-horse") -> str:
        r = client.post("/api/register", json={"name": name, "password": password})
        assert r.status_code == 200, r.text
        return r.json()["token"]
    return make


@pytest.fixture
def admin_token(client: TestClient) -> str:
    r = client.post("/api/login", json={"name": "admin", "password": ADMIN_PASSWORD})
    assert r.status_code == 200, r.text
    return r.json()["token"]
