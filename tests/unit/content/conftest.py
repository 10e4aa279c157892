"""A fresh Harbor Town per test, a log written event by event, and scripted gateways."""

from datetime import datetime

import pytest

from llmverse.llm.gateway import Gateway, GatewayConfig
from llmverse.llm.scripted import ScriptedBackend
from llmverse.world.world import open_world


@pytest.fixture
def world(tmp_path):
    w = open_world(database_url=f"sqlite:///{tmp_path / 'w.db'}")
    yield w
    w.store.engine.dispose()


def at(hour: int, minute: int = 0, day: int = 1) -> datetime:
    return datetime(2026, 5, day, hour, minute)


@pytest.fixture
def log(world):
    """append(kind, actor, target, hh, mm, **data) -> Event: events written straight to the log."""
    def append(kind, actor, target=None, hour=12, minute=0, day=1, **data):
        return world.store.append(world.key, at(hour, minute, day), kind, actor, target, data)
    return append


@pytest.fixture
def market_day(log):
    """Bram walks to the market and buys bread; Lin and Otto talk at the town hall; a fire at the forge."""
    return {
        "arrive": log("arrive", "bram", "market", 12, 10),
        "buy": log("buy", "bram", None, 12, 20, thing="bread_loaf", price=1.0),
        "otto_arrives": log("arrive", "otto", "town_hall", 11, 0),
        "say1": log("say", "lin", "otto", 11, 10, text="Good day, Otto."),
        "say2": log("say", "otto", "lin", 11, 12, text="The notices say the museum opens late today."),
        "alarm": log("alarm", "world", "forge", 14, 0, what="fire"),
    }


@pytest.fixture
def scripted():
    """scripted(rules, ...) -> a Gateway over a ScriptedBackend (English only unless told)."""
    def make(rules=(), default="...", languages=frozenset({"en"}), json_default=True):
        backend = ScriptedBackend(rules=list(rules), default=default, languages=languages, json_default=json_default)
        return Gateway(backend, GatewayConfig(timeout=5, retries=0))
    return make
