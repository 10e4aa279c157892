"""A character that talks: persona + the facts it needs + recent turns in, a checked reply out.

One reply, in the order it runs:
  refuse bad input → the input rail (attacks, hazards, personal data: refuse in character or redact)
  → record what the player said → pick the facts the question needs → ask the model (streaming),
  the player's words and memories fenced as data → check each sentence against the world as it
  completes, dropping any that invents a name or a number, then the output rail (hazards, personal
  data, system-prompt leaks) → state the key fact if the model missed it → record the reply.
A Chinese reply from a model that cannot write Chinese is composed from the facts' Chinese text.
A dead or slow backend gets an in-character line; the turn is still recorded.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from llmverse.characters.facts import Fact, FactBook, fact_text
from llmverse.characters.relations import Relationship, after_talk, mood_word, relationship
from llmverse.characters.requests import answer, parse_request
from llmverse.errors import BackendUnavailable, InvalidMessage
from llmverse.lang import Language, detect_language, sentences
from llmverse.llm.base import Message, Usage
from llmverse.llm.gateway import Gateway
from llmverse.safety.injection import DATA_RULE, sanitize
from llmverse.safety.rails import Decision, Rails
from llmverse.safety.refusals import Speaker
from llmverse.world.grounding import Finding, Lexicon, numbers_in
from llmverse.world.world import World

if TYPE_CHECKING:  # memory is optional (it needs an embedder); recall imports this module's siblings
    from llmverse.characters.recall import MemorySystem

log = logging.getLogger(__name__)
MAX_MESSAGE_CHARS = 2000
MAX_SENTENCES = 3  # a reply is one to three sentences; small models otherwise loop
MAX_DROPPED = 3  # after this many invented sentences, stop the model and let the facts speak

SYSTEM = """You are {name}, the {role} in {world}. {persona}{traits}
Speak as {name}, in the first person, in one to three short sentences of English.
Use only the facts you are given; if they do not answer the question, say you do not know.
Never invent names, places, prices or times.
{data_rule}"""

TURN = """Facts:
{facts}

