"""Fair scheduling of model work: many players, a backend that serves a few requests at a time.

Each player has a FIFO of requests; workers take from the players in turn (round-robin), so one
player who sends twenty requests does not make everyone else wait behind all twenty. The world's own
work (the simulation's step, the reporter's gazette) is background: it starts only when no player's
request waits, and a model call of it already running gives way (see `is_cancelled`). A player's own
requests run one at a time, in order. `concurrency` is how many run at once: 1 for the embedded
llama.cpp (one context, not thread-safe), more for an OpenAI-compatible server that batches.

A request is a function returning an iterator of text pieces (a character's reply, streamed). It
runs in a worker thread; its pieces go to the ticket's callbacks. Cancelling a waiting ticket drops
it from the queue; cancelling a running one stops it at the model's next token: the server's
gateway calls `check_cancelled()` between tokens, which raises inside the reply and closes the
backend's stream (a reply yields whole sentences, too coarse a point to stop the model at).
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from llmverse.errors import LlmverseError

log = logging.getLogger(__name__)

Work = Callable[[], Iterator[str]]
_current = threading.local()  # the ticket a worker thread is running
EXACT_POSITIONS = 10  # a waiting request this near the front hears every step it moves
TELL_EVERY = 1.0  # ... one further back at most one a second


class RequestCancelled(Exception):
    """Raised inside a running request's model stream once its ticket is cancelled."""


def is_cancelled() -> bool:
    """Whether the request this worker thread runs was cancelled (the gateway asks while it waits), or
    is background work that gives way: a player's request is waiting. The gateway then ends the model
    call with `Cancelled`, which the simulation's minds answer by their rules."""
    ticket = getattr(_current, "ticket", None)
    return ticket is not None and (ticket.cancelled or ticket.gives_way())


def check_cancelled() -> None:
    """Called between model tokens (see `InterruptibleGateway`): stop a request nobody waits for."""
    ticket = getattr(_current, "ticket", None)
    if ticket is not None and ticket.cancelled:
        raise RequestCancelled(f"request {ticket.number} of {ticket.player} was cancelled")


def _ignore(*_: object) -> None:
    return None


@contextmanager
def rules_only() -> Iterator[None]:
    """Run a block in this thread as background work that has given way: each model call in it ends
    at once with `Cancelled`, before the backend is touched, and its caller answers by its rules (the
    world's step while players have the model)."""
    before = getattr(_current, "ticket", None)
    _current.ticket = Ticket("~rules", lambda: iter(()), gives_way=lambda: True)
    try:
        yield
    finally:
        _current.ticket = before


@dataclass(eq=False)
class Ticket:
    """One model request. Callbacks run in the worker thread: keep them short and non-blocking."""

    player: str
    work: Work
    on_piece: Callable[[str], None] = _ignore
    on_done: Callable[[BaseException | None], None] = _ignore  # None on success (or after cancel)
    on_position: Callable[[int], None] = _ignore  # requests ahead of this one; 0 = next to run
    number: int = 0
    state: str = "waiting"  # waiting | running | done | cancelled
    position: int = -1
    # Of what it waits for, the player's own requests (waiting ahead of it, or running): it cannot start
    # before they end, whatever its position, since a player's requests run one at a time. Set before
    # `on_position` is called; a change of it alone calls `on_position` too.
    own_ahead: int = 0
    told_at: float = 0.0  # monotonic time `on_position` was last called
    told: tuple[int, int] = (-1, 0)  # (position, own_ahead) as last told
    gives_way: Callable[[], bool] = lambda: False  # background work: True while a player's request waits
    _cancel: threading.Event = field(default_factory=threading.Event)

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()


