"""The world's tables (SQLAlchemy 2 ORM): the event log, entity state with a version, refusals.

One declarative base for the three, created by `Store`; the same DDL on SQLite and PostgreSQL, except
that ids are 64-bit on PostgreSQL (BIGINT; SQLite's INTEGER PRIMARY KEY is 64-bit already). A database
made before state rows carried a version, or before ids were 64-bit, is brought up to date on open
(`upgrade`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, DateTime, Engine, Integer, String, Text, inspect, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


# An event log that only grows outlives 2^31 ids on a busy world: BIGINT (BIGSERIAL) on PostgreSQL.
# SQLite autoincrements only a column declared exactly INTEGER PRIMARY KEY, which holds 64 bits anyway.
Id = BigInteger().with_variant(Integer(), "sqlite")
ID_TABLES = ("llmverse_events", "llmverse_refusals")
# The kind of the log's bookkeeping rows: the changes a transaction made to state no other event of it
# explains (the clock, plans, relationships, minds' notes ...), so a replay of the log rebuilds them.
# `Store.events` leaves them out unless asked for by this kind: they are not something that happened.
JOURNAL = "state"


class EventRow(Base):
    __tablename__ = "llmverse_events"
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    world: Mapped[str] = mapped_column(String(64), index=True)
    world_time: Mapped[datetime] = mapped_column(DateTime, index=True)
    kind: Mapped[str] = mapped_column(String(32), index=True)  # say | move | give | ...
    actor: Mapped[str] = mapped_column(String(64), index=True)
    target: Mapped[str | None] = mapped_column(String(64), index=True, nullable=True)  # whom it is aimed at
    data: Mapped[dict[str, Any]] = mapped_column(JSON)


class StateRow(Base):
    """Current state of one world entity (a character's place, a thing's owner, the clock).

    `version` rises by one with every write; a write names the version it read, so a write that lost
    a race to another process changes nothing and is retried against the new state."""

    __tablename__ = "llmverse_state"
    world: Mapped[str] = mapped_column(String(64), primary_key=True)
    entity: Mapped[str] = mapped_column(String(96), primary_key=True)  # "character:bram", "clock"
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")


class RefusalRow(Base):
    """An action the world refused: who asked, what, and the reason they were given (state untouched)."""

    __tablename__ = "llmverse_refusals"
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    world: Mapped[str] = mapped_column(String(64), index=True)
    world_time: Mapped[datetime] = mapped_column(DateTime)
    actor: Mapped[str] = mapped_column(String(64), index=True)
    action: Mapped[dict[str, Any]] = mapped_column(JSON)
    code: Mapped[str] = mapped_column(String(32))
    language: Mapped[str] = mapped_column(String(8))
    reason: Mapped[str] = mapped_column(Text)


def upgrade(engine: Engine) -> None:
    """Create missing tables; add `version` to a state table made before it existed; widen 32-bit
    ids made before they were BIGINT (PostgreSQL)."""
    for attempt in range(3):  # two processes opening one new database race to create the tables
        try:
            Base.metadata.create_all(engine)
            columns = {c["name"] for c in inspect(engine).get_columns(StateRow.__tablename__)}
            if "version" not in columns:
                with engine.begin() as conn:
                    conn.execute(text(f"ALTER TABLE {StateRow.__tablename__} "
                                      "ADD COLUMN version INTEGER NOT NULL DEFAULT 1"))
            if engine.dialect.name == "postgresql":
                _widen_ids(engine)
            return
        except SQLAlchemyError:
            if attempt == 2:
                raise
            time.sleep(0.05 * (attempt + 1))


def _widen_ids(engine: Engine) -> None:
    """ALTER an INTEGER id (and its sequence, which would stop at 2^31 - 1 too) to BIGINT: a table
    rewrite, once, under an exclusive lock; a table already BIGINT costs one catalogue read."""
    inspector = inspect(engine)
    for table in ID_TABLES:
        kind = next(c["type"] for c in inspector.get_columns(table) if c["name"] == "id")
        if isinstance(kind, BigInteger):
            continue
        with engine.begin() as conn:
            conn.execute(text(f"ALTER TABLE {table} ALTER COLUMN id TYPE BIGINT"))
            seq = conn.execute(text("SELECT pg_get_serial_sequence(:t, 'id')"), {"t": table}).scalar()
            if seq:
                conn.execute(text(f"ALTER SEQUENCE {seq} AS BIGINT"))


@dataclass(frozen=True)
class Event:
    id: int
    world: str
    world_time: datetime
    kind: str
    actor: str
    target: str | None = None
    data: dict[str, Any] = field(default_factory=dict)


def event_of(r: EventRow) -> Event:
    return Event(r.id, r.world, r.world_time, r.kind, r.actor, r.target, dict(r.data))
