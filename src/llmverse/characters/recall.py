"""The characters' side of memory: what an event looks like as a memory, and the parts wired together.

`memory/` stores and retrieves; this module decides what a character remembers of an event (in words
it could have perceived) and bundles stream, retriever and reflector for the minds and the voices.
"""

from __future__ import annotations

from dataclasses import dataclass

from llmverse.characters.reflection import Reflector
from llmverse.llm.gateway import Gateway
from llmverse.memory import ImportanceScorer, MemoryStream, NewMemory, Retrieved, Retriever
from llmverse.memory.stream import Embeds
from llmverse.world.store import Event
from llmverse.world.world import World


@dataclass
class MemorySystem:
    stream: MemoryStream
    retriever: Retriever
    reflector: Reflector

    @classmethod
    def open(cls, world: World, gateway: Gateway, embedder: Embeds | None = None) -> MemorySystem:
        """Memories in the world's store; the package's multilingual embedder (MiniLM where it is not
        installed) unless another embedder is given."""
        if embedder is None:
            from llmverse.llm.embed import Embedder, open_embedder

            embedder = open_embedder("auto") or Embedder()
        names = [n for c in world.characters.values() for n in (c.names.en, c.names.zh) if n]
        stream = MemoryStream(world.store, world.key, embedder, ImportanceScorer(gateway, names=names))
        return cls(stream, Retriever(stream), Reflector(world, stream, gateway))

    def remember(self, world: World, character: str, events: list[Event], *, detailed: bool) -> int:
        """Write what `character` perceived of these events; importance by the model when detailed."""
        names = {c.id: c.names.en for c in world.characters.values()}
        seen: list[tuple[str, Event]] = []
        written = 0
        for e in events:
            if e.kind == "say" and e.data.get("text"):
                written += len(self.stream.remember_conversation(e, [character], names=names, model_scored=detailed))
                continue
            text = describe(world, e, character)
            if text:
                seen.append((text, e))
        # One model call rates up to eight observations (ImportanceScorer.score_many), not one each.
        scores = self.stream.scorer.score_many([(t, "observation") for t, _ in seen], use_model=detailed)
        notes = [NewMemory(character, t, e.world_time, "observation", score, e.id) for (t, e), score in zip(seen, scores)]
        return written + len(self.stream.add_many(notes))

    def recall(self, world: World, character: str, query: str, k: int = 3, budget: int = 120) -> list[Retrieved]:
        return self.retriever.retrieve(character, query, now=world.now(), k=k, token_budget=budget)


def describe(world: World, e: Event, character: str) -> str | None:
    """An event in the words of someone who saw it happen."""
    names = {c.id: c.names.en for c in world.characters.values()}
    who = "I" if e.actor == character else names.get(e.actor, e.actor)
    place = world.places[e.target].names.en if e.target in world.places else None
    if e.kind == "arrive" and place:
        return f"{who} arrived at the {place} at {e.world_time:%H:%M}."
    if e.kind == "move" and place:
        return f"{who} set off for the {place} at {e.world_time:%H:%M}."
    if e.kind == "alarm" and place:
        return f"Alarm: {e.data.get('what', 'trouble')} at the {place} ({e.world_time:%H:%M})!"
    if e.kind == "invite":
        where = world.places[e.data["place"]].names.en
        return f"{who} is having {e.data.get('what', 'a gathering')} at the {where} at {e.data['at'][11:16]}."
    if e.kind == "use":
        return f"{who} used the {world.things[e.data['thing']].names.en} at {e.world_time:%H:%M}."
    if e.kind in ("buy", "give"):
        thing = world.things[e.data["thing"]].names.en
        verb = "bought" if e.kind == "buy" else "gave away"
        return f"{who} {verb} the {thing} at {e.world_time:%H:%M}."
    return None