class FairScheduler:
    """Round-robin over players, `concurrency` worker threads, at most one running request per player."""

    def __init__(self, concurrency: int = 1, *, name: str = "model", background: Iterable[str] = ()) -> None:
        """`background`: the pseudo-players (the simulation, the reporter) whose requests start only
        when no player's request is waiting: a player never queues behind the world's own work."""
        if concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        self.concurrency = concurrency
        self.background = frozenset(background)
        self._queues: OrderedDict[str, deque[Ticket]] = OrderedDict()  # order = whose turn comes next
        self._running: set[str] = set()  # players with a request running
        self._active: set[Ticket] = set()  # the running requests
        self._cond = threading.Condition()
        self._numbers = itertools.count(1)
        self._closed = False
        self._flush: threading.Timer | None = None  # tells positions held back, once they are due
        self.completed = 0
        self._workers = [threading.Thread(target=self._work, name=f"{name}-{i}", daemon=True)
                         for i in range(concurrency)]
        for w in self._workers:
            w.start()

    # --- the players' side ---------------------------------------------------------------------
    def submit(self, ticket: Ticket) -> Ticket:
        with self._cond:
            if self._closed:
                raise RuntimeError("the scheduler is closed")
            ticket.number = next(self._numbers)
            if ticket.player in self.background:
                ticket.gives_way = self.players_waiting
            self._queues.setdefault(ticket.player, deque()).append(ticket)
            if not self._last_in_line(ticket):
                self._announce()
            self._cond.notify()
        return ticket

    def _last_in_line(self, ticket: Ticket) -> bool:
        """The usual submit, told without a pass over the whole queue: a player with nothing else waiting
        or running asks while every waiting player has one request and none of them (nor the world's
        work) comes after a newcomer in the round. Its ticket is then last, and no other position moves.
        (`_announce` on every submit was O(queue): with 1,000 players asking, 13% of the event loop.)
        Positions held back are still told by the timer `_announce` armed. Called under the lock."""
        player, queues = ticket.player, self._queues
        if player in self.background or player in self._running or len(queues[player]) != 1 \
                or any(p in queues for p in self.background) or any(p in queues for p in self._running) \
                or any(len(q) > 1 for q in queues.values()):
            return False
        ahead = len(queues) - 1
        ticket.position, ticket.own_ahead = ahead, 0
        ticket.told, ticket.told_at = (ahead, 0), time.monotonic()
        ticket.on_position(ahead)
        return True

    def cancel(self, ticket: Ticket) -> None:
        """Drop a waiting request; stop a running one at its next piece."""
        with self._cond:
            ticket._cancel.set()
            if ticket.state == "waiting":
                q = self._queues.get(ticket.player)
                if q is not None and ticket in q:
                    q.remove(ticket)
                    if not q:
                        del self._queues[ticket.player]
                ticket.state = "cancelled"
                self._announce()
            else:
                return
        ticket.on_done(None)

    def withdraw(self, ticket: Ticket) -> bool:
        """Take back a request that has not started (True); one already running is left alone (False)."""
        with self._cond:
            q = self._queues.get(ticket.player)
            if ticket.state != "waiting" or q is None or ticket not in q:
                return False
            q.remove(ticket)
            if not q:
                del self._queues[ticket.player]
            ticket.state = "cancelled"
            self._announce()
        return True

    def cancel_player(self, player: str) -> int:
        """Cancel everything a player has waiting or running (their socket closed). Returns how many."""
        with self._cond:
            tickets = list(self._queues.get(player, ()))
            tickets += [t for t in self._active if t.player == player]
        for t in tickets:
            self.cancel(t)
        return len(tickets)

    def outstanding(self, player: str) -> int:
        """How many requests a player has waiting or running."""
        with self._cond:
            return len(self._queues.get(player, ())) + sum(t.player == player for t in self._active)

    def players_waiting(self) -> bool:
        """Whether a player's (not the background's) request waits to start."""
        with self._cond:
            return any(p not in self.background for p in self._queues)

    def waiting(self) -> int:
        with self._cond:
            return sum(len(q) for q in self._queues.values())

    def close(self) -> None:
        with self._cond:
            self._closed = True
            if self._flush is not None:
                self._flush.cancel()
            pending = [t for q in self._queues.values() for t in q]
            self._queues.clear()
            self._cond.notify_all()
        for t in pending:
            t._cancel.set()
            t.state = "cancelled"
            t.on_done(None)

    # --- the workers' side ---------------------------------------------------------------------
    def _order(self) -> list[str]:
        """Whose turn it is: players in round-robin order, then the background."""
        first = [p for p in self._queues if p not in self.background]
        return first + [p for p in self._queues if p in self.background]

    def _next(self) -> Ticket | None:
        """The first player in turn order with a request and none running; they go to the back."""
        for player in self._order():
            q = self._queues[player]
            if player in self._running:
                continue
            ticket = q.popleft()
            if q:
                self._queues.move_to_end(player)
            else:
                del self._queues[player]
            return ticket
        return None

    def _work(self) -> None:
        while True:
            with self._cond:
                ticket = None
                while not self._closed and (ticket := self._next()) is None:
                    self._cond.wait()
                if ticket is None:
                    return
                ticket.state = "running"
                self._running.add(ticket.player)
                self._active.add(ticket)
                self._announce()
            error: BaseException | None = None
            _current.ticket = ticket
            try:
                self._run(ticket)
            except RequestCancelled:
                pass
            except Exception as exc:  # a request's failure is its own; the worker carries on
                if ticket.cancelled:
                    pass  # stopped mid-wait by its cancellation (the gateway's Cancelled)
                elif isinstance(exc, LlmverseError):  # expected: a backend down, a message refused
                    log.warning("model request %d of %s failed: %s", ticket.number, ticket.player, exc)
                    error = exc
                else:
                    log.exception("model request %d of %s failed", ticket.number, ticket.player)
                    error = exc
            finally:
                _current.ticket = None
                with self._cond:
                    self._running.discard(ticket.player)
                    self._active.discard(ticket)
                    ticket.state = "cancelled" if ticket.cancelled else "done"
                    self.completed += 1
                    self._announce()  # the player's next request no longer waits for this one
                    self._cond.notify_all()
            ticket.on_done(error)

    @staticmethod
    def _run(ticket: Ticket) -> None:
        if ticket.cancelled:
            return
        pieces = ticket.work()
        try:
            for piece in pieces:
                if ticket.cancelled:
                    break
                ticket.on_piece(piece)
        finally:
            close = getattr(pieces, "close", None)
            if close is not None:
                close()  # stops the model mid-reply when we broke off

    def _announce(self) -> None:
        """Tell every waiting ticket how many requests will start before it, and how many of them (or
        running) are its player's own (called under the lock).

        Simulates the round-robin: each round, every player in turn order gives one request; a player
        with a request running comes last in a round (the workers pass over them until it ends).
        Near the front every step is told; further back at most one a `TELL_EVERY` (a queue of hundreds
        told of every step sent a frame to each of them per request: O(n^2) frames, 14% of a busy
        server's time with 1,000 players), so a far position may show a little high until the next.
        """
        now = time.monotonic()
        ahead, held = 0, False
        for group in ([p for p in self._queues if p not in self.background],
                      [p for p in self._queues if p in self.background]):
            queues = sorted(((p in self._running, list(self._queues[p])) for p in group), key=lambda q: q[0])
            for depth in range(max((len(q) for _, q in queues), default=0)):
                for running, q in queues:
                    if depth < len(q):
                        t, own = q[depth], depth + running
                        t.position, t.own_ahead = ahead, own
                        if t.told != (ahead, own):
                            if ahead < EXACT_POSITIONS or own != t.told[1] or now - t.told_at >= TELL_EVERY:
                                t.told, t.told_at = (ahead, own), now
                                t.on_position(ahead)
                            else:
                                held = True
                        ahead += 1
        if held and self._flush is None and not self._closed:  # told within a second, even if nothing moves
            self._flush = threading.Timer(TELL_EVERY, self._tell_held)
            self._flush.daemon = True
            self._flush.start()

    def _tell_held(self) -> None:
        with self._cond:
            self._flush = None
            if not self._closed:
                self._announce()
