"""The Store: world events and entity state, on SQLAlchemy 2 (SQLite WAL by default; PostgreSQL by URL).

The event log is append-only: there is no update or delete, so everything else can learn what
happened by reading it. Entity state (where a character stands, who owns a thing, the clock) is one
row per entity with a version. Every write goes through `run`: a decision function gets a `Tx`, reads
the rows it needs, appends its event and writes the new state, and the lot commits in one transaction
(or, on any error, none of it). A restart loses nothing acknowledged, and never half an action.

Writers are serialised where the database needs it: on SQLite one BEGIN IMMEDIATE transaction at a
time (a lock in the process, the database's write lock across processes), on PostgreSQL row locks
(SELECT ... FOR UPDATE) plus the version check. A race that is lost anyway (two first inserts of one
key, a deadlock, a busy database) is retried a bounded number of times, then `WriteConflict`.
"""

from __future__ import annotations

import json
import logging
import random
import re
import threading
import time
from collections.abc import Callable, Collection
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import and_, create_engine, event, func, or_, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from sqlalchemy.orm import Session

from llmverse.errors import LlmverseError
from llmverse.world.tables import JOURNAL, Event, EventRow, RefusalRow, StateRow, event_of, upgrade
from llmverse.world.transactions import Committed, StoreError, Tx, WriteConflict, retryable

__all__ = ["DEFAULT_URL", "Event", "Refusal", "Store", "StoreError", "Tx", "WriteConflict"]

DEFAULT_URL = "sqlite:///llmverse.db"
RETRIES = 12  # attempts before WriteConflict; measured: 4 threads x 100 updates on one key need 1-2
BUSY_SECONDS = 10  # SQLite: how long a writer waits for another process's write lock
log = logging.getLogger(__name__)
T = TypeVar("T")
_local = threading.local()  # whether this thread is inside a decision (nested writes are refused)


@dataclass(frozen=True)
class Refusal:
    id: int
    world_time: datetime
    actor: str
    action: dict[str, Any]
    code: str
    language: str
    reason: str


def _dumps(o: Any) -> str:
    return json.dumps(o, ensure_ascii=False)


def _wal_normal(dbapi_conn, _record) -> None:
    dbapi_conn.execute("PRAGMA journal_mode=WAL")
    dbapi_conn.execute("PRAGMA synchronous=NORMAL")


def _open_advice(sqlite: bool, exc: Exception) -> str:
    """What to do when the database cannot be opened, by what went wrong (issue 16: one line each)."""
    usable = "sqlite:///FILE.db or postgresql+psycopg://USER@HOST/DB"
    if isinstance(exc, ImportError):
        return f"its driver is not installed: give {usable}, or install the driver (--db or DATABASE_URL)"
    if isinstance(exc, ArgumentError):  # not a URL, or a dialect SQLAlchemy does not know
        return f"give a database URL such as {usable} (--db or DATABASE_URL)"
    if sqlite:
        return "check that the file's folder exists and is writable (--db or DATABASE_URL)"
    return "check that the database server runs and the URL (--db or DATABASE_URL) is right"


def _memory(url: str) -> bool:
    return url.startswith("sqlite") and (url in ("sqlite://", "sqlite:///") or ":memory:" in url)


