"""Bilingual NPC conversations from many generated worlds: the training set of `llmverse train sft`.

The model learns one job: speak as a character from the facts it is handed, in the player's language,
and say it doesn't know when the facts don't answer. So every example is made by the real thing: a
`Character` of a generated world (train/worldgen.py) is asked a question, and the prompt it sends its
model — system prompt, history, the facts its retrieval found, the player's line — is captured
character for character from a recording backend. Training on anything else would teach the model a
prompt it never sees.

The reply it is taught is written from the fact the character put first (its answer), in one of many
phrasings (replies.yaml) wrapped in the character's temperament, and it must pass the character's own
checks unchanged (nothing dropped, nothing added): a reply the checker would cut is never taught.
Questions the voice layer declines without a model (a thing the world lacks) never reach the model,
so they are not taught either; those that do reach it with facts that don't answer are taught "I don't
know". Conversations run several turns with one player (history, a told name, a switch of language).

Held out: whole worlds (the last `held_worlds` seeds) for the eval file, and whole question templates
(only the tuning part of `evals/grounding_templates.yaml` is ever asked; its held-out part, Harbor Town
and Pine Hollow are what the model is measured on).
"""

from __future__ import annotations

import json
import random
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any, Literal

import yaml

from llmverse.lang import detect_language

Language = Literal["en", "zh"]
SKIP = "\x00skip"  # what the recording backend answers when no reply can be taught for the prompt


@cache
def replies() -> dict[str, Any]:
    return yaml.safe_load(files("llmverse.train").joinpath("replies.yaml").read_text("utf-8"))


@dataclass(frozen=True)
class Turn:
    question: str
    intent: str  # answer | dont_know | smalltalk | how_are_you | thanks | goodbye | nice_to_meet | player_name
    template: str  # the question template's id (held-out split unit), or the intent for small talk
    expected: tuple[str, ...] = ()  # values an answer must contain (from the evaluation's item)


@dataclass
class DialogueCounts:
    written: int = 0
    asked: int = 0
    not_to_model: int = 0  # declined or composed by the voice layer: the model is never asked
    skipped: int = 0  # the prompt's first fact does not answer the question: nothing to teach
    rejected: int = 0  # the taught reply would not pass the character's checks unchanged
    why_rejected: Counter = field(default_factory=Counter)
    by_intent: Counter = field(default_factory=Counter)
    by_language: Counter = field(default_factory=Counter)


@dataclass(frozen=True)
class Example:
    messages: list[dict[str, str]]
    world: str
    character: str
    language: Language
    intent: str
    template: str

    def record(self) -> dict[str, Any]:
        return {"messages": self.messages, "world": self.world, "character": self.character,
                "language": self.language, "intent": self.intent, "template": self.template}


# --- what the character is taught to say ------------------------------------------------------
def _voice(traits: list[str], lang: Language, body: str, rng: random.Random) -> str:
    """The body wrapped in the temperament's words (often none)."""
    voices = replies()["voices"]
    v = voices.get(traits[0] if traits else "", voices["calm"])
    opener, closer = rng.choice(v["open"][lang]), rng.choice(v["close"][lang])
    if lang == "en" and opener and opener.endswith(", ") and body[:1].isupper() and not body.startswith("I "):
        body = body[0].lower() + body[1:]
    return f"{opener}{body}{closer}".strip()


def _names(names: Any, lang: Language) -> str:
    return (names.zh or names.en) if lang == "zh" else names.en


def answer_text(world: Any, me: Any, fact: Any, lang: Language, rng: random.Random, player: str = "") -> str:
    """One phrasing of a fact as this character would say it."""
    a = replies()["answers"]
    prefix, _, ref = fact.id.partition(":")
    if prefix == "price" and ref in world.things:
        t = world.things[ref]
        return rng.choice(a["price"][lang]).format(thing=_names(t.names, lang), price=f"{t.price:g}")
    if prefix == "hours" and ref in world.places:
        p = world.places[ref]
        if not p.hours:
            return rng.choice(a["hours_always"][lang]).format(place=_names(p.names, lang))
        o, c = p.hours.split("-")
        return rng.choice(a["hours"][lang]).format(place=_names(p.names, lang), open=o, close=c)
    if prefix == "who" and ref in world.characters:
        c = world.characters[ref]
        work = world.places[c.workplace].names if c.workplace else None
        at = (f"，在{_names(work, lang)}" if lang == "zh" else f" at the {work.en}") if work else ""
        role = (c.role_zh or c.role) if lang == "zh" else c.role
        return rng.choice(a["who"][lang]).format(name=_names(c.names, lang), role=role, work=at)
    if fact.id == "self":
        role = (me.role_zh or me.role) if lang == "zh" else me.role
        return rng.choice(a["self"][lang]).format(name=_names(me.names, lang), role=role)
    if fact.id == "player:name" and player:
        return rng.choice(a["player_name"][lang]).format(player=player)
    text = fact.text(lang)
    if lang == "en":
        text = text.replace(f", sold by {me.names.en}.", ". I sell it myself.")
        if text.startswith(f"{me.names.en} "):
            return text
    return rng.choice(a["fact"][lang]).format(fact=text, fact_lower=text[:1].lower() + text[1:])


