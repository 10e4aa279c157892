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
