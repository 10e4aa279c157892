"""A character's day: its schedule from the world file, changed by what happens (plan overrides).

The plan is data, not model output: an invitation the character accepted, a player's request or a
fire becomes an `Override` (from, until, place, why) kept in the world's state, so a restart keeps
the plan and a far-away character follows it without a model call (cheap cognition, DESIGN.md).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from llmverse.world.clock import _minutes
from llmverse.world.model import Character
from llmverse.world.world import World


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
        o = Override(start.isoformat(timespec="minutes"),
                     (start + timedelta(minutes=minutes)).isoformat(timespec="minutes"), place, activity, why)
        kept = [x for x in self.overrides if x.until > self.world.now().isoformat(timespec="minutes")]
        self.world.put_state(self._key, {"overrides": [asdict(x) for x in [*kept, o]]})
        return o

    def step_at(self, at: datetime) -> Step:
        iso = at.isoformat(timespec="minutes")
        for o in self.overrides:
            if o.start <= iso < o.until:
                return Step(o.place, o.activity, o.why)
        return scheduled_step(self.me, at)

    def today(self) -> list[tuple[str, Step]]:
        """The day hour by hour ("08:00" → step), for reports and the character's own prompt."""
        day = self.world.now().replace(hour=0, minute=0)
        return [(f"{h:02d}:00", self.step_at(day + timedelta(hours=h))) for h in range(24)]


def scheduled_step(c: Character, at: datetime) -> Step:
    now = at.hour * 60 + at.minute
    entries = sorted(c.schedule, key=lambda s: _minutes(s.at))
    due = [s for s in entries if _minutes(s.at) <= now] or entries[-1:]  # before the first: last night's
    if due:
        return Step(due[-1].place, due[-1].activity or "going about the day")
    return Step(c.workplace or c.home or "", "staying put")
