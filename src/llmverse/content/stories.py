"""Short stories about a character or a place, built from what happened to it, in a chosen genre.

The events that involve the subject (its arrivals, purchases, conversations, invitations; for a
place, what happened there) are told as facts; the model writes the story around them in the
genre's manner; every sentence is checked against those events (invented names, wrong times and
things that did not happen are dropped) and the facts fill in what the model left out. Genres are
a registry too: each has a hint for the model and an opening and closing for composed stories.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, Field

from llmverse.content.documents import Document, Language, Sentence, grounding_scores, register_document
from llmverse.content.errors import UnknownChoice
from llmverse.content.facts import EventFact, Teller
from llmverse.content.grounding import Support
from llmverse.content.descriptions import entity_facts
from llmverse.content.mentions import entity_key
from llmverse.content.registry import Context, Generator, register
from llmverse.content.writing import write_spoken
from llmverse.llm.base import Message
from llmverse.world.store import Event

SYSTEM = "You are the storyteller of {world}. You write {hint}"
PROMPT = """About {name}: {sketch}
What happened:
{facts}

Write a {genre} story of about {n} sentences about {name}, built on what happened. Keep every name,
place and time as given; invent no other names, places, times or numbers. Only the story."""
IN_CHINESE = {"en": "", "zh": "\nWrite it in Chinese (用中文写)."}
LENGTHS = {"short": 4, "medium": 7, "long": 10}  # sentences


@dataclass(frozen=True)
class Genre:
    hint: str  # for the model
    opening: tuple[str, str]  # composed stories: (en, zh), {name} is the subject
    closing: tuple[str, str]


GENRES: dict[str, Genre] = {}


def register_genre(name: str, genre: Genre) -> None:
    GENRES[name] = genre


register_genre("mystery", Genre("quiet mysteries: small puzzles, clues and a reveal.",
                                ("Something about {name}'s day did not add up.", "{name}的这一天，有些事情说不通。"),
                                ("And so the small puzzle of the day was solved.", "就这样，这一天的小谜团解开了。")))
register_genre("adventure", Genre("brisk adventures: a goal, a journey and a return.",
                                  ("{name} set out that morning ready for anything.", "那天早上，{name}准备好迎接一切。"),
                                  ("By evening the day's adventure was over.", "到了傍晚，这一天的冒险结束了。")))
register_genre("comedy", Genre("gentle comedies: small mix-ups and warm laughs.",
                               ("It was one of those days for {name}.", "对{name}来说，那又是热闹的一天。"),
                               ("Everyone had a good laugh about it later.", "后来，大家想起这事都笑了。")))
register_genre("fable", Genre("fables: a simple tale that ends with a moral.",
                              ("This is the tale of {name}.", "这是关于{name}的故事。"),
                              ("The moral: small deeds make a town.", "寓意：小事成就一座小镇。")))
register_genre("slice_of_life", Genre("calm slice-of-life stories about ordinary days.",
                                      ("This is how {name}'s day went.", "这是{name}的一天。"),
                                      ("And that was the day.", "这一天就这样过去了。")))


class StoryParams(BaseModel):
    about: str = Field(description="character or place: id or any of its names")
    genre: str = "slice_of_life"
    length: Literal["short", "medium", "long"] = "short"
    language: Language = "en"
    day: int | None = Field(default=None, ge=1, description="only this world day; default: every day")


@register_document
class Story(Document):
    kind: str = "story"
    about: str
    genre: str
    sentences: list[Sentence]
    dropped: list[str] = []
    composed: int = Field(default=0, description="sentences written from the facts, not by the model")


def subject_of(ctx: Context, about: str) -> str:
    key = entity_key(ctx.world, about)
    if key is None or key.startswith("thing:"):
        choices = [*ctx.world.characters, *ctx.world.places]
        raise UnknownChoice("character or place", about, choices)
    return key


def story(ctx: Context, p: StoryParams) -> Story:
    if p.genre not in GENRES:
        raise UnknownChoice("genre", p.genre, GENRES)
    key = subject_of(ctx, p.about)
    events, facts = _history(ctx, key, p.day, limit=max(6, LENGTHS[p.length] + 2))
    genre, n = GENRES[p.genre], LENGTHS[p.length]
    name_en, name_zh = ctx.names.display(key, "en"), ctx.names.display(key, "zh")
    sketch = _sketch(ctx, key)
    said = [x for f in facts for x in (f.en, f.zh) if x]
    support = Support(events, allowed=_allowed(ctx, key), text="\n".join([sketch, *said]))
    lang = p.language
    name = name_zh if lang == "zh" else name_en
    opening = ctx.grounder.check(genre.opening[lang == "zh"].format(name=name), support)
    closing = ctx.grounder.check(genre.closing[lang == "zh"].format(name=name), support)
    told = [_checked(ctx, f, lang, support) for f in facts[-(n - 2 if n > 2 else 1):]]
    if not told:  # nothing has happened to it yet: who or what it is, from the world file
        told = [ctx.grounder.check(x, support) for pair in entity_facts(ctx, key)[0][:2] if (x := pair[lang == "zh"])]
    if ctx.writes(lang):
        listed = "\n".join(f"- {f.text(lang)}" for f in facts) or ("- 今天还没有事" if lang == "zh" else "- nothing yet today")
        messages = [Message("system", SYSTEM.format(world=ctx.world.file.name.en, hint=genre.hint)),
                    Message("user", PROMPT.format(name=name_en, sketch=sketch, facts=listed,
                                                  genre=p.genre.replace("_", " "), n=n) + IN_CHINESE[lang])]
        out = write_spoken(ctx, messages, support, lang, compose=lambda: told, min_facts=max(1, min(len(told), n // 3)),
                           max_sentences=n, max_tokens=40 * n,
                           counts=(lambda s: bool(s.sources)) if events else (lambda s: s.factual))
        sentences, raw, dropped, composed = out.kept, out.raw, out.dropped, out.composed
    else:
        sentences, raw, dropped, composed = [opening, *told, closing], [], [], len(told) + 2
    doc = Story(world=ctx.world.key, language=lang, title=_title(name, p.genre, lang), text="", model=ctx.model,
                world_time=ctx.world.now(), about=key, genre=p.genre, sentences=sentences, dropped=dropped,
                composed=composed, sources=sorted({i for s in sentences for i in s.sources}), entities=[key])
    doc.scores = grounding_scores(sentences, raw)
    doc.passed = all(s.grounded for s in sentences)
    doc.notes = [f"dropped {d!r}" for d in dropped] + ([f"{composed} sentence(s) from the facts"] if composed else [])
    doc.text = doc.title + "\n\n" + ("" if lang == "zh" else " ").join(s.text for s in sentences) + "\n"
    return doc


def _history(ctx: Context, key: str, day: int | None, limit: int) -> tuple[list[Event], list[EventFact]]:
    """The subject's events told as facts, oldest first, the last `limit` of them."""
    kind, eid = key.split(":")
    log, teller = ctx.log, Teller(ctx.log)
    events = log.on(log.date_of_day(day)) if day else log.events

    def involves(e: Event) -> bool:
        if kind == "character":
            return eid in (e.actor, e.target)
        here, _ = log.place_of(e.actor, e)
        return eid in (e.target, e.data.get("place")) or (e.kind in ("say", "buy") and here == eid)

    mine = [e for e in events if involves(e) and e.kind != "move"]
    facts: list[EventFact] = []
    talked: set[int] = set()
    for e in mine:
        if e.kind == "say":
            if e.id in talked or e.target not in ctx.world.characters:
                continue
            says = [s for s in mine if s.kind == "say" and {s.actor, s.target} == {e.actor, e.target}
                    and 0 <= (s.world_time - e.world_time).total_seconds() <= 1800]
            talked.update(s.id for s in says)
            facts += teller.conversation(says)[:2]
        elif (f := teller.fact(e)) is not None:
            facts.append(f)
    facts = facts[-limit:]
    cited = {i for f in facts for i in f.sources}
    return [log.by_id[i] for i in sorted(cited)], facts


