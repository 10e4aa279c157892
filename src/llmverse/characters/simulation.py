"""The simulation loop: world time advances, every mind takes a step, conversations happen.

Level of detail (DESIGN.md principle 4): only characters a player can see or hear think with the model
— those within `radius` tiles of a player, the nearest `max_near` per player (a crowd at the player's
place is not 25 minds at once: on a 25-person town where everyone stood at the player's place, deciding
by place made every character "near" and saved nothing). The rest follow their plans, rules and cached
decisions (`sim_stats.TIERS`). Each shortcut is a switch in `SimConfig`, so its cost and its effect on
believability can be measured apart.

The clock never waits on the model: past `step_budget` wall seconds, the characters still to act in a
step use rules, and a model call under way is cancelled (its caller answers by rules); both are
counted in the run's statistics.

A step is checkpointed in the world's state (`sim:step`: whether a step is open, who a player sees,
the characters done, the conversations arranged and begun), committed as it goes, each mark with the
change it records: the step opens with the clock's tick (and who is near, decided on the positions
after it), a character is marked done with its action and its mind's notes (`Mind.act(marks=)`), a
conversation as begun with its first line, and the step closes with the last character's mark (or,
when there were conversations, after them). Stopping (Ctrl-C, kill) and starting again finishes the
interrupted step where it stopped — a conversation cut between its lines goes on from the last line
said — so no event is lost or repeated. A character's reflection comes after its mark: a run stopped
in between reflects at the next step instead (the reflection is still due). Ctrl-C once ends the run
after the step under way; twice stops at once (the next run finishes that step).
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from llmverse.characters.mind import Change, Mind, TalkTo
from llmverse.characters.recall import MemorySystem, SharedScores
from llmverse.characters.sim_stats import CharacterStats, RunReport, TierStats
from llmverse.llm.gateway import Gateway
from llmverse.world import rules
from llmverse.world.state import CharacterRow, parse, register_row
from llmverse.world.store import Event, Tx
from llmverse.world.world import World

log = logging.getLogger(__name__)
STEP_KEY = "sim:step"
Pair = tuple[str, str]  # two characters' ids: a conversation, the first one opens it


class StepRow(BaseModel):
    """`sim:step`: the step under way, so a stopped run finishes it (every write fits it)."""

    model_config = ConfigDict(extra="forbid")
    open: bool = Field(description="a step began and is not finished")
    near: list[str] = Field(default=[], description="characters a player sees this step (they think with the model)")
    done: list[str] = Field(default=[], description="characters that have acted this step")
    talks: list[Pair] = Field(default=[], description="conversations arranged this step")
    held: list[Pair] = Field(default=[], description="conversations begun (their first line said)")


register_row(STEP_KEY, StepRow)


@dataclass
class SimConfig:
    step_minutes: float = 10.0  # world minutes per step
    lod: bool = True  # False: every character thinks with the model every step (the baseline)
    radius: int = 8  # tiles around a player within which a character is seen or heard
    by_sight: bool = True  # near = seen by a player (tiles, nearest first); False: anyone at or near the place
    max_near: int = 4  # characters per player that think with the model, nearest first (0: no limit)
    model_importance: bool = True  # near characters' memories scored by the model; False: rules for all
    share_plans: bool = True  # a block's ten-minute steps, once made, serve every character with that role and activity
    share_importance: bool = True  # near memories: talk rated in the step's batch, the same words rated once for all
    cache_decisions: bool = True  # a near character that chose to stay keeps at it while its options are unchanged
    summarise_far_talk: bool = True  # far conversations: one summary line by rules, not templated turns
    step_budget: float | None = None  # wall seconds per step; past it the rest use rules (None: no limit)
    talk_turns: int = 2  # replies after the opener in a conversation

    @classmethod
    def every_step(cls, **changes) -> SimConfig:
        """The baseline: every character thinks with the model every step, every shortcut off."""
        return cls(**{**dict(lod=False, share_plans=False, summarise_far_talk=False, share_importance=False,
                             cache_decisions=False), **changes})


class Simulation:
    def __init__(self, world: World, gateway: Gateway, players: dict[str, str] | None = None,
                 config: SimConfig | None = None, memory: MemorySystem | None = None) -> None:
        self.world, self.gateway, self.memory = world, gateway, memory
        self.players = players or {}  # player name -> place id where the player stands
        self.config = config or SimConfig()
        self.minds = {cid: Mind(world, cid, gateway, memory) for cid in world.characters}
        for mind in self.minds.values():
            mind.share_plans = self.config.share_plans and self.config.lod
            mind.summarise_talk = self.config.summarise_far_talk and self.config.lod
            mind.cache_decisions = self.config.cache_decisions and self.config.lod
        if memory is not None and isinstance(memory.stream.scorer, SharedScores):
            memory.stream.scorer.share = self.config.share_importance and self.config.lod
        self.stats: dict[str, CharacterStats] = defaultdict(CharacterStats)
        self.tiers: dict[str, TierStats] = defaultdict(TierStats)
        self.purposes: Counter[str] = Counter()  # model calls by what they were for (sim_stats.PURPOSES)
        self.step_calls: list[int] = []  # model calls of each step run, in order
        self._stop = False
        self._deadline = float("inf")  # perf_counter time when the step's budget runs out

    # --- who thinks with the model ---------------------------------------------------------------
    def near(self, rows: Callable[[str], dict[str, Any] | None] | None = None) -> set[str]:
        """The characters a player can see or hear now (by this world's copy of their rows, or by
        `rows`: a transaction's, after the step's tick)."""
        if not self.config.lod:
            return set(self.minds)
        row = rows or (lambda key: self.world.state_of(key))
        spots = {cid: parse(CharacterRow, f"character:{cid}", row(f"character:{cid}")) for cid in self.minds}
        chosen: set[str] = set()
        for place in self.players.values():
            if place not in self.world.places:
                continue  # a player between places (or nowhere yet) sees no one
            px, py = self.world.grid.door_of(place)
            seen = []
            for cid, spot in spots.items():
                x, y = spot.tile
                d = max(abs(px - x), abs(py - y))
                here = spot.place == place
                if d <= self.config.radius or (here and not self.config.by_sight):
                    seen.append((d, cid))
            seen.sort()
            limit = self.config.max_near if self.config.by_sight and self.config.max_near > 0 else len(seen)
            chosen |= {cid for _, cid in seen[:limit]}
        return chosen

    def detailed(self, cid: str) -> bool:
        return cid in self.near()

    # --- one step ---------------------------------------------------------------------------------
    def step(self) -> list[Event]:
        """Advance the clock one step (or finish a step an earlier run left open) and let every mind act."""
        first = self._last_id()
        state = self.world.state_of(STEP_KEY)
        if not state.get("open"):
            state = self.world.run(self._open)
        if "near" not in state:  # a step opened by older code: who a player sees, kept for the resumed step
            state = self.world.update_state(STEP_KEY, lambda cur: {**cur, "near": sorted(self.near())})
        budget = self.config.step_budget
        self._deadline = time.perf_counter() + (float("inf") if budget is None else budget)
        near = set(state["near"])
        done = set(state.get("done", []))
        with self._cut_when_late():
            for cid, mind in self.minds.items():
                if cid in done:
                    continue
                tier = self._tier(cid in near)
                detailed = tier == "near"
                with self._charged(tier, cid):
                    with self._for("importance"):
                        mind.perceive(detailed and self.config.model_importance, hold=True)  # committed with the act
                    here = self.world.position(cid)
                    present = [m for m in self.minds.values() if here is not None and self.world.position(m.me.id) == here]
                    with self._for("plan and decide"):
                        mind.act(detailed, present, marks=lambda talk, cid=cid: {STEP_KEY: self._done(cid, talk)})
                    if detailed:
                        with self._for("reflection"):
                            self.stats[cid].reflections += mind.reflect()
                self.stats[cid].steps += 1
                self.stats[cid].detailed_steps += detailed
            for a, b in self.world.state_of(STEP_KEY)["talks"]:
                tier = self._tier(a in near or b in near)
                turns = self.config.talk_turns
                with self._charged(tier, a, b, steps=False), self._for("talk"):
                    if [a, b] in self.world.state_of(STEP_KEY)["held"]:  # begun before an interruption:
                        self.minds[a].resume_talk(self.minds[b], tier == "near", turns)  # its lines said once
                        continue
                    mark = {STEP_KEY: lambda cur, pair=[a, b]: {**cur, "held": [*cur["held"], pair]}}
                    said = self.minds[a].talk_to(self.minds[b], tier == "near", turns=turns, updates=mark)
                if not said:
                    self.world.update_state(STEP_KEY, mark[STEP_KEY])
        if self.world.state_of(STEP_KEY).get("open"):  # not closed by the last character's mark
            self.world.update_state(STEP_KEY, lambda cur: {**cur, "open": False})
        return self.world.events(since_id=first)

    def _open(self, tx: Tx) -> dict[str, Any]:
        """A new step, in one transaction: the clock's tick, and who a player sees after it."""
        rules.tick(self.world, tx, self.config.step_minutes)
        near = sorted(self.near(tx.read))  # the tick read (and moved) every character in this transaction
        return tx.update(STEP_KEY, lambda cur: {"open": True, "near": near, "done": [], "talks": [], "held": []})

    def _done(self, cid: str, talk: TalkTo | None) -> Change:
        """The mark that `cid` has acted (committed with its action): a conversation it chose is
        arranged unless one of the two already has one this step; the last mark closes a step with
        no conversation to hold."""
        pair = [cid, talk.other.me.id] if talk is not None else None
        everyone = set(self.minds)

        def mark(cur: dict[str, Any]) -> dict[str, Any]:
            talks = cur["talks"] + ([pair] if pair and not any(set(pair) & set(t) for t in cur["talks"]) else [])
            done = [*cur["done"], cid]
            return {**cur, "done": done, "talks": talks, "open": bool(talks) or not everyone <= set(done)}

        return mark

    def _tier(self, near: bool) -> str:
        if not near:
            return "far"
        return "near" if time.perf_counter() < self._deadline else "late"

    # --- a run ------------------------------------------------------------------------------------
    def run(self, hours: float, progress: Callable[[int, int], None] | None = None) -> RunReport:
        """Run `hours` of world time. Ctrl-C ends the run after the step under way (a second stops at
        once); the report covers the steps that ran."""
        start, t0 = self.world.now(), time.perf_counter()
        steps = max(1, round(hours * 60 / self.config.step_minutes))
        events: list[Event] = []
        step_seconds: list[float] = []
        self._stop = False
        with self._graceful_interrupt():
            for i in range(steps):
                began, calls = time.perf_counter(), len(self.gateway.history)
                events += self.step()
                step_seconds.append(time.perf_counter() - began)
                self.step_calls.append(len(self.gateway.history) - calls)
                if progress:
                    progress(i + 1, steps)
                if self._stop:
                    break
        ran = len(step_seconds) * self.config.step_minutes / 60
        dropped = Counter(self.memory.reflector.dropped) if self.memory is not None else Counter()
        return RunReport(start.isoformat(timespec="minutes"), self.world.now().isoformat(timespec="minutes"),
                         ran, events, dict(self.stats), dict(self.tiers), step_seconds,
                         time.perf_counter() - t0, sum(m.calls_cut for m in self.minds.values()), dropped,
                         interrupted=len(step_seconds) < steps, purposes=dict(self.purposes),
                         step_calls=self.step_calls[-len(step_seconds):] if step_seconds else [])

    def stop(self) -> None:
        """Ask the run to end after the step under way (what Ctrl-C does)."""
        self._stop = True

    @contextmanager
    def _graceful_interrupt(self) -> Iterator[None]:
        if threading.current_thread() is not threading.main_thread():
            yield
            return

        def handler(signum, frame) -> None:
            if self._stop:
                raise KeyboardInterrupt  # asked twice: stop now; the step checkpoint lets a resume finish it
            log.warning("interrupted: finishing the step under way (Ctrl-C again to stop at once)")
            self._stop = True

        previous = signal.signal(signal.SIGINT, handler)
        try:
            yield
        finally:
            signal.signal(signal.SIGINT, previous)

    @contextmanager
    def _cut_when_late(self) -> Iterator[None]:
        """While the step runs, a model call still going past the budget is cancelled (the mind that
        made it answers by rules and counts it)."""
        if self.config.step_budget is None:
            yield
            return
        before = self.gateway.cancelled

        def late() -> bool:
            return time.perf_counter() >= self._deadline or before()

        self.gateway.cancelled = late
        try:
            yield
        finally:
            self.gateway.cancelled = before

    def _last_id(self) -> int:
        last = self.world.events(last=1)
        return last[0].id if last else 0

    @contextmanager
    def _for(self, purpose: str) -> Iterator[None]:
        """Count the model calls made inside the block under what they were for."""
        mark = len(self.gateway.history)
        try:
            yield
        finally:
            self.purposes[purpose] += len(self.gateway.history) - mark

    @contextmanager
    def _charged(self, tier: str, *cids: str, steps: bool = True) -> Iterator[None]:
        """Attribute the model calls made inside the block to these characters (split evenly) and the tier."""
        mark = len(self.gateway.history)
        try:
            yield
        finally:
            new = self.gateway.history[mark:]
            calls, tokens = len(new), sum(u.prompt_tokens + u.completion_tokens for u in new)
            t = self.tiers[tier]
            t.model_calls += calls
            t.tokens += tokens
            t.character_steps += len(cids) if steps else 0
            for cid in cids:
                s = self.stats[cid]
                s.model_calls += calls / len(cids)
                s.prompt_tokens += sum(u.prompt_tokens for u in new) / len(cids)
                s.completion_tokens += sum(u.completion_tokens for u in new) / len(cids)
