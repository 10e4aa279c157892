"""Helpers for the engine tests: Harbor Town under a unique name (so parallel runs on one PostgreSQL
database never share a world), a state row written behind the world's back, and a child process that
runs Python against the same database. The `url` fixture (SQLite, then PostgreSQL) is in conftest.py."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import uuid
from pathlib import Path
from typing import Any

from llmverse.world.loader import load_world
from llmverse.world.store import Store
from llmverse.world.world import DEFAULT_WORLD, World

SRC = Path(__file__).resolve().parents[3] / "src"


def unique_name() -> str:
    return f"Harbor {uuid.uuid4().hex[:10]}"


OPENED: list[Store] = []  # closed after each test (`close_all`): idle pooled connections add up on PostgreSQL


def harbor(url: str, name: str | None = None, **store: float) -> World:
    """Harbor Town on `url`, named `name` (a fresh unique name when None)."""
    file = load_world(DEFAULT_WORLD)
    file = file.model_copy(update={"name": file.name.model_copy(update={"en": name or unique_name()})})
    opened = Store(url, **store)
    OPENED.append(opened)
    return World(file, opened)


def store(url: str, **kw: float) -> Store:
    opened = Store(url, **kw)
    OPENED.append(opened)
    return opened


def close_all() -> None:
    while OPENED:
        OPENED.pop().dispose()


def put_state_unjournaled(store: Store, world: str, entity: str, data: dict[str, Any]) -> None:
    """Write a state row behind the world's back: no event, nothing in the log's journal, no shape check
    (versioned like every write). What a hand repair or code from before the journal leaves, for
    `verify` to find, and a plain row for the store's own tests; `World` writes only through actions
    and `update_state`, which the log records."""
    store.run(world, lambda tx: tx.write(entity, data))


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": f"{SRC}{os.pathsep}{Path(__file__).parent}", "HF_HUB_OFFLINE": "1"}


def child(code: str, timeout: float = 120) -> subprocess.CompletedProcess:
    """Run `code` in a new Python process (another server process, as far as the database knows)."""
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], env=_env(), capture_output=True,
                          text=True, timeout=timeout)


def spawn(code: str) -> subprocess.Popen:
    """Start `code` in a new Python process and return at once (several run side by side)."""
    return subprocess.Popen([sys.executable, "-c", textwrap.dedent(code)], env=_env(), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
