"""The Store: world events and entity state, on SQLAlchemy 2 (SQLite WAL by default; PostgreSQL by URL).

The event log is append-only: there is no update or delete, so everything else can learn what
happened by reading it. Entity state (where a character stands, who owns a thing, the clock) is one
row per entity, rewritten by the world when an event changes it. A restart loses nothing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Integer, String, create_engine, event, or_, and_, select
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

DEFAULT_URL = "sqlite:///llmverse.db"


class _Base(DeclarativeBase):
    pass


class _EventRow(_Base):
    __tablename__ = "llmverse_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    world: Mapped[str] = mapped_column(String(64), index=True)
    world_time: Mapped[datetime] = mapped_column(DateTime, index=True)
    kind: Mapped[str] = mapped_column(String(32), index=True)  # say | move | give | ...
    actor: Mapped[str] = mapped_column(String(64), index=True)
    target: Mapped[str | None] = mapped_column(String(64), index=True, nullable=True)  # whom it is aimed at
    data: Mapped[dict[str, Any]] = mapped_column(JSON)


class _StateRow(_Base):
    """Current state of one world entity (a character's place, a thing's owner, the clock)."""

    __tablename__ = "llmverse_state"
    world: Mapped[str] = mapped_column(String(64), primary_key=True)
    entity: Mapped[str] = mapped_column(String(96), primary_key=True)  # "character:bram", "clock"
    data: Mapped[dict[str, Any]] = mapped_column(JSON)


@dataclass(frozen=True)
class Event:
    id: int
    world: str
    world_time: datetime
    kind: str
    actor: str
    target: str | None = None
    data: dict[str, Any] = field(default_factory=dict)


def _event(r: _EventRow) -> Event:
    return Event(r.id, r.world, r.world_time, r.kind, r.actor, r.target, dict(r.data))


class Store:
    def __init__(self, url: str = DEFAULT_URL) -> None:
        self.url = url
        self.engine = create_engine(url, json_serializer=lambda o: json.dumps(o, ensure_ascii=False))
        if url.startswith("sqlite"):
            # WAL lets readers (web clients, generators) go on while the world writes.
            event.listen(self.engine, "connect", lambda conn, _: conn.execute("PRAGMA journal_mode=WAL"))
        _Base.metadata.create_all(self.engine)

    def append(
        self,
        world: str,
        world_time: datetime,
        kind: str,
        actor: str,
        target: str | None = None,
        data: dict[str, Any] | None = None,
    ) -> Event:
        with Session(self.engine) as s, s.begin():
            row = _EventRow(world=world, world_time=world_time, kind=kind, actor=actor, target=target,
                            data=data or {})
            s.add(row)
            s.flush()
            return _event(row)

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
        only the n oldest (after `since_id`), for reading the log page by page."""
        if last is not None and limit is not None:
            raise ValueError("give `last` (newest) or `limit` (oldest), not both")
        q = select(_EventRow).where(_EventRow.world == world, _EventRow.id > since_id)
        if actor is not None:
            q = q.where(_EventRow.actor == actor)
        if party is not None:
            q = q.where(or_(_EventRow.actor == party, _EventRow.target == party))
        if kind is not None:
            q = q.where(_EventRow.kind == kind)
        if between is not None:
            a, b = between
            q = q.where(or_(and_(_EventRow.actor == a, _EventRow.target == b),
                            and_(_EventRow.actor == b, _EventRow.target == a)))
        q = q.order_by(_EventRow.id.desc() if last is not None else _EventRow.id)
        if last is not None or limit is not None:
            q = q.limit(last if last is not None else limit)
        with Session(self.engine) as s:
            rows = [_event(r) for r in s.scalars(q)]
        return rows[::-1] if last is not None else rows

    def event(self, world: str, event_id: int) -> Event | None:
        with Session(self.engine) as s:
            row = s.get(_EventRow, event_id)
            return _event(row) if row is not None and row.world == world else None

    def put_state(self, world: str, entity: str, data: dict[str, Any]) -> None:
        """Write an entity's current state; the event that caused the change goes to `append`."""
        with Session(self.engine) as s, s.begin():
            s.merge(_StateRow(world=world, entity=entity, data=data))

    def state(self, world: str) -> dict[str, dict[str, Any]]:
        """Every entity state of a world, by entity key; empty for a world never opened."""
        with Session(self.engine) as s:
            rows = s.scalars(select(_StateRow).where(_StateRow.world == world))
            return {r.entity: dict(r.data) for r in rows}
