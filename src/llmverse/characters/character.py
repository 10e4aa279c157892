"""A character that talks: the grounded voice (voice/) given a persona, a memory and a conversation.

One reply, in the order it runs:
  refuse bad input → the input rail (attacks, hazards, personal data: refuse in character or redact)
  → record what the player said → a language we do not speak gets a reply saying which we do
  → read the question (what kind of fact, about which of the world's things, naming anything the
  world lacks) and find the facts it needs → a question the world cannot answer is declined in
  character, never answered with the nearest real fact → otherwise the model speaks from the facts,
  each sentence cleaned and checked before it is shown (voice/speak.py), then the output rail
  → the key fact is stated if the model left it out → record the reply.
A Chinese reply from a model that cannot write Chinese is composed from the facts' Chinese text.
A dead or slow backend gets an in-character line; the turn is still recorded.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING

from llmverse.characters.facts import Fact, FactBook
from llmverse.characters.relations import mood_word, rel_key, relationship, talk_change
from llmverse.characters.requests import answer, parse_request
from llmverse.errors import InvalidMessage
from llmverse.lang import Language, detect_language, other_language, split_sentences, tokens
from llmverse.llm.base import Message, Usage
from llmverse.llm.gateway import Gateway
from llmverse.safety.injection import DATA_RULE, sanitize
from llmverse.safety.rails import Decision, Rails
from llmverse.safety.refusals import Speaker
from llmverse.voice.check import Checker
from llmverse.voice.clean import Cleaner
from llmverse.voice.fact import make_fact
from llmverse.voice.locale import phrase, prompt
from llmverse.voice.question import surface_phrase
from llmverse.voice.retrieve import Found, TextEmbedder
from llmverse.voice.speak import Spoken, Voice
from llmverse.voice.vocabulary import vocabulary
from llmverse.world.grounding import Lexicon
from llmverse.world.store import Event
from llmverse.world.world import World

if TYPE_CHECKING:  # memory is optional (it needs an embedder); recall imports this module's siblings
    from llmverse.characters.recall import MemorySystem

log = logging.getLogger(__name__)
MAX_MESSAGE_CHARS = 2000
MAX_SENTENCES = 3  # a reply is one to three sentences; small models otherwise loop
MAX_DROPPED = 3  # after this many dropped sentences, stop the model and let the facts speak
CONVERSATION_GAP = timedelta(minutes=30)  # world time after which a returning player is greeted again
_LANGUAGE_NAMES = {"en": "English", "zh": "Chinese (简体中文)"}
_NOT_A_NAME = re.compile(r"(?:什么|啥|谁|哪|多少)|(?:what|who|how|not|sure|going|looking|here|from|a|an|the)$", re.I)
_TOLD_NAME = re.compile(r"\b(?:my name is|my name's|i am called|call me|i'm called)\s+([A-Z][\w'-]{0,30})"
                        r"|(?:我叫|我的名字是|我的名字叫|叫我)\s*([\u3400-\u9fff]{1,4}|[A-Za-z][\w'-]{0,30})", re.I)


@dataclass
class Reply:
    """A finished reply and what the checks did to it."""

    text: str
    language: Language
    facts: list[str] = field(default_factory=list)  # ids of the facts the speaker was given
    dropped: list[str] = field(default_factory=list)  # the model's sentences that were not shown
    completed: bool = False  # the world stated a fact the model left out
    composed: bool = False  # written from the facts, not by the model
    fallback: bool = False  # the backend failed; an in-character line stood in
    usage: Usage | None = None
    rail: str | None = None  # reason code when a safety rail refused or rewrote (see llmverse.safety)
    status: str = "answered"  # answered | unknown (declined honestly) | smalltalk | open | language
    key: str | None = None  # the id of the fact that answers the question, if any
    draft: str = ""  # everything the model wrote, before the checks
    reasons: list[str] = field(default_factory=list)  # why each dropped sentence was dropped


def check_message(text: str) -> str:
    """Refuse, with a reason, what no model should see: empty or oversized messages."""
    stripped = text.strip()
    if not stripped:
        raise InvalidMessage("the message is empty")
    if len(text) > MAX_MESSAGE_CHARS:
        raise InvalidMessage(f"the message has {len(text)} characters; the limit is {MAX_MESSAGE_CHARS}")
    return stripped


class Character:
    def __init__(self, world: World, character_id: str, gateway: Gateway, *, history_turns: int = 6,
                 max_tokens: int = 96, memory: MemorySystem | None = None, rails: Rails | None = None,
                 embedder: TextEmbedder | None | str = "auto") -> None:
        """`embedder`: the multilingual embedder retrieval blends with BM25 ("auto": the package's shared
        one when installed; None: BM25 alone)."""
        if character_id not in world.characters:
            raise InvalidMessage(f"no character '{character_id}' in {world.file.name.en}; "
                                 f"choose one of {sorted(world.characters)}")
        if isinstance(embedder, str):
            from llmverse.llm.embed import open_embedder

            embedder = open_embedder(embedder)
        self.world, self.gateway, self.embedder = world, gateway, embedder
        self.me = world.characters[character_id]
        # Rails on by default: the world's policy, the audit log in the world's store.
        self.rails = rails if rails is not None else Rails.for_world(world)
        self.history_turns, self.memory = history_turns, memory
        self.max_tokens = min(max_tokens, self.rails.policy.limits.max_output_tokens)
        self.speaker = Speaker(self.me.names.en, self.me.names.zh, self.me.role, self.me.role_zh)
        self.lexicon = Lexicon(world.file)
        self.checker = Checker(self.lexicon)
        # Which languages the model writes well; the bundled SmolLM2 writes no usable Chinese.
        self.model_languages: frozenset[str] = getattr(gateway.backend, "languages", frozenset({"en", "zh"}))
        self.last: Reply | None = None
        self._greeted: set[str] = set()  # players greeted in this conversation (this object's lifetime)
        traits = f" You are {', '.join(self.me.traits)}." if self.me.traits else ""
        self._system = {lang: prompt("character_system").format(
            name=self.me.names.en, role=self.me.role, world=world.file.name.en, persona=self.me.persona,
            traits=traits, language=_LANGUAGE_NAMES[lang], data_rule=DATA_RULE) for lang in _LANGUAGE_NAMES}
        self.system = self._system["en"]
        # What the character may say about itself (who it is, its sketch, what it knows); the rest of
        # the system prompt, the instructions, must not leak.
        identity = self.system.splitlines()[0]  # "You are Bram, the blacksmith in Harbor Town. <persona>"
        self.instructions = tuple(self.system.splitlines()[1:])
        self.public = " ".join([identity, f"I am {self.me.names.en}, the {self.me.role} in {world.file.name.en}.",
                                f"I am {self.me.names.en}, the {self.me.role} of {world.file.name.en}.",
                                f"You are {self.me.names.en}, the {self.me.role} of {world.file.name.en}.",
                                *self.me.knowledge])

    @property
    def name(self) -> str:
        return self.me.names.en

    def reply(self, player: str, text: str, *, record_incoming: bool = True) -> Reply:
        """The whole reply at once (the stream, consumed)."""
        for _ in self.respond(player, text, record_incoming=record_incoming):
            pass
        assert self.last is not None
        return self.last

    def respond(self, player: str, text: str, *, record_incoming: bool = True) -> Iterator[str]:
        """Stream the reply sentence by sentence; `self.last` holds the Reply when the stream ends.

        `record_incoming=False` when the incoming line is already in the event log (another
        character's reply, in a conversation between characters)."""
        text = check_message(text)
        language = detect_language(text)
        decision = self.rails.check_input(player, text, character=self.me.id, speaker=self.speaker, language=language)
        if decision.refused:  # an attack or a hazard: an in-character line, no model call
            yield from self._refused(player, decision, record_incoming, heard=text)
            return
        text = decision.text  # as sent, or with personal data redacted before any model or log sees it
        history = [e for e in self.world.events(kind="say", between=(player, self.me.id), last=2 * self.history_turns)
                   if not e.data.get("rail")]  # refused turns never come back into a prompt
        known = relationship(self.world, self.me.id, player)
        if record_incoming:  # recorded before anything can fail
            extra = {"redacted": decision.reason} if decision.action == "rewrite" else {}
            self.world.say(player, self.me.id, text, language=language, **extra)
        told_now = _told_name([text])  # "My name is Ana" in this very line
        told = told_now or _told_name([e.data.get("text", "") for e in history if e.actor == player])
        who = told or self._display_name(player)
        if other_language(text):  # a language we do not speak: say which we do, in English
            reply = Reply(text=phrase("languages", "en"), language="en", status="language", composed=True)
            yield reply.text
            self._finish(player, text, reply)
            return

        book = FactBook(self.world, self.me, self.embedder)
        q = book.question(text, language)
        found = book.find(q)
        request = parse_request(self.world, text)
        if request is not None:  # "meet me at the park at 3pm": the plan answers, the model phrases it
            said = answer(self.world, self.me.id, player, request)
            found = Found("answered", found.facts, make_fact("request", "request", said.reason_en, said.reason_zh,
                                                            (f"{request.at:%H:%M}",) if said.accepted else ("cannot", "不能")))
        if told_now:  # "My name is Ana": a meeting, not a question about anything the world holds
            found = Found("smalltalk")
        elif "player" in q.intents:  # "what's my name?" is about the player, whatever else it matched
            found = Found("answered", found.facts, make_fact(
                "player:name", "player", phrase("player_name", "en", player=told) if told else "",
                phrase("player_name", "zh", player=told) if told else "", (told,) if told else ()))
            if not told:
                found.status = "told_nothing"
        memories = self._recall(player, text)
        if found.status == "unknown" and found.missing and any(found.missing in tokens(m.en) for m in memories):
            found = Found("open", found.facts)  # not the world's, but something I remember: I can talk of it
        greeting = self._greeting(player, history, known.familiarity, who, language)
        if greeting:
            yield greeting
        turn = len(history)
        if found.status in ("unknown", "told_nothing"):  # the world holds no answer: say so, in character
            body = self._decline(found, q.text, language, turn, q.intents, q.unknown)
            reply = Reply(text=body, language=language, status="unknown", composed=True)
            yield self._after(greeting, body, language)
        else:
            facts = self._facts(book, found) + memories
            reply = Reply(text="", language=language, facts=[f.id for f in facts], status=found.status,
                          key=found.key.id if found.key else None)
            if language not in self.model_languages:
                reply.text, reply.composed = self._compose(found, language, turn, first=not history, told=told_now), True
                yield self._after(greeting, reply.text, language)
            else:
                gen = self._generate(player, who, text, history, facts, found, reply, greeting)
                try:  # the model's pieces, the first set apart from the greeting
                    piece = next(gen)
                    yield self._after(greeting, piece, language)
                    while True:
                        yield gen.send(None)
                except StopIteration as stop:
                    spoken = stop.value
                reply.text, reply.dropped, reply.reasons, reply.draft = spoken.text, spoken.dropped, spoken.reasons, spoken.draft
                reply.completed, reply.composed, reply.fallback = spoken.completed, spoken.composed, spoken.fallback
                reply.usage, reply.rail = spoken.usage, spoken.rail
        reply.text = self._join(greeting, reply.text, language).strip() if greeting else reply.text
        self._finish(player, text, reply)

    def _finish(self, player: str, text: str, reply: Reply) -> None:
        self.rails.charge(player, reply.usage)
        # The reply and the relationship it changes are committed together: a crash keeps both or neither.
        self.world.say(self.me.id, player, reply.text, updates={rel_key(self.me.id, player): talk_change(self.world, text)},
                       language=reply.language, facts=reply.facts, dropped=reply.dropped, composed=reply.composed,
                       completed=reply.completed, fallback=reply.fallback, status=reply.status)
        self.last = reply

    def _facts(self, book: FactBook, found: Found) -> list[Fact]:
        """The answer first (small models lean on what comes first), then who and where I am. When the
        question asks for one fact, hand over only it: distractors make a small model recite the wrong line."""
        facts = [found.key] if found.key is not None else [f for f, _ in found.facts[:2]] if found.status == "answered" else []
        return facts + [book.get(i) for i in ("self", "here") if i not in {f.id for f in facts}]

    def _recall(self, player: str, text: str) -> list[Fact]:
        """What I remember that bears on this (recency x importance x relevance), and may tell this player."""
        if self.memory is None:
            return []
        return [make_fact(f"memory:{r.memory.id}", "memory", f"I remember: {sanitize(r.memory.text)}",
                          f"我记得：{sanitize(r.memory.text)}")
                for r in self.memory.recall(self.world, self.me.id, text) if self._may_recall(r.memory, player)]

    def _greeting(self, player: str, history: list[Event], familiarity: int, who: str, language: Language) -> str:
        """A returning player is greeted by name once per conversation, not on every turn: a conversation
        is this speaker's talk with them until a pause of CONVERSATION_GAP in world time."""
        first = player not in self._greeted
        self._greeted.add(player)
        if not familiarity:
            return ""
        last = history[-1].world_time if history else None
        if last is not None and self.world.now() - last < CONVERSATION_GAP:
            return ""  # the conversation goes on (in this process or, after a reconnect, in another)
        if not first and last is None:
            return ""
        return phrase("greet_again", language, familiarity, player=who)

    def _display_name(self, player: str) -> str:
        """A character speaking is called by its name; a player by the name they go by."""
        other = self.world.characters.get(player)
        return other.names.en if other else player

    def _may_recall(self, memory, player: str) -> bool:
        """A memory of a conversation with a player is told back only to that player: what Alice said
        to Bram is not Bob's to hear (memories the character drew from several events are its own)."""
        if memory.source_event is None:
            return True
        e = self.world.store.event(self.world.key, memory.source_event)
        if e is None or e.kind != "say":
            return True
        parties = {e.actor, e.target} - {None} - set(self.world.characters)
        return parties <= {player}

    def _refused(self, player: str, decision: Decision, record_incoming: bool, *, heard: str) -> Iterator[str]:
        """A refused message: both turns are recorded (the player's with personal data redacted), marked
        so that they never return to a prompt; the reply is the rail's in-character line."""
        if record_incoming:
            self.world.say(player, self.me.id, decision.redacted, language=decision.language, rail=decision.reason)
        reply = Reply(text=decision.text, language=decision.language, rail=decision.reason, status="refused")
        yield reply.text
        # Heard all the same: rudeness cools a relationship (committed with the reply).
        self.world.say(self.me.id, player, reply.text, updates={rel_key(self.me.id, player): talk_change(self.world, heard)},
                       language=decision.language, rail=decision.reason)
        self.last = reply

    # --- the model's part -----------------------------------------------------------------
    def _generate(self, player: str, who: str, text: str, history: list[Event], facts: list[Fact],
                  found: Found, reply: Reply, greeting: str):
        lang = reply.language
        given = "\n".join(f"- {f.text(lang)}" for f in facts)
        mood = mood_word(relationship(self.world, self.me.id, player).affinity)
        system = self._system[lang] + ("" if mood == "politely" else f"\nSpeak {mood} to this visitor.")
        messages = [Message("system", system)]
        for ev in history:
            role = "assistant" if ev.actor == self.me.id else "user"
            text_then = ev.data.get("text", "")
            messages.append(Message(role, sanitize(text_then) if role == "user" else text_then))
        # The player's words go in their slot on one line, unable to open a new turn or section.
        messages.append(Message("user", prompt("character_turn").format(
            facts=given, player=sanitize(who, 64), text=sanitize(text))))
        supported = "\n".join([given, text, who, *(m.content for m in messages[1:])])
        earlier = tuple(x for ev in history if ev.actor == self.me.id for x in split_sentences(ev.data.get("text", "")))
        other = self.world.characters.get(player)
        cleaner = Cleaner(speaker_names=(self.me.names.en, self.me.names.zh or "", *self.me.aliases),
                          other_names=(player, who, *((other.names.en, other.names.zh or "") if other else ())),
                          question=text, instructions=self.instructions, earlier=(*earlier, greeting))
        voice = Voice(self.gateway, self.checker, cleaner, lang, supported, MAX_SENTENCES, MAX_DROPPED,
                      self.max_tokens, guard=lambda s: self._guard(s, player, lang, supported))
        turn = len(history)
        spoken: Spoken = yield from voice.speak(
            messages, key=found.key, compose=lambda: self._compose(found, lang, turn, first=not history, told=_told_name([text])),
            fallback=lambda: phrase("fallback", lang, name=self._name(lang)))
        return spoken

    def _guard(self, sentence: str, player: str, language: Language, supported: str) -> tuple[str, str, str | None]:
        out = self.rails.check_output(sentence, player=player, character=self.me.id, speaker=self.speaker,
                                      secrets=[self.system], public=self.public, supported=supported,
                                      language=language)
        if out.refused:
            return "refuse", out.text, out.reason
        if out.action == "rewrite":
            return "rewrite", out.text, out.reason
        return "keep", sentence, None

    # --- the world's part -----------------------------------------------------------------
    def _compose(self, found: Found, language: Language, turn: int, *, first: bool, told: str | None = None) -> str:
        """A reply made of world facts: the answer to the question; for a greeting, who I am."""
        intro = phrase("introduce", language, name=self._name(language), role=self._role(language))
        if found.key is not None:
            body = found.key.text(language)
            if found.key.id == "self":
                return body
            return self._join(intro, body, language) if first else body
        if found.status == "smalltalk" and told:
            return phrase("nice_to_meet", language, turn, player=told)
        return phrase("smalltalk", language, turn, name=self._name(language), role=self._role(language))

    def _decline(self, found: Found, question: str, language: Language, turn: int, intents: set[str],
                 unknown: Sequence[str] = ()) -> str:
        """An honest "I don't know" in character: what was asked about that the world lacks, and for a
        seller asked for wares it does not have, what it does sell."""
        if found.status == "told_nothing":
            return phrase("decline_player_name", language)
        n = turn + int(hashlib.md5(question.encode()).hexdigest(), 16) % 7
        known = vocabulary(self.world.file).words
        what = surface_phrase(question, found.missing, unknown, known) if found.missing else None
        wares = self.world.things_owned_by(self.me.id)
        selling = bool(intents & {"sells", "price"})  # asked what it costs or whether I sell it
        mine = {None, f"character:{self.me.id}", f"place:{self.me.workplace}" if self.me.workplace else None}
        if what and wares and selling and found.subject in mine:  # "Do you sell swords at the Forge?"
            names = [(t.names.zh or t.names.en) if language == "zh" else t.names.en for t in wares]
            listed = "、".join(names) if language == "zh" else ", ".join(names[:-1]) + " and " + names[-1] if len(names) > 1 else names[0]
            return phrase("decline_seller", language, n, what=what, wares=listed)
        world = (self.world.file.name.zh or self.world.file.name.en) if language == "zh" else self.world.file.name.en
        if what and found.subject and found.subject.split(":", 1)[1] in self.world.places:
            place = self.world.places[found.subject.split(":", 1)[1]].names
            subject = (place.zh or place.en) if language == "zh" else place.en
            return phrase("decline_subject", language, n, what=what, subject=subject)
        if what:
            return phrase("decline_thing", language, n, what=what, world=world)
        about = self._entity_name(found.subject, language) if found.subject else None
        if about and not found.subject.startswith("character:"):  # "How old is the lighthouse?"
            return phrase("decline_detail", language, n, subject=about)
        return phrase("decline_general", language, n)

    def _entity_name(self, entity: str, language: Language) -> str | None:
        """What the world calls an entity ("place:forge", "landmark:2") in the player's language."""
        kind, _, key = entity.partition(":")
        w = self.world
        names = {"place": lambda: w.places[key].names, "thing": lambda: w.things[key].names,
                 "character": lambda: w.characters[key].names,
                 "landmark": lambda: w.file.map.blocked[int(key)].name}.get(kind)
        try:
            got = names() if names else None
        except (KeyError, IndexError, ValueError):
            return None
        if got is None:
            return None
        return (got.zh or got.en) if language == "zh" else got.en

    def _name(self, language: Language) -> str:
        return (self.me.names.zh or self.me.names.en) if language == "zh" else self.me.names.en

    def _role(self, language: Language) -> str:
        return (self.me.role_zh or self.me.role) if language == "zh" else self.me.role

    @staticmethod
    def _after(greeting: str, piece: str, language: Language) -> str:
        """The first piece after a greeting already shown, with the space English needs."""
        return piece if not greeting or language == "zh" else " " + piece

    @staticmethod
    def _join(first: str, second: str, language: Language) -> str:
        if not first:
            return second
        return first + second if language == "zh" else f"{first} {second}"


def _told_name(lines: list[str]) -> str | None:
    """The name a player gave in the conversation ("My name is Ana", "我叫安娜"); the latest wins.
    A question is no name: "我叫什么名字？" once made the player "什么名字"."""
    name = None
    for line in lines:
        for m in _TOLD_NAME.finditer(line):
            said = (m.group(1) or m.group(2) or "").strip()
            if said and not _NOT_A_NAME.match(said):
                name = said
    return name

