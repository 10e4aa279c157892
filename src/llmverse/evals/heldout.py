"""`llmverse eval grounding --held-out`: questions nobody tuned to, split by template and by world.

Questions are generated from templates (`grounding_templates.yaml`: paraphrases of each kind of fact
in English and Chinese, and questions about things the world lacks) filled with a world's own
things, places and roles. A template belongs to the tuning part or the held-out part by a hash of its
id, and so does each absent word; the held-out part also has a second world (Pine Hollow) that is
never used while building. Build and tune on the tuning part; report the held-out part first.

Each reply is scored by properties a player would notice: the right fact in the final reply, and
from the model alone (before the world completed or composed it); an unanswerable question declined
honestly, or answered with a real but unrelated fact (a substitution); anything of the prompt on
screen (a leak); a sentence said twice; English inside a Chinese reply.
"""

from __future__ import annotations

import hashlib
import random
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from importlib.resources import files
from typing import Literal

import yaml

from llmverse.characters.character import Character, Reply
from llmverse.characters.facts import FactBook
from llmverse.evals.grounding import states
from llmverse.lang import Language, detect_language, split_sentences
from llmverse.llm.gateway import Gateway
from llmverse.voice.clean import normal
from llmverse.world.grounding import numbers_in
from llmverse.world.world import World

Part = Literal["tuning", "held_out"]
HELD_OUT_SHARE = 0.5
FILLS = 5  # slot values per template and world (the held-out part: over 500 replies)
TUNING_WORLDS = ("harbor_town", "willow_bend")  # Willow Bend: the 25-person town, looked at while tuning
HELD_OUT_WORLDS = ("harbor_town", "pine_hollow")
_DECLINE = re.compile(r"don't know|do not know|no \w+ (?:here|in)|know of no|know of none|not sure|"
                      r"don't sell|do not sell|can't help|haven't told|no .* that I know|I'm afraid|"
                      r"不知道|没有|不清楚|不卖|没告诉|抱歉", re.I)
# What a player must never see: the prompt's labels, instructions and narration.
_LEAK = re.compile(r"\bfacts?\s*:|\bsays\s*:|\(answer with|\byou are \w[\w ]*, the\b|use only the facts|"
                   r"first person|short sentences|in this (?:scenario|conversation)|\bi have talked with\b|"
                   r"\binstructions?\b|<document|^\s*[\w ]{1,24}\s*[:：](?!\d)|\bthe (?:player|visitor|user)\b|"
                   r"事实[:：]|指令|说明[:：]", re.I | re.M)
_LATIN = re.compile(r"[A-Za-z]{2,}(?:\s+[A-Za-z]{2,})*")


@dataclass(frozen=True)
class Item:
    world: str
    part: Part
    kind: str
    template: str  # template id, e.g. "price.en.3"
    language: Language
    character: str
    question: str
    expected: tuple[str, ...] = ()
    unanswerable: bool = False


@dataclass
class Scored:
    item: Item
    reply: Reply
    first_piece_s: float
    right: bool = False
    by_model: bool = False
    declined: bool = False
    substituted: bool = False
    leak: str | None = None
    repeated: bool = False
    english_in_zh: list[str] = field(default_factory=list)
    in_language: bool = True  # the reply is in the language of the question


def _templates() -> dict:
    return yaml.safe_load(files("llmverse.evals").joinpath("grounding_templates.yaml").read_text("utf-8"))


def part_of(key: str) -> Part:
    """Tuning or held-out, by a hash of the key: nobody picks which."""
    h = int(hashlib.sha256(key.encode()).hexdigest()[:8], 16) / 0xFFFFFFFF
    return "held_out" if h < HELD_OUT_SHARE else "tuning"


def _zh(names) -> str:
    return names.zh or names.en


