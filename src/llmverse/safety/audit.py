"""The audit log: every rail decision, in the world's Store (its own table), readable by admins.

A table of its own, not events in the world's log: minds, news and memories read the event log, and
a refused self-harm message must never become gossip or a headline. Rows hold the category, score,
action, reason code, who and when, and at most a short excerpt *after* personal data was redacted
(never the raw value). Writing never breaks a reply: a database error is logged and the rail goes on.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import DateTime, Float, Integer, String, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from llmverse.world.store import Store

log = logging.getLogger(__name__)
EXCERPT_CHARS = 120


class _Base(DeclarativeBase):
    pass


class _AuditRow(_Base):
    __tablename__ = "llmverse_safety_audit"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    world: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[datetime] = mapped_column(DateTime, index=True)  # real time (UTC), not world time
    stage: Mapped[str] = mapped_column(String(16))  # input | output | document | action
    player: Mapped[str] = mapped_column(String(64), index=True)
    character: Mapped[str | None] = mapped_column(String(64), nullable=True)
    category: Mapped[str | None] = mapped_column(String(32), index=True, nullable=True)
    score: Mapped[float] = mapped_column(Float)
    action: Mapped[str] = mapped_column(String(16), index=True)  # allow | rewrite | refuse
    reason: Mapped[str] = mapped_column(String(96))
    language: Mapped[str] = mapped_column(String(4))
    excerpt: Mapped[str] = mapped_column(String(EXCERPT_CHARS + 1))  # redacted text, cut short


@dataclass(frozen=True)
class AuditEntry:
    id: int
    world: str
    at: datetime
    stage: str
    player: str
    character: str | None
    category: str | None
    score: float
    action: str
    reason: str
    language: str
    excerpt: str


class AuditLog:
    """Append and read rail decisions for one world, in the Store's database."""

    def __init__(self, store: Store, world: str) -> None:
        self.engine, self.world = store.engine, world
        _Base.metadata.create_all(self.engine)

    def record(self, *, stage: str, player: str, character: str | None, category: str | None, score: float,
               action: str, reason: str, language: str, excerpt: str) -> None:
        """`excerpt` must already be redacted (the rails pass their rewrite, never the raw text)."""
        row = _AuditRow(world=self.world, at=datetime.now(timezone.utc).replace(tzinfo=None), stage=stage,
                        player=player[:64], character=character, category=category, score=round(score, 4),
                        action=action, reason=reason[:96], language=language,
                        excerpt=excerpt[:EXCERPT_CHARS] + ("…" if len(excerpt) > EXCERPT_CHARS else ""))
        try:
            with Session(self.engine) as s, s.begin():
                s.add(row)
        except SQLAlchemyError as exc:
            log.error("audit write failed (the decision stands): %s", exc)

    def read(self, *, player: str | None = None, category: str | None = None, action: str | None = None,
             since: datetime | None = None, limit: int = 100) -> list[AuditEntry]:
        """Newest first."""
        q = select(_AuditRow).where(_AuditRow.world == self.world)
        if player is not None:
            q = q.where(_AuditRow.player == player)
        if category is not None:
            q = q.where(_AuditRow.category == category)
        if action is not None:
            q = q.where(_AuditRow.action == action)
        if since is not None:
            q = q.where(_AuditRow.at >= since)
        q = q.order_by(_AuditRow.id.desc()).limit(limit)
        with Session(self.engine) as s:
            return [AuditEntry(r.id, r.world, r.at, r.stage, r.player, r.character, r.category, r.score, r.action,
                               r.reason, r.language, r.excerpt) for r in s.scalars(q)]
