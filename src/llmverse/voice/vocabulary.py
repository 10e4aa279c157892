"""The words a world uses: how it names each entity, and every token of its text.

Built once per world file (cached on the object): answerability asks whether a question's content
words are the world's, and which of the world's entities a question names.
"""

from __future__ import annotations

import re
import weakref

from llmverse.lang import generation, tokens
from llmverse.voice.question import Surface, Vocabulary
from llmverse.world.model import WorldFile

# Keyed by the world file object's id (pydantic models do not hash); the weak reference tells a
# reused id from the same object.
_CACHE: dict[int, tuple[weakref.ref, Vocabulary, int]] = {}
_CJK = re.compile(r"[\u3400-\u9fff]")


def _surface(entity: str, text: str | None) -> Surface | None:
    if not text or not text.strip():
        return None
    if _CJK.search(text):
        return Surface(entity, text, (text,), True)
    toks = tuple(tokens(text)) or (text.lower(),)
    return Surface(entity, text, toks, False)


def vocabulary(world: WorldFile) -> Vocabulary:
    """The world's Vocabulary (cached per world file object)."""
    cached = _CACHE.get(id(world))
    if cached is not None and cached[0]() is world and cached[2] == generation():
        return cached[1]
    surfaces: list[Surface | None] = []
    for p in world.places:
        e = f"place:{p.id}"
        surfaces += [_surface(e, t) for t in (p.names.en, p.names.zh, p.id.replace("_", " "), *p.aliases)]
    for t in world.things:
        e = f"thing:{t.id}"
        surfaces += [_surface(e, x) for x in (t.names.en, t.names.zh, t.id.replace("_", " "), *t.aliases)]
    for c in world.characters:
        e = f"character:{c.id}"
        surfaces += [_surface(e, x) for x in (c.names.en, c.names.zh, *c.aliases, c.role, c.role_zh)]
        surfaces += [_surface(e, x) for x in c.names.en.split()[:1] if len(c.names.en.split()) > 1]  # "Lin" of "Lin Wei"
    for i, b in enumerate(world.map.blocked):  # landmarks: "the lighthouse", "the fountain"
        if b.name:
            surfaces += [_surface(f"landmark:{i}", x) for x in (b.name.en, b.name.zh)]
    text = world.model_dump_json()
    words = set(tokens(text))
    vocab = Vocabulary([s for s in surfaces if s is not None], words)
    _CACHE[id(world)] = (weakref.ref(world), vocab, generation())  # rebuilt once another world taught jieba names
    return vocab
