import logging
import time

import pytest

from llmverse.errors import BackendUnavailable
from llmverse.llm.base import Message
from llmverse.llm.gateway import Gateway, GatewayConfig
from llmverse.llm.scripted import ScriptedBackend

FAST = GatewayConfig(timeout=0.3, retries=1, backoff=0.01)


def ask(text: str) -> list[Message]:
    return [Message("system", "You are Bram."), Message("user", text)]


def test_scripted_rules_pick_reply_and_usage_is_recorded():
    gw = Gateway(ScriptedBackend(rules=[(r"name", "I am Bram.")], default="Hm."), FAST)
    out = gw.complete(ask("What is your name?"))
    assert out.text == "I am Bram." and not out.fallback
    assert out.usage.completion_tokens == 3
    assert out.usage.time_to_first_token is not None
    assert out.usage.total_time >= out.usage.time_to_first_token
    assert gw.complete(ask("weather?")).text == "Hm."
    assert len(gw.history) == 2


def test_stream_yields_several_pieces():
    gw = Gateway(ScriptedBackend(default="one two three"), FAST)
    assert list(gw.stream(ask("hi"))) == ["one ", "two ", "three"]


def test_invalid_json_is_retried_then_falls_back():
    backend = ScriptedBackend(default="not json")
    gw = Gateway(backend, FAST)
    schema = {"type": "object", "required": ["action"]}
    out = gw.complete(ask("act"), schema=schema, fallback='{"action": "wait"}')
    assert out.fallback and out.text == '{"action": "wait"}'
    assert len(backend.calls) == 2  # first try + one retry


def test_schema_violation_raises_without_fallback():
    gw = Gateway(ScriptedBackend(default='{"other": 1}'), FAST)
    with pytest.raises(BackendUnavailable):
        gw.complete(ask("act"), schema={"type": "object", "required": ["action"]})


def test_valid_json_passes():
    gw = Gateway(ScriptedBackend(default='{"action": "move"}'), FAST)
    out = gw.complete(ask("act"), schema={"type": "object", "required": ["action"]})
    assert out.text == '{"action": "move"}'


class Hung:
    name = "hung"

    def stream(self, messages, *, max_tokens=256, schema=None, timeout=30.0):
        time.sleep(2)
        yield "late"


class Broken:
    name = "broken"

    def stream(self, messages, *, max_tokens=256, schema=None, timeout=30.0):
        raise ConnectionError("server down")
        yield  # pragma: no cover


@pytest.mark.parametrize("backend", [Hung(), Broken()])
def test_dead_or_slow_backend_gets_fallback(backend, caplog):
    gw = Gateway(backend, FAST)
    out = gw.complete(ask("hello"), fallback="*Bram wipes his brow* Give me a moment.")
    assert out.fallback and "Bram" in out.text
    assert any("fallback" in r.message for r in caplog.records)


class Counting:
    """Yields many pieces and counts how many the gateway's worker pulled."""

    name = "counting"

    def __init__(self):
        self.pulled = 0

    def stream(self, messages, *, max_tokens=256, schema=None, timeout=30.0):
        for _ in range(1000):
            self.pulled += 1
            time.sleep(0.001)
            yield "x "


def test_worker_stops_when_caller_stops_early():
    backend = Counting()
    gw = Gateway(backend, FAST)
    pieces = gw.stream(ask("hi"))
    assert [next(pieces) for _ in range(3)] == ["x "] * 3
    pieces.close()
    time.sleep(0.1)
    settled = backend.pulled
    time.sleep(0.1)
    assert backend.pulled == settled < 1000


def test_a_raw_newline_inside_a_json_string_is_accepted():
    from pydantic import BaseModel

    class Steps(BaseModel):
        steps: list[str]

    backend = ScriptedBackend(default='{"steps": ["heat\nthe iron"]}')
    gw = Gateway(backend, FAST)
    out = gw.decide(ask("plan"), Steps, fallback=Steps(steps=[]))
    assert out.steps == ["heat\nthe iron"] and len(backend.calls) == 1


