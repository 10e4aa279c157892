"""The connected players of this process, and how frames reach them.

Every connection has an outbox drained by its own writer task, so one slow client never holds up the
others: once OUTBOX frames wait in it, world broadcasts to it are dropped (it can catch up from
`/api/events?since=`), while replies to its own requests always go in (the queue itself is unbounded,
so a reply never fails for want of room; replies are bounded by the player's own requests). Avatars' moves are coalesced
into one `players` frame per flush interval rather than one frame per step per watcher, which would
grow with the square of the crowd.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from llmverse.server.memory import Watermark, give_back

log = logging.getLogger(__name__)
OUTBOX = 256  # frames a connection may have waiting before broadcasts to it are dropped
PRESENCE_FLUSH = 0.25  # seconds between coalesced `players` frames (longer for large crowds)
TRIM_DELAY = 3.0  # seconds after the crowd halved before memory is given back (see memory.py)


@dataclass(eq=False)
class Connection:
    player: str
    send_text: Callable[[str], Any]  # the socket's coroutine function
    number: int = 0
    outbox: asyncio.Queue = field(default_factory=asyncio.Queue)  # unbounded: OUTBOX caps broadcasts only
    dropped: int = 0
    writer: asyncio.Task | None = None
    token: str = ""  # digest of the token the session joined with: revoking it ends the session
    end: Callable[[str], Any] | None = None  # ends the session, saying why (its token went)

    def send(self, frame: dict[str, Any] | str, *, broadcast: bool = False) -> None:
        """Queue a frame, or its JSON text (call in the event loop). Broadcasts are dropped once OUTBOX
        frames are waiting; direct frames always go in."""
        if broadcast and self.outbox.qsize() >= OUTBOX:
            self.dropped += 1
            return
        self.outbox.put_nowait(frame if isinstance(frame, str) else json.dumps(frame, ensure_ascii=False))

    async def write(self) -> None:
        try:
            while True:
                text = await self.outbox.get()
                await self.send_text(text)
        except Exception as exc:  # the socket closed under us: its session's reader ends the rest
            log.debug("writer of %s stopped: %s", self.player, exc)


async def _gone(_: str) -> None:
    return None


class Hub:
    def __init__(self, can_see: Callable[[dict[str, Any], str], bool]) -> None:
        self.can_see = can_see
        self.connections: set[Connection] = set()
        self._numbers = itertools.count(1)
        self._moved: dict[str, list[int] | None] = {}  # player -> tile (None: left) since the last flush
        self._flusher: asyncio.Task | None = None
        self._watermark = Watermark()
        self._trim: asyncio.TimerHandle | None = None

    def add(self, conn: Connection) -> Connection:
        conn.number = next(self._numbers)
        conn.writer = asyncio.get_running_loop().create_task(conn.write())
        self.connections.add(conn)
        self._watermark.update(len(self.connections))
        if self._flusher is None:
            self._flusher = asyncio.get_running_loop().create_task(self._flush_presence())
        return conn

    def remove(self, conn: Connection) -> None:
        self.connections.discard(conn)
        if conn.writer is not None:
            conn.writer.cancel()
        # Break the session <-> connection cycle now, rather than at the collector's next full pass.
        conn.writer, conn.end, conn.send_text = None, None, _gone
        halved = self._watermark.update(len(self.connections))
        if halved or self._trim is not None:  # once a wave of departures began: TRIM_DELAY after its last
            if self._trim is not None:
                self._trim.cancel()
            self._trim = asyncio.get_running_loop().call_later(TRIM_DELAY, self._give_back)

    def _give_back(self) -> None:
        self._trim = None
        asyncio.get_running_loop().run_in_executor(None, give_back)

    def players(self) -> set[str]:
        return {c.player for c in self.connections}

    def deliver(self, message: dict[str, Any]) -> None:
        """A bus message (in the event loop): to everyone who may see it."""
        kind = message.get("type")
        if kind == "event":
            event = message["event"]
            text = json.dumps({"type": "event", "event": event}, ensure_ascii=False)  # once for all
            for c in list(self.connections):
                if self.can_see(event, c.player):
                    c.send(text, broadcast=True)
        elif kind == "presence":
            self._moved.update(message["tiles"])
        elif kind in ("tick", "content"):  # the clock moved; a new gazette is out
            text = json.dumps({k: v for k, v in message.items() if k != "origin"}, ensure_ascii=False)
            for c in list(self.connections):
                c.send(text, broadcast=True)

    async def _flush_presence(self) -> None:
        while True:
            # Every flush goes to every watcher: slow down as the crowd grows (0.25 s to 1 s).
            await asyncio.sleep(min(1.0, max(PRESENCE_FLUSH, len(self.connections) / 1000)))
            if self._moved and self.connections:
                text = json.dumps({"type": "players", "tiles": self._moved})
                self._moved = {}
                for c in list(self.connections):
                    c.send(text, broadcast=True)

    async def close(self) -> None:
        if self._flusher is not None:
            self._flusher.cancel()
        if self._trim is not None:
            self._trim.cancel()
        for c in list(self.connections):
            self.remove(c)
