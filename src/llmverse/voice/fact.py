"""One fact the world can state, in both languages, with what a statement of it must contain.

Principle 1 of DESIGN.md: the world is the source of truth, the model is the voice. Every layer that
lets a model speak about the world (characters, the assistant, content) hands it `Fact`s and checks
what it says against them: `answers` are the values a correct statement contains (a price, opening
hours, a compass direction, a name), `sources` the world ids it rests on (cited by the assistant and
by content), `subject` the world entity it is about (answerability asks "does a fact of the asked
kind exist for the asked thing?").
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from llmverse.lang import Language, tokens

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Fact:
    id: str  # unique within one set of facts: "price:anchor", "hours:museum", "knows:bram:0"
    kind: str  # price | hours | where | who | at | sells | self | here | about | thing | knows | plan | did | event | doc | ...
    en: str
    zh: str
    answers: tuple[str, ...] = ()  # a correct statement contains one of these (per language)
    sources: tuple[str, ...] = ()  # world ids it rests on: "place:museum", "thing:anchor", "event:42"
    subject: str | None = None  # the world entity it is about ("museum", "anchor", "bram")
    keys: tuple[str, ...] = field(default=(), compare=False)  # keyword tokens it is found by (BM25)

    def text(self, language: Language) -> str:
        """The fact in `language`; the other language, logged, when the world gave only one."""
        if language == "zh":
            if self.zh:
                return self.zh
            log.info("fact %s has no Chinese text; using the English", self.id)
            return self.en
        if self.en:
            return self.en
        log.info("fact %s has no English text; using the Chinese", self.id)
        return self.zh

    @property
    def cite(self) -> str:
        """The first source id (what an answer cites), or the fact's own id."""
        return self.sources[0] if self.sources else self.id


def make_fact(fid: str, kind: str, en: str, zh: str, answers: tuple[str, ...] = (), *key_texts: str,
              sources: tuple[str, ...] = (), subject: str | None = None) -> Fact:
    """A Fact whose keyword tokens come from its own text and the extra `key_texts` (names, aliases)."""
    keys = tuple(k for text in (en, zh, *key_texts) if text for k in tokens(text))
    return Fact(fid, kind, en, zh, tuple(a for a in answers if a), sources, subject, keys)
