"""Where a text names a world entity: characters, places and things by any of their names.

English and Chinese in one pass. Latin names (names, aliases, ids) match case-insensitively between
non-letters, so "Bram的铁锚" and "Bram's anchor" both find Bram; a plural "-s" still matches ("hooks").
Chinese names of two or more characters match as substrings; a one-character Chinese alias (锚, 鱼,
茶) matches only when jieba segments it as a word of its own, or "鱼" would be found inside "鱼钩".
Longer names win over shorter ones they contain ("Lantern Park" is the park, not a paper lantern).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from llmverse.lang import _jieba
from llmverse.world.world import World

EntityKind = Literal["character", "place", "thing", "world"]
_CJK = re.compile(r"[\u3400-\u9fff]")


@dataclass(frozen=True)
class Mention:
    kind: EntityKind
    id: str
    text: str
    start: int
    end: int

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.id}"


class Names:
    """Every name of every entity of a world, for finding mentions and for writing names.

    `world_names` are names of the world itself and of things that belong to no entity (the town,
    its newspaper): found so they are not mistaken for something else ("Harbor Town" is not the
    harbour), and always allowed."""

    def __init__(self, world: World, world_names: Iterable[str] = ()) -> None:
        self.world = world
        forms: dict[str, tuple[EntityKind, str, str]] = {}  # casefolded -> (kind, id, as written)
        own = [world.file.name.en, world.file.name.zh or "", *world_names]
        groups: list[tuple[EntityKind, dict]] = [("place", world.places), ("thing", world.things),
                                                 ("character", world.characters)]
        for kind, items in groups:
            for eid, e in items.items():
                for form in (e.names.en, e.names.zh, *e.aliases, eid.replace("_", " ")):
                    if form:
                        forms.setdefault(form.casefold(), (kind, eid, form))
        for form in own:
            if form:
                forms[form.casefold()] = ("world", world.key, form)
        self._latin = [(re.compile(r"(?<![A-Za-z])" + r"\s+".join(map(re.escape, f.split())) + r"(?:e?s)?(?![A-Za-z])",
                                   re.IGNORECASE), k, i, f == f.lower()) for k, i, f in forms.values()
                       if not _CJK.search(f)]
        self._zh_long = [(f, k, i) for f, (k, i, _) in forms.items() if _CJK.search(f) and len(f) >= 2]
        self._zh_single = {f: (k, i) for f, (k, i, _) in forms.items() if _CJK.search(f) and len(f) == 1}

    def find(self, text: str) -> list[Mention]:
        """Non-overlapping mentions in text order, the longest name winning where names overlap."""
        found: list[Mention] = []
        for rx, kind, eid, common in self._latin:
            found += [Mention(kind, eid, m.group(), m.start(), m.end()) for m in rx.finditer(text)
                      if not (common and _part_of_a_name(text, m.start(), m.end()))]
        low = text.casefold()
        for form, kind, eid in self._zh_long:
            start = low.find(form)
            while start >= 0:
                found.append(Mention(kind, eid, text[start:start + len(form)], start, start + len(form)))
                start = low.find(form, start + 1)
        if self._zh_single and _CJK.search(text):
            pos = 0
            for word in _jieba().lcut(text):
                if word in self._zh_single:
                    kind, eid = self._zh_single[word]
                    found.append(Mention(kind, eid, word, pos, pos + len(word)))
                pos += len(word)
        found.sort(key=lambda m: (-(m.end - m.start), m.start))
        taken: list[Mention] = []
        for m in found:
            if all(m.end <= t.start or m.start >= t.end for t in taken):
                taken.append(m)
        return sorted(taken, key=lambda m: m.start)

    def display(self, key: str, language: str = "en") -> str:
        """The name to write for an entity key ('place:forge' -> 'Forge' / '铁匠铺')."""
        kind, eid = key.split(":", 1)
        items = {"place": self.world.places, "thing": self.world.things, "character": self.world.characters}
        if kind == "world":
            names = self.world.file.name
        else:
            names = items[kind][eid].names
        return (names.zh or names.en) if language == "zh" else names.en


def _part_of_a_name(text: str, start: int, end: int) -> bool:
    """A role word written with a capital next to another capitalised word is part of some other
    name: "Mr Smith" is not Bram (alias "smith"), the "Harbor Gazette" is not the harbour."""
    if not text[start].isupper():
        return False
    before = re.search(r"([A-Za-z'’]+)[ \t]+$", text[:start])
    after = re.match(r"[ \t]+([A-Za-z'’]+)", text[end:])
    return bool(before and before.group(1)[0].isupper() or after and after.group(1)[0].isupper())


def entity_key(world: World, ref: str) -> str | None:
    """The key of the entity an id or a name refers to ('bram', 'Bram', '布拉姆', 'smithy'), else None."""
    for kind, items in (("character", world.characters), ("place", world.places), ("thing", world.things)):
        if ref in items:
            return f"{kind}:{ref}"
    ref = ref.strip()
    hits = [m for m in Names(world).find(ref) if m.kind != "world" and m.end - m.start == len(ref)]
    return hits[0].key if hits else None
