"""The grounded voice: a model speaks, the world checks every sentence before a player sees it.

This is the one loop characters, the assistant and content writers run (principle 1 of DESIGN.md):

  stream the model's reply → regroup it into sentences → clean each (labels, stage directions, meta
  talk, echoes, repeats: voice/clean.py) → check it against the world and the facts given (invented
  names, numbers, quantities, directions; a Chinese reply with English in it: voice/check.py) → the
  caller's guard (the safety rails' output check) → show it, or drop it and say why in the log
  → stop after a few sentences, or after a few dropped ones (a small model that invents keeps on)
  → if nothing survived, the world composes the reply from the facts; if the answer was left out,
  the key fact is added (only the fact that answers the question, never a nearby one).

A dead or slow backend ends in the caller's in-character fallback line, and the turn goes on.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Generator
from dataclasses import dataclass, field

from llmverse.errors import BackendUnavailable
from llmverse.lang import Language, sentences
from llmverse.llm.base import Message, Usage
from llmverse.llm.gateway import Gateway
from llmverse.voice.check import Checker, states
from llmverse.voice.clean import Cleaner, normal
from llmverse.voice.fact import Fact

log = logging.getLogger(__name__)
# (action, text, reason): "keep" the sentence, "rewrite" it to text, or "refuse" with text as the reply.
Guard = Callable[[str], tuple[str, str, str | None]]
# A reply that claims not to know while the world holds the answer contradicts the fact added after it.
_DONT_KNOW = re.compile(r"\b(?:don't|do not|doesn't) know\b|\bno idea\b|\bnot sure\b|\bcouldn't (?:tell|say)\b|"
                        r"不知道|不清楚|说不上来|答不上来|说不好", re.I)
_LOOP = re.compile(r"(\b\w+(?:\W+\w+){0,3}?\b)(?:\W+\1\b){3,}", re.IGNORECASE | re.UNICODE)


@dataclass
class Spoken:
    """What the loop did: the text shown and how much of it the model wrote."""

    text: str = ""
    kept: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)  # the model's sentences that were not shown
    reasons: list[str] = field(default_factory=list)  # why each was dropped, in the same order
    draft: str = ""  # everything the model wrote, before the checks
    completed: bool = False  # the world added the key fact the model left out
    composed: bool = False  # the world wrote the whole reply
    fallback: bool = False  # the backend failed; the caller's fallback line stood in
    rail: str | None = None  # a guard rewrote or refused (its reason code)
    usage: Usage = field(default_factory=Usage)


@dataclass
class Voice:
    """How one speaker's model output is checked; one per reply (the cleaner remembers what was said)."""

    gateway: Gateway
    checker: Checker
    cleaner: Cleaner
    language: Language
    supported: str  # every text the reply may draw names and numbers from: facts, question, history
    max_sentences: int = 3
    max_dropped: int = 3
    max_tokens: int = 96
    guard: Guard | None = None

    def speak(self, messages: list[Message], *, key: Fact | None, compose: Callable[[], str],
              fallback: Callable[[], str]) -> Generator[str, None, Spoken]:
        """Yield the reply's pieces as they pass the checks; return what happened (`yield from`)."""
        out = Spoken()
        refusal: str | None = None
        try:
            for raw in sentences(self.gateway.stream(messages, max_tokens=self.max_tokens, usage=out.usage)):
                out.draft += (" " if out.draft else "") + raw
                sentence, why = self._check(raw, answered=key is not None)
                if sentence is not None and self.guard is not None:
                    action, text, reason = self.guard(sentence)
                    if action == "refuse":
                        out.rail, refusal = reason, text
                        self._drop(out, raw, f"refused by the rails ({reason})")
                        break
                    if action == "rewrite":
                        sentence, out.rail = text, reason
                if sentence is None:
                    self._drop(out, raw, why or "")
                    if why == "a loop":
                        break
                else:
                    out.kept.append(sentence)
                    yield sentence if len(out.kept) == 1 else self._join(sentence)
                if len(out.kept) >= self.max_sentences or len(out.dropped) >= self.max_dropped:
                    break  # closing the stream stops the model
        except BackendUnavailable as exc:  # the gateway retried and logged it (once); the speaker carries on
            if not out.kept:
                log.info("voice: the model is unavailable, answering with the fallback line: %s", exc)
                out.text, out.fallback = fallback(), True
                yield out.text
                return out
        if not out.kept and refusal is not None:
            out.text = refusal
            yield refusal
            return out
        if not out.kept:  # everything it said was dropped (or it said nothing): the facts speak
            out.text, out.composed = compose(), True
            yield out.text
            return out
        extra = key.text(self.language) if key is not None else ""
        if key is not None and not states(" ".join(out.kept), key) \
                and normal(extra) not in normal(" ".join(out.kept)):  # said word for word already: not twice
            out.kept.append(extra)
            out.completed = True
            yield self._join(extra)
        out.text = self._join_all(out.kept)
        return out

    def _check(self, raw: str, *, answered: bool = False) -> tuple[str | None, str | None]:
        if _LOOP.search(raw):  # "the Library of the Library of the Library ..."
            return None, "a loop"
        sentence, why = self.cleaner.clean(raw)
        if sentence is None:
            return None, why
        if answered and _DONT_KNOW.search(sentence):
            return None, "says it does not know what the world holds"  # "这个我不知道。图书馆09:00开门。"
        verdict = self.checker.check(sentence, self.language, self.supported)
        return (sentence, None) if verdict.ok else (None, verdict.why)

    def _drop(self, out: Spoken, sentence: str, why: str) -> None:
        out.dropped.append(sentence)
        out.reasons.append(why)
        log.info("voice: dropped %r: %s", sentence[:120], why)

    def _join(self, sentence: str) -> str:
        return sentence if self.language == "zh" else " " + sentence

    def _join_all(self, parts: list[str]) -> str:
        return ("" if self.language == "zh" else " ").join(parts)
