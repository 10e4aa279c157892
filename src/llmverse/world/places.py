"""Which place a player means: names, aliases, things and people in English or Chinese, typos too.

A player says "the forge", "铁匠铺", "where Bram works", "where is the founding bell" or "the musuem";
each leads to one place id. Principle 1: the answer comes from the world (a thing's location and a
character's position are read from live state, not from the file), so "where is Bram" follows Bram.

Order of evidence: an exact name or alias found in the words beats any fuzzy match; among exact
finds the longest wins ("铁匠铺", the forge, over "铁匠", Bram), then places over people's workplaces
and homes, over things, over people's current positions. Fuzzy matching (rapidfuzz if installed,
difflib otherwise) compares each name with every run of the player's words of similar length.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, Field

if TYPE_CHECKING:
    from llmverse.world.model import Names
    from llmverse.world.world import World

try:
    from rapidfuzz.fuzz import ratio as _rf_ratio
except ImportError:  # optional: difflib gives the same kind of score, ~20x slower
    _rf_ratio = None

Kind = Literal["place", "thing", "feature", "workplace", "home", "person"]
_RANK = {"place": 0, "workplace": 0, "home": 0, "thing": 1, "feature": 1, "person": 2}
ACCEPT_EN, ACCEPT_ZH = 0.8, 0.66  # one wrong letter in "museum" scores 0.83; one wrong 字 of three 0.67
SUGGEST = 0.6  # below this ("moon" vs "room": 0.5) a suggestion is noise, not a near miss
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_ARTICLES = re.compile(r"\b(?:the|a|an)\b")
# Words that ask the way rather than name a place; taken out before fuzzy matching, so that "how do
# I get to the musuem" compares "musuem", not "get to", with the names.
_ASKING_EN = frozenset("""how do does can could would i we you get go going walk walking head find to
    where is are was it s the a an way directions direction route path take show me us please from here
    there far near nearest closest want like need navigate guide tell what which of can't cant""".split())
_ASKING_ZH = re.compile("请问|请|怎么走|怎么去|怎样去|如何去|怎么到|我想去|我要去|带我去|想去|要去|在哪里|在哪儿|在哪|"
                        "哪里|哪儿|的路|路线|怎么|从这里|这里|去|到|往|找|是|吗|呢|的|我|有|多远|多久")
_WORK = re.compile(r"\b(?:work|works|working|workplace|job|shop|office)\b|工作|上班|干活|店")
_HOME = re.compile(r"\b(?:live|lives|living|home|house|stay|stays)\b|住|家")


class Match(BaseModel):
    """A place the player's words lead to, and how."""

    place: str = Field(description="Id of the place to go to.")
    score: float = Field(ge=0, le=1, description="1.0 for an exact name or alias, else fuzzy similarity.")
    kind: Kind = Field(description="What was named: the place, a thing kept there, a named map "
                       "feature in it, or a person (their workplace, home, or where they are now).")
    entity: str = Field(description="Id of the place, thing or character named ('blocked:<i>' for a feature).")
    words: str = Field(description="The name or alias that matched.")


class Resolution(BaseModel):
    """The best match (None when nothing is close enough) and the nearest other places."""

    query: str = Field(description="The player's words, normalised, without the asking phrases.")
    best: Match | None
    candidates: list[Match] = Field(description="Other places the words may mean, best first.")


@dataclass(frozen=True)
class _Form:
    text: str  # normalised name or alias
    section: Literal["place", "thing", "feature", "person", "world"]
    entity: str
    place: str | None = None  # for a feature: the place it stands in


@dataclass(frozen=True)
class _Find:
    form: _Form
    start: int
    end: int


def normalise(text: str) -> str:
    """Case-folded, width-folded, punctuation as spaces, articles gone: 'The  Forge!' -> 'forge'."""
    text = unicodedata.normalize("NFKC", text).casefold().replace("\u2019", "'").replace("_", " ")
    text = "".join(ch if ch.isalnum() or ch in "' " else " " for ch in text)
    return " ".join(_ARTICLES.sub(" ", text).split())


