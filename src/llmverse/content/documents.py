"""What a generator returns: a typed document that carries its sources and the checks it passed.

Every document says where its facts come from (event ids, entity keys), which model wrote it, when
(world time and wall-clock time), how long it took and how it scored. Fact-stating sentences carry
their own sources and the claims the grounding check found in them, so a reader (or the web client)
can show why each sentence is there. Each generator subclasses `Document` with its own fields and a
`kind` literal; `DOCUMENT_TYPES` maps a kind to its class so the store can read documents back.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Language = Literal["en", "zh"]
ClaimKind = Literal["name", "character", "place", "thing", "role", "action", "time", "price", "number", "quote"]


class Claim(BaseModel):
    """One thing a sentence asserts that can be checked against the world and the cited events."""

    kind: ClaimKind
    text: str = Field(description="the words in the sentence that make the claim")
    ok: bool
    why: str = Field(default="", description="what supports it, or what is wrong with it")


class Sentence(BaseModel):
    """A sentence of a document; `sources` are the ids of the events it rests on."""

    text: str
    sources: list[int] = []
    claims: list[Claim] = []

    @property
    def factual(self) -> bool:
        """A sentence that asserts something checkable (a name, an action, a time, a number)."""
        return bool(self.claims)

    @property
    def grounded(self) -> bool:
        return all(c.ok for c in self.claims)


class Document(BaseModel):
    """Fields every generated document has; `text` is the whole document rendered for reading."""

    model_config = ConfigDict(extra="ignore")

    id: int | None = Field(default=None, description="set when the document is stored")
    kind: str
    world: str = Field(description="the world's key")
    language: Language
    title: str
    text: str
    sources: list[int] = Field(default=[], description="ids of every event the document rests on")
    entities: list[str] = Field(default=[], description="world entities it is about, e.g. 'character:bram'")
    model: str = Field(description="the backend that wrote it ('template' parts are marked in notes)")
    world_time: datetime = Field(description="world time when it was generated")
    created_at: datetime = Field(default_factory=lambda: datetime.now(timezone.utc))
    seconds: float = Field(default=0.0, description="wall-clock generation time")
    scores: dict[str, float] = Field(default={}, description="e.g. grounding precision, form compliance")
    passed: bool = Field(default=True, description="False when the document fails its own check "
                         "(a poem off its form, a quest that cannot be done): shown, never hidden")
    notes: list[str] = Field(default=[], description="what the checks did: dropped sentences, retries, fallbacks")
    params: dict[str, Any] = Field(default={}, description="the parameters it was generated with")


DOCUMENT_TYPES: dict[str, type[Document]] = {}


def register_document(cls: type[Document]) -> type[Document]:
    """Make a document class readable from the store by its `kind` (used as a decorator)."""
    kind = cls.model_fields["kind"].default
    DOCUMENT_TYPES[kind] = cls
    return cls


def load_document(data: dict[str, Any]) -> Document:
    """A stored document as its own class (the base class when its generator is not registered)."""
    return DOCUMENT_TYPES.get(data.get("kind", ""), Document).model_validate(data)


def grounding_scores(sentences: list[Sentence], before: list[Sentence] | None = None) -> dict[str, float]:
    """Precision of the claims kept (after checking) and of the claims the model made (before)."""
    def precision(ss: list[Sentence]) -> tuple[float, int]:
        claims = [c for s in ss for c in s.claims]
        return (sum(c.ok for c in claims) / len(claims) if claims else 1.0), len(claims)

    after, n_after = precision(sentences)
    out = {"grounding": after, "claims": float(n_after)}
    if before is not None:
        raw, n_raw = precision(before)
        out |= {"grounding_before": raw, "claims_before": float(n_raw)}
    return out
