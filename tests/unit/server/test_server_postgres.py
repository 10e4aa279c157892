"""The same server on PostgreSQL: accounts, talk and events in the database, and back after a restart."""

from __future__ import annotations

from fastapi.testclient import TestClient

from serverkit import ask_bram_the_price, bearer, make_runtime, own_world
from llmverse.server import create_app


def test_the_server_runs_on_postgresql_and_keeps_everything(tmp_path):
    from services import postgres_url

    url, world = postgres_url(), own_world(tmp_path)
    rt = make_runtime(tmp_path, database_url=url, world=world)
    assert rt.store.engine.dialect.name == "postgresql"
    with TestClient(create_app(runtime=rt)) as client:
        _, frame, _ = ask_bram_the_price(client, rt)
    assert "40" in frame["text"]

    again = make_runtime(tmp_path, database_url=url, world=world)  # a restart: a new process's view
    with TestClient(create_app(runtime=again)) as client:
        login = client.post("/api/login", json={"name": "alice", "password": "wonderland"})
        assert login.status_code == 200
        talk = client.get("/api/conversations?with=bram", headers=bearer(login.json()["token"])).json()
        assert [e["id"] for e in talk] == frame["events"]
        assert client.post("/api/login", json={"name": "alice", "password": "not-it-at-all"}).status_code == 401