def items(world: World, world_id: str, part: Part, seed: int = 7) -> list[Item]:
    """Every question of one part for one world."""
    spec = _templates()
    rng = random.Random(f"{seed}:{world_id}:{part}")
    w = world
    chars = sorted(w.characters)
    sellers = {t.id: t.owner for t in w.file.things if t.owner and t.price is not None}
    priced = [t for t in w.file.things if t.price is not None and t.owner]
    timed = [p for p in w.file.places if p.hours]
    roles = [c for c in w.file.characters]
    out: list[Item] = []
    for kind, k in spec["kinds"].items():
        for lang in ("en", "zh"):
            for n, template in enumerate(k[lang]):
                tid = f"{kind}.{lang}.{n}"
                if part_of(tid) != part:
                    continue
                for fill in _fills(kind, lang, w, spec, part, rng, priced, timed, roles):
                    slots, who, expected = fill
                    if who is None:
                        who = sellers.get(slots.get("_thing", ""), None) or rng.choice(
                            [c for c in chars if w.things_owned_by(c)] if k["ask"] == "seller" else chars)
                    question = template.format(**{s: v for s, v in slots.items() if not s.startswith("_")})
                    if kind == "where":
                        fact = FactBook(w, w.characters[who]).get(f"where:{slots['_place']}")
                        expected = fact.answers
                    if kind == "self":
                        c = w.characters[who]
                        expected = (c.names.en, _zh(c.names))
                    if kind == "sells":
                        expected = tuple(n for t in w.things_owned_by(who) for n in (t.names.en, _zh(t.names)))
                    out.append(Item(world_id, part, kind, tid, lang, who, question, tuple(expected),
                                    bool(k.get("unanswerable"))))
    return out


def _fills(kind, lang, w, spec, part, rng, priced, timed, roles) -> Iterator[tuple[dict, str | None, tuple]]:
    """Slot values for one template: FILLS of them, drawn with the part's own random stream."""
    def name(n) -> str:
        return n.en if lang == "en" else _zh(n)

    if kind == "price":
        for t in rng.sample(priced, min(FILLS, len(priced))):
            yield {"thing": name(t.names), "_thing": t.id}, t.owner, (f"{t.price:g}",)
    elif kind in ("hours", "where"):
        pool = timed if kind == "hours" else list(w.file.places)
        for p in rng.sample(pool, min(FILLS, len(pool))):
            yield {"place": name(p.names), "_place": p.id}, None, (p.hours,) if kind == "hours" else ()
    elif kind == "who":
        def role_of(c) -> str:
            return c.role if lang == "en" else (c.role_zh or c.role)

        for c in rng.sample(roles, min(FILLS, len(roles))):
            # Every character with that role is a right answer ("the student": Willow Bend has two).
            yield {"role": role_of(c)}, None, tuple(n for o in roles if role_of(o) == role_of(c)
                                                     for n in (o.names.en, _zh(o.names)))
    elif kind in ("self", "sells"):
        for _ in range(FILLS):
            yield {}, None, ()
    elif kind in ("absent_thing", "absent_place"):
        text = w.file.model_dump_json().lower()  # an absent word must be absent from this world
        words = [x for x in spec["absent"]["thing" if kind == "absent_thing" else "place"][lang]
                 if part_of(f"absent.{x}") == part and x.lower() not in text]
        for x in rng.sample(words, min(FILLS, len(words))):
            yield {"absent": x}, None, ()
    elif kind == "absent_detail":
        for p in rng.sample(list(w.file.places), min(FILLS, len(w.file.places))):
            yield {"place": name(p.names)}, None, ()


