"""Bilingual persona dialogues generated from a world: the training set of `llmverse train sft`.

Facts in, an in-character reply that states the fact out, in English and in Chinese. Each example is
the prompt a `Character` builds at run time, character for character: its system prompt, and the
user turn with the facts that `FactBook.lookup` picks for the question (and the "answer with this
fact" hint when it picks one). A question whose lookup misses the fact it was written for is left out
and counted: training it would teach the model to ignore its facts.

Replies are composed from the world's own text, as `Character._compose` does: English from the
facts' English sentences, Chinese from their Chinese ones (the world's zh names and descriptions),
with a short opener or closer so the voice is not one fixed sentence. A character's free-text
knowledge lines have no Chinese text in the world file, so they are asked about in English only.

The held-out split is by question *template*: the eval file holds phrasings the model never saw in
training (about the same places, things and people), so its loss measures learning to answer, not
recalling a sentence.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from llmverse.voice.locale import prompt
from llmverse.characters.facts import Fact, FactBook, fact_text
from llmverse.safety.injection import DATA_RULE, sanitize
from llmverse.world.world import World, open_world

Language = Literal["en", "zh"]

# Question templates by the kind of fact that answers them. Slots: {place} {thing} {name} {role}.
# The last template of each (kind, language) is held out when the split is made (see `split`).
QUESTIONS: dict[str, dict[Language, list[str]]] = {
    "price": {"en": ["How much does the {thing} cost?", "What's the price of the {thing}?",
                     "How much is the {thing}?", "What do you charge for the {thing}?",
                     "I'd like the {thing}. How much is it?"],
              "zh": ["{thing}多少钱？", "{thing}卖多少钱？", "请问{thing}的价格是多少？", "买{thing}要多少钱？",
                     "{thing}怎么卖？"]},
    "hours": {"en": ["When is the {place} open?", "What are the opening hours of the {place}?",
                     "When does the {place} open?", "What time does the {place} close?",
                     "When can I visit the {place}?"],
              "zh": ["{place}几点开门？", "{place}的营业时间是什么？", "{place}什么时候关门？",
                     "{place}几点到几点开放？", "{place}什么时间开放？"]},
    "where": {"en": ["Where is the {place}?", "How do I get to the {place}?", "Which way is the {place}?",
                     "Can you tell me where the {place} is?", "How far is the {place}?"],
              "zh": ["{place}在哪里？", "怎么去{place}？", "{place}怎么走？", "请问{place}在哪儿？", "{place}远吗？"]},
    "show": {"en": ["Where is the {thing}?", "Where can I see the {thing}?", "Where is the {thing} kept?"],
             "zh": ["{thing}在哪里？", "在哪里能看到{thing}？", "{thing}放在哪儿？"]},
    "who": {"en": ["Who is {name}?", "What does {name} do?", "Do you know {name}?", "Tell me about {name}."],
            "zh": ["{name}是谁？", "{name}是做什么的？", "你认识{name}吗？", "{name}是干什么的？"]},
    "self": {"en": ["What is your name?", "Who are you?", "What do you do here?", "May I ask your name?"],
             "zh": ["你叫什么名字？", "你是谁？", "你是做什么的？", "请问您怎么称呼？"]},
    "sells": {"en": ["What do you sell?", "What can I buy from you?", "What wares do you have?"],
              "zh": ["你卖什么？", "你这里有什么可以买的？", "你有什么东西卖？"]},
    "knows": {"en": ["Is there anything I should know about {topic}?", "Can you tell me about {topic}?",
                     "What do you know about {topic}?"]},
}
# Openers and closers around the fact; chosen by a hash of the question, so the data is reproducible.
OPEN = {"en": ["", "Of course.", "Good question.", "Happy to help.", "Let me see.", "Ah, yes."],
        "zh": ["", "好的。", "您好！", "这个我知道。", "没问题。", "嗯，"]}
CLOSE = {"en": ["", "", "Anything else?", "Enjoy your day.", "Ask me if you need more."],
         "zh": ["", "", "还有别的事吗？", "祝您愉快！", "还需要什么尽管问我。"]}


@dataclass(frozen=True)
class Example:
    messages: list[dict[str, str]]
    character: str
    language: Language
    kind: str
    template: str  # "price.en.2": the question template, the unit of the held-out split
    fact: str  # id of the fact the reply states

    def record(self) -> dict[str, Any]:
        return {"messages": self.messages, "character": self.character, "language": self.language,
                "kind": self.kind, "template": self.template, "fact": self.fact}


@dataclass
class DialogueCounts:
    written: int = 0
    missed_lookup: int = 0  # questions whose fact lookup picked another fact: left out
    by_kind: Counter = field(default_factory=Counter)
    by_language: Counter = field(default_factory=Counter)


def _pick(options: list[str], key: str) -> str:
    return options[int(hashlib.blake2b(key.encode(), digest_size=4).hexdigest(), 16) % len(options)]


def system_prompt(world: World, character_id: str) -> str:
    """The system prompt `Character` builds (same template, same fields)."""
    me = world.characters[character_id]
    traits = f" You are {', '.join(me.traits)}." if me.traits else ""
    return prompt("character_system").format(name=me.names.en, role=me.role, world=world.file.name.en,
                                             persona=me.persona, traits=traits, language="English",
                                             data_rule=DATA_RULE)


def _targets(world: World, book: FactBook, kind: str, lang: Language) -> Iterator[tuple[Fact, dict[str, str]]]:
    """Each fact of a kind this character can state, with the slot values that ask for it."""
    zh = lang == "zh"

    def n(names: Any) -> str:
        return (names.zh or names.en) if zh else names.en

    for f in book.facts:
        prefix, _, ref = f.id.partition(":")
        if kind == "self" and f.id == "self":
            yield f, {}
        elif kind == "sells" and f.id == "sells":
            yield f, {}
        elif prefix != kind:
            continue
        elif kind in ("price", "show"):
            yield f, {"thing": n(world.things[ref].names)}
        elif kind in ("hours", "where"):
            if kind == "hours" and not world.places[ref].hours and lang == "zh":
                continue  # "always open" places: one language is enough
            yield f, {"place": n(world.places[ref].names)}
        elif kind == "who":
            yield f, {"name": n(world.characters[ref].names)}
        elif kind == "knows":
            words = [w for w in f.en.rstrip(".").split() if w[:1].isupper()][1:] or f.en.split()[:2]
            yield f, {"topic": " ".join(words[:3]) if words else "this"}


def reply_text(world: World, character_id: str, fact: Fact, lang: Language, key: str) -> str:
    """An in-character reply that states the fact: opener, the fact's own text, maybe a closer."""
    me = world.characters[character_id]
    body = fact_text(fact, lang)
    if lang == "en" and fact.id.startswith("price:"):  # "..., sold by Bram." from Bram himself: "I sell it."
        body = body.replace(f", sold by {me.names.en}.", ". I sell it myself.")
    opener, closer = _pick(OPEN[lang], "o" + key), _pick(CLOSE[lang], "c" + key)
    if lang == "zh":
        return opener + body + closer
    return " ".join(p for p in (opener, body, closer) if p)


