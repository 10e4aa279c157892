"""Free text from the model through the grounded voice (`Voice.speak`), with content's own check.

News articles, stories and descriptions run the one speak-and-check loop characters and the assistant
run (voice/speak.py): the model's reply is streamed, regrouped into sentences, cleaned (labels, meta
talk, repeats), checked, and kept or dropped; the stream is closed once enough sentences stand, or
after a few dropped ones. What content adds is the check and what happens after:

  the check   the voice's own checker (language, names, numbers), then the claims check of
              grounding.py (every action, time and price must be a cited event's), then what is no
              part of a text (talk about the writing, a masthead, a run-on) -> `_ContentCheck`
  the stream  markdown, list markers and "Headline:" labels small models add are taken out before the
              voice reads it, and a line without an end mark ends a sentence -> `_Plain`
  the rest    too few grounded facts kept: the world's own sentences fill the gap (all of them when
              the model said nothing usable, or the backend is down).

There is no retry: the loop exists once, and a second try of a small model mostly repeats the first.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, field
from typing import Any

from llmverse.content.documents import Language, Sentence
from llmverse.content.grounding import Support
from llmverse.llm.base import Message, Usage
from llmverse.voice import Spoken, Voice
from llmverse.voice.check import Checker, Verdict
from llmverse.voice.clean import Cleaner

log = logging.getLogger(__name__)
MAX_SENTENCE_CHARS = 300  # longer is a small model running on; it is dropped, not shown
# Leading labels a small model puts before its text ("Headline: ...", "Story: ..."): the cleaner strips
# a label of the speaker itself, so these are given to it as the speaker's own names.
LABELS = ("headline", "title", "article", "story", "poem", "description", "news", "标题", "正文", "故事", "描述")


@dataclass
class Written:
    kept: list[Sentence] = field(default_factory=list)
    raw: list[Sentence] = field(default_factory=list)  # every sentence the model wrote, checked
    dropped: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)  # why each was dropped, in the same order
    composed: int = 0  # sentences the world wrote (the model wrote too few grounded ones)
    failed: str | None = None  # why the model could not be used at all
    usage: Usage = field(default_factory=Usage)


def write_spoken(ctx: Any, messages: list[Message], support: Support, language: Language, *,
                 compose: Callable[[], list[Sentence]], min_facts: int = 1, max_sentences: int = 4,
                 max_tokens: int = 200, speaker: tuple[str, ...] = (),
                 counts: Callable[[Sentence], bool] = lambda s: s.factual) -> Written:
    """The model writes through `Voice.speak`; `counts` says which kept sentences count toward
    `min_facts` (news and stories: those resting on an event, so a sentence that only names its
    subject does not pass for a story of what happened); `speaker` are the writer's names (its own
    label before a sentence is stripped)."""
    check = _ContentCheck(ctx, support)
    voice = Voice(_Plain(ctx.gateway), check, Cleaner(speaker_names=(*speaker, *LABELS), other_names=(),
                                                      first_person=False),
                  language, support.text, max_sentences=max_sentences, max_dropped=max_sentences + 2,
                  max_tokens=max_tokens)
    spoken = _drain(voice.speak(messages, key=None, compose=lambda: "", fallback=lambda: ""))
    out = Written(dropped=list(spoken.dropped), reasons=list(spoken.reasons), usage=spoken.usage)
    if spoken.fallback:
        out.failed = "the model is unavailable"
        log.warning("content: the model failed; composing from the facts")
    if not (spoken.fallback or spoken.composed):
        out.kept = [check.checked(s) for s in spoken.kept]
    out.raw = [check.checked(s) for s in [*spoken.kept, *spoken.dropped] if s]
    factual = sum(map(counts, out.kept))
    if out.kept and not factual:  # "That's all." alone is no article: the facts stand alone
        out.dropped += [s.text for s in out.kept]
        out.reasons += ["states no fact"] * len(out.kept)
        out.kept = []
    stated = {s.text for s in out.kept}
    fill = [s for s in compose() if s.text not in stated]
    add = fill[:max(0, min_facts - factual)] if factual else fill  # the model's few, topped up; or the facts alone
    out.kept += add
    out.composed = len(add)
    return out


def _drain(speech: Generator[str, None, Spoken]) -> Spoken:
    """Run the voice's loop to its end (content shows the whole text at once) and return what it did."""
    while True:
        try:
            next(speech)
        except StopIteration as done:
            return done.value


