"""Fixtures for the memory tests: a store in a temporary SQLite file, a stream with a fast embedder."""

from __future__ import annotations

import pytest
from memfakes import HashEmbedder

from llmverse.memory import MemoryStream
from llmverse.world.store import Store


@pytest.fixture
def store(tmp_path) -> Store:
    s = Store(f"sqlite:///{tmp_path / 'w.db'}")
    yield s
    s.engine.dispose()


@pytest.fixture
def stream(store: Store) -> MemoryStream:
    return MemoryStream(store, "harbor", HashEmbedder())