def generate(world: World, characters: list[str] | None = None,
             counts: DialogueCounts | None = None) -> Iterator[Example]:
    """Every (character, question template, fact) example, in a stable order."""
    counts = counts if counts is not None else DialogueCounts()
    for cid in characters or sorted(world.characters):
        book = FactBook(world, world.characters[cid])
        system = system_prompt(world, cid)
        for kind, by_lang in QUESTIONS.items():
            for lang, templates in by_lang.items():
                for t_i, template in enumerate(templates):
                    for fact, slots in _targets(world, book, kind, lang):
                        question = template.format(**slots)
                        found, key = book.lookup(question, k=4)
                        facts = [key] if key is not None else [f for f, _ in found]
                        if fact not in facts:
                            counts.missed_lookup += 1
                            continue
                        facts += [book.get(i) for i in ("self", "here") if i not in {f.id for f in facts}]
                        given = "\n".join(f"- {fact_text(f, 'en')}" for f in facts)
                        player = f"player-{len(question) % 7}"
                        user = prompt("character_turn").format(facts=given, player=sanitize(player, 64),
                                                               text=sanitize(question))
                        reply = reply_text(world, cid, fact, lang, f"{cid}|{question}")
                        counts.written += 1
                        counts.by_kind[kind] += 1
                        counts.by_language[lang] += 1
                        yield Example([{"role": "system", "content": system}, {"role": "user", "content": user},
                                       {"role": "assistant", "content": reply}],
                                      cid, lang, kind, f"{kind}.{lang}.{t_i}", fact.id)


def held_out_template(template_id: str) -> bool:
    """The last template of each (kind, language) goes to the eval split."""
    kind, lang, i = template_id.split(".")
    return int(i) == len(QUESTIONS[kind][lang]) - 1  # type: ignore[index]


def split(examples: list[Example]) -> tuple[list[Example], list[Example]]:
    """Train and held-out examples, split by question template."""
    held = [e for e in examples if held_out_template(e.template)]
    return [e for e in examples if not held_out_template(e.template)], held


def write_dialogues(out_dir: Path, world_file: Path | None = None) -> dict[str, Any]:
    """Write `train.jsonl` and `eval.jsonl` for `llmverse train sft` into `out_dir`; return the counts.

    The world is opened on a throwaway database at its start time, as `llmverse eval grounding` does,
    so "where" answers are given from where each character is at the start of the day.
    """
    counts = DialogueCounts()
    with tempfile.TemporaryDirectory() as tmp:
        world = open_world(world_file, f"sqlite:///{Path(tmp) / 'dialogues.db'}")
        examples = list(generate(world, counts=counts))
        world.store.engine.dispose()
    train, held = split(examples)
    out_dir.mkdir(parents=True, exist_ok=True)
    for name, rows in (("train.jsonl", train), ("eval.jsonl", held)):
        with (out_dir / name).open("w", encoding="utf-8") as f:
            for e in rows:
                f.write(json.dumps(e.record(), ensure_ascii=False) + "\n")
    return {"train": len(train), "eval": len(held), "missed_lookup": counts.missed_lookup,
            "by_kind": dict(counts.by_kind), "by_language": dict(counts.by_language)}
