"""Generated documents kept in the world's store: the gazette, stories, poems and quests stay readable.

One table beside the event log (same engine: SQLite by default, PostgreSQL by URL), one row per
document: the searchable fields as columns (kind, title, language, world time, model, passed) and the
whole document as JSON, so a reader gets back exactly the typed document that was generated.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel
from sqlalchemy import JSON, Boolean, DateTime, Float, Index, Integer, String, Text, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from llmverse.content.documents import Document, load_document
from llmverse.content.errors import ContentError, DocumentNotFound
from llmverse.world.world import World


class _Base(DeclarativeBase):
    pass


class _ContentRow(_Base):
    __tablename__ = "llmverse_content"
    __table_args__ = (Index("ix_llmverse_content_kind", "world", "kind", "id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    world: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(8))
    world_time: Mapped[datetime] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    model: Mapped[str] = mapped_column(String(128))
    passed: Mapped[bool] = mapped_column(Boolean)
    seconds: Mapped[float] = mapped_column(Float)
    document: Mapped[dict] = mapped_column(JSON)  # the whole document (sources, scores, sentences)


class Summary(BaseModel):
    """A stored document in a listing (the web client's index of the gazette and stories)."""

    id: int
    kind: str
    title: str
    language: str
    world_time: datetime
    model: str
    passed: bool


class ContentStore:
    """Save, list and read the generated documents of one world."""

    def __init__(self, world: World) -> None:
        self.engine, self.world = world.store.engine, world.key
        try:
            _Base.metadata.create_all(self.engine)  # idempotent; the same DDL on SQLite and PostgreSQL
        except SQLAlchemyError as exc:
            raise ContentError(f"cannot create the content table: {exc}") from exc

    def save(self, doc: Document) -> int:
        """Store a document; sets and returns its id."""
        if doc.world != self.world:
            raise ContentError(f"document of world '{doc.world}' given to the store of '{self.world}'")
        row = _ContentRow(world=self.world, kind=doc.kind, title=doc.title, language=doc.language,
                          world_time=doc.world_time, created_at=doc.created_at.replace(tzinfo=None),
                          model=doc.model, passed=doc.passed, seconds=doc.seconds, document={})
        with Session(self.engine) as s, s.begin():
            s.add(row)
            s.flush()
            doc.id = row.id
            row.document = doc.model_dump(mode="json")
        return doc.id

    def get(self, doc_id: int) -> Document:
        with Session(self.engine) as s:
            row = s.get(_ContentRow, doc_id)
            if row is None or row.world != self.world:
                raise DocumentNotFound(self.world, doc_id)
            return load_document(dict(row.document))

    def list(self, *, kind: str | None = None, limit: int = 50, before_id: int | None = None) -> list[Summary]:
        """Newest first; `before_id` pages back through older ones."""
        q = select(_ContentRow).where(_ContentRow.world == self.world)
        if kind is not None:
            q = q.where(_ContentRow.kind == kind)
        if before_id is not None:
            q = q.where(_ContentRow.id < before_id)
        with Session(self.engine) as s:
            rows = s.scalars(q.order_by(_ContentRow.id.desc()).limit(limit)).all()
            return [Summary(id=r.id, kind=r.kind, title=r.title, language=r.language, world_time=r.world_time,
                            model=r.model, passed=r.passed) for r in rows]

    def latest(self, kind: str) -> Document | None:
        """The newest document of a kind (today's gazette), or None."""
        newest = self.list(kind=kind, limit=1)
        return self.get(newest[0].id) if newest else None