# --- one deadline per call (issue 17) ------------------------------------------------------------

class Silent:
    """Never answers until released (a watched backend: the gateway's thread keeps the time)."""

    name = "silent"

    def __init__(self):
        import threading

        self.calls = 0
        self.release = threading.Event()

    def stream(self, messages, *, max_tokens=256, schema=None, timeout=30.0):
        self.calls += 1
        self.release.wait(5)
        yield "late"


def test_a_silent_backends_fallback_comes_at_the_timeout_not_after_every_retry():
    backend = Silent()
    gw = Gateway(backend, GatewayConfig(timeout=0.4, retries=2, backoff=0.05))
    start = time.monotonic()
    out = gw.complete(ask("hello"), fallback="Bram shrugs.")
    took = time.monotonic() - start
    backend.release.set()
    assert out.fallback and 0.35 < took < 0.7, took  # not 3 x 0.4 s + backoff
    assert backend.calls == 1


class FailsTwiceFast:
    name = "flaky"

    def __init__(self):
        self.calls = 0

    def stream(self, messages, *, max_tokens=256, schema=None, timeout=30.0):
        self.calls += 1
        if self.calls <= 2:
            raise ConnectionError("refused")
        yield "at last"


def test_fast_failures_are_retried_inside_the_first_piece_window():
    backend = FailsTwiceFast()
    gw = Gateway(backend, GatewayConfig(timeout=1.0, retries=2, backoff=0.05))
    assert list(gw.stream(ask("hi"))) == ["at last"] and backend.calls == 3


def test_no_retry_when_the_backoff_would_cross_the_deadline():
    backend = FailsTwiceFast()
    gw = Gateway(backend, GatewayConfig(timeout=0.3, retries=2, backoff=0.5))
    start = time.monotonic()
    with pytest.raises(BackendUnavailable, match="refused"):
        list(gw.stream(ask("hi")))
    assert backend.calls == 1 and time.monotonic() - start < 0.2


class Dribble:
    """A piece every `every` seconds, forever: never a gap, never an end."""

    name = "dribble"
    enforces_timeout = True

    def __init__(self, every: float = 0.05):
        self.every, self.closed = every, False

    def stream(self, messages, *, max_tokens=256, schema=None, timeout=30.0):
        try:
            while True:
                time.sleep(self.every)
                yield "x "
        finally:
            self.closed = True


@pytest.mark.parametrize("enforces", [True, False])
def test_the_whole_reply_is_bounded_by_the_total(enforces):
    backend = Dribble()
    backend.enforces_timeout = enforces
    gw = Gateway(backend, GatewayConfig(timeout=0.3, retries=0, total=0.6))
    got, start = [], time.monotonic()
    with pytest.raises(BackendUnavailable, match="no whole reply within 0.6s"):
        for piece in gw.stream(ask("hi")):
            got.append(piece)
    assert 0.55 < time.monotonic() - start < 0.9 and len(got) > 3
    time.sleep(0.1)
    assert backend.closed or not enforces  # read in this thread: its stream was closed


def test_a_cancelled_call_ends_mid_wait_with_cancelled_and_no_fallback():
    import threading

    from llmverse.llm.base import Cancelled

    backend = Silent()
    gw = Gateway(backend, GatewayConfig(timeout=5.0, retries=2))
    flag = threading.Event()
    gw.cancelled = flag.is_set
    threading.Timer(0.2, flag.set).start()
    start = time.monotonic()
    with pytest.raises(Cancelled):
        gw.complete(ask("hello"), fallback="never")
    backend.release.set()
    assert time.monotonic() - start < 0.6 and backend.calls == 1


