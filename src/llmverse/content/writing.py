"""Free text from the model, checked sentence by sentence, retried with feedback, else composed.

The one path news articles, stories and descriptions take (no copy per generator): ask the model
with the facts in front of it; check every sentence against the world and the cited events; keep
the grounded ones; if too few remain, tell the model what was wrong and ask again; when the retry
budget is spent (or the backend is down), the world's own sentences fill the gap.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from llmverse.content.documents import Sentence
from llmverse.content.grounding import Support
from llmverse.errors import BackendUnavailable
from llmverse.llm.base import Message
from llmverse.voice.clean import Cleaner

log = logging.getLogger(__name__)
MAX_SENTENCE_CHARS = 300  # longer is a small model running on; it is dropped, not shown
FEEDBACK = """Some sentences were wrong and were removed:
{problems}
Write it again. Use only the facts given; invent no names, places, times or numbers."""


@dataclass
class Written:
    kept: list[Sentence] = field(default_factory=list)
    raw: list[Sentence] = field(default_factory=list)  # every sentence the model wrote, checked
    dropped: list[str] = field(default_factory=list)
    attempts: int = 0
    composed: int = 0  # sentences the world wrote (the model wrote too few grounded ones)
    failed: str | None = None  # why the model could not be used at all


def write_checked(ctx: Any, messages: list[Message], support: Support, *, compose: Callable[[], list[Sentence]],
                  min_facts: int = 1, max_sentences: int = 4, attempts: int = 2, max_tokens: int = 200,
                  schema: dict | None = None, pick: Callable[[str], str] | None = None,
                  counts: Callable[[Sentence], bool] = lambda s: s.factual) -> Written:
    """`pick` takes the text out of a schema answer (e.g. the "article" field of JSON); `counts` says
    which kept sentences count toward `min_facts` (news and stories: those resting on an event, so a
    sentence that only names its subject does not pass for a story of what happened)."""
    out = Written()
    for attempt in range(attempts):
        out.attempts = attempt + 1
        try:
            reply = ctx.gateway.complete(messages, max_tokens=max_tokens, schema=schema)
        except BackendUnavailable as exc:
            out.failed = str(exc)
            log.warning("content: the model failed (%s); composing from the facts", exc)
            break
        text = _clean(pick(reply.text) if pick else reply.text)
        checked = ctx.grounder.check_text(text, support)
        out.raw += checked
        kept, bad = _keep(checked, max_sentences)
        out.dropped += [s.text for s in bad]
        if sum(map(counts, kept)) >= min_facts:
            out.kept = kept
            return out
        out.kept = kept if sum(map(counts, kept)) > sum(map(counts, out.kept)) else out.kept
        problems = [f"- {s.text} ({'; '.join(c.why for c in s.claims if not c.ok) or 'not part of the text'})"
                    for s in bad]
        messages = [*messages, Message("assistant", reply.text),
                    Message("user", FEEDBACK.format(problems="\n".join(problems[:4]) or "- nothing usable"))]
    stated = {s.text for s in out.kept}
    fill = [s for s in compose() if s.text not in stated]
    factual = sum(map(counts, out.kept))
    add = fill[:min_facts - factual] if factual else fill  # the model's few, topped up; or the facts alone
    out.kept += add
    out.composed = len(add)
    return out


# Talk about the writing instead of the writing ("Your description should be concise", "In this poem, I've");
# what the voice's cleaner drops in a reply (labels, stage directions, meta talk) is dropped here too.
_META = re.compile(r"\b(?:your|this|the above|my) (?:description|story|poem|article|headline|answer|response)\b"
                   r"|\bI(?:'ve| have) (?:tried|written)\b|\bhere is\b|\bthe facts\b"
                   r"|\bonly facts\b|\bmentioned in the\b|\bthis sentence\b|\bthe story is about\b|\bfact-check"
                   r"|^\s*\(", re.I)  # a parenthesised aside is the model talking to us


def _keep(checked: list[Sentence], limit: int) -> tuple[list[Sentence], list[Sentence]]:
    kept, bad = [], []
    cleaner = Cleaner(speaker_names=(), other_names=())
    for s in checked:
        clean, why = cleaner.clean(s.text)
        if why == "said before":
            continue  # a small model's loop: said once
        usable = (clean is not None and s.grounded and len(s.text) <= MAX_SENTENCE_CHARS
                  and not _META.search(s.text) and not _title_only(s.text))
        if usable and len(kept) < limit:
            kept.append(s)
        elif not usable:
            bad.append(s)
    return kept, bad


def _title_only(text: str) -> bool:
    """"The Harbor Gazette." is a masthead, not a sentence: every word capitalised (or a little word)."""
    words = re.findall(r"[A-Za-z][A-Za-z'’-]*", text)
    return bool(words) and not re.search(r"[\u3400-\u9fff]", text) and \
        all(w[0].isupper() or w in ("of", "the", "a", "and", "in", "at") for w in words)


def _clean(text: str) -> str:
    """Markdown and labels small models add ("**Headline:**", "# Story") are not part of the text."""
    text = re.sub(r"[*#_`]+", "", text)
    text = re.sub(r"(?im)^\s*(headline|title|article|story|poem)\s*:\s*", "", text)
    text = re.sub(r"(?m)^\s*(?:[-•]|\d+[.)])\s+", "", text)  # list markers: a recited fact list
    return text.strip()