def reply_for(turn: Turn, world: Any, me: Any, facts: list[Any], lang: Language, rng: random.Random,
              player: str) -> str:
    """The reply to teach for this prompt, or SKIP when its first fact does not answer the question."""
    a = replies()["answers"]
    if turn.intent == "answer":
        if not facts or facts[0].id in ("self", "here") and turn.template.split(".")[0] not in ("self", "sells"):
            return SKIP
        body = answer_text(world, me, facts[0], lang, rng, player)
        if turn.expected and not any(e and e.lower() in body.lower() for e in turn.expected):
            return SKIP
        return _voice(me.traits, lang, body, rng)
    if turn.intent == "player_name":
        named = next((f for f in facts if f.id == "player:name"), None)
        return answer_text(world, me, named, lang, rng, player) if named and player else SKIP
    here = world.places[me.workplace].names if me.workplace else world.file.name
    body = rng.choice(a[turn.intent][lang]).format(player=player, work_place=_names(here, lang))
    return _voice(me.traits, lang, body, rng) if turn.intent == "dont_know" else body


# --- the questions ---------------------------------------------------------------------------
def _fill(text: str, player: str) -> str:
    return text.replace("{player}", player)


def conversations(world: Any, world_id: str, rng: random.Random,
                  per_character: int = 16) -> Iterator[tuple[str, str, list[Turn]]]:
    """(character, player, turns): up to `per_character` tuning-part questions per character, spread over
    conversations of one to four turns, with small talk, a told name and a switch of language."""
    from llmverse.evals.heldout import items

    q = replies()["questions"]
    by_character: dict[str, list[Turn]] = {}
    for it in items(world, world_id, "tuning"):
        by_character.setdefault(it.character, []).append(
            Turn(it.question, "dont_know" if it.unanswerable else "answer", it.template, it.expected))
    players = replies()["players"]
    used: set[str] = set()
    for cid in sorted(world.characters):
        asks = by_character.get(cid, [])
        rng.shuffle(asks)
        del asks[per_character:]
        for lang in ("en", "zh"):
            for question in rng.sample(q["dont_know"][lang], 3):
                asks.append(Turn(question, "dont_know", f"dont_know.{lang}"))
        n = 0
        while asks:
            n += 1
            name = rng.choice(players)
            player = name if rng.random() < 0.5 and name not in used else f"visitor{len(used) + 2}"
            used.add(player)  # a new player each time: no history from another conversation
            turns: list[Turn] = []
            lang: Language = detect_language(asks[0].question)  # type: ignore[assignment]
            if rng.random() < 0.35:
                intent = rng.choice(["smalltalk", "how_are_you"])
                turns.append(Turn(rng.choice(q[intent][lang]), intent, f"{intent}.{lang}"))
            told = None
            if rng.random() < 0.25:
                told = name
                turns.append(Turn(_fill(rng.choice(q["tell_name"][lang]), told), "nice_to_meet", f"tell_name.{lang}",
                                  (told,)))  # the name told: what "what's my name?" must give back
            for _ in range(rng.randint(1, 3)):
                if asks:
                    turns.append(asks.pop())
            if told and rng.random() < 0.7:
                ask_lang = detect_language(turns[-1].question)
                turns.append(Turn(rng.choice(q["ask_name"][ask_lang]), "player_name", f"ask_name.{ask_lang}"))
            if rng.random() < 0.25:
                intent = rng.choice(["thanks", "goodbye"])
                end_lang = detect_language(turns[-1].question)
                turns.append(Turn(rng.choice(q[intent][end_lang]), intent, f"{intent}.{end_lang}"))
            yield cid, player, turns


# --- capturing the real prompts ------------------------------------------------------------------
class _Teacher:
    """The recording backend's reply: what to teach for the prompt the character just built."""

    def __init__(self) -> None:
        self.decide: Callable[[list[Any]], str] = lambda messages: SKIP
        self.last: str = SKIP

    def __call__(self, messages: list[Any]) -> str:
        self.last = self.decide(messages)
        return self.last