def test_the_circuit_opens_after_failures_in_a_row_answers_fast_then_probes_and_closes():
    backend = FailsTwiceFast()  # fails its first two calls, then answers
    gw = Gateway(backend, GatewayConfig(timeout=1.0, retries=0, breaker_failures=2, breaker_cooldown=0.3))
    assert gw.complete(ask("a"), fallback="fb").fallback and gw.complete(ask("b"), fallback="fb").fallback
    assert backend.calls == 2
    start = time.monotonic()
    out = gw.complete(ask("c"), fallback="fb")  # open: the backend is not called at all
    assert out.fallback and backend.calls == 2 and time.monotonic() - start < 0.05
    with pytest.raises(BackendUnavailable, match="circuit open"):
        list(gw.stream(ask("d")))
    time.sleep(0.35)
    assert gw.complete(ask("e"), fallback="fb").text == "at last" and backend.calls == 3  # the probe
    assert gw.complete(ask("f"), fallback="fb").text == "at last" and backend.calls == 4  # closed again


def test_a_failed_probe_opens_the_circuit_again_and_the_breaker_is_off_by_default():
    gw = Gateway(Broken(), GatewayConfig(timeout=1.0, retries=0, breaker_failures=1, breaker_cooldown=0.2))
    gw.complete(ask("a"), fallback="fb")
    with pytest.raises(BackendUnavailable, match="circuit open"):
        gw.complete(ask("b"))
    time.sleep(0.25)
    with pytest.raises(BackendUnavailable, match="server down"):  # the probe reaches the backend
        gw.complete(ask("c"))
    with pytest.raises(BackendUnavailable, match="circuit open"):
        gw.complete(ask("d"))
    off = Gateway(Broken(), GatewayConfig(timeout=1.0, retries=0))
    for _ in range(10):
        with pytest.raises(BackendUnavailable, match="server down"):
            off.complete(ask("x"))


@pytest.mark.parametrize("call", ["stream", "complete", "complete_with_fallback"])
def test_a_call_that_fails_for_good_is_one_logged_line_with_what_to_do(call, caplog):
    """Issue 16: each retry used to log a warning and the final failure an error (and the voice a third
    line): a player's turn against a dead server printed four. Now: retries at debug, the end once."""
    gw = Gateway(Broken(), GatewayConfig(timeout=2, retries=2, backoff=0.01))
    caplog.set_level("DEBUG", logger="llmverse")
    if call == "complete_with_fallback":
        assert gw.complete(ask("hello"), fallback="Bram shrugs.").fallback
    else:
        with pytest.raises(BackendUnavailable):
            list(gw.stream(ask("hello"))) if call == "stream" else gw.complete(ask("hello"))
    said = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(said) == 1, [r.getMessage() for r in said]
    line = said[0].getMessage()
    assert "broken" in line and "after 3 attempt(s): server down" in line and "LLMVERSE_TIMEOUT" in line
    assert "\n" not in line and said[0].exc_info is None  # no traceback for an expected failure
    assert len([r for r in caplog.records if r.levelno == logging.DEBUG and "attempt" in r.getMessage()]) >= 2


@pytest.mark.parametrize("call", ["stream", "complete", "complete_with_fallback"])
def test_with_the_circuit_open_each_failed_call_is_still_one_line(call, caplog):
    gw = Gateway(Broken(), GatewayConfig(timeout=2, retries=0, breaker_failures=1, breaker_cooldown=60))
    with pytest.raises(BackendUnavailable):
        gw.complete(ask("hello"))  # opens the circuit
    caplog.clear()
    caplog.set_level("DEBUG", logger="llmverse")
    if call == "complete_with_fallback":
        assert gw.complete(ask("hello"), fallback="Bram shrugs.").fallback
    else:
        with pytest.raises(BackendUnavailable, match="circuit open"):
            list(gw.stream(ask("hello"))) if call == "stream" else gw.complete(ask("hello"))
    said = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(said) == 1 and "circuit open" in said[0], said