def score(item: Item, reply: Reply, first_piece_s: float, world: World, player: str, earlier: list[str]) -> Scored:
    s = Scored(item, reply, first_piece_s)
    text = reply.text
    if item.unanswerable:
        s.declined = reply.status == "unknown" or bool(_DECLINE.search(text))
        s.substituted = not s.declined or _states_world_value(world, text, item)
    else:
        s.right = any(states(text, e) for e in item.expected if e)
        s.by_model = s.right and not (reply.completed or reply.composed or reply.fallback)
    s.in_language = detect_language(text) == item.language
    s.leak = _leak(text, player)
    sents = [normal(x) for x in split_sentences(text)]
    s.repeated = len(sents) != len(set(sents)) or any(x in {normal(e) for e in earlier} for x in sents if len(x) > 8)
    if item.language == "zh":
        allowed = {n.lower() for it in (world.file.places, world.file.things, world.file.characters)
                   for i in it for n in (i.names.en, *i.aliases)}
        s.english_in_zh = [r for r in _LATIN.findall(text) if r.lower() not in allowed
                           and not any(r.lower() in a for a in allowed)]
    return s


def _states_world_value(world: World, text: str, item: Item) -> bool:
    """A declined question whose reply still offers a real price or opening hours (a substitution)."""
    nums = numbers_in(text)
    values = {f"{t.price:g}" for t in world.file.things if t.price is not None}
    hours = {h for p in world.file.places if p.hours for h in p.hours.split("-")}
    return bool(nums & (values | hours))


def _leak(text: str, player: str) -> str | None:
    m = _LEAK.search(text)
    if m:
        return m.group()
    if player and player.lower() in text.lower():
        return player
    return None


def run(world: World, world_id: str, part: Part, gateway: Gateway, *, embedder=None,
        progress: Callable[[Scored], None] | None = None, limit: int | None = None) -> list[Scored]:
    """Ask every question of the part, each by a new visitor (no shared history)."""
    out: list[Scored] = []
    qs = items(world, world_id, part)[:limit]
    speakers: dict[str, Character] = {}
    for i, it in enumerate(qs):
        ch = speakers.get(it.character) or speakers.setdefault(
            it.character, Character(world, it.character, gateway, embedder=embedder))
        player = f"traveller{world_id[:3]}{part[:1]}{i}"
        t0 = time.perf_counter()
        first = None
        for _piece in ch.respond(player, it.question):
            if first is None:
                first = time.perf_counter() - t0
        assert ch.last is not None
        s = score(it, ch.last, first or 0.0, world, player, [])
        out.append(s)
        if progress:
            progress(s)
    return out


@dataclass
class Figures:
    n: int = 0
    answerable: int = 0
    right: int = 0
    by_model: int = 0
    unanswerable: int = 0
    declined: int = 0
    substituted: int = 0
    leaks: int = 0
    repeated: int = 0
    english_in_zh: int = 0
    in_language: int = 0
    first_piece: list[float] = field(default_factory=list)
    drafts: list[tuple[str, str]] = field(default_factory=list)  # (language, what the model wrote)

    def add(self, s: Scored) -> None:
        self.n += 1
        if s.item.unanswerable:
            self.unanswerable += 1
            self.declined += s.declined
            self.substituted += s.substituted
        else:
            self.answerable += 1
            self.right += s.right
            self.by_model += s.by_model
        self.leaks += s.leak is not None
        self.repeated += s.repeated
        self.english_in_zh += bool(s.english_in_zh)
        self.in_language += s.in_language
        self.first_piece.append(s.first_piece_s)
        if s.reply.draft:
            self.drafts.append((s.item.language, s.reply.draft))

    def distinct(self, n: int = 2) -> float | None:
        """Distinct-n of what the model wrote (unique n-grams / all n-grams; words in English,
        characters in Chinese): how varied its replies are, 1.0 when no phrase repeats."""
        grams: list[tuple[str, ...]] = []
        for lang, text in self.drafts:
            units = [c for c in text if not c.isspace()] if lang == "zh" else text.lower().split()
            grams += [tuple(units[i:i + n]) for i in range(len(units) - n + 1)]
        return len(set(grams)) / len(grams) if grams else None


def figures(scored: list[Scored], key: Callable[[Scored], str]) -> dict[str, Figures]:
    out: dict[str, Figures] = {}
    for s in scored:
        out.setdefault(key(s), Figures()).add(s)
    return out
