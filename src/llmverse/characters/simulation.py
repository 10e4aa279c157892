"""The simulation loop: world time advances, every mind takes a step, conversations happen.

Level of detail: a character within `radius` tiles of a player (or in the same place) thinks with the
model; the rest follow their plans with no model call. Every step's events and state are committed as
they happen, so stopping (Ctrl-C, kill) and starting again resumes from the store with nothing lost.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from llmverse.characters.mind import Mind, TalkTo
from llmverse.characters.recall import MemorySystem
from llmverse.llm.gateway import Gateway
from llmverse.world.store import Event
from llmverse.world.world import World


@dataclass
class SimConfig:
    step_minutes: float = 10.0  # world minutes per step
    lod: bool = True  # False: every character thinks with the model every step
    radius: int = 8  # tiles (2 m each) around a player within which characters think with the model
    talk_turns: int = 2  # replies after the opener in a conversation


@dataclass
class CharacterStats:
    model_calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    detailed_steps: int = 0
    steps: int = 0
    reflections: int = 0


@dataclass
class RunReport:
    start: str
    end: str
    hours: float
    events: list[Event]
    stats: dict[str, CharacterStats] = field(default_factory=dict)

    def calls_per_character_hour(self) -> float:
        return sum(s.model_calls for s in self.stats.values()) / max(1e-9, len(self.stats) * self.hours)

    def tokens_per_character_hour(self) -> float:
        tokens = sum(s.prompt_tokens + s.completion_tokens for s in self.stats.values())
        return tokens / max(1e-9, len(self.stats) * self.hours)


class Simulation:
    def __init__(self, world: World, gateway: Gateway, players: dict[str, str] | None = None,
                 config: SimConfig | None = None, memory: MemorySystem | None = None) -> None:
        self.world, self.gateway, self.memory = world, gateway, memory
        self.players = players or {}  # player name -> place id where the player stands
        self.config = config or SimConfig()
        self.minds = {cid: Mind(world, cid, gateway, memory) for cid in world.characters}
        self.stats: dict[str, CharacterStats] = defaultdict(CharacterStats)

    def detailed(self, cid: str) -> bool:
        """Near a player: think with the model. Far: follow the plan."""
        if not self.config.lod:
            return True
        x, y = self.world.tile(cid)
        for place in self.players.values():
            if self.world.position(cid) == place:
                return True
            px, py = self.world.grid.door_of(place)
            if max(abs(px - x), abs(py - y)) <= self.config.radius:
                return True
        return False

    def step(self) -> list[Event]:
        first = self._last_id()
        self.world.tick(self.config.step_minutes)
        talks: list[tuple[Mind, Mind]] = []
        for cid, mind in self.minds.items():
            detailed = self.detailed(cid)
            with self._charged(cid):
                mind.perceive(detailed)
                here = self.world.position(cid)
                present = [m for m in self.minds.values() if here is not None and self.world.position(m.me.id) == here]
                outcome = mind.act(detailed, present)
            if detailed:
                with self._charged(cid):
                    self.stats[cid].reflections += mind.reflect()
            self.stats[cid].steps += 1
            self.stats[cid].detailed_steps += detailed
            if isinstance(outcome, TalkTo) and not any(outcome.other in pair or mind in pair for pair in talks):
                talks.append((mind, outcome.other))
        for a, b in talks:
            detailed = self.detailed(a.me.id) or self.detailed(b.me.id)
            with self._charged(a.me.id, b.me.id):
                a.talk_to(b, detailed, turns=self.config.talk_turns)
        return self.world.events(since_id=first)

    def run(self, hours: float, progress: Callable[[int, int], None] | None = None) -> RunReport:
        start = self.world.now()
        steps = max(1, round(hours * 60 / self.config.step_minutes))
        events: list[Event] = []
        for i in range(steps):
            events += self.step()
            if progress:
                progress(i + 1, steps)
        return RunReport(start.isoformat(timespec="minutes"), self.world.now().isoformat(timespec="minutes"),
                         hours, events, dict(self.stats))

    def _last_id(self) -> int:
        last = self.world.events(last=1)
        return last[0].id if last else 0

    def _charged(self, *cids: str):
        """Attribute the model calls made inside the block to these characters (split evenly)."""
        sim = self

        class _Charge:
            def __enter__(self):
                self.mark = len(sim.gateway.history)

            def __exit__(self, *exc):
                new = sim.gateway.history[self.mark:]
                for cid in cids:
                    s = sim.stats[cid]
                    s.model_calls += len(new) / len(cids)
                    s.prompt_tokens += sum(u.prompt_tokens for u in new) / len(cids)
                    s.completion_tokens += sum(u.completion_tokens for u in new) / len(cids)

        return _Charge()
