"""The characters' side of memory: what an event looks like as a memory, and the parts wired together.

`memory/` stores and retrieves; this module decides what a character remembers of an event (in words
it could have perceived) and bundles stream, retriever and reflector for the minds and the voices.
"""

from __future__ import annotations

from collections import OrderedDict
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
        stream = MemoryStream(world.store, world.key, embedder, SharedScores(gateway, names=names))
        return cls(stream, Retriever(stream), Reflector(world, stream, gateway))

    def remember(self, world: World, character: str, events: list[Event], *, detailed: bool) -> int:
        """Write what `character` perceived of these events; importance by the model when detailed."""
        if events:  # a run stopped after writing these and before the mind marked them seen: not twice
            held = {m.source_event for m in self.stream.for_character(character, since=min(e.world_time for e in events))}
            events = [e for e in events if e.id not in held]
        names = {c.id: c.names.en for c in world.characters.values()}
        seen: list[tuple[str, Event]] = []
        written = 0
        scorer = self.stream.scorer
        if detailed and isinstance(scorer, SharedScores) and scorer.share:
            # The words said are rated in the same batched call as what was seen (then read back from
            # the shared ratings by remember_conversation), not one call per line per hearer.
            said = [(str(e.data["text"]).strip(), "utterance") for e in events if e.kind == "say" and e.data.get("text")]
            looked = [(t, "observation") for t in (describe(world, e, character) for e in events if e.kind != "say") if t]
            scorer.score_many([*said, *looked], use_model=True)
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


class SharedScores(ImportanceScorer):
    """Importance by the model, remembered by the words rated (when `share` is on, which the
    simulation's `share_importance` switch sets): the same words seen or heard by several characters
    are rated once, and a step's lines of talk go into the batched call with what was seen. The
    prompt rates the words, not whose memory they are, so one rating serves every hearer."""

    def __init__(self, *args, size: int = 4096, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.share = False
        self.size = size  # ratings kept, least recently used dropped first
        self.reused = 0  # ratings answered from what was rated before: model calls not made
        self._known: OrderedDict[tuple[str, str], int] = OrderedDict()

    def by_model(self, text: str, *, kind: str = "observation") -> int:
        if not self.share:
            return super().by_model(text, kind=kind)
        if (text, kind) in self._known:
            self.reused += 1
            self._known.move_to_end((text, kind))
            return self._known[text, kind]
        return self._keep((text, kind), super().by_model(text, kind=kind))

    def score_many(self, items: list[tuple[str, str]], *, use_model: bool = False, batch: int = 8) -> list[int]:
        if not (self.share and use_model and self.gateway is not None):
            return super().score_many(items, use_model=use_model, batch=batch)
        new = [it for it in dict.fromkeys(items) if it not in self._known]
        self.reused += len(items) - len(new)
        for it, score in zip(new, super().score_many(new, use_model=True, batch=batch)):
            self._keep(it, score)
        return [self._known[it] for it in items]

    def _keep(self, item: tuple[str, str], score: int) -> int:
        self._known[item] = score
        self._known.move_to_end(item)
        while len(self._known) > self.size:
            self._known.popitem(last=False)
        return score