def resolve(world: World, text: str, *, limit: int = 3) -> Resolution:
    """The place the words mean, with a score; or best=None and the nearest candidates."""
    norm = normalise(text)
    forms = list(_forms(world))
    exact = _exact(norm, forms)
    matches = [m for m in (_to_match(world, f.form, norm, 1.0) for f in exact) if m is not None]
    rest = norm
    for f in forms:  # "Harbor Town" / "海港镇" name the world, not the harbour
        if f.section == "world":
            rest = rest.replace(f.text, " ")
    rest = _asking_removed(rest)
    fuzzy = [m for m in (_to_match(world, form, norm, s) for form, s in _fuzzy(rest, forms)) if m is not None]
    best = matches[0] if matches else next((m for m in fuzzy if m.score >= _accept(m.words)), None)
    seen = {best.place} if best else set()
    candidates: list[Match] = []
    for m in sorted(matches[1:] + fuzzy, key=lambda m: -m.score):
        if m.place not in seen and m.score >= SUGGEST and len(candidates) < limit:
            seen.add(m.place)
            candidates.append(m)
    return Resolution(query=rest or norm, best=best, candidates=candidates)


def _accept(words: str) -> float:
    return ACCEPT_ZH if _CJK.search(words) else ACCEPT_EN


def _forms(world: World) -> Iterator[_Form]:
    def names(n: Names, aliases: list[str], extra: tuple[str, ...] = ()) -> set[str]:
        return {normalise(w) for w in (n.en, n.zh, *aliases, *extra) if w and normalise(w)}

    for p in world.places.values():
        for t in names(p.names, p.aliases, (p.id,)):
            yield _Form(t, "place", p.id)
    for th in world.things.values():
        for t in names(th.names, th.aliases):
            yield _Form(t, "thing", th.id)
    for c in world.characters.values():
        for t in names(c.names, c.aliases):
            yield _Form(t, "person", c.id)
    for fid, (name, place) in features(world).items():
        for t in {normalise(w) for w in _words(name)} - {""}:
            yield _Form(t, "feature", fid, place)
    for t in names(world.file.name, []):  # "Harbor Town" is not the harbour
        yield _Form(t, "world", "")


