"""Token-bucket rate limits: a burst, then the sustained rate, and how long to wait."""

from llmverse.server.limits import RateLimiter, retry_after_header


class Clock:
    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


def test_burst_then_refused_with_the_wait_until_a_token_returns():
    clock = Clock()
    lim = RateLimiter(rate=0.5, burst=3, clock=clock)
    assert [lim.take("p") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert lim.take("p") == 2.0  # one token every 2 s
    clock.t = 1.0
    assert lim.take("p") == 1.0
    clock.t = 2.0
    assert lim.take("p") == 0.0


def test_players_have_their_own_buckets():
    lim = RateLimiter(rate=1, burst=1, clock=Clock())
    assert lim.take("a") == 0.0 and lim.take("a") > 0
    assert lim.take("b") == 0.0


def test_retry_after_rounds_up_to_whole_seconds():
    assert retry_after_header(0.2) == "1"
    assert retry_after_header(2.01) == "3"


def _redis_pair(burst: int = 3, rate: float = 0.5):
    """Two limiters on one Redis, as two server processes have, with a prefix of their own."""
    import sys
    import uuid
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "support"))
    from services import redis_url

    import redis

    from llmverse.server.limits import RedisRateLimiter

    client = redis.Redis.from_url(redis_url())
    prefix = f"llmverse:test-{uuid.uuid4().hex[:8]}:rate"
    return (RedisRateLimiter(rate, burst, client, prefix), RedisRateLimiter(rate, burst, redis.Redis.from_url(redis_url()),
                                                                            prefix), client, prefix)


def test_a_bucket_in_redis_is_one_limit_for_two_processes():
    one, two, client, prefix = _redis_pair(burst=3)
    waits = [lim.take("player:alice") for lim in (one, two, one, two, one)]
    assert waits[:3] == [0.0, 0.0, 0.0]  # three at once, wherever they come in
    assert all(1.0 < w <= 2.0 for w in waits[3:]), waits  # then one every 2 s, for both processes
    assert one.take("player:bob") == 0.0  # others have their own bucket
    ttl = client.pttl(f"{prefix}:player:alice")
    assert 0 < ttl <= 3 / 0.5 * 1000 + 1000  # the bucket expires once it would be full again
    one.forget("player:alice")
    assert two.take("player:alice") == 0.0


def test_a_redis_that_fails_leaves_each_process_its_own_limit():
    import redis

    from llmverse.server.limits import RedisRateLimiter

    import time

    from redis.backoff import NoBackoff
    from redis.retry import Retry

    dead = redis.Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.2, socket_timeout=0.2,
                       retry=Retry(NoBackoff(), 0))
    lim = RedisRateLimiter(0.5, 2, dead, "llmverse:nowhere:rate")
    start = time.monotonic()
    assert [lim.take("p") for _ in range(2)] == [0.0, 0.0]
    assert lim.take("p") > 0  # still limited, by this process's bucket
    assert time.monotonic() - start < 1.0  # and nobody waits on the dead Redis again and again


def test_the_owner_known_to_one_process_is_known_to_the_other():
    import uuid

    from llmverse.server.limits import KnownInRedis

    one, two, client, _ = _redis_pair()
    prefix = f"llmverse:test-{uuid.uuid4().hex[:8]}:known"
    a, b = KnownInRedis(client, prefix), KnownInRedis(client, prefix)
    a.add("192.0.2.1", "alice")
    assert ("192.0.2.1", "alice") in b and ("192.0.2.2", "alice") not in b
    assert not any(b"192.0.2.1" in k for k in client.keys(prefix + ":*"))  # no address stored in clear
