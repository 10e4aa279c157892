"""What a question asks of the thing it names, beyond naming it: the detail a fact must hold to answer it.

"Does the Market have a guide?" names the Market and asks for a guide. The world has a tour guide (a
person, who works at the Maritime Museum), so "guide" is a world word and names someone: read as a
second subject, the reply was a fact about the tour guide, true and unrelated. Read here, "guide" is
what is asked of the Market: a person named only by a word of their role is the detail asked, not a
subject, and a fact answers only if it holds that detail for the Market (Mara works at the Museum, so
"Does the Museum have a guide?" is answered by her; the Market's question is declined about the Market).
The same holds for any word the world uses in another sense ("shows" against exhibits "on show",
人多, 预约): the fact that answers must hold what was asked, or the question is declined.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from llmverse.voice.question import Surface

_CJK = re.compile(r"[\u3400-\u9fff]")
# A yes/no question: English by its first word, Chinese by its particle or an A-not-A form (有没有).
_YES_NO_EN = re.compile(r"^\s*(?:is|are|was|were|does|do|did|has|have|can|could|may|will|would|should|am)\b.*\?\s*$",
                        re.I | re.S)
_YES_NO_ZH = re.compile(r"[吗么][？?。]?\s*$|(.)[没不]\1|可不可以|能不能")
# Inside the place the listener is at ("Can I eat in here?", "里面能吃东西吗？"), not around it.
_INSIDE = re.compile(r"\b(?:in here|inside|in there)\b|\bhere\s*\?\s*$|里面|里头|这里|这儿|店里|馆里|进来", re.I)
_AROUND = re.compile(r"\b(?:around|near|nearby|close to|near to)\s+here\b|附近|周围|旁边", re.I)


def yes_no(text: str) -> bool:
    """Does the line ask yes or no (of a thing's detail: "Is there parking?", "要预约吗？")?"""
    return bool(_YES_NO_EN.match(text) or (_CJK.search(text) and _YES_NO_ZH.search(text)))


def inside(text: str) -> bool:
    """Does a yes/no line ask about the inside of the place where the listener is?"""
    return yes_no(text) and bool(_INSIDE.search(text)) and not _AROUND.search(text)


def by_role(hits: Iterable[tuple[str, Surface]]) -> list[str]:
    """The people the line names only by a word of their role or a common noun ("a guide", "铁匠"),
    never by their name."""
    named: dict[str, bool] = {}
    for entity, s in hits:
        if entity.startswith("character:"):
            named[entity] = named.get(entity, True) and s.role
    return [e for e, role in named.items() if role]


def said(text: str, toks: list[str], hits: Iterable[tuple[str, Surface]], people: Collection[str],
         skip: Collection[str]) -> list[str]:
    """The words of what is asked of the line's subjects: its tokens that neither ask (`skip`: asking,
    intent, greeting and need words) nor name a subject (a person named by their role stays: "guide"
    is asked of the Market). Chinese tokens are read in what the names leave of the line, the longest
    cut standing for its parts (无线网, not 无线 and 线网), and a person's role as the world writes it (草药师)."""
    names, rest, roles = set(), text, []
    for entity, s in hits:
        if s.zh:
            rest = rest.replace(s.text, "\0")
            if entity in people:
                roles.append(s.text)
        elif entity not in people:
            names.update(s.toks)
    out = [t for t in dict.fromkeys(toks) if t not in skip and t not in names and not t.isdigit()
           and (not _CJK.search(t) or (t in rest and len(t) > 1))]
    out = [t for t in out if not any(t != u and t in u for u in out)]
    return out + [r for r in dict.fromkeys(roles) if r not in out]