def features(world: World) -> dict[str, tuple[Any, str | None]]:
    """Named blocked areas ('blocked:<index>' -> (name, id of the place they stand in or None)).

    The world format gives blocked rectangles no name yet; a `name: {en, zh}` on one is read
    defensively, so the fountain becomes a landmark and a destination as soon as it has a name.
    """
    out: dict[str, tuple[Any, str | None]] = {}
    for i, b in enumerate(world.file.map.blocked):
        name = getattr(b, "name", None)
        if name:
            out[f"blocked:{i}"] = (name, world.grid.place_at(b.x + b.w // 2, b.y + b.h // 2))
    return out


def _words(name: Any) -> list[str]:
    """The strings of a name given as Names, a {en, zh} dict or a plain string."""
    if isinstance(name, str):
        return [name]
    if isinstance(name, dict):
        return [v for v in name.values() if isinstance(v, str)]
    return [w for w in (getattr(name, "en", None), getattr(name, "zh", None)) if w]


def _occurrences(norm: str, form: str) -> Iterator[tuple[int, int]]:
    """Where a name occurs in the words: as whole words in Latin script, anywhere in Chinese."""
    if _CJK.search(form):
        i = norm.find(form)
        while i >= 0:
            yield i, i + len(form)
            i = norm.find(form, i + 1)
    else:
        for m in re.finditer(rf"(?<![a-z0-9']){re.escape(form)}(?![a-z0-9])", norm):
            yield m.start(), m.end()


def _exact(norm: str, forms: list[_Form]) -> list[_Find]:
    """Names found in the words, best first; a name inside a longer found name does not count,
    nor does the start of the walk when another name remains ("from X", "从X", "X到Y")."""
    found = [_Find(f, s, e) for f in forms for s, e in _occurrences(norm, f.text)]
    found = [a for a in found if not any(b.start <= a.start and a.end <= b.end and b.end - b.start > a.end - a.start
                                         for b in found)]
    found = [f for f in found if f.form.section != "world"]
    origin = [f for f in found if re.search(r"(?:\bfrom |从)$", norm[:f.start])
              or (_CJK.search(f.form.text) and re.match(r"(?:到|去|往)", norm[f.end:]))]  # 集市到图书馆
    if len(origin) < len(found):
        found = [f for f in found if f not in origin]
    return sorted(found, key=lambda f: (_RANK[_kind(f.form, norm)], -(f.end - f.start), f.start))


def _kind(form: _Form, norm: str) -> Kind:
    if form.section != "person":
        return form.section  # type: ignore[return-value]
    return "workplace" if _WORK.search(norm) else "home" if _HOME.search(norm) else "person"


def _person(world: World, character_id: str, kind: Kind) -> tuple[Kind, str | None]:
    """A person's workplace or home; where they are now when asked for that, or when the world
    does not say where they work or live (never a guess)."""
    c = world.characters[character_id]
    place = c.workplace if kind == "workplace" else c.home if kind == "home" else None
    if place:
        return kind, place
    heading = getattr(world, "heading", None)  # walking between places: meet them where they go
    return "person", world.position(character_id) or (heading(character_id) if heading else None)


def _to_match(world: World, form: _Form, norm: str, score: float) -> Match | None:
    """The place a found name leads to, read from the world now; None if it leads nowhere."""
    kind = _kind(form, norm)
    if kind == "place" or kind == "feature":
        place: str | None = form.place or form.entity
    elif kind == "thing":
        state = world.thing_state(form.entity)
        place = state.location
        if place is None and state.owner in world.characters:  # carried: where its owner is
            place = world.position(state.owner)
    else:
        kind, place = _person(world, form.entity, kind)
    if not place or place not in world.places:
        return None
    return Match(place=place, score=round(score, 3), kind=kind, entity=form.entity, words=form.text)


def _asking_removed(norm: str) -> str:
    """The words that may name a place: the asking phrases of either language taken out."""
    words = [w for w in norm.split() if w not in _ASKING_EN]
    return " ".join(w for w in (_ASKING_ZH.sub(" ", w).strip() for w in words) if w)


def _fuzzy(rest: str, forms: list[_Form]) -> list[tuple[_Form, float]]:
    """Each name's best similarity to a run of the words of about its length, best first."""
    words = rest.split()
    latin = {" ".join(words[i:j]) for i in range(len(words)) for j in range(i + 1, min(i + 5, len(words) + 1))}
    cjk = "".join(_CJK.findall(rest))
    scored: list[tuple[_Form, float]] = []
    for f in forms:
        if f.section == "world":
            continue
        if _CJK.search(f.text):
            n = len(f.text)
            runs = {cjk[i:i + k] for k in (n - 1, n, n + 1) if k > 0 for i in range(len(cjk) - k + 1)}
            if n < 2:
                continue
        else:
            runs = latin
            if len(f.text) < 4:  # "inn" is one letter from "in", "ink" and "inns": no fuzzy for it
                continue
        score = max((_ratio(f.text, r) for r in runs), default=0.0)
        if score > 0:
            scored.append((f, score))
    return sorted(scored, key=lambda fs: (-fs[1], _RANK[fs[0].section]))


def _ratio(a: str, b: str) -> float:
    """Similarity in 0..1: 2 * matching characters / total characters (Indel, as rapidfuzz.ratio)."""
    if _rf_ratio is not None:
        return _rf_ratio(a, b) / 100
    return SequenceMatcher(None, a, b, autojunk=False).ratio()
