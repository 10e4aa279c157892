"""The one check of what a model says about the world, and whether a text states a fact.

`Checker.check` runs on every sentence a model writes for a player, before it is shown: the world's
lexicon check (names not in the world, numbers and quantities not in the facts, directions not given;
`world/grounding.py`), and the language check (a Chinese reply carries no English fragment: the
world's English text copied into Chinese is the model not writing Chinese).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from llmverse.lang import Language, detect_language
from llmverse.voice.fact import Fact
from llmverse.world.grounding import Finding, Lexicon, numbers_in

_LATIN_RUN = re.compile(r"[A-Za-z][A-Za-z'’-]*(?:\s+[A-Za-z][A-Za-z'’-]*)*")


@dataclass
class Verdict:
    ok: bool
    why: str = ""


class Checker:
    """Checks sentences against the world (its lexicon) and the facts a speaker was given."""

    def __init__(self, lexicon: Lexicon) -> None:
        self.lexicon = lexicon

    def check(self, sentence: str, language: Language, supported: str) -> Verdict:
        if detect_language(sentence) != language:
            return Verdict(False, f"not in {language}")
        if language == "zh":
            # A name of the world written in Latin letters (Bram, Lin Wei) may stand in Chinese text.
            stray = [r for r in _LATIN_RUN.findall(sentence) if len(r) > 1
                     and not all(w.lower() in self.lexicon.name_words for w in r.split())]
            if stray:
                return Verdict(False, f"English inside Chinese {stray}")
        finding = self.lexicon.check(sentence, supported_text=supported)
        return Verdict(True) if finding.ok else Verdict(False, describe(finding))


def describe(f: Finding) -> str:
    parts = []
    if f.invented_names:
        parts.append(f"names not in the world {f.invented_names}")
    if f.unsupported_numbers:
        parts.append(f"numbers not in the facts {f.unsupported_numbers}")
    if f.unsupported_directions:
        parts.append(f"directions not in the facts {f.unsupported_directions}")
    if f.wrong_quantities:
        parts.append(f"quantities not in the facts {f.wrong_quantities}")
    return "; ".join(parts)


def states(text: str, fact: Fact) -> bool:
    """Does the text state the fact? One of its answers appears (opening hours: both ends, however
    written); a fact without answers counts when its numbers appear, or it has none."""
    low = text.lower()
    if not fact.answers:
        nums = numbers_in(fact.en)
        return nums <= numbers_in(text) if nums else True
    for answer in fact.answers:
        if re.fullmatch(r"\d\d:\d\d-(?:\d\d:\d\d)", answer):
            if set(answer.split("-")) <= numbers_in(text):
                return True
        elif re.fullmatch(r"[\d.]+", answer):
            if re.search(rf"(?<![\d:.]){re.escape(answer)}(?![\d:])", text):
                return True
        elif answer.lower() in low:
            return True
    return False
