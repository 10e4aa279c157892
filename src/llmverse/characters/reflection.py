"""Reflection: when enough has happened, a character draws an insight from its recent memories.

After Park et al. (2023): when the importance summed since the last reflection passes a threshold,
the character reads its recent memories and writes one insight that cites the memories it rests on.
The model writes the insight as schema-constrained JSON, and nothing is stored until it passes
`check_insight`: parsed, in the character's own voice (first person, not a greeting, not the prompt
echoed back, not code), citing memories it was shown that share its words, naming nothing the world
and those memories lack. Anything else is dropped and counted by reason (`Reflector.dropped`): on a
25-person run with SmolLM2, 8 of 14 stored reflections had begun with `);\n}`, one was the prompt
itself and others were greetings.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field

from llmverse.llm.base import Message
from llmverse.llm.gateway import Gateway
from llmverse.memory.stream import Memory, MemoryStream
from llmverse.world.grounding import Lexicon
from llmverse.world.state import register_row
from llmverse.world.world import World

log = logging.getLogger(__name__)

PROMPT = """You are {name}, the {role}. Here are things you remember, numbered:
{memories}
What is one insight about your day or the people in it that these memories support?
Answer as JSON with the insight (one sentence, in the first person) and the numbers of the memories it rests on."""


class Insight(BaseModel):
    insight: str = Field(min_length=8, max_length=240)
    cites: list[int] = Field(min_length=1, max_length=5)


class ReflectRow(BaseModel):
    """`reflect:<character>`: where its reflections stand (every write fits it)."""

    model_config = ConfigDict(extra="forbid")
    after: int = Field(default=0, ge=0, description="id of the memory of the last stored reflection")
    tried: int = Field(default=0, ge=0, description="id of the newest memory when an insight was last dropped")


register_row("reflect", ReflectRow)


@dataclass
class ReflectionConfig:
    threshold: int = 40  # summed importance (1-10 each) since the last reflection
    recent: int = 12  # memories shown to the model
    retry_after: int = 20  # summed importance of new memories before trying again after a dropped insight


class Reflector:
    def __init__(self, world: World, stream: MemoryStream, gateway: Gateway,
                 config: ReflectionConfig | None = None) -> None:
        self.world, self.stream, self.gateway = world, stream, gateway
        self.config = config or ReflectionConfig()
        self.lexicon = Lexicon(world.file)
        self.dropped: Counter[str] = Counter()  # reason -> insights not stored

    def due(self, cid: str) -> bool:
        """Enough has happened since the last reflection; after a dropped insight, enough more since
        that try (asked again about the same memories, the model wrote the same junk: on a whole day
        of Willow Bend 39 of 41 insights were dropped, most of them retries step after step)."""
        st = self.world.state_of(f"reflect:{cid}")
        if self.stream.importance_since(cid, st.get("after", 0)) < self.config.threshold:
            return False
        return "tried" not in st or self.stream.importance_since(cid, st["tried"]) >= self.config.retry_after

    def postpone(self, cid: str) -> None:
        """No insight this time (dropped, or the call was cut by the step's budget): the next try waits
        for `retry_after` more importance (a reflection is never seen by a player; retried every step,
        cut reflections were 54 of 107 near calls on a whole day under a 12 s budget)."""
        newest = self.stream.for_character(cid, last=1)
        if newest:
            self.world.update_state(f"reflect:{cid}", lambda cur: {**cur, "tried": newest[0].id})

    def reflect(self, cid: str) -> Memory | None:
        """One insight stored as a `reflection` memory citing its sources; None when the model's
        insight was unusable (counted in `dropped`; the next step tries again with newer memories)."""
        me = self.world.characters[cid]
        recent = [m for m in self.stream.for_character(cid, last=self.config.recent) if m.kind != "reflection"]
        if not recent:
            return None
        listing = "\n".join(f"{i}. {m.text}" for i, m in enumerate(recent, 1))
        prompt = PROMPT.format(name=me.names.en, role=me.role, memories=listing)
        blank = Insight.model_construct(insight="", cites=[])  # the fallback: nothing learned
        out = self.gateway.decide([Message("user", prompt)], Insight, fallback=blank, max_tokens=120)
        cited = sorted({recent[i - 1].id for i in out.cites if 1 <= i <= len(recent)})
        sources = [recent[i - 1].text for i in out.cites if 1 <= i <= len(recent)]
        shown = "\n".join(m.text for m in recent)
        why = "unparsed" if out is blank else check_insight(out.insight, sources, [m.text for m in recent],
                                                            [n for n in (me.names.en, me.names.zh) if n])
        if why is None and not self.lexicon.check(out.insight, supported_text=shown).ok:
            why = "names what the world lacks"
        if why is not None:
            self.dropped[why] += 1
            log.info("%s: reflection dropped (%s): %r cites %s", cid, why, out.insight, out.cites)
            self.postpone(cid)
            return None
        memory = self.stream.add(cid, out.insight, world_time=self.world.now(), kind="reflection",
                                 importance=8, cites=cited)
        self.world.update_state(f"reflect:{cid}", lambda _cur: {"after": memory.id})  # a fresh start: no failed try
        return memory


_FIRST_PERSON = re.compile(r"\b(i|i'm|i've|i'd|i'll|me|my|mine|myself|we|our|us)\b|我", re.I)
_GREETING = re.compile(r"^\W*(hello|hi|hey|dear|good (morning|day|afternoon|evening)|greetings|welcome|"
                       r"你好|您好|早上好|晚上好)\b", re.I)
_CODE = re.compile(r"[{}<>;=\\|`]|\)\s*;|\b(def|return|function|null|undefined)\b")
_WORD = re.compile(r"[a-z][a-z']{3,}|[\u4e00-\u9fff]{2,}")


def _tokens(text: str) -> set[str]:
    """Latin words of four letters or more, and every two-character run of Chinese (no spaces there)."""
    out = set()
    for w in _WORD.findall(text.lower()):
        out |= {w[i:i + 2] for i in range(len(w) - 1)} if "\u4e00" <= w[0] <= "\u9fff" else {w}
    return out
_PROMPT_WORDS = set(re.findall(r"[a-z]+", PROMPT.lower())) - {"you", "are", "the", "and", "your", "day", "people"}
_SMALL = {"that", "this", "with", "have", "from", "they", "them", "their", "there", "about", "been", "were",
          "will", "what", "when", "which", "would", "could", "should", "into", "some", "more", "very", "really"}


def check_insight(text: str, cited: list[str], shown: list[str], own_names: list[str]) -> str | None:
    """Why an insight may not be stored, or None when it may. `cited`: the texts of the memories it
    cites (only those it was shown); `shown`: all it was shown; `own_names`: the character's names."""
    t = " ".join(text.split())
    letters = sum(ch.isalpha() for ch in t)
    if not t or letters < 0.7 * sum(not ch.isspace() for ch in t) or _CODE.search(t):
        return "junk"  # '); }', markup, code
    if _GREETING.search(t) or any(t.lower().startswith(f"{n.lower()}:") for n in own_names):
        return "greeting or a turn of talk"
    words = re.findall(r"[a-z]+", t.lower())
    if words and sum(w in _PROMPT_WORDS for w in words) / len(words) > 0.6 or "numbers of the memories" in t.lower():
        return "the prompt echoed"
    if not _FIRST_PERSON.search(t):
        return "not in the character's voice"
    if not cited:
        return "cites nothing it was shown"
    if any(" ".join(m.split()).lower() == t.lower() for m in shown):
        return "a memory copied, not an insight"
    own = {w for n in own_names for w in _tokens(n)}
    content = {w for w in _tokens(t) if w not in _SMALL and w not in own}
    if content and not content & {w for m in cited for w in _tokens(m)}:
        return "cites memories it does not rest on"
    return None
