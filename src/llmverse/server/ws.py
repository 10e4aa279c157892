"""A player's session over one WebSocket: join, then move, talk, ask and watch the world live.

The first frame must be a join with a valid token; anything else closes the socket with code 4401
after an `unauthorized` error frame. After that, every bad frame (too large, not JSON, unknown type,
bad fields, over the rate limit) gets an error frame and the session goes on. Talk and ask are model
work: they are queued fairly (the player hears their queue position), stream back piece by piece,
and end with the ids of the events they wrote — the acknowledgement that those are in the store.
Closing the socket drops whatever the player still had queued; a reply already running is finished
and stored (a reload mid-reply finds it in the history, and the new page is sent its events). A
session lives as long as its token: past the token's expiry the next frame is answered
`unauthorized` and the socket closes with 4401; a revoked token (logout) ends its sockets at once in this process, and within
`ServerConfig.token_check_seconds` in the others.

The event loop does not write to the database: a move into a place (it records a visit) and leaving
run in the runtime's one thread for players' writes, in the order made; a step that records nothing is answered at once (under load a thread hop
costs more than the step: the loop and the worker trade the GIL). A say, ask or cancel sent while a
move is being made waits for it (a say right after a move is judged where the move ended). A refusal
is given in the player's language (`lang` of the join, move or ask frame; English until one is sent).
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import math
from datetime import datetime, timezone
from typing import Any

from fastapi import APIRouter, WebSocket, WebSocketDisconnect

from llmverse.errors import InvalidMessage
from llmverse.server.accounts import Account, digest
from llmverse.server.hub import Connection
from llmverse.server.limits import RateLimiter
from llmverse.server.notices import notice, queued
from llmverse.server.protocol import Ask, Cancel, Join, MoveTo, Ping, ProtocolError, SayTo, parse
from llmverse.server.runtime import Runtime
from llmverse.server.scheduler import Ticket
from llmverse.server.services import Outcome
from llmverse.world.world import ActionRefused

log = logging.getLogger(__name__)
router = APIRouter()
JOIN_SECONDS = 10.0  # a socket that does not join in this time is closed
UNAUTHORIZED_CLOSE = 4401


def error(reason: str, detail: str, ref: str | None = None, **extra: Any) -> dict[str, Any]:
    return {"type": "error", "reason": reason, "detail": detail, "id": ref, **extra}


@router.websocket("/ws")
async def play(ws: WebSocket) -> None:
    rt: Runtime = ws.app.state.runtime
    await ws.accept()
    joined = await _join(ws, rt)
    if joined is None:
        return
    account, token, lang = joined
    session = Session(ws, rt, account, token, lang=lang)
    await session.run()


async def _join(ws: WebSocket, rt: Runtime) -> tuple[Account, str, str] | None:
    try:
        msg = await asyncio.wait_for(ws.receive(), JOIN_SECONDS)
        frame = parse(msg.get("text") if msg.get("text") is not None else msg.get("bytes"), rt.cfg.max_message_bytes) \
            if msg["type"] == "websocket.receive" else None
    except (asyncio.TimeoutError, ProtocolError):
        frame = None
    account = await rt.logins(frame.token) if isinstance(frame, Join) else None  # gathered: see batch.py
    if account is None or not isinstance(frame, Join):
        try:
            await ws.send_json(error("unauthorized", "send {\"type\": \"join\", \"token\": ...} with a valid token first"))
            await ws.close(code=UNAUTHORIZED_CLOSE)
        except (RuntimeError, WebSocketDisconnect):  # the client already went away
            pass
        return None
    return account, digest(frame.token), frame.lang or "en"


def fresh_first(rt: Runtime, work):
    """Model work that first brings this process's copy of the world up to date, in the worker thread
    (one small query when no other process wrote): a character answers with what is true now."""
    def run():
        rt.fresh()
        return work()
    return run


class _Close:
    """Put in a connection's outbox after the last frame: the writer closes the socket with `code`."""

    def __init__(self, code: int) -> None:
        self.code = code


