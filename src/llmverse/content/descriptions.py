"""Descriptions of places, things and characters, in the world's own tone, from the world file.

The world's existing descriptions are the examples of its tone; the facts are the entity's own
fields (hours, price, owner, who works there, what is kept there). Every sentence is checked:
a name the world does not hold, or a number no fact gives (a price, an hour), is dropped.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from llmverse.content.documents import Document, Language, Sentence, grounding_scores, register_document
from llmverse.content.errors import UnknownChoice
from llmverse.content.grounding import Support
from llmverse.content.mentions import entity_key
from llmverse.content.registry import Context, Generator, register
from llmverse.content.writing import write_spoken
from llmverse.llm.base import Message

PROMPT = """Here is how {world} describes its {kinds}:
{examples}

Facts about {name}:
{facts}

Write a description of {name} in {n} sentences for visitors, in the same tone. Use only the facts:
invent no names, places, prices or times. Only the description."""


class DescriptionParams(BaseModel):
    of: str = Field(description="place, thing or character: id or any of its names")
    language: Language = "en"
    sentences: int = Field(default=2, ge=1, le=4)


@register_document
class Description(Document):
    kind: str = "description"
    of: str
    sentences: list[Sentence]
    dropped: list[str] = []
    composed: int = 0


def description(ctx: Context, p: DescriptionParams) -> Description:
    key = entity_key(ctx.world, p.of)
    if key is None:
        w = ctx.world
        raise UnknownChoice("place, thing or character", p.of, [*w.places, *w.things, *w.characters])
    facts, related = entity_facts(ctx, key)
    support = Support([], allowed={key} | related, text="\n".join(x for pair in facts for x in pair if x), actions=False)
    lang = p.language
    composed = [ctx.grounder.check(zh if lang == "zh" else en, support) for en, zh in facts
                if (zh if lang == "zh" else en)][:p.sentences + 1]
    raw: list[Sentence] = []
    dropped: list[str] = []
    n_composed = len(composed)
    sentences = composed
    if ctx.writes(lang):
        kind = key.split(":")[0]
        messages = [Message("user", PROMPT.format(world=ctx.world.file.name.en, kinds=f"{kind}s",
                                                  examples=_examples(ctx, key), name=ctx.names.display(key),
                                                  facts="\n".join(f"- {en}" for en, _ in facts), n=p.sentences)
                                    + ("\nWrite it in Chinese (用中文写)." if lang == "zh" else ""))]
        out = write_spoken(ctx, messages, support, lang, compose=lambda: composed, min_facts=1,
                           max_sentences=p.sentences + 1, max_tokens=60 * p.sentences + 40)
        sentences, raw, dropped, n_composed = out.kept, out.raw, out.dropped, out.composed
    name = ctx.names.display(key, lang)
    doc = Description(world=ctx.world.key, language=lang, title=name, model=ctx.model, world_time=ctx.world.now(),
                      text=name + "\n\n" + ("" if lang == "zh" else " ").join(s.text for s in sentences) + "\n",
                      of=key, sentences=sentences, dropped=dropped, composed=n_composed, entities=[key])
    doc.scores = grounding_scores(sentences, raw)
    doc.passed = all(s.grounded for s in sentences)
    doc.notes = [f"dropped {d!r}" for d in dropped] + ([f"{n_composed} sentence(s) from the facts"] if n_composed else [])
    return doc


def entity_facts(ctx: Context, key: str) -> tuple[list[tuple[str, str]], set[str]]:
    """(English, Chinese) facts about an entity from the world file, and the entities they name."""
    w, (kind, eid) = ctx.world, key.split(":")
    out: list[tuple[str, str]] = []
    related: set[str] = set()
    if kind == "place":
        p = w.places[eid]
        zh = p.names.zh or p.names.en
        if p.description:
            out.append((f"The {p.names.en}: {p.description}", ""))  # no Chinese text in the world file
        out.append((f"It is open {p.hours}." if p.hours else "It is open at all hours.",
                    f"开放时间是{p.hours}。" if p.hours else "全天开放。"))
        staff = [c for c in w.characters.values() if eid in (c.workplace, c.home)]
        for c in staff:
            out.append((f"{c.names.en}, the {c.role}, is found here.", f"{c.names.zh or c.names.en}（{c.role_zh or c.role}）在这里。"))
        kept = [t for t in w.things.values() if t.location == eid]
        if kept:
            out.append(("Here: " + ", ".join(_priced(t) for t in kept) + ".",
                        "这里有" + "、".join(t.names.zh or t.names.en for t in kept) + "。"))
        related = {f"character:{c.id}" for c in staff} | {f"thing:{t.id}" for t in kept}
    elif kind == "thing":
        t = w.things[eid]
        place = w.places[t.location]
        zh = t.names.zh or t.names.en
        out.append((f"The {t.names.en}: {t.description}", f"{zh}：{t.description_zh or t.description}"))
        out.append((f"It is kept at the {place.names.en}." if t.kind == "exhibit" or t.price is None else
                    f"It costs {t.price:g} coins at the {place.names.en}.",
                    f"它陈列在{place.names.zh or place.names.en}。" if t.kind == "exhibit" or t.price is None else
                    f"在{place.names.zh or place.names.en}卖{t.price:g}个铜币。"))
        related = {f"place:{t.location}"} | ({f"character:{t.owner}"} if t.owner else set())
        if t.owner:
            o = w.characters[t.owner]
            out.append((f"{o.names.en} sells it.", f"卖家是{o.names.zh or o.names.en}。"))
    else:
        c = w.characters[eid]
        zh = c.names.zh or c.names.en
        work = w.places[c.workplace] if c.workplace else None
        out.append((f"{c.names.en} is the {c.role}" + (f" at the {work.names.en}." if work else "."),
                    f"{zh}是{c.role_zh or c.role}" + (f"，在{work.names.zh or work.names.en}工作。" if work else "。")))
        out.append((c.persona, ""))
        if c.traits:
            out.append((f"{c.names.en} is {', '.join(c.traits)}.", ""))
        out += [(k, "") for k in c.knowledge[:2]]
        places = {p for p in (c.workplace, c.home, *(s.place for s in c.schedule)) if p}
        related = {f"place:{p}" for p in places}
        related |= {f"thing:{t.id}" for t in w.things.values() if t.owner == eid or t.location in places}
    return out, related


def _priced(t) -> str:
    return f"{t.names.en} ({t.price:g} coins)" if t.price is not None else t.names.en


def _examples(ctx: Context, key: str) -> str:
    """Two descriptions the world's author wrote for other entities of the same kind: the tone."""
    kind, eid = key.split(":")
    items = {"place": ctx.world.places, "thing": ctx.world.things, "character": ctx.world.characters}[kind]
    texts = [f"- {e.names.en}: {getattr(e, 'description', '') or getattr(e, 'persona', '')}"
             for k, e in items.items() if k != eid]
    return "\n".join(texts[:2])


register(Generator("description", DescriptionParams, description, "a description of a place, thing or character"))
