"""The server's edges on SQLite and PostgreSQL alike: what gave a 500, a body read before its 401, a
name with a trailing newline. Each input here failed on `main` before issue 17; each now gets a 4xx
with a reason, the same on both stores."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from serverkit import ADMIN_PASSWORD, bearer, make_runtime, own_world
from llmverse.server import create_app


@pytest.fixture(params=["sqlite", "postgresql"])
def edge(request, tmp_path: Path) -> Iterator[TestClient]:
    """A client of a fresh server on SQLite, and on PostgreSQL (skipped when it is not running)."""
    if request.param == "postgresql":
        from services import postgres_url

        rt = make_runtime(tmp_path, database_url=postgres_url(), world=own_world(tmp_path))
    else:
        rt = make_runtime(tmp_path)
    with TestClient(create_app(runtime=rt)) as c:
        yield c


def _token(c: TestClient, name: str = "alice") -> dict[str, str]:
    r = c.post("/api/register", json={"name": name, "password": "correct-horse"})
    assert r.status_code == 200, r.text
    return bearer(r.json()["token"])


def _admin(c: TestClient) -> dict[str, str]:
    r = c.post("/api/login", json={"name": "admin", "password": ADMIN_PASSWORD})
    assert r.status_code == 200, r.text
    return bearer(r.json()["token"])


@pytest.mark.parametrize("name", ["admin\n", "bram\n", "alice\n", "al\nice", "alice\x00", "a\x00b", "ａｄｍｉｎ",
                                  "alice\t", "\u200balice"])
def test_names_are_normalised_and_fully_matched(edge, name):
    r = edge.post("/api/register", json={"name": name, "password": "correct-horse"})
    assert r.status_code in (409, 422), (name, r.status_code, r.text)  # taken (admin, bram) or malformed
    assert r.json()["detail"]


def test_a_name_typed_with_spaces_or_full_width_is_the_same_account(edge):
    assert edge.post("/api/register", json={"name": " carol ", "password": "correct-horse"}).json()["name"] == "carol"
    r = edge.post("/api/login", json={"name": "ｃａｒｏｌ", "password": "correct-horse"})
    assert r.status_code == 200 and r.json()["name"] == "carol"


def test_nul_bytes_and_control_characters_get_a_4xx_not_a_500(edge):
    h = _token(edge)
    assert edge.post("/api/login", json={"name": "al\x00ice", "password": "correct-horse"}).status_code == 401
    assert edge.post("/api/login", json={"name": "alice", "password": "x\x00y"}).status_code == 401
    for url in ["/api/conversations?with=br%00am", "/api/content?kind=news%00", "/api/events?since=1%00",
                "/api/conversations?with=%0abram"]:
        r = edge.get(url, headers=h)
        assert r.status_code == 400 and "control character" in r.json()["detail"], url
    admin = _admin(edge)
    assert edge.get("/api/admin/audit?actor=ad%00min", headers=admin).status_code == 400
    r = edge.post("/api/tokens", headers=h, json={"label": "scr\x00ipt"})
    assert r.status_code == 422 and "control characters" in r.text
    r = edge.post("/api/admin/act", headers=admin,
                  json={"actor": "bram", "action": {"kind": "say", "text": "hel\x00lo"}})
    assert r.status_code == 422 and "control characters" in r.json()["detail"]


def test_an_addressee_longer_than_the_store_keeps_is_refused_on_both_stores(edge):
    admin = _admin(edge)
    r = edge.post("/api/admin/act", headers=admin,
                  json={"actor": "bram", "action": {"kind": "say", "to": "x" * 65, "text": "hello"}})
    assert r.status_code == 422 and "at most 64" in r.json()["detail"]
    r = edge.post("/api/admin/act", headers=admin,
                  json={"actor": "bram", "action": {"kind": "say", "to": "x" * 64, "text": "hello"}})
    assert r.status_code in (200, 409), r.text  # as long as the column: the world decides


@pytest.mark.parametrize("url", ["/api/events?since=" + "9" * 96, "/api/content/" + "9" * 39,
                                 "/api/events?since=-1", "/api/events?limit=" + "9" * 30,
                                 "/api/conversations?last=" + "9" * 30, "/api/content/-5",
                                 "/api/events?since=2147483648", "/api/content/2147483648"])
def test_huge_or_negative_integers_get_a_422_with_the_reason(edge, url):
    r = edge.get(url, headers=_token(edge))
    assert r.status_code == 422, (url, r.status_code, r.text)
    assert r.json()["detail"]


def test_the_largest_id_is_an_ordinary_miss(edge):
    h = _token(edge)
    assert edge.get(f"/api/events?since={2**31 - 1}", headers=h).json() == []
    assert edge.get(f"/api/content/{2**31 - 1}", headers=h).status_code == 404


@pytest.mark.parametrize("path", ["/api/tokens", "/api/admin/act", "/api/admin/accounts", "/api/admin/generate",
                                  "/api/logout", "/api/me", "/v1/chat/completions", "/api/unknown"])
def test_a_body_over_the_cap_is_refused_before_authentication(edge, path):
    big = b"x" * (65 * 1024)
    r = edge.post(path, content=big, headers={"content-type": "application/json"})  # no token at all
    assert r.status_code == 413, (path, r.status_code)
    r = edge.post(path, content=b"{}", headers={"content-type": "application/json",
                                                "content-length": str(200 * 1024 * 1024)})
    assert r.status_code == 413, path


def test_a_body_without_a_length_is_refused_and_a_small_one_passes(edge):
    def chunks():
        yield b'{"label": '
        yield b'"x"}'

    h = _token(edge)
    assert edge.post("/api/tokens", content=chunks(), headers=h).status_code == 411
    assert edge.post("/api/tokens", json={"label": "x"}, headers=h).status_code == 200


def test_the_api_schema_needs_a_token_and_there_is_no_public_docs_page(edge):
    assert edge.get("/openapi.json").status_code == 401
    assert edge.get("/docs").status_code == 404 and edge.get("/redoc").status_code == 404
    schema = edge.get("/openapi.json", headers=_token(edge)).json()
    assert "/api/events" in schema["paths"]
