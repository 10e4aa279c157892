"""Look-ups gathered while one batch runs in a worker thread (the joins of a crowd: one query for many
tokens): each caller gets its own item's answer, a failure reaches the callers of its batch only."""

from __future__ import annotations

import asyncio
import threading

import pytest
from serverkit import run_coroutine

from llmverse.server.batch import Batch


def _held_runner():
    """A batch runner that waits until its gate opens, then answers each item with itself."""
    gate = threading.Event()

    def run(items):
        gate.wait(5)
        return list(items)

    return gate, run


def test_calls_made_while_a_batch_runs_go_together_and_each_gets_its_own_answer():
    batches: list[list[int]] = []
    gate = threading.Event()

    def run(items):
        batches.append(list(items))
        gate.wait(5)  # the first batch holds the thread while the others call
        return [i * 10 for i in items]

    async def scenario():
        batch = Batch(run)
        first = asyncio.ensure_future(batch(1))
        await asyncio.sleep(0.05)  # the first went at once, alone
        rest = [asyncio.ensure_future(batch(i)) for i in range(2, 8)]
        await asyncio.sleep(0.05)
        gate.set()
        return await first, await asyncio.gather(*rest)

    first, rest = run_coroutine(scenario())
    assert first == 10 and rest == [20, 30, 40, 50, 60, 70]
    assert batches == [[1], [2, 3, 4, 5, 6, 7]]


def test_a_failed_batch_reaches_its_callers_and_the_next_batch_still_runs():
    calls = []

    def run(items):
        calls.append(list(items))
        if 2 in items:
            raise RuntimeError("the store is down")
        return [str(i) for i in items]

    async def scenario():
        batch = Batch(run)
        with pytest.raises(RuntimeError, match="store is down"):
            await batch(2)
        return await batch(3)

    assert run_coroutine(scenario()) == "3" and calls == [[2], [3]]


def test_a_caller_that_went_away_does_not_stop_the_others():
    gate, run = _held_runner()

    async def scenario():
        batch = Batch(run)
        head = asyncio.ensure_future(batch("a"))
        await asyncio.sleep(0.02)
        gone, kept = asyncio.ensure_future(batch("b")), asyncio.ensure_future(batch("c"))
        await asyncio.sleep(0.02)
        gone.cancel()  # its socket closed while it waited
        gate.set()
        return await head, await kept

    assert run_coroutine(scenario()) == ("a", "c")


def test_the_answers_of_a_large_batch_are_handed_back_a_few_per_turn_of_the_loop(monkeypatch):
    from llmverse.server import batch as batch_module

    monkeypatch.setattr(batch_module, "PACE", 5)
    gate, run = _held_runner()

    async def scenario():
        batch = Batch(run)
        turn = [0]

        async def count_turns():
            while True:
                turn[0] += 1
                await asyncio.sleep(0)

        counter = asyncio.ensure_future(count_turns())
        first = asyncio.ensure_future(batch(-1))
        await asyncio.sleep(0.02)
        seen: list[int] = []

        async def caller(i):
            await batch(i)
            seen.append(turn[0])  # the loop's turn in which this caller went on

        callers = [asyncio.ensure_future(caller(i)) for i in range(20)]
        await asyncio.sleep(0.02)
        gate.set()
        await first
        await asyncio.gather(*callers)
        counter.cancel()
        return seen

    seen = run_coroutine(scenario())
    assert len(seen) == 20 and len(set(seen)) >= 4  # 20 answers, 5 a turn: at least four turns
