"""Fuzzing the server's inputs with hypothesis, on a bounded budget (a few hundred examples, seconds):
every socket frame gets an answer and the session stays usable; no REST input gives a 500, on
SQLite and PostgreSQL."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient

from serverkit import bearer, make_runtime, own_world
from llmverse.server import create_app
from llmverse.server.protocol import TYPES, ProtocolError, parse

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, example, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

BUDGET = settings(max_examples=150, deadline=None, database=None,
                  suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

# JSON values, from plain to hostile: control characters, huge integers, deep nesting, long strings.
scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | \
    st.integers(min_value=10**18, max_value=10**60) | st.text(max_size=80) | \
    st.text(alphabet=st.characters(max_codepoint=0x1F), max_size=8)
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                                           max_size=4), max_leaves=20)
fields = st.sampled_from(["id", "to", "text", "lang", "ref", "token", "x"])
frames = st.fixed_dictionaries({"type": st.sampled_from(TYPES) | st.text(max_size=10)},
                               optional={k: values for k in ["id", "to", "text", "lang", "ref", "token"]}) | \
    st.dictionaries(fields, values, max_size=4)
raw_frames = frames.map(lambda f: json.dumps(f)) | st.text(max_size=200) | \
    st.builds(lambda n, ch: ch * n, st.integers(0, 6000), st.sampled_from(["[", "{", "1", '"', "\\"]))


@BUDGET
@given(raw=raw_frames)
@example(raw="[" * 5000 + "]" * 5000)  # RecursionError before issue 17
@example(raw='{"type": "move", "to": [' + "1" * 5000 + ", 1]}")  # a ValueError without .msg before
def test_parse_answers_every_text_with_a_frame_or_a_protocol_error(raw):
    try:
        frame = parse(raw, 16 * 1024)
    except ProtocolError as exc:
        assert exc.reason in ("too_large", "malformed", "unknown_type", "invalid") and exc.detail
    else:
        assert frame.type in TYPES


@pytest.fixture(params=["sqlite", "postgresql"])
def fuzz_client(request, tmp_path: Path) -> Iterator[tuple[TestClient, str]]:
    if request.param == "postgresql":
        from services import postgres_url

        rt = make_runtime(tmp_path, database_url=postgres_url(), world=own_world(tmp_path),
                          message_rate=1e6, message_burst=10**6, model_rate=1e6, model_burst=10**6,
                          auth_rate=1e6, auth_burst=10**6)
    else:
        rt = make_runtime(tmp_path, message_rate=1e6, message_burst=10**6, model_rate=1e6, model_burst=10**6,
                          auth_rate=1e6, auth_burst=10**6)
    with TestClient(create_app(runtime=rt)) as c:
        token = c.post("/api/register", json={"name": "fuzzer", "password": "correct-horse"}).json()["token"]
        yield c, token


def test_every_socket_frame_is_answered_and_the_session_survives(fuzz_client):
    c, token = fuzz_client
    pings = itertools.count()
    with c.websocket_connect("/ws") as ws:
        ws.send_json({"type": "join", "token": token})
        assert ws.receive_json()["type"] == "welcome"

        @settings(BUDGET, max_examples=100)
        @given(raw=raw_frames)
        def one(raw: str) -> None:
            ws.send_text(raw)
            ref = f"fz-{next(pings)}"
            ws.send_json({"type": "ping", "id": ref})
            while True:  # everything up to our pong is a well-formed frame; the pong proves the session lives
                frame = ws.receive_json()
                assert isinstance(frame, dict) and isinstance(frame.get("type"), str)
                if frame["type"] == "error":
                    assert frame["reason"] != "unauthorized" and frame["detail"]
                if frame == {"type": "pong", "id": ref}:
                    break

        one()


texts = st.text(max_size=40) | st.text(alphabet=st.characters(max_codepoint=0x7F), max_size=40) | \
    st.integers().map(str) | st.integers(min_value=10**18, max_value=10**100).map(str)


def test_no_rest_input_gives_a_500(fuzz_client):
    c, token = fuzz_client
    h = bearer(token)

    @settings(BUDGET, max_examples=120)
    @given(which=st.integers(0, 6), a=texts, b=texts)
    def one(which: int, a: str, b: str) -> None:
        if which == 0:
            r = c.get("/api/events", params={"since": a, "limit": b}, headers=h)
        elif which == 1:
            r = c.get("/api/conversations", params={"with": a, "last": b}, headers=h)
        elif which == 2:
            r = c.get("/api/content", params={"kind": a, "limit": b}, headers=h)
        elif which == 3:
            r = c.get("/api/content/" + quote(a, safe=""), headers=h)
        elif which == 4:
            r = c.post("/api/login", json={"name": a, "password": b})
        elif which == 5:
            r = c.post("/api/tokens", json={"label": a, "hours": b}, headers=h)
        else:
            r = c.post("/v1/chat/completions", headers=h,
                       json={"model": a, "messages": [{"role": "user", "content": b}]})
        assert r.status_code < 500, (which, a, b, r.status_code, r.text[:200])

    one()
