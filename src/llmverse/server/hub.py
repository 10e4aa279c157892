"""The connected players of this process, and how frames reach them.

Every connection has an outbox drained by its own writer task, so one slow client never holds up the
others: once OUTBOX frames wait in it, world broadcasts to it are dropped (it can catch up from
`/api/events?since=`), while replies to its own requests always go in (the queue itself is unbounded,
so a reply never fails for want of room; replies are bounded by the player's own requests). Avatars' moves are coalesced
into one `players` frame per flush interval rather than one frame per step per watcher, which would
grow with the square of the crowd.

Area of interest: a player is told of the VIEW other avatars nearest it, not of the whole crowd. Up to
VIEW + 1 players everyone sees every other avatar; each socket's `players` frame holds what changed in
its own view since the last flush (never the player's own moves, which its `moved` replies tell); in a crowd of 1,000 a
socket carries the moves of its 50 neighbours (~2 KB a flush) instead of all 1,000 (~25 KB), which is
what a client, and the writer sending to it, could not keep up with. An avatar that drops out of a
player's view is sent as `null`, as one that left, so the client's picture holds only what it was told.
A player's visits (walking into a place) go to the players who see the avatar, like its moves.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from llmverse.server.memory import Watermark, give_back

log = logging.getLogger(__name__)
OUTBOX = 256  # frames a connection may have waiting before broadcasts to it are dropped
PRESENCE_FLUSH = 0.25  # seconds between coalesced `players` frames (longer for large crowds)
TRIM_DELAY = 3.0  # seconds after the crowd halved before memory is given back (see memory.py)
VIEW = 50  # other avatars a player is told of: the nearest ones (everyone, in a crowd this small)
AVATAR_KINDS = {"visit"}  # events of a player's avatar: told to those who see the avatar
SNAPSHOT = 5.0  # seconds between a process's messages listing all its avatars (with Redis)
EXPIRE = 3 * SNAPSHOT  # a process not heard this long has no avatars on the map any more
SLICE = 100  # connections given their `players` frame between two returns to the event loop

Tile = tuple[int, int]
now = time.monotonic  # the hub's clock (tests move it)


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
    at: Tile | None = None  # where its player stood when it joined (until the hub hears the avatar's moves)
    view: dict[str, Tile] = field(default_factory=dict)  # the other avatars this socket was told of, and where

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
        self._moved = False  # an avatar moved, came or left since the last flush
        self._tiles: dict[str, Tile] = {}  # every avatar on the map this hub was told of, here and (Redis) elsewhere
        self._origin: dict[str, str] = {}  # avatar -> the process that told of it (Redis only)
        self._heard: dict[str, float] = {}  # process -> when it last told of its avatars
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
            walker = event.get("actor") if event.get("kind") in AVATAR_KINDS else None
            if walker not in self._tiles:
                walker = None
            for c in list(self.connections):
                # An avatar's comings and goings reach those who see it, as its moves do (else, in a crowd,
                # every visit would be a frame to every socket); the log keeps them all for /api/events.
                if (c.player == walker or walker in c.view) if walker else self.can_see(event, c.player):
                    c.send(text, broadcast=True)
        elif kind == "presence":
            self._presence(message)
        elif kind in ("tick", "content"):  # the clock moved; a new gazette is out
            text = json.dumps({k: v for k, v in message.items() if k != "origin"}, ensure_ascii=False)
            for c in list(self.connections):
                c.send(text, broadcast=True)

    def _presence(self, message: dict[str, Any]) -> None:
        """Avatars moved, came or left. From another process (with Redis) each message names its
        origin, and every SNAPSHOT seconds a process sends all its avatars (`snapshot`): one it no
        longer lists has left, and a process not heard for EXPIRE seconds (stopped, crashed, cut off)
        takes its avatars with it, so a lost `null` leaves no avatar on the map for good."""
        origin = message.get("origin")
        if origin is not None:
            self._heard[origin] = now()
            if message.get("snapshot"):
                self._forget([p for p, o in self._origin.items() if o == origin and p not in message["tiles"]])
        for player, tile in message["tiles"].items():
            if tile:
                self._tiles[player] = (int(tile[0]), int(tile[1]))
                if origin is not None:
                    self._origin[player] = origin
            else:
                self._forget([player])
        self._moved = True

    def _forget(self, players: list[str]) -> None:
        for p in players:
            self._tiles.pop(p, None)
            self._origin.pop(p, None)
        self._moved = self._moved or bool(players)

    def _expire(self) -> None:
        at = now()
        for origin in [o for o, t in self._heard.items() if at - t > EXPIRE]:
            del self._heard[origin]
            self._forget([p for p, o in self._origin.items() if o == origin])

    def welcome(self, conn: Connection, tile: Tile, present: dict[str, Tile]) -> dict[str, list[int]]:
        """The avatars a joining player is shown (the nearest VIEW); `present` is this process's own
        list, which may be ahead of what the bus has told the hub. Only players with a socket here are
        taken from it: one whose last socket just closed is still in it while its tile is saved."""
        live = self.players()
        self._tiles.update({p: t for p, t in present.items() if p in live})
        conn.at = tile
        conn.view = views_of([tile], [conn.player], list(self._tiles), list(self._tiles.values()), VIEW)[0]
        return {p: list(t) for p, t in conn.view.items()}

    async def _flush_presence(self) -> None:
        while True:
            # Every flush goes to every watcher: slow down as the crowd grows (0.25 s to 1 s).
            await asyncio.sleep(min(1.0, max(PRESENCE_FLUSH, len(self.connections) / 1000)))
            self._expire()
            if self._moved and self.connections:
                self._moved = False
                try:
                    await self._tell_views()
                except Exception:  # never let one bad flush end the flusher: no `players` frame would follow
                    log.exception("presence flush failed")

    async def _tell_views(self) -> None:
        """Send each socket what changed in its view since the last flush: avatars that moved in it,
        came into it (their tile) or left it (null)."""
        names = list(self._tiles)
        tiles = [self._tiles[n] for n in names]
        placed = [(c, spot) for c in self.connections if (spot := self._tiles.get(c.player, c.at)) is not None]
        if not placed:
            return
        conns, at = [c for c, _ in placed], [spot for _, spot in placed]
        who = [c.player for c in conns]
        if len(names) > VIEW + 1:  # the matrix in a worker thread (numpy lets go of the GIL): moves go on
            views = await asyncio.to_thread(views_of, at, who, names, tiles, VIEW)  # type: ignore[arg-type]
        else:
            views = views_of(at, who, names, tiles, VIEW)  # type: ignore[arg-type]
        for i, (conn, view) in enumerate(zip(conns, views)):
            changed: dict[str, list[int] | None] = {p: list(t) for p, t in view.items() if conn.view.get(p) != t}
            changed.update({p: None for p in conn.view if p not in view})
            conn.view = view
            if changed:
                conn.send(json.dumps({"type": "players", "tiles": changed}), broadcast=True)
            if i % SLICE == SLICE - 1:
                await asyncio.sleep(0)  # let the crowd's moves in between slices

    async def close(self) -> None:
        if self._flusher is not None:
            self._flusher.cancel()
        if self._trim is not None:
            self._trim.cancel()
        for c in list(self.connections):
            self.remove(c)


def views_of(watchers: Sequence[Tile], who: Sequence[str], names: Sequence[str], tiles: Sequence[Tile],
             k: int) -> list[dict[str, Tile]]:
    """For each watcher (its tile, its player), the k other avatars nearest it: one distance matrix
    (watchers x avatars, numpy) rather than a sort per watcher, so a flush at 1,000 players stays a few
    milliseconds of the event loop. Equal distances are decided by a number fixed per name, so a crowd
    standing still is not reshuffled from one flush to the next (only who moved changes a view)."""
    if len(names) <= k + 1:  # everyone sees everyone else
        everyone = dict(zip(names, tiles))
        return [{p: t for p, t in everyone.items() if p != me} for me in who]
    pos, at = np.asarray(tiles, dtype=np.int32), np.asarray(watchers, dtype=np.int32).reshape(-1, 2)
    steps = np.maximum(np.abs(at[:, :1] - pos[:, 0]), np.abs(at[:, 1:] - pos[:, 1]))  # watchers x avatars
    key = (steps.astype(np.int64) << 32) | np.array([hash(n) & 0xFFFFFFFF for n in names], dtype=np.int64)
    index = {n: j for j, n in enumerate(names)}
    mine = [(i, j) for i, me in enumerate(who) if (j := index.get(me)) is not None]
    if mine:  # never oneself
        rows, cols = np.array(mine).T
        key[rows, cols] = np.iinfo(np.int64).max
    picked = np.argpartition(key, k - 1, axis=1)[:, :k].tolist()
    return [{names[j]: tiles[j] for j in row} for row in picked]
