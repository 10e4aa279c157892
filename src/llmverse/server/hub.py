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

Spread over the interval: the sockets are told in groups of GROUP, one group every interval / groups
seconds, rather than all at once. Each socket still hears of its view once per interval, but the event
loop never spends a whole flush (1,000 diffs, encodings and sends: 25-35 ms four times in a row, once a
second) away from the crowd's moves, which waited behind it (issue 18: moves p99 129-222 ms at 1,000
players while the loop's median lag was 0.4 ms).
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
GROUP = 50  # sockets told of their views at once; the groups are spread over the flush interval

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
    told: int = -1  # the hub's count of avatar changes when this socket was last told of its view

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
                await self.send_text(await self.outbox.get())
                while not self.outbox.empty():  # what queued meanwhile, without a wake-up per frame
                    await self.send_text(self.outbox.get_nowait())
        except Exception as exc:  # the socket closed under us: its session's reader ends the rest
            log.debug("writer of %s stopped: %s", self.player, exc)


async def _gone(_: str) -> None:
    return None


class Hub:
    def __init__(self, can_see: Callable[[dict[str, Any], str], bool]) -> None:
        self.can_see = can_see
        self.connections: set[Connection] = set()
        self._numbers = itertools.count(1)
        self._changes = 0  # avatars' moves, comings and goings heard so far (a socket told at this count is current)
        self._sockets: dict[str, set[Connection]] = {}  # player -> this process's connections of that player
        self._watchers: dict[str, set[Connection]] = {}  # avatar -> the connections whose view holds it
        self._keys: dict[str, str] = {}  # avatar -> its name as a JSON key, encoded once
        self._tiles: dict[str, Tile] = {}  # every avatar on the map this hub was told of, here and (Redis) elsewhere
        self._avatars = Avatars()  # the same, in arrays for the views
        self._origin: dict[str, str] = {}  # avatar -> the process that told of it (Redis only)
        self._heard: dict[str, float] = {}  # process -> when it last told of its avatars
        self._flusher: asyncio.Task | None = None
        self._watermark = Watermark()
        self._trim: asyncio.TimerHandle | None = None

    def add(self, conn: Connection) -> Connection:
        conn.number = next(self._numbers)
        conn.writer = asyncio.get_running_loop().create_task(conn.write())
        self.connections.add(conn)
        self._sockets.setdefault(conn.player, set()).add(conn)
        self._watermark.update(len(self.connections))
        if self._flusher is None:
            self._flusher = asyncio.get_running_loop().create_task(self._flush_presence())
        return conn

    def remove(self, conn: Connection) -> None:
        self.connections.discard(conn)
        self._set_view(conn, {})
        mine = self._sockets.get(conn.player)
        if mine is not None:
            mine.discard(conn)
            if not mine:
                del self._sockets[conn.player]
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
        return set(self._sockets)

    def _set_view(self, conn: Connection, view: dict[str, Tile]) -> None:
        """What a socket now sees, kept in the avatar -> watchers index that routes avatars' events."""
        for p in conn.view.keys() - view.keys():
            watching = self._watchers.get(p)
            if watching is not None:
                watching.discard(conn)
                if not watching:
                    del self._watchers[p]
        for p in view.keys() - conn.view.keys():
            self._watchers.setdefault(p, set()).add(conn)
        conn.view = view

    def deliver(self, message: dict[str, Any]) -> None:
        """A bus message (in the event loop): to everyone who may see it."""
        kind = message.get("type")
        if kind == "event":
            event = message["event"]
            text = json.dumps({"type": "event", "event": event}, ensure_ascii=False)  # once for all
            walker = event.get("actor") if event.get("kind") in AVATAR_KINDS else None
            if walker in self._tiles:
                # An avatar's comings and goings reach those who see it, as its moves do (else, in a crowd,
                # every visit would be a frame to every socket); the log keeps them all for /api/events.
                # The index holds them: no pass over every socket for each visit (~70 a second at 1,000).
                for c in self._sockets.get(walker, set()) | self._watchers.get(walker, set()):
                    c.send(text, broadcast=True)
                return
            for c in list(self.connections):
                if self.can_see(event, c.player):
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
                self._tiles[player] = spot = (int(tile[0]), int(tile[1]))
                self._avatars.set(player, spot)
                if origin is not None:
                    self._origin[player] = origin
            else:
                self._forget([player])
        self._changes += 1

    def _forget(self, players: list[str]) -> None:
        for p in players:
            self._tiles.pop(p, None)
            self._avatars.drop(p)
            self._origin.pop(p, None)
            self._keys.pop(p, None)
        self._changes += bool(players)

    def _expire(self) -> None:
        at = now()
        for origin in [o for o, t in self._heard.items() if at - t > EXPIRE]:
            del self._heard[origin]
            self._forget([p for p, o in self._origin.items() if o == origin])

    def welcome(self, conn: Connection, tile: Tile, present: dict[str, Tile]) -> dict[str, list[int]]:
        """The avatars a joining player is shown (the nearest VIEW); `present` is this process's own
        list, which may be ahead of what the bus has told the hub. Only players with a socket here are
        taken from it: one whose last socket just closed is still in it while its tile is saved."""
        tiles, live = self._tiles, self._sockets
        for p, t in present.items():
            if p in live and tiles.get(p) != t:
                tiles[p] = t
                self._avatars.set(p, t)
        conn.at = tile
        self._set_view(conn, self._avatars.nearest([tile], [conn.player], VIEW)[0])
        return {p: list(t) for p, t in conn.view.items()}

    async def _flush_presence(self) -> None:
        """Each socket hears of its view once per interval (0.25 s, longer as the crowd grows, up to 1 s:
        every flush goes to every watcher), the sockets in groups of GROUP spread over the interval."""
        while True:
            interval = min(1.0, max(PRESENCE_FLUSH, len(self.connections) / 1000))
            conns = sorted(self.connections, key=lambda c: c.number)  # a socket keeps its turn in the round
            groups = max(1, -(-len(conns) // GROUP))
            for i in range(groups):
                await asyncio.sleep(interval / groups)
                if i == 0:
                    self._expire()
                part = [c for c in conns[i::groups] if c.told != self._changes and c in self.connections]
                if not part:
                    continue
                try:
                    self._tell_views(part)
                except Exception:  # never let one bad flush end the flusher: no `players` frame would follow
                    log.exception("presence flush failed")
            if not conns:
                await asyncio.sleep(interval)

    def _tell_views(self, conns: Sequence[Connection] | None = None) -> None:
        """Send each socket (all by default) what changed in its view since it was last told: avatars
        that moved in it, came into it (their tile) or left it (null). In the event loop: for a group of
        GROUP sockets the matrix is a millisecond, less than a hop to a worker thread costs under load."""
        changes = self._changes
        placed = [(c, spot) for c in (self.connections if conns is None else conns)
                  if (spot := self._tiles.get(c.player, c.at)) is not None]
        if not placed:
            return
        views = self._avatars.nearest([spot for _, spot in placed], [c.player for c, _ in placed], VIEW)
        keys = self._keys
        for (conn, _), view in zip(placed, views):
            conn.told = changes
            before = conn.view
            parts = [f"{keys.get(p) or self._key(p)}: [{t[0]}, {t[1]}]" for p, t in view.items() if before.get(p) != t]
            parts += [f"{keys.get(p) or json.dumps(p)}: null" for p in before if p not in view]
            self._set_view(conn, view)
            if parts:  # the text json.dumps({"type": "players", "tiles": changed}) gives, without a dict per socket
                conn.send('{"type": "players", "tiles": {' + ", ".join(parts) + "}}", broadcast=True)

    def _key(self, player: str) -> str:
        key = self._keys[player] = json.dumps(player)
        return key

    async def close(self) -> None:
        if self._flusher is not None:
            self._flusher.cancel()
        if self._trim is not None:
            self._trim.cancel()
        for c in list(self.connections):
            self.remove(c)


class Avatars:
    """Every avatar's tile, also in numpy arrays kept in step with each move (a slot per avatar; one that
    leaves gives its slot to the last), so a view is a matrix on arrays already built: a join at 1,000
    players rebuilt three lists and two arrays of 1,000 (py-spy: a quarter of the event loop while a
    crowd of 1,000 connected, with moves waiting behind the joins up to 390 ms)."""

    def __init__(self) -> None:
        self.names: list[str] = []
        self.tiles: list[Tile] = []
        self._slot: dict[str, int] = {}
        self._pos = np.zeros((64, 2), dtype=np.int32)
        self._tie = np.zeros(64, dtype=np.int64)  # decides equal distances: a number fixed per name

    def __len__(self) -> int:
        return len(self.names)

    def set(self, name: str, tile: Tile) -> None:
        j = self._slot.get(name)
        if j is None:
            j = self._slot[name] = len(self.names)
            if j == len(self._pos):
                self._pos = np.concatenate([self._pos, np.zeros_like(self._pos)])
                self._tie = np.concatenate([self._tie, np.zeros_like(self._tie)])
            self.names.append(name)
            self.tiles.append(tile)
            self._tie[j] = hash(name) & 0xFFFFFFFF
        else:
            self.tiles[j] = tile
        self._pos[j] = tile

    def drop(self, name: str) -> None:
        j = self._slot.pop(name, None)
        if j is None:
            return
        last = len(self.names) - 1
        if j != last:
            moved = self.names[last]
            self.names[j], self.tiles[j], self._slot[moved] = moved, self.tiles[last], j
            self._pos[j], self._tie[j] = self._pos[last], self._tie[last]
        self.names.pop()
        self.tiles.pop()

    def nearest(self, watchers: Sequence[Tile], who: Sequence[str], k: int) -> list[dict[str, Tile]]:
        """For each watcher (its tile, its player), the k other avatars nearest it: one distance matrix
        (watchers x avatars) rather than a sort per watcher. Equal distances are decided by the number
        fixed per name, so a crowd standing still is not reshuffled from one flush to the next (only who
        moved changes a view), and a view does not depend on the order avatars came in."""
        names, tiles, n = self.names, self.tiles, len(self.names)
        if n <= k + 1:  # everyone sees everyone else
            everyone = dict(zip(names, tiles))
            return [{p: t for p, t in everyone.items() if p != me} for me in who]
        if not watchers:
            return []
        pos, at = self._pos[:n], np.asarray(watchers, dtype=np.int32).reshape(-1, 2)
        steps = np.maximum(np.abs(at[:, :1] - pos[:, 0]), np.abs(at[:, 1:] - pos[:, 1]))  # watchers x avatars
        key = (steps.astype(np.int64) << 32) | self._tie[:n]
        mine = [(i, j) for i, me in enumerate(who) if (j := self._slot.get(me)) is not None]
        if mine:  # never oneself
            rows, cols = np.array(mine).T
            key[rows, cols] = np.iinfo(np.int64).max
        picked = np.argpartition(key, k - 1, axis=1)[:, :k].tolist()
        return [{names[j]: tiles[j] for j in row} for row in picked]


def views_of(watchers: Sequence[Tile], who: Sequence[str], names: Sequence[str], tiles: Sequence[Tile],
             k: int) -> list[dict[str, Tile]]:
    """`Avatars.nearest` over a list of avatars (names and their tiles)."""
    avatars = Avatars()
    for name, tile in zip(names, tiles):
        avatars.set(name, tile)
    return avatars.nearest(watchers, who, k)
