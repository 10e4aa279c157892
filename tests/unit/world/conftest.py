"""Fixtures for the engine tests (helpers are in enginekit.py)."""

from __future__ import annotations

import pytest

from enginekit import close_all


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request, tmp_path) -> str:
    """A database for one test: a fresh SQLite file, then the local PostgreSQL (`services`: skipped, or
    failed under LLMVERSE_REQUIRE_SERVICES=1, when it is not running)."""
    if request.param == "postgresql":
        from services import postgres_url

        return postgres_url()
    return f"sqlite:///{tmp_path / 'w.db'}"


@pytest.fixture(autouse=True)
def _close_stores():
    """The stores a test opened through `enginekit` are disposed when it ends: idle pooled connections
    add up on PostgreSQL (one place for every test here; a test that opened none closes nothing)."""
    yield
    close_all()
