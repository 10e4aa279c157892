"""Fixtures for the engine tests (helpers are in enginekit.py)."""

from __future__ import annotations

import pytest


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request, tmp_path) -> str:
    """A database for one test: a fresh SQLite file, then the local PostgreSQL (`services`: skipped, or
    failed under LLMVERSE_REQUIRE_SERVICES=1, when it is not running)."""
    if request.param == "postgresql":
        from services import postgres_url

        return postgres_url()
    return f"sqlite:///{tmp_path / 'w.db'}"
