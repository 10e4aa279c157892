"""One server process: the world, its voices, the model queue, accounts, fan-out and the world clock.

Everything a request handler needs hangs off `Runtime`; `create_app` builds one and the handlers
reach it through `app.state.runtime`. Threads: the model queue's workers (model calls block), the
world clock (a simulation step every `tick_seconds`, itself queued as model work of the pseudo-player
"~world" so it takes turns with players) and the Redis listener; the event loop serves sockets.

Reading a world other processes also write: code in a worker thread (REST handlers, model work)
calls `fresh()`, which re-reads the state if any process changed it (one small query otherwise).
The event loop never queries the store: it reads `world` as it is, and a task of the runtime keeps
that copy current in a worker thread — within `refresh_seconds` of a change by anyone (another
process, a CLI on the same database), at once when Redis says another process wrote.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
import time
import weakref
from concurrent.futures import ThreadPoolExecutor
from collections.abc import Callable, Iterator
from typing import Any

from llmverse.config import Settings, open_backend, settings
from llmverse.llm.gateway import Gateway, GatewayConfig
from llmverse.server.accounts import ADMIN, Accounts, digest
from llmverse.server.batch import Batch
from llmverse.server.bus import ORIGIN, LocalBus, PublishingStore, open_bus
from llmverse.server.config import ServerConfig
from llmverse.server.hub import PRESENCE_FLUSH, SNAPSHOT, Hub
from llmverse.server.limits import LoginThrottle, RateLimiter
from llmverse.server.presence import Presence, visible
from llmverse.server.scheduler import FairScheduler, Ticket, Work, check_cancelled, is_cancelled, rules_only
from llmverse.server.services import Services
from llmverse.world.grid import turning_points
from llmverse.world.loader import load_world
from llmverse.world.world import DEFAULT_WORLD, World

log = logging.getLogger(__name__)


class InterruptibleGateway(Gateway):
    """The gateway, stopping a call once its request is cancelled: at the next token, or mid-wait
    (before the first byte too) for a backend that takes a deadline."""

    @classmethod
    def around(cls, gateway: Gateway) -> InterruptibleGateway:
        g = cls(gateway.backend, gateway.config)
        g.history = gateway.history  # one record of usage
        g.cancelled = is_cancelled
        return g

    def stream(self, messages, **kw) -> Iterator[str]:
        for piece in super().stream(messages, **kw):
            check_cancelled()
            yield piece


BREAKER_FAILURES = 5  # model calls in a row that fail before the server stops calling the backend a while
KEEP_POLL = 0.25  # seconds between looks at whether the event loop's copy of the world needs a refresh
WORLD_PLAYER = "~world"  # the simulation's turn in the model queue; no account can have this name
REPORTER = "~reporter"  # the gazette's turn in the model queue


def _concurrency(cfg: ServerConfig, model: str) -> int:
    if cfg.concurrency is not None:
        return cfg.concurrency
    return 4 if model.startswith(("http://", "https://")) else 1


def _trail(w: World, start: tuple[int, int], path: list, end: tuple[int, int]) -> list[list[int]]:
    """The tiles a character walked in one step, as turning points, so the map walks it tile by tile
    instead of jumping: the part of its path it covered, or the shortest walk when it set out in this
    step (a new path). [] when it stood still."""
    if tuple(start) == tuple(end):
        return []
    tiles = [tuple(t) for t in path]
    walked = [tuple(start)] + tiles[:tiles.index(tuple(end)) + 1] if tuple(end) in tiles else \
        w.grid.path(tuple(start), tuple(end)) or [tuple(start), tuple(end)]
    return [list(t) for t in turning_points(walked)]


class Runtime:
    def __init__(self, cfg: ServerConfig, env: Settings | None = None, *, gateway: Gateway | None = None) -> None:
        self.cfg = cfg
        self.settings = env or settings(model=cfg.model, database_url=cfg.database_url, threads=cfg.threads)
        source = cfg.world or DEFAULT_WORLD
        file = load_world(source)
        self.store = PublishingStore(self.settings.database_url)
        self.world = World(file, self.store)
        self.world.source = source
        self.bus = open_bus(cfg.redis_url, self.world.key)
        self.store.bus = self.bus
        if gateway is None:  # tests hand in a gateway over a scripted backend
            backend = open_backend(self.settings.model, threads=self.settings.threads, api_key=self.settings.api_key)
            gateway = Gateway(backend, GatewayConfig(timeout=self.settings.timeout, breaker_failures=BREAKER_FAILURES))
        self.gateway = InterruptibleGateway.around(gateway)
        self.memory = self._memory() if cfg.memory else None
        self.services = Services(self.world, self.gateway, self.memory)
        self.presence = Presence(self.world)
        # The rails refuse where a player lives by their account name ("Where's kestrel's home?"):
        # every account is told them now and each new one when it is made, not only those who spoke since the
        # start; an account another process made is looked up in the shared table when a request for someone's
        # details names it ("What is the phone number of kestrel?"), or told when its player first speaks here.
        self.accounts = Accounts(self.store.engine, self.world.key, on_create=self.services.rails.know_people)
        self.logins = Batch(self.accounts.authenticate_many)  # sockets' joins, many tokens a query
        self.services.rails.know_people(*self.accounts.names())
        self.services.rails.look_up_people(self.accounts.exists)
        if cfg.admin_password:
            self.accounts.ensure_admin(ADMIN, cfg.admin_password)
        # Players before the world's own work; LLMVERSE_PRIORITY=off turns that off (bench/load.py compares).
        background = () if os.environ.get("LLMVERSE_PRIORITY", "on") == "off" else (WORLD_PLAYER, REPORTER)
        self.scheduler = FairScheduler(_concurrency(cfg, self.settings.model), background=background)
        self.model_limits = RateLimiter(cfg.model_rate, cfg.model_burst)
        self.auth_limits = LoginThrottle(cfg.auth_rate, cfg.auth_burst)
        self.hub = Hub(lambda event, player: visible(event, player, self.world))
        self.world_lock = threading.RLock()  # simulation steps
        # Players' writes (a move into a place records a visit; leaving saves the tile), one at a time in
        # the order made: on SQLite they queue for one write lock anyway, and six worker threads running
        # them at once fought the event loop for the GIL (issue 18); a player's leave comes after its visits.
        self.writes = ThreadPoolExecutor(1, thread_name_prefix="player-writes")
        self._stale = False  # Redis said another process wrote: refresh the copy now, not at the next poll
        self._outgoing: dict[str, list[int] | None] = {}  # avatars' tiles not yet published (Redis)
        self._keeper: asyncio.Task | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop = threading.Event()
        self._ticker: threading.Thread | None = None
        self._sim = None
        self._content = None
        self._gazette_day: int | None = None  # the last day whose gazette was written (None: look it up)
        self._watcher: asyncio.Task | None = None
        self._lister: asyncio.Task | None = None  # with Redis: lists this process's avatars to the others

    # --- life -----------------------------------------------------------------------------------
    def start(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self.bus.start(self._on_bus)
        self._watcher = loop.create_task(self._watch_tokens())
        self._keeper = loop.create_task(self._keep_fresh())
        self._lister = None if isinstance(self.bus, LocalBus) else loop.create_task(self._list_avatars())
        if self.cfg.tick_seconds > 0:
            self._ticker = threading.Thread(target=self._tick_loop, name="world-clock", daemon=True)
            self._ticker.start()

    async def stop(self) -> None:
        self._stop.set()
        for task in (self._watcher, self._keeper, self._lister):
            if task is not None:
                task.cancel()
        gone = list(self.presence.all())
        if gone and not isinstance(self.bus, LocalBus):  # tell the other processes now, not at a flush
            self._publish({"type": "presence", "tiles": {p: None for p in gone}})
        for player in gone:
            self.presence.leave(player)
        self.writes.shutdown(wait=True)
        self.scheduler.close()
        self.bus.close()
        await self.hub.close()

    # --- reading a world other processes also write -----------------------------------------------
    def fresh(self) -> World:
        """The world, its state re-read first if any process changed it since (one small query when
        none did). Call in a worker thread, never in the event loop: it queries the store."""
        self.world.refresh()
        return self.world

    async def _keep_fresh(self) -> None:
        """Keep the event loop's copy of the world current without it ever waiting on the store: every
        `refresh_seconds` (and within KEEP_POLL of a Redis message saying another process wrote), the
        generation check, and a reload if it moved, run in a worker thread."""
        last = time.monotonic()
        while True:
            await asyncio.sleep(KEEP_POLL)
            if not self._stale and time.monotonic() - last < self.cfg.refresh_seconds:
                continue
            self._stale, last = False, time.monotonic()
            try:
                await asyncio.to_thread(self.world.refresh)
            except Exception as exc:  # the store is down: serve the copy, try again next time
                log.warning("world refresh failed: %s", exc)

    def _on_bus(self, message: dict[str, Any]) -> None:
        """Any thread: a bus message reaches the hub in the event loop."""
        if message.get("origin") != ORIGIN and message.get("type") in ("event", "tick"):
            self._stale = True
        if self._loop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self.hub.deliver, message)

    # --- tokens of open sockets -------------------------------------------------------------------
    def token_revoked(self, token: str) -> None:
        """Any thread: end this process's sockets that joined with `token`."""
        if self._loop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._end_sessions, {digest(token)}, "your token was revoked")

    def _end_sessions(self, digests: set[str], why: str) -> None:
        for conn in list(self.hub.connections):
            if conn.token in digests and conn.end is not None:
                conn.end(why)

    async def _watch_tokens(self) -> None:
        """Every `token_check_seconds`, one query for all open sockets' tokens: those revoked (by
        another process too) or expired end their sessions."""
        while True:
            await asyncio.sleep(self.cfg.token_check_seconds)
            held = {c.token for c in self.hub.connections if c.token}
            if not held:
                continue
            try:
                gone = held - await asyncio.to_thread(self.accounts.live, held)
            except Exception as exc:  # the store is down: keep the sockets, try again next time
                log.warning("token check failed: %s", exc)
                continue
            if gone:
                self._end_sessions(gone, "your token was revoked or has expired")

    def announce_presence(self, player: str, tile: tuple[int, int] | None) -> None:
        """An avatar moved (None: left). Call in the event loop. One process: straight to the hub,
        which coalesces moves into one `players` frame per flush. With Redis: gathered and published
        once per PRESENCE_FLUSH from a worker thread (a Redis round trip per step would hold the loop)."""
        spot = list(tile) if tile else None
        if isinstance(self.bus, LocalBus):
            self.hub.deliver({"type": "presence", "tiles": {player: spot}})
            return
        if not self._outgoing and self._loop is not None:
            self._loop.call_later(PRESENCE_FLUSH, self._publish_presence)
        self._outgoing[player] = spot

    async def _list_avatars(self) -> None:
        """With Redis: every SNAPSHOT seconds, all this process's avatars, so the other processes' hubs
        drop one whose `null` was lost and learn of those standing still since before they started."""
        while True:
            await asyncio.sleep(SNAPSHOT)
            here = self.hub.players()
            tiles = {p: list(t) for p, t in self.presence.all().items() if p in here}
            await asyncio.to_thread(self._publish, {"type": "presence", "tiles": tiles, "snapshot": True})

    def _publish_presence(self) -> None:
        tiles, self._outgoing = self._outgoing, {}
        if tiles and self._loop is not None and not self._loop.is_closed():
            self._loop.run_in_executor(None, self._publish, {"type": "presence", "tiles": tiles})

    def _publish(self, message: dict[str, Any]) -> None:
        try:
            self.bus.publish(message)
        except Exception as exc:  # others see the avatars at the next flush
            log.error("fan-out of presence failed: %s", exc)

    def write(self, work: Callable[..., Any], *args: Any) -> asyncio.Future:
        """Run a player's write (`presence.move` into a place, `presence.leave`) in the writes thread,
        after those made before it; once the runtime has stopped, in the default pool. In the event loop."""
        loop = asyncio.get_running_loop()
        try:
            return loop.run_in_executor(self.writes, work, *args)
        except RuntimeError:  # stopped: the writes thread has finished
            return loop.run_in_executor(None, work, *args)

    # --- model work -------------------------------------------------------------------------------
    def busy(self, player: str) -> bool:
        """Has the player as many model requests waiting or running as they may (then refuse more)."""
        return self.scheduler.outstanding(player) >= self.cfg.max_model_requests

    def queue(self, player: str, work: Work, loop: asyncio.AbstractEventLoop) -> tuple[Ticket, asyncio.Queue]:
        """Queue model work for a player; its progress arrives on an asyncio queue as
        ("position", (requests ahead, of them or running the player's own)), ("piece", text) and,
        last, ("done", error or None). A player's requests run one at a time, so one player never holds
        more than one of the process's `concurrency` model slots: the others serve other players."""
        q: asyncio.Queue = asyncio.Queue()

        def put(item: tuple[str, Any]) -> None:
            if not loop.is_closed():
                loop.call_soon_threadsafe(q.put_nowait, item)

        ticket = Ticket(player, work, on_piece=lambda p: put(("piece", p)), on_done=lambda e: put(("done", e)))
        mine = weakref.ref(ticket)  # not the ticket itself: a ticket holding a closure over itself is a
        # cycle that keeps the session's queue (and the session) alive until the collector runs
        ticket.on_position = lambda n: put(("position", (n, t.own_ahead if (t := mine()) else 0)))
        self.scheduler.submit(ticket)
        return ticket, q

    @property
    def content(self):
        if self._content is None:
            from llmverse.content.store import ContentStore

            self._content = ContentStore(self.world)
        return self._content

    # --- the world clock --------------------------------------------------------------------------
    def _tick_loop(self) -> None:
        from llmverse.characters.simulation import SimConfig, Simulation

        # The clock never waits on the model for longer than a tick: past it, the characters still to act
        # in a step use their rules (the step's model calls also give way to any waiting player).
        # Its own gateway object over the same backend: the step budget swaps the gateway's `cancelled`,
        # which must not reach a player's call (a step may run by rules in this thread meanwhile).
        self._sim = Simulation(self.world, InterruptibleGateway.around(self.gateway),
                               config=SimConfig(step_minutes=self.cfg.step_minutes, step_budget=self.cfg.tick_seconds),
                               memory=self.memory)
        while not self._stop.wait(self.cfg.tick_seconds):
            if not self._leader():
                continue
            done = threading.Event()
            ticket = Ticket(WORLD_PLAYER, self._step, on_done=lambda _e: done.set())
            try:
                self.scheduler.submit(ticket)
            except RuntimeError:  # closed: shutting down
                return
            if not done.wait(self.cfg.tick_seconds) and self.scheduler.withdraw(ticket):
                # Players had the model for a whole tick and the step never started: it goes by the
                # characters' rules, here, and the clock keeps time (it touches no model).
                try:
                    with rules_only():
                        self._step()
                except Exception:  # the clock goes on; the step's failure is logged once
                    log.exception("world step by rules failed")
                continue
            while not done.wait(0.5):
                if self._stop.is_set():
                    return

    def _step(self) -> Iterator[str]:
        """One simulation step, run by the scheduler like any model request (it yields no text)."""
        assert self._sim is not None
        self.fresh()
        with self.world_lock:
            w = self.world
            before = {c: (w.tile(c), w.state_of(f"character:{c}").get("path") or []) for c in w.characters}
            self._sim.players = {p: self.presence.place_of(p) for p in self.hub.players()}
            self._sim.step()
        self.bus.publish({"type": "tick", "now": w.now().isoformat(timespec="minutes"),
                          "seconds": self.cfg.tick_seconds,
                          "characters": {c: {"tile": list(w.tile(c)), "place": w.position(c), "heading": w.heading(c),
                                             "trail": _trail(w, *before[c], w.tile(c))} for c in w.characters}})
        self._morning_paper()
        return iter(())

    # --- the reporter's morning job -----------------------------------------------------------------
    def _morning_paper(self) -> None:
        """Each in-world morning (from MORNING_HOUR) the reporter writes the day before's gazette, in
        English and Chinese: background model work, stored, then pushed to every client."""
        from llmverse.content.news import edition_due

        if self._gazette_day is None:
            latest = self.content.latest("news")
            self._gazette_day = getattr(latest, "day", 0) if latest is not None else 0
        day = edition_due(self.world, self._gazette_day)
        if day is None:
            return
        self._gazette_day = day
        try:
            self.scheduler.submit(Ticket(REPORTER, lambda: self._write_gazette(day)))
        except RuntimeError:  # closed: shutting down
            pass

    def _write_gazette(self, day: int) -> Iterator[str]:
        from llmverse.content import generate

        for language in ("en", "zh"):
            doc = generate("news", self.world, self.gateway, day=day, language=language, memory=self.memory)
            doc_id = self.content.save(doc)
            log.info("the gazette of day %d (%s) is out: document %d, %.1f s", day, language, doc_id, doc.seconds)
            self.bus.publish({"type": "content", "kind": "news", "id": doc_id, "language": language, "day": day})
        return iter(())

    def _leader(self) -> bool:
        """Only one process runs the world clock: with Redis, whoever holds a short-lived lock."""
        redis = getattr(self.bus, "_redis", None)
        if redis is None:
            return True
        key = f"llmverse:{self.world.key}:clock"
        ttl = int(self.cfg.tick_seconds * 3000) + 1000
        try:
            if redis.set(key, ORIGIN, nx=True, px=ttl):
                return True
            if redis.get(key) == ORIGIN.encode():
                redis.pexpire(key, ttl)
                return True
        except Exception as exc:  # Redis down: better no clock than two
            log.error("world clock: Redis lock failed: %s", exc)
        return False

    def _memory(self):
        from llmverse.characters.recall import MemorySystem
        from llmverse.errors import LlmverseError

        try:
            return MemorySystem.open(self.world, self.gateway)
        except LlmverseError as exc:
            log.warning("characters run without memory: %s", exc)
            return None