{player} says: {text}{answer}"""
ANSWER = "\n(Answer with this fact: {fact})"


@dataclass
class Reply:
    """A finished reply and what the checks did to it."""

    text: str
    language: Language
    facts: list[str] = field(default_factory=list)  # ids of the facts the speaker was given
    dropped: list[str] = field(default_factory=list)  # sentences removed because they invented
    completed: bool = False  # the world stated a fact the model left out
    composed: bool = False  # written from the facts, not by the model
    fallback: bool = False  # the backend failed; an in-character line stood in
    usage: Usage | None = None
    rail: str | None = None  # reason code when a safety rail refused or rewrote (see llmverse.safety)


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
                 max_tokens: int = 96, memory: MemorySystem | None = None, rails: Rails | None = None) -> None:
        if character_id not in world.characters:
            raise InvalidMessage(f"no character '{character_id}' in {world.file.name.en}; "
                                 f"choose one of {sorted(world.characters)}")
        self.world, self.gateway = world, gateway
        self.me = world.characters[character_id]
        # Rails on by default: the world's policy, the audit log in the world's store.
        self.rails = rails if rails is not None else Rails.for_world(world)
        self.history_turns, self.memory = history_turns, memory
        self.max_tokens = min(max_tokens, self.rails.policy.limits.max_output_tokens)
        self.speaker = Speaker(self.me.names.en, self.me.names.zh, self.me.role, self.me.role_zh)
        self.lexicon = Lexicon(world.file)
        # Which languages the model writes well; the bundled SmolLM2 writes no usable Chinese.
        self.model_languages: frozenset[str] = getattr(gateway.backend, "languages", frozenset({"en", "zh"}))
        self.last: Reply | None = None
        traits = f" You are {', '.join(self.me.traits)}." if self.me.traits else ""
        self.system = SYSTEM.format(name=self.me.names.en, role=self.me.role, world=world.file.name.en,
                                    persona=self.me.persona, traits=traits, data_rule=DATA_RULE)
        # What the character may say about itself (who it is, its sketch, what it knows); the rest of
        # the system prompt, the instructions, must not leak.
        identity = self.system.splitlines()[0]  # "You are Bram, the blacksmith in Harbor Town. <persona>"
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
            yield from self._refused(player, decision, record_incoming)
            return
        text = decision.text  # as sent, or with personal data redacted before any model or log sees it
        history = [e for e in self.world.events(kind="say", between=(player, self.me.id), last=2 * self.history_turns)
                   if not e.data.get("rail")]  # refused turns never come back into a prompt
        known = relationship(self.world, self.me.id, player)
        if record_incoming:  # recorded before anything can fail
            extra = {"redacted": decision.reason} if decision.action == "rewrite" else {}
            self.world.say(player, self.me.id, text, language=language, **extra)
        book = FactBook(self.world, self.me)
        found, key = book.lookup(text, k=4)
        request = parse_request(self.world, text)
        if request is not None:  # "meet me at the park at 3pm": the plan answers, the model phrases it
            said = answer(self.world, self.me.id, player, request)
            key = Fact("request", said.reason_en, said.reason_zh,
                       (f"{request.at:%H:%M}",) if said.accepted else ("cannot", "不能"))
        # The answer first (small models lean on what comes first), then who and where I am.
        # When the question asks for one fact, hand over only it: distractors make a small model
        # recite the wrong line.
        facts = [key] if key is not None else [f for f, _ in found]
        facts += [book.get(i) for i in ("self", "here") if i not in {f.id for f in facts}]
        if known.familiarity:
            facts.append(_met_before(player, known))
        if self.memory is not None:  # what I remember that bears on this (recency x importance x relevance)
            facts += [Fact(f"memory:{r.memory.id}", f"I remember: {sanitize(r.memory.text)}",
                           f"我记得：{sanitize(r.memory.text)}", ())
                      for r in self.memory.recall(self.world, self.me.id, text) if self._may_recall(r.memory, player)]
        reply = Reply(text="", language=language, facts=[f.id for f in facts])

        greeting = ""
        if known.familiarity:  # a returning visitor is greeted by name, whatever the model remembers
            who = self.world.characters[player] if player in self.world.characters else None
            name = (who.names.zh or who.names.en if language == "zh" else who.names.en) if who else player
            greeting = f"{name}，又见面了！" if language == "zh" else f"Good to see you again, {name}. "
            yield greeting
        if language not in self.model_languages:
            reply.text, reply.composed = self._compose(facts, key, language), True
            yield reply.text
        else:
            yield from self._generate(player, text, history, facts, key, reply)
        reply.text = greeting + reply.text
        self.rails.charge(player, reply.usage)
        after_talk(self.world, self.me.id, player, text)
        self.world.say(self.me.id, player, reply.text, language=language, facts=reply.facts,
                       dropped=reply.dropped, composed=reply.composed, completed=reply.completed,
                       fallback=reply.fallback)
        self.last = reply

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

    def _refused(self, player: str, decision: Decision, record_incoming: bool) -> Iterator[str]:
        """A refused message: both turns are recorded (the player's with personal data redacted), marked
        so that they never return to a prompt; the reply is the rail's in-character line."""
        if record_incoming:
            self.world.say(player, self.me.id, decision.redacted, language=decision.language, rail=decision.reason)
        reply = Reply(text=decision.text, language=decision.language, rail=decision.reason)
        yield reply.text
        self.world.say(self.me.id, player, reply.text, language=decision.language, rail=decision.reason)
        self.last = reply

    # --- the model's part -----------------------------------------------------------------
    def _generate(self, player: str, text: str, history, facts: list[Fact], key: Fact | None,
                  reply: Reply) -> Iterator[str]:
        lang = reply.language
        given = "\n".join(f"- {fact_text(f, 'en')}" for f in facts)
        messages = [Message("system", self.system)]
        for ev in history:
            role = "assistant" if ev.actor == self.me.id else "user"
            text_then = ev.data.get("text", "")
            messages.append(Message(role, sanitize(text_then) if role == "user" else text_then))
        answer = ANSWER.format(fact=fact_text(key, "en")) if key is not None else ""
        # The player's words go in their slot on one line, unable to open a new turn or section.
        messages.append(Message("user", TURN.format(facts=given, player=sanitize(player, 64), text=sanitize(text),
                                                    answer=answer)))
        supported = "\n".join([given, text, self.system, *(m.content for m in messages)])
        kept: list[str] = []
        refusal: str | None = None
        usage = Usage()
        try:
            for sentence in sentences(self.gateway.stream(messages, max_tokens=self.max_tokens, usage=usage)):
                if sentence in kept:  # a small model's loop: say it once
                    continue
                if _looping(sentence):  # "the Library of the Library of the Library ..."
                    reply.dropped.append(sentence)
                    log.info("%s: dropped a looping sentence %r", self.me.id, sentence[:80])
                    break
                finding = self.lexicon.check(sentence, supported_text=supported)
                if finding.ok:
                    out = self.rails.check_output(sentence, player=player, character=self.me.id, speaker=self.speaker,
                                                  secrets=[self.system], public=self.public, supported=supported,
                                                  language=lang)
                    if out.refused:  # a hazard or the system prompt: stop the model, say no in character
                        reply.dropped.append(sentence)
                        reply.rail, refusal = out.reason, out.text
                        break
                    if out.action == "rewrite":
                        sentence, reply.rail = out.text, out.reason
                    kept.append(sentence)
                    yield sentence if len(kept) == 1 else " " + sentence
                else:
                    reply.dropped.append(sentence)
                    log.info("%s: dropped an ungrounded sentence %r: %s", self.me.id, sentence, _describe(finding))
                if len(kept) >= MAX_SENTENCES or len(reply.dropped) >= MAX_DROPPED:
                    break  # closing the stream stops the model
        except BackendUnavailable as exc:  # the gateway retried and logged; the character speaks
            if not kept:
                log.error("%s: answering in character instead of the model: %s", self.me.id, exc)
                reply.text, reply.fallback, reply.usage = self._fallback_line(lang), True, usage
                yield reply.text
                return
        reply.usage = usage
        if not kept and refusal is not None:
            reply.text = refusal
            yield refusal
            return
        if not kept:  # everything it said was invented (or it said nothing): the facts speak
            composed = self._compose(facts, key, lang)
            kept.append(composed)
            reply.composed = True
            yield composed
        elif key is not None and not _states(" ".join(kept), key):
            extra = fact_text(key, lang)
            kept.append(extra)
            reply.completed = True
            yield " " + extra
        reply.text = " ".join(kept)

    # --- the world's part -----------------------------------------------------------------
    def _compose(self, facts: list[Fact], key: Fact | None, language: Language) -> str:
        """A reply made of world facts: the answer to the question, or who I am and where."""
        me = self.me
        if key is not None and key.id == "self":
            return fact_text(key, language)
        body = [key] if key is not None else [f for f in facts if f.id not in ("self", "here")][:1]
        here = next(f for f in facts if f.id == "here")
        if language == "zh":
            name = me.names.zh or me.names.en
            lead = f"您好，我是{name}。"
            return lead + "".join(fact_text(f, "zh") for f in body) if body else lead + fact_text(here, "zh")
        lead = f"Hello, I'm {me.names.en}."
        return " ".join([lead, *(fact_text(f, "en") for f in body)]) if body else f"{lead} {fact_text(here, 'en')}"

    def _fallback_line(self, language: Language) -> str:
        if language == "zh":
            return f"（{self.me.names.zh or self.me.names.en}愣了一下）抱歉，我刚才走神了，您能再说一遍吗？"
        return f"*{self.me.names.en} pauses, lost in thought* Forgive me, my mind wandered. Could you say that again?"


_LOOP = re.compile(r"(\b\w+(?:\W+\w+){0,3}?\b)(?:\W+\1\b){3,}", re.IGNORECASE | re.UNICODE)


def _looping(sentence: str) -> bool:
    """A phrase of one to four words repeated four times or more in a row."""
    return _LOOP.search(sentence) is not None


def _met_before(player: str, r: Relationship) -> Fact:
    times = "once" if r.familiarity == 1 else f"{r.familiarity} times"
    return Fact("met", f"I have talked with {player} {times} before; last time they said: \"{r.last_topic}\". "
                       f"I have already greeted {player}, and I speak {mood_word(r.affinity)} to them.",
                f"我和{player}聊过{r.familiarity}次；上次他们说：“{r.last_topic}”。", (player,))


def _states(text: str, fact: Fact) -> bool:
    """Does the text state the fact? Opening hours count when both ends appear, however written."""
    low = text.lower()
    for answer in fact.answers:
        if re.fullmatch(r"\d\d:\d\d-\d\d:\d\d", answer):
            if set(numbers_in(answer)) - {answer} <= numbers_in(text):
                return True
        elif answer.lower() in low:
            return True
    return not fact.answers


def _describe(f: Finding) -> str:
    parts = []
    if f.invented_names:
        parts.append(f"names not in the world {f.invented_names}")
    if f.unsupported_numbers:
        parts.append(f"numbers not in the facts {f.unsupported_numbers}")
    return "; ".join(parts)
