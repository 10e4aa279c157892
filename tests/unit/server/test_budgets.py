"""The safety rails' per-player request and token budgets in Redis (`server/budgets.py`): one budget
for two server processes (issue 18: limits that must hold across processes live in Redis), and each
process's own windows while Redis is down."""

from __future__ import annotations

import time
import uuid
from pathlib import Path

import pytest

from llmverse.safety.errors import BudgetExceeded
from llmverse.safety.policy import Limits
from llmverse.server.budgets import RedisBudget


def _pair(**limits: int):
    """Two budgets on one Redis, as two server processes have, under a prefix of their own."""
    from services import redis_url

    import redis

    prefix = f"llmverse:test-{uuid.uuid4().hex[:8]}:budget"
    made = [RedisBudget(Limits(**limits), redis.Redis.from_url(redis_url()), prefix) for _ in range(2)]
    return made[0], made[1], redis.Redis.from_url(redis_url()), prefix


def test_requests_per_minute_are_one_budget_for_two_processes():
    one, two, client, prefix = _pair(requests_per_minute=3)
    for budget in (one, two, one):
        budget.admit("alice")
    for budget in (two, one):
        with pytest.raises(BudgetExceeded) as refused:
            budget.admit("alice")
        assert refused.value.what == "request" and 55 < refused.value.retry_after <= 60
    assert one.used("alice") == two.used("alice") == (3, 0)  # the refused ones were not counted
    two.admit("bob")  # another player has a budget of their own
    assert 0 < client.pttl(f"{prefix}:req:alice") <= 61_000  # gone once the window has passed


def test_tokens_charged_on_either_process_count_against_one_hour():
    one, two, _, _ = _pair(tokens_per_hour=100)
    one.admit("alice")
    one.charge("alice", 60)
    two.admit("alice")  # 60 of 100 used: still admitted
    two.charge("alice", 50)
    with pytest.raises(BudgetExceeded) as refused:
        one.admit("alice")
    assert refused.value.what == "token" and 3590 < refused.value.retry_after <= 3600
    assert one.used("alice") == two.used("alice") == (2, 110)


def test_a_redis_that_fails_leaves_each_process_its_own_budget():
    import redis
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    dead = redis.Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.2, socket_timeout=0.2,
                       retry=Retry(NoBackoff(), 0))
    budget = RedisBudget(Limits(requests_per_minute=2), dead, "llmverse:nowhere:budget")
    start = time.monotonic()
    budget.admit("p")
    budget.admit("p")
    with pytest.raises(BudgetExceeded):  # still limited, by this process's window
        budget.admit("p")
    budget.charge("p", 10)
    assert budget.used("p") == (2, 10)
    assert time.monotonic() - start < 1.0  # nobody waits on the dead Redis again and again


def test_a_server_with_redis_keeps_the_rails_budget_there(tmp_path: Path):
    from serverkit import make_runtime
    from services import redis_url

    from llmverse.server import create_app

    rt = make_runtime(tmp_path, redis_url=redis_url())
    try:
        create_app(runtime=rt)
        assert isinstance(rt.services.rails.budget, RedisBudget)
        assert rt.services.rails.budget.prefix == f"llmverse:{rt.world.key}:budget"
    finally:
        rt.bus.close()
        rt.store.dispose()
