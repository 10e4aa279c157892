"""Reflection: when enough has happened, a character draws an insight from its recent memories.

After Park et al. (2023): when the importance summed since the last reflection passes a threshold,
the character reads its recent memories and writes one insight that cites the memories it rests on.
The model writes the insight as schema-constrained JSON; the citations are checked (only memories it
was shown count), and an insight that cites nothing it was shown is not stored.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from pydantic import BaseModel, Field

from llmverse.llm.base import Message
from llmverse.llm.gateway import Gateway
from llmverse.memory.stream import Memory, MemoryStream
from llmverse.world.grounding import Lexicon
from llmverse.world.world import World

log = logging.getLogger(__name__)

PROMPT = """You are {name}, the {role}. Here are things you remember, numbered:
{memories}
What is one insight about your day or the people in it that these memories support?
Answer as JSON with the insight (one sentence, in the first person) and the numbers of the memories it rests on."""


class Insight(BaseModel):
    insight: str = Field(min_length=8, max_length=240)
    cites: list[int] = Field(min_length=1, max_length=5)


@dataclass
class ReflectionConfig:
    threshold: int = 40  # summed importance (1-10 each) since the last reflection
    recent: int = 12  # memories shown to the model


class Reflector:
    def __init__(self, world: World, stream: MemoryStream, gateway: Gateway,
                 config: ReflectionConfig | None = None) -> None:
        self.world, self.stream, self.gateway = world, stream, gateway
        self.config = config or ReflectionConfig()
        self.lexicon = Lexicon(world.file)

    def due(self, cid: str) -> bool:
        last = self.world.state_of(f"reflect:{cid}").get("after", 0)
        return self.stream.importance_since(cid, last) >= self.config.threshold

    def reflect(self, cid: str) -> Memory | None:
        """One insight stored as a `reflection` memory citing its sources; None when the model's
        insight was unusable (then the next step tries again with newer memories)."""
        me = self.world.characters[cid]
        recent = [m for m in self.stream.for_character(cid, last=self.config.recent) if m.kind != "reflection"]
        if not recent:
            return None
        listing = "\n".join(f"{i}. {m.text}" for i, m in enumerate(recent, 1))
        prompt = PROMPT.format(name=me.names.en, role=me.role, memories=listing)
        blank = Insight.model_construct(insight="", cites=[])  # the fallback: nothing learned
        out = self.gateway.decide([Message("user", prompt)], Insight, fallback=blank, max_tokens=120)
        cited = sorted({recent[i - 1].id for i in out.cites if 1 <= i <= len(recent)})
        shown = "\n".join(m.text for m in recent)
        if out is blank or not cited or not self.lexicon.check(out.insight, supported_text=shown).ok:
            log.info("%s: reflection discarded: %r cites %s", cid, out.insight, out.cites)
            return None
        memory = self.stream.add(cid, out.insight, world_time=self.world.now(), kind="reflection",
                                 importance=8, cites=cited)
        self.world.put_state(f"reflect:{cid}", {"after": memory.id})
        return memory