def _sketch(ctx: Context, key: str) -> str:
    kind, eid = key.split(":")
    if kind == "place":
        p = ctx.world.places[eid]
        return p.description or p.names.en
    c = ctx.world.characters[eid]
    lines = [f"{c.names.en}, the {c.role}. {c.persona}", *c.knowledge]
    if ctx.memory is not None:  # what the character came to think (reflections cite their memories)
        lines += [m.text for m in ctx.memory.stream.for_character(eid, kinds=["reflection"], last=3)]
    return " ".join(lines)


def _allowed(ctx: Context, key: str) -> set[str]:
    """The subject, and what belongs to it (a character's places and wares, a place's things and staff)."""
    return {key} | entity_facts(ctx, key)[1]


def _checked(ctx: Context, fact: EventFact, lang: str, support: Support) -> Sentence:
    s = ctx.grounder.check(fact.text(lang), support)
    s.sources = sorted(set(s.sources) | set(fact.sources))
    return s


def _title(name: str, genre: str, lang: str) -> str:
    zh = {"mystery": "谜", "adventure": "历险记", "comedy": "趣事", "fable": "寓言", "slice_of_life": "的一天"}
    if lang == "zh":
        return f"{name}{zh.get(genre, '的故事')}"
    return f"{name}: a {genre.replace('_', ' ')}"


register(Generator("story", StoryParams, story, "a short story about a character or place, from its events"))
