"""A character's day: its schedule from the world file, changed by what happens (plan overrides).

The plan is data, not model output: an invitation the character accepted, a player's request or a
fire becomes an `Override` (from, until, place, why) kept in the world's state, so a restart keeps
the plan and a far-away character follows it without a model call (cheap cognition, DESIGN.md).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict, Field

from llmverse.llm.base import Message
from llmverse.llm.gateway import Gateway
from llmverse.world.clock import _minutes
from llmverse.world.grounding import Lexicon
from llmverse.world.model import Character
from llmverse.world.state import register_row
from llmverse.world.world import World


SUBTASKS = """You are {name}, the {role}. Break "{activity}" at the {place} into three to six short steps
of about ten minutes each, in the order you do them. Answer as JSON."""


class Subtasks(BaseModel):
    steps: list[str] = Field(min_length=3, max_length=6)


@dataclass(frozen=True)
class Step:
    place: str
    activity: str
    why: str = "schedule"  # "schedule" or the reason of an override


@dataclass(frozen=True)
class Override:
    start: str  # ISO world time
    until: str
    place: str
    activity: str
    why: str  # e.g. "invited by nell (event 42)"


class OverrideRow(BaseModel):
    model_config = ConfigDict(extra="forbid")
    start: str = Field(pattern=r"^\d{4}-\d\d-\d\dT\d\d:\d\d$", description="ISO world time, whole minutes")
    until: str = Field(pattern=r"^\d{4}-\d\d-\d\dT\d\d:\d\d$")
    place: str
    activity: str
    why: str


class PlanRow(BaseModel):
    """`plan:<character>`: the overrides of its schedule and the ten-minute steps of the block under way."""

    model_config = ConfigDict(extra="forbid")
    overrides: list[OverrideRow] = []
    subtasks_for: str | None = Field(default=None, description="'<block start>|<place>|<activity>' they belong to")
    subtasks: list[str] = Field(default=[], max_length=6)


class SharedSteps(BaseModel):
    """`plans:<digest>`: ten-minute steps made once for a role, place and activity (`shared_key`)."""

    model_config = ConfigDict(extra="forbid")
    steps: list[str] = Field(min_length=1, max_length=6)


register_row("plan", PlanRow)
register_row("plans", SharedSteps)


class DayPlan:
    """Where a character means to be at any world time: its schedule, unless an override holds."""

    def __init__(self, world: World, character: Character) -> None:
        self.world, self.me = world, character
        self._key = f"plan:{character.id}"

    @property
    def overrides(self) -> list[Override]:
        return [Override(**o) for o in self.world.state_of(self._key).get("overrides", [])]

    def add(self, start: datetime, minutes: int, place: str, activity: str, why: str) -> Override:
        """Re-plan: from `start` for `minutes`, be at `place`. Persisted in the world's state."""
        o, change = self.add_change(start, minutes, place, activity, why)
        self.world.update_state(self._key, change)
        return o

    def add_change(self, start: datetime, minutes: int, place: str, activity: str,
                   why: str) -> tuple[Override, Callable[[dict], dict]]:
        """The override, and the change that adds it to the plan as stored (overrides already over
        dropped; one the plan holds already is not added twice, as when a stopped run perceives the
        same invitation again): for `World.update_state`, or to commit with an event (`World.invite`)."""
        o = Override(start.isoformat(timespec="minutes"),
                     (start + timedelta(minutes=minutes)).isoformat(timespec="minutes"), place, activity, why)
        now = self.world.now().isoformat(timespec="minutes")

        def change(current: dict) -> dict:
            kept = [x for x in current.get("overrides", []) if x["until"] > now]
            return {**current, "overrides": kept if asdict(o) in kept else [*kept, asdict(o)]}

        return o, change

    @property
    def key(self) -> str:
        return self._key

    def step_at(self, at: datetime) -> Step:
        return self.step_in(self.world.state_of(self._key), at)

    def step_in(self, stored: dict, at: datetime) -> Step:
        """The step in force at `at` by a plan as stored (for decisions made inside a transaction)."""
        iso = at.isoformat(timespec="minutes")
        for o in stored.get("overrides", []):
            if o["start"] <= iso < o["until"]:
                return Step(o["place"], o["activity"], o["why"])
        return scheduled_step(self.me, at)

    def block_start(self, at: datetime) -> datetime:
        """When the step in force at `at` began (walking back in 10-minute ticks, at most a day)."""
        step, t = self.step_at(at), at
        for _ in range(144):
            earlier = t - timedelta(minutes=10)
            if self.step_at(earlier) != step:
                break
            t = earlier
        return t.replace(minute=t.minute - t.minute % 10)

    def subtasks(self, at: datetime, gateway: Gateway | None = None, *, shared: bool = False) -> list[str]:
        """The step in force, broken into ten-minute actions: by the model for a character near
        players (one call per block, kept in the state), else the activity itself. `shared`: steps
        the model made once for this role, place and activity serve every day and every character
        with them (after "Affordable Generative Agents": plans reused, not asked again)."""
        step = self.step_at(at)
        start = self.block_start(at)
        key = f"{start:%Y-%m-%dT%H:%M}|{step.place}|{step.activity}"
        kept = self.world.state_of(self._key)
        if kept.get("subtasks_for") == key:
            return list(kept["subtasks"])
        steps = [step.activity or "going about the day"]
        common = shared_key(self.me.role, step.place, step.activity)
        reused = self.world.state_of(common).get("steps") if shared and gateway is not None else None
        if reused:
            steps = list(reused)
        elif gateway is not None and step.place:
            place = self.world.places[step.place].names.en
            prompt = SUBTASKS.format(name=self.me.names.en, role=self.me.role, activity=step.activity, place=place)
            out = gateway.decide([Message("user", prompt)], Subtasks, fallback=Subtasks(steps=steps * 3))
            lexicon = Lexicon(self.world.file)
            good = [s for s in out.steps if lexicon.check(s, supported_text=prompt).ok]
            steps = good or steps
            if good and shared:
                self.world.update_state(common, lambda _cur: {"steps": good})  # the newest made serve from now
        self.world.update_state(self._key, lambda cur: {**cur, "subtasks_for": key, "subtasks": steps})
        return steps

    def doing(self, at: datetime, gateway: Gateway | None = None, *, shared: bool = False) -> str:
        """The ten-minute action under way at `at`."""
        steps = self.subtasks(at, gateway, shared=shared)
        return steps[int((at - self.block_start(at)).total_seconds() // 600) % len(steps)]

    def today(self) -> list[tuple[str, Step]]:
        """The day hour by hour ("08:00" → step), for reports and the character's own prompt."""
        day = self.world.now().replace(hour=0, minute=0)
        return [(f"{h:02d}:00", self.step_at(day + timedelta(hours=h))) for h in range(24)]


def shared_key(role: str, place: str, activity: str) -> str:
    """The state key of steps shared by everyone with this role doing this activity at this place."""
    digest = hashlib.sha1(f"{role}|{place}|{activity}".casefold().encode("utf-8")).hexdigest()[:16]
    return f"plans:{digest}"


def scheduled_step(c: Character, at: datetime) -> Step:
    now = at.hour * 60 + at.minute
    entries = sorted(c.schedule, key=lambda s: _minutes(s.at))
    due = [s for s in entries if _minutes(s.at) <= now] or entries[-1:]  # before the first: last night's
    if due:
        return Step(due[-1].place, due[-1].activity or "going about the day")
    return Step(c.workplace or c.home or "", "staying put")  # "" place: no plan to go anywhere
