"""The memory stream: everything a character observed, said, did, concluded and planned, in the Store.

One row per memory per character (a conversation heard by three characters is three memories: each
may forget, reflect and be asked about it on its own). Rows are written once; only `last_access`
changes, because retrieval's recency counts from the last time a memory was recalled (Park et al.
2023). The embedding is stored with the row (384 float32, little-endian bytes), so a restart
rebuilds the retrieval index without calling the embedder again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal, Protocol, get_args

from sqlalchemy import (JSON, DateTime, Index, Integer, LargeBinary, String, Text, func, insert, select,
                        update)
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from llmverse.lang import detect_language
from llmverse.memory.importance import ImportanceScorer

if TYPE_CHECKING:
    import numpy as np

    from llmverse.world.store import Event, Store

log = logging.getLogger(__name__)
Kind = Literal["observation", "utterance", "action", "reflection", "plan"]
KINDS: frozenset[str] = frozenset(get_args(Kind))
_CHUNK = 4096  # rows per fetch when a whole stream is read (10^5 rows carry 150 MB of vectors)


class _Base(DeclarativeBase):
    pass


class _MemoryRow(_Base):
    __tablename__ = "llmverse_memories"
    __table_args__ = (Index("ix_llmverse_memories_owner", "world", "character", "id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    world: Mapped[str] = mapped_column(String(64))
    character: Mapped[str] = mapped_column(String(64))
    world_time: Mapped[datetime] = mapped_column(DateTime)
    kind: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    importance: Mapped[int] = mapped_column(Integer)  # 1 (mundane) .. 10 (poignant)
    source_event: Mapped[int | None] = mapped_column(Integer, index=True, nullable=True)
    cites: Mapped[list[int]] = mapped_column(JSON)  # memory ids a reflection draws on
    embedding: Mapped[bytes] = mapped_column(LargeBinary)  # float32 little-endian, L2-normalised
    last_access: Mapped[datetime] = mapped_column(DateTime)


@dataclass(frozen=True, slots=True)
class Memory:
    id: int
    world: str
    character: str
    world_time: datetime
    kind: str
    text: str
    importance: int
    source_event: int | None = None
    cites: tuple[int, ...] = ()
    # float32 bytes as stored; None when not loaded (retrieval results: the index holds the vectors)
    embedding: bytes | None = field(default=None, repr=False)
    last_access: datetime | None = None

    def vector(self) -> np.ndarray:
        """The embedding as a float32 array (a read-only view of the bytes)."""
        import numpy as np

        if self.embedding is None:
            raise ValueError(f"memory {self.id} was loaded without its embedding")
        return np.frombuffer(self.embedding, dtype="<f4")


@dataclass(frozen=True)
class NewMemory:
    """What `add_many` is given; importance None means 'let the scorer decide'."""

    character: str
    text: str
    world_time: datetime
    kind: str = "observation"
    importance: int | None = None
    source_event: int | None = None
    cites: tuple[int, ...] = ()


class Embeds(Protocol):
    """What the stream needs of an embedder (llmverse.llm.embed.Embedder fits): unit vectors."""

    dim: int

    def embed(self, texts: Sequence[str]) -> np.ndarray: ...


_COLUMNS = (_MemoryRow.id, _MemoryRow.world, _MemoryRow.character, _MemoryRow.world_time, _MemoryRow.kind,
            _MemoryRow.text, _MemoryRow.importance, _MemoryRow.source_event, _MemoryRow.cites)


def _memory(row: Any, embedding: bytes | None, last_access: datetime) -> Memory:
    return Memory(row.id, row.world, row.character, row.world_time, row.kind, row.text, row.importance,
                  row.source_event, tuple(row.cites or ()), embedding, last_access)


class MemoryStream:
    """The memories of every character of one world, persisted in the world's Store.

    `subscribe(fn)` lets a retrieval index hear of new memories after they are committed, so it
    grows incrementally instead of re-reading the table.
    """

    def __init__(self, store: Store, world_key: str, embedder: Embeds,
                 scorer: ImportanceScorer | None = None) -> None:
        self.store, self.world, self.embedder = store, world_key, embedder
        self.scorer = scorer or ImportanceScorer()
        self._subscribers: list[Callable[[list[Memory]], None]] = []
        _Base.metadata.create_all(store.engine)  # idempotent; the same DDL on SQLite and PostgreSQL

    # --- writing ---------------------------------------------------------------------------------
    def add(self, character: str, text: str, *, world_time: datetime, kind: str = "observation",
            importance: int | None = None, model_scored: bool = False, source_event: int | None = None,
            cites: Iterable[int] = ()) -> Memory:
        """One memory. Importance: as given, else scored (by the model when `model_scored`: the caller
        decides, e.g. only for characters near players)."""
        return self.add_many([NewMemory(character, text, world_time, kind, importance, source_event,
                                        tuple(cites))], model_scored=model_scored)[0]

    def add_many(self, items: Sequence[NewMemory], *, model_scored: bool = False) -> list[Memory]:
        """Several memories in one transaction and one embedder call (distinct texts embedded once)."""
        if not items:
            return []
        for it in items:
            if it.kind not in KINDS:
                raise ValueError(f"memory kind '{it.kind}' is not one of {sorted(KINDS)}")
            if it.importance is not None and not 1 <= it.importance <= 10:
                raise ValueError(f"importance {it.importance} is outside 1..10")
            if not it.text.strip():
                raise ValueError("a memory needs text")
        self._check_cites(items)
        scores = {(text, kind): self.scorer.score(text, kind=kind, use_model=model_scored)
                  for text, kind in dict.fromkeys((it.text, it.kind) for it in items if it.importance is None)}
        texts = list(dict.fromkeys(it.text for it in items))
        vectors = self.embedder.embed(texts)
        blob = {t: v.astype("<f4").tobytes() for t, v in zip(texts, vectors)}
        rows = [dict(world=self.world, character=it.character, world_time=it.world_time, kind=it.kind,
                     text=it.text, importance=int(scores[it.text, it.kind] if it.importance is None else it.importance),
                     source_event=it.source_event, cites=list(it.cites), embedding=blob[it.text],
                     last_access=it.world_time) for it in items]
        with Session(self.store.engine) as s, s.begin():
            # sort_by_parameter_order: the ids come back in the order the rows were given
            ids = s.scalars(insert(_MemoryRow).returning(_MemoryRow.id, sort_by_parameter_order=True),
                            rows).all()
        out = [Memory(i, self.world, r["character"], r["world_time"], r["kind"], r["text"], r["importance"],
                      r["source_event"], tuple(r["cites"]), r["embedding"], r["last_access"])
               for i, r in zip(ids, rows)]
        for fn in self._subscribers:
            fn(out)
        return out

    def remember_conversation(self, event: Event, hearers: Iterable[str], *,
                              names: Mapping[str, str] | None = None, model_scored: bool = False) -> list[Memory]:
        """Write a `say` event as an utterance memory for every hearer (include the speaker when it is
        a character: it remembers what it said). One text for all, so one embedding and one importance
        (of the words said, not of the framing). Hearers who already hold a memory of this event are
        skipped, so replaying events after a restart does not duplicate memories."""
        said = str(event.data.get("text", "")).strip()
        if not said:
            raise ValueError(f"event {event.id} ({event.kind}) has no text to remember")
        name = (names or {}).get
        speaker, target = name(event.actor, event.actor), name(event.target or "", event.target)
        if detect_language(said) == "zh":
            text = f"{speaker}对{target}说：“{said}”" if target else f"{speaker}说：“{said}”"
        else:
            text = f'{speaker} said to {target}: "{said}"' if target else f'{speaker} said: "{said}"'
        who = list(dict.fromkeys(hearers))
        with Session(self.store.engine) as s:
            have = set(s.scalars(select(_MemoryRow.character).where(
                _MemoryRow.world == self.world, _MemoryRow.source_event == event.id,
                _MemoryRow.character.in_(who))))
        who = [c for c in who if c not in have]
        if not who:
            return []
        importance = self.scorer.score(said, kind="utterance", use_model=model_scored)
        return self.add_many([NewMemory(c, text, event.world_time, "utterance", importance, event.id)
                              for c in who])

    def touch(self, accessed: Mapping[int, datetime]) -> None:
        """Record when memories were last recalled (retrieval's recency counts from then)."""
        by_time: dict[datetime, list[int]] = {}
        for mid, when in accessed.items():
            by_time.setdefault(when, []).append(mid)
        if not by_time:
            return
        with Session(self.store.engine) as s, s.begin():
            for when, ids in by_time.items():
                s.execute(update(_MemoryRow).where(_MemoryRow.world == self.world, _MemoryRow.id.in_(ids))
                          .values(last_access=when))

    def subscribe(self, fn: Callable[[list[Memory]], None]) -> None:
        """Call `fn(memories)` after every committed add (with embeddings)."""
        self._subscribers.append(fn)

    def unsubscribe(self, fn: Callable[[list[Memory]], None]) -> None:
        if fn in self._subscribers:
            self._subscribers.remove(fn)

    # --- reading ---------------------------------------------------------------------------------
    def for_character(self, character: str, *, kinds: Iterable[str] | None = None, since_id: int = 0,
                      since: datetime | None = None, last: int | None = None,
                      with_embeddings: bool = False) -> list[Memory]:
        """A character's memories in the order they were written; `last=n`: only the n newest."""
        if last is not None:
            q = self._query(character, kinds, since_id, since, with_embeddings).order_by(_MemoryRow.id.desc())
            with Session(self.store.engine) as s:
                rows = s.execute(q.limit(last)).all()
            return [self._from_row(r, with_embeddings) for r in reversed(rows)]
        return [m for chunk in self.chunks(character, kinds=kinds, since_id=since_id, since=since,
                                           with_embeddings=with_embeddings) for m in chunk]

    def chunks(self, character: str, *, kinds: Iterable[str] | None = None, since_id: int = 0,
               since: datetime | None = None, with_embeddings: bool = True,
               size: int = _CHUNK) -> Iterator[list[Memory]]:
        """A character's memories in id order, `size` at a time (indexes load this way, in bounded memory)."""
        q = self._query(character, kinds, since_id, since, with_embeddings).order_by(_MemoryRow.id)
        with Session(self.store.engine) as s:
            result = s.execute(q.execution_options(yield_per=size))
            for part in result.partitions(size):
                yield [self._from_row(r, with_embeddings) for r in part]

    def get(self, ids: Iterable[int]) -> list[Memory]:
        """Memories by id (any character of this world), in the order asked; unknown ids are left out."""
        wanted = list(dict.fromkeys(ids))
        with Session(self.store.engine) as s:
            rows = s.execute(select(*_COLUMNS, _MemoryRow.last_access).where(
                _MemoryRow.world == self.world, _MemoryRow.id.in_(wanted))).all()
        found = {r.id: self._from_row(r, False) for r in rows}
        return [found[i] for i in wanted if i in found]

    def count(self, character: str) -> int:
        with Session(self.store.engine) as s:
            return s.scalar(select(func.count()).where(_MemoryRow.world == self.world,
                                                        _MemoryRow.character == character)) or 0

    def importance_since(self, character: str, after_id: int = 0) -> int:
        """Summed importance of a character's memories newer than `after_id` (reflection's trigger)."""
        with Session(self.store.engine) as s:
            return int(s.scalar(select(func.coalesce(func.sum(_MemoryRow.importance), 0)).where(
                _MemoryRow.world == self.world, _MemoryRow.character == character,
                _MemoryRow.id > after_id)) or 0)

    # --- helpers ---------------------------------------------------------------------------------
    def _query(self, character: str, kinds: Iterable[str] | None, since_id: int, since: datetime | None,
               with_embeddings: bool) -> Any:
        cols = (*_COLUMNS, _MemoryRow.last_access) + ((_MemoryRow.embedding,) if with_embeddings else ())
        q = select(*cols).where(_MemoryRow.world == self.world, _MemoryRow.character == character,
                                _MemoryRow.id > since_id)
        if kinds is not None:
            q = q.where(_MemoryRow.kind.in_(list(kinds)))
        if since is not None:
            q = q.where(_MemoryRow.world_time >= since)
        return q

    @staticmethod
    def _from_row(row: Any, with_embedding: bool) -> Memory:
        return _memory(row, bytes(row.embedding) if with_embedding else None, row.last_access)

    def _check_cites(self, items: Sequence[NewMemory]) -> None:
        """A reflection may cite only memories of the same character that exist."""
        cited = {c for it in items for c in it.cites}
        if not cited:
            return
        with Session(self.store.engine) as s:
            owner = dict(s.execute(select(_MemoryRow.id, _MemoryRow.character).where(
                _MemoryRow.world == self.world, _MemoryRow.id.in_(cited))).all())
        for it in items:
            bad = [c for c in it.cites if owner.get(c) != it.character]
            if bad:
                raise ValueError(f"{it.character} cannot cite memories {bad}: not theirs or not stored")