def generate(world: Any, world_id: str, *, seed: int = 0, embedder: Any = None,
             counts: DialogueCounts | None = None) -> Iterator[Example]:
    """Examples from one world: each model call a real `Character` makes, with the reply to teach."""
    from llmverse.characters.character import Character
    from llmverse.characters.facts import FactBook
    from llmverse.llm.gateway import Gateway
    from llmverse.llm.scripted import ScriptedBackend

    counts = counts if counts is not None else DialogueCounts()
    rng = random.Random(f"dialogues:{seed}:{world_id}")
    teacher = _Teacher()
    backend = ScriptedBackend(default=teacher)
    gateway = Gateway(backend)
    speakers: dict[str, Character] = {}
    for cid, player, turns in conversations(world, world_id, rng):
        ch = speakers.get(cid) or speakers.setdefault(cid, Character(world, cid, gateway, embedder=embedder))
        book = FactBook(world, ch.me, embedder)
        by_text = {}
        told = None
        for turn in turns:
            lang: Language = detect_language(turn.question)  # type: ignore[assignment]
            if turn.intent == "nice_to_meet":
                told = turn.expected[0]

            def decide(messages: list[Any], turn: Turn = turn, lang: Language = lang) -> str:
                if not by_text:
                    by_text.update({f.text(lng): f for f in book.facts for lng in ("en", "zh")})
                given = [line[2:] for line in messages[-1].content.splitlines() if line.startswith("- ")]
                facts = [by_text[t] for t in given if t in by_text]
                return reply_for(turn, world, ch.me, facts, lang, rng, told or "")

            teacher.decide = decide
            before = len(backend.calls)
            counts.asked += 1
            ch.reply(player, turn.question)
            reply = ch.last
            if len(backend.calls) == before:
                counts.not_to_model += 1
                continue
            if teacher.last == SKIP:
                counts.skipped += 1
                continue
            if reply is None or reply.dropped or reply.completed or reply.composed or reply.fallback \
                    or teacher.last not in reply.text:
                counts.rejected += 1
                counts.why_rejected.update(reply.reasons if reply and reply.reasons else
                                           ["completed" if reply and reply.completed else "other"])
                continue
            messages = [{"role": m.role, "content": m.content} for m in backend.calls[-1]]
            messages.append({"role": "assistant", "content": teacher.last})
            counts.written += 1
            counts.by_intent[turn.intent] += 1
            counts.by_language[lang] += 1
            yield Example(messages, world_id, cid, lang, turn.intent, turn.template)


def write_dialogues(out_dir: Path, worlds: int = 50, held_worlds: int = 5, seed: int = 0,
                    progress: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Generate `worlds + held_worlds` worlds into `out_dir/worlds/`, their conversations into
    `train.jsonl` (the first `worlds`) and `eval.jsonl` (the rest, whole worlds held out)."""
    from llmverse.llm.embed import open_embedder
    from llmverse.train.worldgen import write_worlds
    from llmverse.world.world import open_world

    out_dir.mkdir(parents=True, exist_ok=True)
    paths = write_worlds(out_dir / "worlds", range(seed, seed + worlds + held_worlds))
    embedder = open_embedder("auto")
    counts = DialogueCounts()
    rows: dict[str, int] = {"train.jsonl": 0, "eval.jsonl": 0}
    files_ = {name: (out_dir / name).open("w", encoding="utf-8") for name in rows}
    try:
        with tempfile.TemporaryDirectory() as tmp:
            for i, path in enumerate(paths):
                world = open_world(path, f"sqlite:///{Path(tmp) / f'{path.stem}.db'}")
                name = "train.jsonl" if i < worlds else "eval.jsonl"
                for e in generate(world, path.stem, seed=seed, embedder=embedder, counts=counts):
                    files_[name].write(json.dumps(e.record(), ensure_ascii=False) + "\n")
                    rows[name] += 1
                world.store.engine.dispose()
                if progress:
                    progress(f"{path.stem}: {counts.written} examples so far")
    finally:
        for f in files_.values():
            f.close()
    return {"train": rows["train.jsonl"], "eval": rows["eval.jsonl"], "asked": counts.asked,
            "not_to_model": counts.not_to_model, "skipped": counts.skipped, "rejected": counts.rejected,
            "by_intent": dict(counts.by_intent), "by_language": dict(counts.by_language)}