class _ContentCheck(Checker):
    """The voice's checker for content: its own checks first, then every claim against the cited events.
    Remembers each sentence it checked, with its claims, for the document."""

    def __init__(self, ctx: Any, support: Support) -> None:
        super().__init__(ctx.grounder.lexicon)
        self.grounder = ctx.grounder
        self.support = support
        self.seen: dict[str, Sentence] = {}

    def checked(self, sentence: str) -> Sentence:
        if sentence not in self.seen:
            self.seen[sentence] = self.grounder.check(sentence, self.support)
        return self.seen[sentence]

    def check(self, sentence: str, language: Language, supported: str) -> Verdict:
        verdict = super().check(sentence, language, supported)
        if not verdict.ok:
            return verdict
        if len(sentence) > MAX_SENTENCE_CHARS:
            return Verdict(False, "runs on")
        if _META.search(sentence):
            return Verdict(False, "talks about the writing")
        if _title_only(sentence):
            return Verdict(False, "a title, not a sentence")
        s = self.checked(sentence)
        if s.grounded:
            return Verdict(True)
        return Verdict(False, "; ".join(c.why for c in s.claims if not c.ok))


# Talk about the writing instead of the writing ("Your description should be concise", "In this poem, I've");
# what the voice's cleaner drops in a reply (labels, stage directions, meta talk) is dropped there.
_META = re.compile(r"\b(?:your|this|the above|my) (?:description|story|poem|article|headline|answer|response)\b"
                   r"|\bI(?:'ve| have) (?:tried|written)\b|\bhere is\b|\bthe facts\b"
                   r"|\bonly facts\b|\bmentioned in the\b|\bthis sentence\b|\bthe story is about\b|\bfact-check"
                   r"|^\s*(?:(?:that's all|that is all|that's it|the end)\b|就这样|就这些)"  # a sign-off, not news
                   r"|^\s*\(", re.I)  # a parenthesised aside is the model talking to us


def _title_only(text: str) -> bool:
    """"The Harbor Gazette." is a masthead, not a sentence: every word capitalised (or a little word)."""
    words = re.findall(r"[A-Za-z][A-Za-z'’-]*", text)
    return bool(words) and not re.search(r"[\u3400-\u9fff]", text) and \
        all(w[0].isupper() or w in ("of", "the", "a", "and", "in", "at") for w in words)


# Where the stream may be cut into chunks to clean: a line's end, or a sentence's (SmolLM2 often writes
# "for the guests.The story goes": a full stop before a capital is an end too).
_CUT = re.compile(r"\n|[.!?](?=\s|[A-Z][a-z])|[。！？]")
_MARKUP = re.compile(r"[*#_`]+")
_ENDED = re.compile(r"[.!?。！？…:：\"”]\W*\n$")
_LINE_START = re.compile(r"^\s*(?:[-•]|\d+[.)])\s+|^\s*(?:headline|title|article|story|poem)\s*:\s*", re.I)


class _Plain:
    """The gateway as the voice sees it when content writes: the same stream, without the markdown,
    list markers and labels small models add ("**Headline:**", "1. ") or the title line they put
    first (a first line with no end mark), with any other line that has no end mark ended (a
    recited list is not one long sentence), and without a last sentence the token limit cut short
    ("As the day drew to a close")."""

    def __init__(self, gateway: Any) -> None:
        self.gateway = gateway

    def stream(self, messages: list[Message], *, max_tokens: int = 256, usage: Usage | None = None) -> Iterator[str]:
        buf, line_start, first = "", True, True
        pieces = self.gateway.stream(messages, max_tokens=max_tokens, usage=usage)
        try:
            for piece in pieces:
                buf += piece
                while (m := _CUT.search(buf)) is not None:
                    chunk, buf = buf[:m.end()], buf[m.end():]
                    title = first and line_start and chunk.endswith("\n") and not _ENDED.search(chunk)
                    if chunk.strip():
                        first = False
                        if not title:
                            yield _tidy(chunk, line_start)
                    line_start = chunk.endswith("\n")
            if buf.strip() and (first or re.search(r"[.!?。！？…\"”]\W*$", buf.strip())):
                yield _tidy(buf, line_start)
            elif buf.strip():
                log.info("content: a last sentence cut short is not kept: %r", buf.strip()[:80])
        finally:
            close = getattr(pieces, "close", None)
            if close is not None:  # the voice closed us: close the model's stream, which stops it
                close()


def _tidy(chunk: str, line_start: bool) -> str:
    text = _MARKUP.sub("", chunk)
    if line_start:
        text = _LINE_START.sub("", text)
    if text[-1:] in (".", "!", "?"):
        return text + " "  # the end of a sentence, whatever came after it
    if text.endswith("\n"):
        body = text.rstrip()
        if body and not _ENDED.search(body + "\n"):
            body += "。" if re.search(r"[\u3400-\u9fff]$", body) else "."
        return body + " "
    return text
