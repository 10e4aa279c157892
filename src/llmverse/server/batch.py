"""Blocking look-ups made from the event loop, gathered: while one batch runs in a worker thread, the
calls that come meanwhile wait and go together as the next.

A crowd of 1,000 joining at once made 1,000 thread hops, each an ORM query for one token (`Accounts.
authenticate`): six worker threads running SQLAlchemy for a second held the GIL from the event loop,
and the first moves of those already in waited up to 390 ms behind the joins (py-spy, issue 18). A
call that finds no batch running goes at once, alone: nothing waits for company. The answers are
handed back PACE callers per turn of the event loop: the callers go on at once (a join then builds its
session and welcome, ~0.4 ms), and 300 of them in one turn held the loop 110-130 ms while the moves of
those already in waited.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")
MOST = 500  # items in one batch
PACE = 25  # callers given their answers in one turn of the event loop


class Batch(Generic[K, V]):
    """`await batch(item)` -> `run(items)[i]` for that item; `run` takes a list and returns a list of
    the same length and order, in a worker thread. An exception `run` raises reaches every caller of
    that batch. Call in the event loop."""

    def __init__(self, run: Callable[[Sequence[K]], Sequence[V]]) -> None:
        self.run = run
        self._waiting: list[tuple[K, asyncio.Future[V]]] = []
        self._running = False

    async def __call__(self, item: K) -> V:
        future: asyncio.Future[V] = asyncio.get_running_loop().create_future()
        self._waiting.append((item, future))
        if not self._running:
            self._running = True
            asyncio.get_running_loop().create_task(self._drain())
        return await future

    async def _drain(self) -> None:
        try:
            while self._waiting:
                batch, self._waiting = self._waiting[:MOST], self._waiting[MOST:]
                try:
                    results = await asyncio.to_thread(self.run, [item for item, _ in batch])
                except Exception as exc:  # the callers hear it, as from a call of their own
                    for _, future in batch:
                        if not future.done():
                            future.set_exception(exc)
                    continue
                for i, ((_, future), result) in enumerate(zip(batch, results, strict=True)):
                    if i and i % PACE == 0:
                        await asyncio.sleep(0)  # the callers answered so far run, and the loop reads its sockets
                    if not future.done():  # its caller may have gone (the socket closed meanwhile)
                        future.set_result(result)
        finally:
            self._running = False
