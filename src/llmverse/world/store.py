"""The Store: world events persisted with SQLAlchemy 2 (SQLite WAL by default; PostgreSQL by URL).

The event log is append-only: there is no update or delete, so everything else can learn
what happened by reading it, and a restart loses nothing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Integer, String, create_engine, event, select
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column


class _Base(DeclarativeBase):
    pass


class _EventRow(_Base):
    __tablename__ = "events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    world_time: Mapped[datetime] = mapped_column(DateTime, index=True)
    kind: Mapped[str] = mapped_column(String(32), index=True)  # say | move | give | ...
    actor: Mapped[str] = mapped_column(String(64), index=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)


@dataclass(frozen=True)
class Event:
    id: int
    world_time: datetime
    kind: str
    actor: str
    data: dict[str, Any]


class Store:
    def __init__(self, url: str = "sqlite:///llmverse.db") -> None:
        self.engine = create_engine(url, json_serializer=lambda o: json.dumps(o, ensure_ascii=False))
        if url.startswith("sqlite"):
            # WAL lets readers (web clients, generators) go on while the world writes.
            event.listen(self.engine, "connect", lambda conn, _: conn.execute("PRAGMA journal_mode=WAL"))
        _Base.metadata.create_all(self.engine)

    def append(self, world_time: datetime, kind: str, actor: str, **data: Any) -> Event:
        with Session(self.engine) as s, s.begin():
            row = _EventRow(world_time=world_time, kind=kind, actor=actor, data=data)
            s.add(row)
            s.flush()
            return Event(row.id, row.world_time, row.kind, row.actor, dict(row.data))

    def events(self, *, actor: str | None = None, since_id: int = 0) -> list[Event]:
        q = select(_EventRow).where(_EventRow.id > since_id).order_by(_EventRow.id)
        if actor is not None:
            q = q.where(_EventRow.actor == actor)
        with Session(self.engine) as s:
            return [Event(r.id, r.world_time, r.kind, r.actor, dict(r.data)) for r in s.scalars(q)]
