"""One unit of work on the world's tables: read state rows, append events, write state rows — all
committed together or not at all — and the errors a caller may see instead of SQLAlchemy's.

A `Tx` is handed to a decision function by `Store.run`; the function reads what it needs (locked on
PostgreSQL by SELECT ... FOR UPDATE; on SQLite the writer's BEGIN IMMEDIATE already holds the one write
lock), decides, appends the event and writes the new state. Every write names the version it read: a
write that lost a race to another process matches no row, and the whole decision runs again against the
new state (`Lost`). Nothing is ever overwritten silently.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.orm import Session

from llmverse.errors import LlmverseError
from llmverse.world.tables import JOURNAL, Event, EventRow, StateRow, event_of

MAX_NAME = 64  # actor, target and world columns are String(64)
MAX_ENTITY = 96


class StoreError(LlmverseError):
    """The database failed or refused a write; the message says what to check."""


class WriteConflict(StoreError):
    """A write kept losing races to other writers and gave up after a bounded number of attempts."""


class Lost(Exception):
    """This attempt read state another writer changed before it could write: run it again."""


# PostgreSQL: serialization_failure, deadlock_detected, lock_not_available, too_many_connections:
# all mean "try again" (the last when other processes hold every connection for a moment).
_PG_RETRY = {"40001", "40P01", "55P03", "53300"}
_SQLITE_RETRY = ("database is locked", "database table is locked", "database is busy")
_BUSY_SERVER = ("too many clients", "too many connections")


def retryable(exc: BaseException) -> bool:
    """Did this attempt fail only because another writer got there first?"""
    if isinstance(exc, (Lost, IntegrityError)):
        return True
    if isinstance(exc, DBAPIError):
        code = getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)
        if code in _PG_RETRY:
            return True
        if isinstance(exc, OperationalError) and any(m in str(exc.orig).lower() for m in _SQLITE_RETRY + _BUSY_SERVER):
            return True
    return False


@dataclass
class Tx:
    """What one attempt read, wrote and appended; valid only inside `Store.run`'s decision function."""

    session: Session
    world: str
    lock: bool  # SELECT ... FOR UPDATE (PostgreSQL)
    _versions: dict[str, int | None] = field(default_factory=dict)  # entity -> version read (None: absent)
    _data: dict[str, dict[str, Any] | None] = field(default_factory=dict)
    _before: dict[str, dict[str, Any] | None] = field(default_factory=dict)  # as first read, for `changes`
    written: dict[str, dict[str, Any]] = field(default_factory=dict)
    events: list[Event] = field(default_factory=list)

    def read(self, entity: str) -> dict[str, Any] | None:
        """An entity's state as committed now (None when it has none), held until this transaction ends."""
        if entity not in self._versions:
            q = select(StateRow.data, StateRow.version).where(StateRow.world == self.world,
                                                              StateRow.entity == entity)
            if self.lock:
                q = q.with_for_update()
            row = self.session.execute(q).first()
            self._versions[entity] = row.version if row is not None else None
            self._data[entity] = dict(row.data) if row is not None else None
            self._before[entity] = self._data[entity]
        data = self._data[entity]
        return dict(data) if data is not None else None

    def read_many(self, entities: list[str]) -> dict[str, dict[str, Any] | None]:
        """Several entities, locked in one order (sorted) so two writers cannot deadlock on them."""
        return {e: self.read(e) for e in sorted(set(entities))}

    def read_all(self) -> dict[str, dict[str, Any]]:
        """Every state row of the world as committed now, each held like a `read` (a baseline's snapshot)."""
        q = select(StateRow.entity, StateRow.data, StateRow.version).where(StateRow.world == self.world) \
            .order_by(StateRow.entity)  # one query, locked in one order
        if self.lock:
            q = q.with_for_update()
        for row in self.session.execute(q):
            if row.entity not in self._versions:
                self._versions[row.entity] = row.version
                self._data[row.entity] = dict(row.data)
                self._before[row.entity] = self._data[row.entity]
        return {e: dict(d) for e, d in self._data.items() if d is not None}

    @property
    def seen(self) -> dict[str, dict[str, Any]]:
        """Every state read or written in this attempt (for the world's cache after the commit)."""
        return {e: dict(d) for e, d in self._data.items() if d is not None}

    @property
    def read_before(self) -> dict[str, dict[str, Any]]:
        """Every state as this attempt first read it (for the world's cache after a rollback: what it
        wrote before it was refused never happened)."""
        return {e: dict(d) for e, d in self._before.items() if d is not None}

    def write(self, entity: str, data: dict[str, Any]) -> None:
        """Replace an entity's state; only if nobody wrote it since this transaction read it."""
        if len(entity) > MAX_ENTITY:
            raise StoreError(f"state key '{entity[:40]}...' is longer than {MAX_ENTITY} characters")
        if entity not in self._versions:
            self.read(entity)
        version = self._versions[entity]
        table = StateRow.__table__
        if version is None:
            try:
                self.session.execute(insert(table).values(world=self.world, entity=entity, data=data, version=1))
            except IntegrityError as exc:  # another writer created it first
                raise Lost(entity) from exc
        else:
            done = self.session.execute(
                update(table).where(table.c.world == self.world, table.c.entity == entity,
                                    table.c.version == version).values(data=data, version=version + 1))
            if done.rowcount != 1:
                raise Lost(entity)
        self._versions[entity] = (version or 0) + 1
        self._data[entity] = dict(data)
        self.written[entity] = dict(data)

    def update(self, entity: str, change: Any) -> dict[str, Any]:
        """Read-modify-write: `change(current or {})` returns the new state, which is written."""
        new = change(self.read(entity) or {})
        self.write(entity, new)
        return new

    def changes(self, keep: Callable[[str], bool]) -> dict[str, dict[str, Any]]:
        """What this attempt changed in the entities `keep` selects, field by field against what it
        read: `{entity: {"set": {field: new value}, "unset": [field, ...]}}` (top-level fields; an
        entity written unchanged is left out). Values as the database will hold them (JSON)."""
        out: dict[str, dict[str, Any]] = {}
        for entity, new in self.written.items():
            if not keep(entity):
                continue
            before = self._before.get(entity) or {}
            now = json.loads(json.dumps(new, ensure_ascii=False))  # tuples become lists, as stored
            change: dict[str, Any] = {"set": {k: v for k, v in now.items() if k not in before or before[k] != v}}
            unset = sorted(k for k in before if k not in now)
            if unset:
                change["unset"] = unset
            if change["set"] or unset:
                out[entity] = change
        return out

    def journal(self, world_time: datetime, changes: dict[str, dict[str, Any]]) -> None:
        """Log `changes` (from `changes()`) in this transaction, as one bookkeeping row (kind JOURNAL),
        so a replay of the log rebuilds them; it is not announced as an event."""
        self.session.add(EventRow(world=self.world, world_time=world_time, kind=JOURNAL, actor="world",
                                  target=None, data={"changes": changes}))
        self.session.flush()

    def baseline(self, world_time: datetime, rows: dict[str, dict[str, Any]], why: str) -> int:
        """Log a snapshot of state rows as they stand (kind JOURNAL, `{"baseline": {"why": ...},
        "rows": {entity: row}}`): a replay starts from it instead of the world file's seed, and checks
        only what the log holds after it. Returns its id."""
        row = EventRow(world=self.world, world_time=world_time, kind=JOURNAL, actor="world", target=None,
                       data={"baseline": {"why": why, "rows": len(rows)}, "rows": rows})
        self.session.add(row)
        self.session.flush()
        return row.id

    def append(self, world_time: datetime, kind: str, actor: str, target: str | None = None,
               data: dict[str, Any] | None = None) -> Event:
        """Add an event to the log; it is visible to others only when the transaction commits."""
        for name, value in (("actor", actor), ("target", target or "")):
            if len(value) > MAX_NAME:
                raise StoreError(f"event {name} '{value[:20]}...' is longer than {MAX_NAME} characters")
        row = EventRow(world=self.world, world_time=world_time, kind=kind, actor=actor, target=target,
                       data=data or {})
        self.session.add(row)
        self.session.flush()
        ev = event_of(row)
        self.events.append(ev)
        return ev


@dataclass(frozen=True)
class Committed:
    """What a successful `Store.run` committed, and the decision's result."""

    result: Any
    events: list[Event]
    written: dict[str, dict[str, Any]]
    seen: dict[str, dict[str, Any]]
    attempts: int