class Session:
    def __init__(self, ws: WebSocket, rt: Runtime, account: Account, token: str = "", *, lang: str = "en") -> None:
        self.ws, self.rt, self.player, self.lang = ws, rt, account.name, lang
        self.expires = account.expires
        self.ended = False
        self.conn = Connection(account.name, self._send, token=token, end=self.end)
        self.limiter = RateLimiter(rt.cfg.message_rate, rt.cfg.message_burst)
        self.requests: dict[str, Ticket] = {}
        self.tasks: set[asyncio.Task] = set()
        self._refs = itertools.count(1)
        self._waiting = 0  # ordered tasks spawned and not yet done (a move into a place, what came after it)
        self._order = asyncio.Lock()  # moves, talk, asks and cancels acted on one at a time, in the order sent

    async def run(self) -> None:
        rt = self.rt
        rt.hub.add(self.conn)
        tile = rt.presence.tile(self.player)
        w = rt.world  # kept current by the runtime in a worker thread: the event loop never queries
        self.conn.send({"type": "welcome", "player": self.player, "tile": list(tile),
                        "now": w.now().isoformat(timespec="minutes"),
                        "characters": {c: {"tile": list(w.tile(c)), "place": w.position(c)} for c in w.characters},
                        "players": rt.hub.welcome(self.conn, tile, rt.presence.all())})
        rt.announce_presence(self.player, tile)
        try:
            while True:
                msg = await self.ws.receive()
                if msg["type"] == "websocket.disconnect":
                    break
                if self.ended:
                    continue  # the close is on its way; nothing more is acted on
                if self.expires is not None and datetime.now(timezone.utc).replace(tzinfo=None) > self.expires:
                    self.end("your token has expired")
                    continue
                self.handle(msg.get("text") if msg.get("text") is not None else msg.get("bytes"))
        except Exception as exc:  # a broken socket: the session ends, the server carries on
            log.info("session of %s ended: %s", self.player, exc)
        finally:
            # Requests still waiting are dropped; a reply already being written is finished and stored
            # (`withdraw` leaves a running one alone): a reload mid-reply then finds it in the history.
            # It holds the model no longer than it would have with the player still there, and a player
            # runs one request at a time and may hold only `max_model_requests`, so leaving and coming
            # back frees no extra slot. An explicit cancel, or a revoked token (`end`), still stops it.
            for ticket in list(self.requests.values()):
                rt.scheduler.withdraw(ticket)
            for task in self.tasks:
                task.cancel()
            rt.hub.remove(self.conn)
            if self.player not in rt.hub.players():  # their last connection
                rt.announce_presence(self.player, None)
                # Saves the tile (a write, so in the writes thread) and takes the avatar off the map. Shielded:
                # a session cancelled as its socket went (the server shutting down, a test client) still leaves.
                await asyncio.shield(rt.write(rt.presence.leave, self.player))

    async def _send(self, item: str | _Close) -> None:
        if isinstance(item, _Close):
            await self.ws.close(code=item.code)
        else:
            await self.ws.send_text(item)

    def end(self, why: str) -> None:
        """The token went (revoked or expired): stop the player's requests, say why, close with 4401.
        Call in the event loop."""
        if self.ended:
            return
        self.ended = True
        for ticket in list(self.requests.values()):
            self.rt.scheduler.cancel(ticket)
        self.conn.send(error("unauthorized", f"{why}; log in again"))
        self.conn.outbox.put_nowait(_Close(UNAUTHORIZED_CLOSE))

    def handle(self, raw: str | bytes | None) -> None:
        wait = self.limiter.take("messages")
        if wait:
            self.conn.send(error("rate_limited", "too many messages; slow down", retry_after=max(0.01, round(wait, 2))))
            return
        try:
            frame = parse(raw, self.rt.cfg.max_message_bytes)
        except ProtocolError as exc:
            self.conn.send(error(exc.reason, exc.detail, exc.ref))
            return
        ref = frame.id or f"r{next(self._refs)}"
        self.lang = getattr(frame, "lang", None) or self.lang
        if isinstance(frame, MoveTo):
            if self._waiting or self._writes(frame):
                self._spawn(self.move(frame, ref), ordered=True)
            else:  # a step on the map that records nothing: no database, no thread, no task
                self._moved(frame, ref)
        elif isinstance(frame, SayTo):
            self._in_order(self.say, frame, ref)
        elif isinstance(frame, Ask):
            self._in_order(self.ask, frame, ref)
        elif isinstance(frame, Cancel):
            self._in_order(self.cancel, frame, ref)
        elif isinstance(frame, Ping):
            self.conn.send({"type": "pong", "id": ref})
        else:  # a second join
            self.conn.send(error("invalid", "already joined", ref))

    def _in_order(self, act, frame, ref: str) -> None:
        """Talk and ask depend on where the player stands, a cancel on the request it names: while a
        move sent before them is still being made, they wait for it (`_order` is FIFO)."""
        if not self._waiting:
            act(frame, ref)
            return

        async def later() -> None:
            async with self._order:
                act(frame, ref)
        self._spawn(later(), ordered=True)

    def cancel(self, frame: Cancel, ref: str) -> None:
        ticket = self.requests.get(frame.ref)
        if ticket is not None:
            self.rt.scheduler.cancel(ticket)
        self.conn.send({"type": "cancelled", "id": frame.ref, "found": ticket is not None})

    def _spawn(self, coro, *, ordered: bool = False) -> None:
        """Run `coro` as a task of this session; `ordered`: it takes `_order` first, and the frames
        after it wait their turn until it is done (tasks start, so take the lock, in spawn order)."""
        task = asyncio.get_running_loop().create_task(coro)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)
        if ordered:
            self._waiting += 1
            task.add_done_callback(self._done_waiting)

    def _done_waiting(self, _: asyncio.Task) -> None:
        self._waiting -= 1

    def _writes(self, frame: MoveTo) -> bool:
        """Does this move walk into another place (a visit the world records: a database write)?"""
        grid = self.rt.world.grid
        x, y = frame.to
        if not grid.inside(x, y):
            return False
        after = grid.place_at(x, y)
        return after is not None and after != grid.place_at(*self.rt.presence.tile(self.player))

    async def move(self, frame: MoveTo, ref: str) -> None:
        """A move after the frames before it; one that records a visit, in the writes thread."""
        async with self._order:
            if self._writes(frame):
                self._moved(frame, ref, await self._try(self.rt.write(self.rt.presence.move, self.player, frame.to),
                                                        ref))
            else:
                self._moved(frame, ref)

    async def _try(self, work, ref: str):
        try:
            return await work
        except Exception as exc:  # ActionRefused or a store failure: _moved answers it
            return exc

    def _moved(self, frame: MoveTo, ref: str, done=None) -> None:
        """Answer a move: `done` is what the worker thread returned (or raised); None: make it here."""
        if done is None:
            try:
                done = self.rt.presence.move(self.player, frame.to)
            except Exception as exc:
                done = exc
        if isinstance(done, ActionRefused):
            self.conn.send(error("refused", done.in_language(self.lang), ref,
                                 tile=list(self.rt.presence.tile(self.player)), reasons=done.reasons))
            return
        if isinstance(done, Exception):  # the store failed: the player hears it, the session goes on
            log.warning("move of %s failed: %s", self.player, done)
            self.conn.send(error("failed", "the move could not be made; try again", ref))
            return
        self.conn.send({"type": "moved", "id": ref, "tile": list(done.tile),
                        "waypoints": [list(t) for t in done.waypoints], "place": done.place, "event": done.event})
        self.rt.announce_presence(self.player, done.tile)

    def say(self, frame: SayTo, ref: str) -> None:
        rt, w = self.rt, self.rt.world
        if frame.to not in w.characters:
            self.conn.send(error("unknown_character", f"no character '{frame.to}'; one of {sorted(w.characters)}", ref))
            return
        if not rt.presence.near(self.player, frame.to):
            reasons = rt.presence.too_far(self.player, frame.to)
            self.conn.send(error("too_far", reasons.get(self.lang, reasons["en"]), ref, reasons=reasons))
            return
        out = Outcome()
        self._model_work(ref, lambda: rt.services.talk(self.player, frame.to, frame.text, out), out)

    def ask(self, frame: Ask, ref: str) -> None:
        out = Outcome()
        start = self.rt.presence.tile(self.player)
        self._model_work(ref, lambda: self.rt.services.ask(self.player, frame.text, out, start=start,
                                                           language=frame.lang), out)

    def _notice(self, reason: str, ref: str, *args: object, **extra: Any) -> None:
        """An error frame with a request notice in the player's language, and `reasons` in both."""
        said = notice(reason, *args)
        self.conn.send(error(reason, said.get(self.lang, said["en"]), ref, reasons=said, **extra))

    def _model_work(self, ref: str, work, out: Outcome) -> None:
        """Admit a model request: refused at once (`busy`, `rate_limited`: nothing queued, nothing spent)
        or queued, and told at once why it waits (`queued` with `reason`)."""
        if self.rt.busy(self.player):
            self._notice("busy", ref, self.rt.cfg.max_model_requests)
            return
        wait = self.rt.model_limits.take(self.player)
        if wait:
            after = max(0.01, round(wait, 2))
            self._notice("rate_limited", ref, math.ceil(after), retry_after=after)
            return
        if ref in self.requests:
            self.conn.send(error("invalid", f"a request with id '{ref}' is still running", ref))
            return
        ticket, q = self.rt.queue(self.player, fresh_first(self.rt, work), asyncio.get_running_loop())
        self.requests[ref] = ticket
        task = asyncio.get_running_loop().create_task(self._pump(ref, q, out))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def _pump(self, ref: str, q: asyncio.Queue, out: Outcome) -> None:
        """Progress of one queued request to the client, in order, then its end (or its error)."""
        try:
            while True:
                kind, value = await q.get()
                if kind == "position":  # (requests ahead, of them the player's own)
                    position, own = value
                    reason = queued(position, own)
                    said = notice(reason, position)
                    self.conn.send({"type": "queued", "id": ref, "position": position, "reason": reason,
                                    "detail": said.get(self.lang, said["en"]), "reasons": said})
                elif kind == "piece":
                    self.conn.send({"type": "token", "id": ref, "text": value})
                else:
                    break
        finally:
            ticket = self.requests.pop(ref, None)
        if ticket is not None and ticket.cancelled:
            self.conn.send(error("cancelled", "the request was cancelled", ref))
        elif isinstance(value, InvalidMessage):
            self.conn.send(error("refused", value.reason, ref))
        elif value is not None:
            self.conn.send(error("failed", "the request failed; try again", ref))
        else:
            if out.route is not None:
                self.conn.send({"type": "route", "id": ref, **out.route})
            self.conn.send({"type": "end", "id": ref, "text": out.text, "events": out.events})
