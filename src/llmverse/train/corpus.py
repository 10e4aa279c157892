"""World text for domain-adaptive pretraining: the world file, its event log, and extra files.

The world file holds facts in fields (names, hours, prices, owners); we write each entity as a short
English document of plain sentences, because a masked LM learns a domain from sentences, not from
YAML. Only English goes in: the bundled encoder (all-MiniLM-L6-v2) has an English vocabulary and
turns Chinese into [UNK], which would make perplexity look good for nothing.

Held-out sentences are removed from training wherever they occur verbatim (templated sentences such
as "It is open from 09:00 to 17:00." repeat across places), so "after" perplexity never scores a
sentence the model was trained on.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from llmverse.lang import split_sentences
from llmverse.train.errors import TrainingDataError
from llmverse.world.model import WorldFile

_CJK = re.compile(r"[\u3000-\u30ff\u3400-\u9fff\uf900-\ufaff\uff00-\uffef]")
TEXT_SUFFIXES = (".txt", ".md", ".markdown", ".rst")


@dataclass
class Document:
    source: str  # where it came from: "place:market", "event:12", "file:notes.md#3"
    sentences: list[str] = field(default_factory=list)


def sentences(text: str) -> list[str]:
    """The text's sentences (llmverse.lang.split_sentences) with at least two words."""
    return [p for p in split_sentences(" ".join(text.split())) if len(p.split()) >= 2]


def _english(items: Iterable[str]) -> list[str]:
    return [s for s in items if s and not _CJK.search(s)]


def _doc(source: str, lines: Iterable[str]) -> Document:
    return Document(source, [s for line in _english(lines) for s in sentences(line)])


def world_documents(world: WorldFile) -> list[Document]:
    """One document per place, thing and character, in the file's order."""
    places = {p.id: p.names.en for p in world.places}
    people = {c.id: c.names.en for c in world.characters}
    docs = []
    for p in world.places:
        hours = p.hours.split("-") if p.hours else None
        docs.append(_doc(f"place:{p.id}", [
            f"The {p.names.en} is {'an open-air place' if p.open_air else 'a building'} in {world.name.en}.",
            p.description,
            f"It is open from {hours[0]} to {hours[1]}." if hours else "It is always open.",
            f"People also call it {', '.join(_english(p.aliases))}." if _english(p.aliases) else "",
            f"It is a place for {' and '.join(p.tags)}." if p.tags else ""]))
    for t in world.things:
        sale = (f"It costs {t.price:g} coins." if t.price is not None
                else "It is an exhibit, not for sale." if t.kind == "exhibit" else "It is not for sale.")
        docs.append(_doc(f"thing:{t.id}", [
            f"The {t.names.en} is kept at the {places.get(t.location, t.location)}.", t.description, sale,
            f"{people[t.owner]} sells it." if t.owner in people and t.price is not None else ""]))
    for c in world.characters:
        name = c.names.en
        lines = [f"{name} is the {c.role} of {world.name.en}.", c.persona, *c.knowledge]
        if c.traits:
            lines.append(f"{name} is {' and '.join(c.traits)}.")
        if c.workplace:
            lines.append(f"{name} works at the {places.get(c.workplace, c.workplace)}.")
        if c.home:
            lines.append(f"{name} lives at the {places.get(c.home, c.home)}.")
        lines += [f"At {s.at}, {name} goes to the {places.get(s.place, s.place)}"
                  + (f" for {s.activity}." if s.activity else ".") for s in c.schedule]
        docs.append(_doc(f"character:{c.id}", lines))
    return [d for d in docs if d.sentences]


def world_key(world: WorldFile) -> str:
    """The key the world's events are stored under; the same rule as `llmverse.world.world.World.key`
    (computed here so reading the log never opens a World, which would seed state into the store)."""
    return re.sub(r"[^a-z0-9]+", "-", world.name.en.lower()).strip("-")


def event_documents(database_url: str, world: WorldFile) -> list[Document]:
    """What was said in the world (say events' text), one document per utterance."""
    from llmverse.world.store import Store

    if database_url.startswith("sqlite:///") and not Path(database_url.removeprefix("sqlite:///")).is_file():
        raise TrainingDataError(database_url, "no such database file")
    store = Store(database_url)
    try:
        events = store.events(world_key(world), kind="say")
    finally:
        store.engine.dispose()
    return [d for d in (_doc(f"event:{e.id}", [str(e.data.get("text", ""))]) for e in events) if d.sentences]


def _plain(markdown: str) -> str:
    """Prose from markdown: code blocks, tables, headings (titles, not sentences) and markup
    dropped; link text kept."""
    text = re.sub(r"```.*?```", "", markdown, flags=re.S)
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    lines = [re.sub(r"^\s*([-*+]|\d+\.)\s+", "", ln) for ln in text.splitlines()
             if not ln.lstrip().startswith(("|", "#"))]
    return re.sub(r"[`*_>]", "", "\n".join(lines))


def file_documents(paths: Sequence[str | Path]) -> list[Document]:
    """Text or markdown files, one document per paragraph (blank-line separated)."""
    docs = []
    for path in map(Path, paths):
        if not path.is_file():
            raise TrainingDataError(path, "no such file")
        if path.suffix.lower() not in TEXT_SUFFIXES:
            raise TrainingDataError(path, f"not a text file: use {', '.join(TEXT_SUFFIXES)}")
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            raise TrainingDataError(path, "is not UTF-8 text") from exc
        if path.suffix.lower() != ".txt":
            text = _plain(text)
        found = [_doc(f"file:{path.name}#{k}", [para]) for k, para in enumerate(re.split(r"\n\s*\n", text))]
        found = [d for d in found if d.sentences]
        if not found:
            raise TrainingDataError(path, "has no English sentences (of two or more words) to train on")
        docs += found
    return docs


def hold_out(docs: list[Document], fraction: float, seed: int) -> tuple[list[Document], list[str]]:
    """Take `fraction` of the distinct sentences out for measuring perplexity; returns the
    documents without them (every verbatim copy removed) and the held-out sentences."""
    distinct = sorted({s for d in docs for s in d.sentences})
    if len(distinct) < 2:
        raise TrainingDataError(docs[0].source if docs else "(no text)",
                                "too little text: at least two distinct sentences are needed")
    k = min(len(distinct) - 1, max(1, round(fraction * len(distinct))))
    held = sorted(random.Random(seed).sample(distinct, k))
    gone = set(held)
    train = [Document(d.source, [s for s in d.sentences if s not in gone]) for d in docs]
    return [d for d in train if d.sentences], held