class Store:
    def __init__(self, url: str = DEFAULT_URL, *, retries: int = RETRIES, busy_seconds: float = BUSY_SECONDS) -> None:
        self.url = url
        self.retries = retries
        self.busy_seconds = busy_seconds
        self.sqlite = url.startswith("sqlite")
        try:
            self.engine = create_engine(url, json_serializer=_dumps)
            self._writer = self.engine
            if self.sqlite:
                # WAL lets readers (web clients, generators) go on while the world writes. This engine
                # also commits what sits beside the world (accounts, tokens, audit logs, documents):
                # synchronous=NORMAL, as on the writer, cut such a commit from 5.7 ms (an fsync each)
                # to 0.2 ms here, and in WAL mode loses nothing when the process is killed.
                event.listen(self.engine, "connect", _wal_normal)
                if not _memory(url):
                    self._writer = self._sqlite_writer(url, busy_seconds)
            upgrade(self.engine)
        except (SQLAlchemyError, ImportError) as exc:  # ImportError: the URL names a driver not installed
            raise StoreError(f"cannot open the world database {self._shown()}: {exc.__class__.__name__}: "
                             f"{str(exc).splitlines()[0]}; {_open_advice(self.sqlite, exc)}") from exc
        self._write_lock = threading.Lock() if self.sqlite else None

    @staticmethod
    def _sqlite_writer(url: str, busy_seconds: float):
        """Write transactions on SQLite begin IMMEDIATE: the write lock is taken before the first read,
        so a read-modify-write can never be overtaken (a deferred one would fail or, worse, overwrite)."""
        writer = create_engine(url, json_serializer=_dumps, connect_args={"timeout": busy_seconds})

        @event.listens_for(writer, "connect")
        def _connect(dbapi_conn, _record) -> None:
            dbapi_conn.isolation_level = None  # we say BEGIN ourselves
            # In WAL mode NORMAL loses nothing when a process is killed (only on power loss, the
            # last commits), and halves commit latency; bench/engine.py measures it.
            _wal_normal(dbapi_conn, _record)

        @event.listens_for(writer, "begin")
        def _begin(conn) -> None:
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        return writer

    def _shown(self) -> str:
        """The URL with its password hidden, also when SQLAlchemy could not make sense of it."""
        try:
            return make_url(self.url).render_as_string(hide_password=True)
        except (ArgumentError, ValueError):  # not a URL: whatever stands before the last "@" may hold a password
            head, at, host = self.url.rpartition("@")
            return f"{re.match(r'[A-Za-z0-9+._-]*', head)[0]}***@{host}" if at else self.url

    # --- writing: one transaction per decision -------------------------------------------------------
    def run(self, world: str, decide: Callable[[Tx], T], *,
            seen: Callable[[dict[str, dict[str, Any]]], None] | None = None) -> Committed:
        """Run `decide(tx)` in a transaction and commit what it appended and wrote, all or nothing.

        A decision that lost a race runs again against the new state, at most `retries` times, then
        `WriteConflict`. An `LlmverseError` it raises (an `ActionRefused`) rolls back and goes to the
        caller untouched; other database errors become `StoreError`. `seen` gets every state row the
        decision read or wrote, after a commit and after a refusal (a cache keeps up with the truth)."""
        if getattr(_local, "deciding", False):
            raise RuntimeError("a decision tried to start another write: put every change in the one Tx "
                               "it was given (nested writes would deadlock on SQLite)")
        last: BaseException | None = None
        for attempt in range(1, self.retries + 1):
            try:
                with self._write_lock or nullcontext(), Session(self._writer) as session:
                    with session.begin():
                        tx = Tx(session, world, lock=not self.sqlite)
                        _local.deciding = True
                        try:
                            result = decide(tx)
                        except LlmverseError:  # refused: what it read is still the truth
                            if seen is not None:
                                seen(tx.read_before)
                            raise
                        finally:
                            _local.deciding = False
                committed = Committed(result, tx.events, tx.written, tx.seen, attempt)
            except SQLAlchemyError as exc:
                if not retryable(exc):
                    raise StoreError(f"the world database refused a write: {exc.__class__.__name__}: "
                                     f"{str(exc).splitlines()[0]}") from exc
                last = exc
            except Exception as exc:
                if not retryable(exc):
                    raise
                last = exc
            else:
                if seen is not None:
                    seen(committed.seen)
                for ev in committed.events:
                    self.published(ev)
                return committed
            time.sleep(min(0.25, 0.002 * 2 ** attempt) * random.uniform(0.5, 1.5))
        raise WriteConflict(f"a write to world '{world}' lost to other writers {self.retries} times in a row; "
                            "nothing was written (try again, or lower the number of writers)") from last

    def append(self, world: str, world_time: datetime, kind: str, actor: str, target: str | None = None,
               data: dict[str, Any] | None = None) -> Event:
        """Append one event that changes no state (an utterance, a visit)."""
        return self.run(world, lambda tx: tx.append(world_time, kind, actor, target, data)).result

    def published(self, event: Event) -> None:
        """Called once for every event after its transaction committed: override to fan events out."""

    def record_refusal(self, world: str, world_time: datetime, actor: str, action: dict[str, Any],
                       code: str, language: str, reason: str) -> None:
        """Keep a refused action and the reason given (its own short transaction: state is untouched)."""
        try:
            with Session(self._writer) as s, self._write_lock or nullcontext(), s.begin():
                s.add(RefusalRow(world=world, world_time=world_time, actor=actor[:64], action=action,
                                 code=code[:32], language=language[:8], reason=reason))
        except SQLAlchemyError as exc:  # the refusal stands; only its record is lost
            log.error("could not record a refusal for %s: %s", actor, exc)

    # --- reading -------------------------------------------------------------------------------------
    def events(
        self,
        world: str,
        *,
        actor: str | None = None,
        kind: str | None = None,
        between: tuple[str, str] | None = None,
        since_id: int = 0,
        last: int | None = None,
        limit: int | None = None,
        party: str | None = None,
    ) -> list[Event]:
        """Events in order. `between=(a, b)`: those of a aimed at b and of b aimed at a (a conversation);
        `party=p`: those p did or that were aimed at p; `last=n`: only the n most recent; `limit=n`:
        only the n oldest (after `since_id`), for reading the log page by page. The journal's rows
        (state changes, kind JOURNAL) come only when asked for by that kind."""
        if last is not None and limit is not None:
            raise ValueError("give `last` (newest) or `limit` (oldest), not both")
        q = select(EventRow).where(EventRow.world == world, EventRow.id > since_id)
        if kind != JOURNAL:
            q = q.where(EventRow.kind != JOURNAL)
        if actor is not None:
            q = q.where(EventRow.actor == actor)
        if party is not None:
            q = q.where(or_(EventRow.actor == party, EventRow.target == party))
        if kind is not None:
            q = q.where(EventRow.kind == kind)
        if between is not None:
            a, b = between
            q = q.where(or_(and_(EventRow.actor == a, EventRow.target == b),
                            and_(EventRow.actor == b, EventRow.target == a)))
        q = q.order_by(EventRow.id.desc() if last is not None else EventRow.id)
        if last is not None or limit is not None:
            q = q.limit(last if last is not None else limit)
        rows = self._read(lambda s: [event_of(r) for r in s.scalars(q)])
        return rows[::-1] if last is not None else rows

    def event(self, world: str, event_id: int) -> Event | None:
        def get(s: Session) -> Event | None:
            row = s.get(EventRow, event_id)
            return event_of(row) if row is not None and row.world == world and row.kind != JOURNAL else None

        return self._read(get)

    def state(self, world: str) -> dict[str, dict[str, Any]]:
        """Every entity state of a world, by entity key; empty for a world never opened."""
        q = select(StateRow.entity, StateRow.data).where(StateRow.world == world)
        return self._read(lambda s: {r.entity: dict(r.data) for r in s.execute(q)})

    def versions(self, world: str) -> dict[str, int]:
        """Every entity key of a world with its row's version (no data: a copy re-reads only what moved)."""
        q = select(StateRow.entity, StateRow.version).where(StateRow.world == world)
        return self._read(lambda s: {r.entity: int(r.version) for r in s.execute(q)})

    def rows(self, world: str, entities: Collection[str]) -> dict[str, tuple[dict[str, Any], int]]:
        """The state and version of these entities (those that exist), read in chunks of a few hundred."""
        keys = sorted(set(entities))

        def read(s: Session) -> dict[str, tuple[dict[str, Any], int]]:
            out: dict[str, tuple[dict[str, Any], int]] = {}
            for i in range(0, len(keys), 500):
                q = select(StateRow.entity, StateRow.data, StateRow.version).where(
                    StateRow.world == world, StateRow.entity.in_(keys[i:i + 500]))
                out.update((r.entity, (dict(r.data), int(r.version))) for r in s.execute(q))
            return out

        return self._read(read)

    def generation(self, world: str) -> tuple[int, int]:
        """(rows, sum of versions) of a world's state: it changes with every state write anywhere, so
        comparing it with the last one seen tells a process whether its copy is stale (one small query)."""
        q = select(func.count(), func.coalesce(func.sum(StateRow.version), 0)).where(StateRow.world == world)
        return self._read(lambda s: tuple(int(x) for x in s.execute(q).one()))

    def refusals(self, world: str, *, actor: str | None = None) -> list[Refusal]:
        q = select(RefusalRow).where(RefusalRow.world == world).order_by(RefusalRow.id)
        if actor is not None:
            q = q.where(RefusalRow.actor == actor)
        return self._read(lambda s: [Refusal(r.id, r.world_time, r.actor, dict(r.action), r.code, r.language,
                                             r.reason) for r in s.scalars(q)])

    def _read(self, query: Callable[[Session], T]) -> T:
        try:
            with Session(self.engine) as s:
                return query(s)
        except SQLAlchemyError as exc:
            raise StoreError(f"cannot read the world database {self._shown()}: {exc.__class__.__name__}: "
                             f"{str(exc).splitlines()[0]}") from exc

    def dispose(self) -> None:
        self.engine.dispose()
        if self._writer is not self.engine:
            self._writer.dispose()
