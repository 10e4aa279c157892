"""What a simulation run cost: model calls, tokens and wall time per character-hour, by level of detail.

Level-of-detail tiers: `near` (a player can see or hear the character: it thinks with the model),
`far` (out of sight: plans, rules and cached decisions), `late` (would have been near, but the step's
time budget was spent: rules, so the clock never waits on the model).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from llmverse.world.store import Event

TIERS = ("near", "far", "late")
# What a model call was for: the importance of what was seen and heard (talk included), the plan's
# ten-minute steps and the choice among options, a reflection, the replies in a conversation.
PURPOSES = ("importance", "plan and decide", "reflection", "talk")


@dataclass
class CharacterStats:
    model_calls: float = 0
    prompt_tokens: float = 0
    completion_tokens: float = 0
    detailed_steps: int = 0
    steps: int = 0
    reflections: int = 0


@dataclass
class TierStats:
    character_steps: int = 0
    model_calls: float = 0
    tokens: float = 0


@dataclass
class RunReport:
    start: str
    end: str
    hours: float  # world hours that ran (less than asked for when interrupted)
    events: list[Event]
    stats: dict[str, CharacterStats] = field(default_factory=dict)
    tiers: dict[str, TierStats] = field(default_factory=dict)
    step_seconds: list[float] = field(default_factory=list)  # wall time of each step
    wall_seconds: float = 0.0
    calls_cut: int = 0  # model calls cancelled by the step budget (their callers used rules)
    dropped: Counter[str] = field(default_factory=Counter)  # reflections not stored, by reason
    interrupted: bool = False
    purposes: dict[str, int] = field(default_factory=dict)  # model calls by what they were for (PURPOSES)
    step_calls: list[int] = field(default_factory=list)  # model calls of each step, in order

    @property
    def character_hours(self) -> float:
        return len(self.stats) * self.hours

    def calls_per_character_hour(self) -> float:
        return sum(s.model_calls for s in self.stats.values()) / max(1e-9, self.character_hours)

    def tokens_per_character_hour(self) -> float:
        tokens = sum(s.prompt_tokens + s.completion_tokens for s in self.stats.values())
        return tokens / max(1e-9, self.character_hours)

    def wall_per_character_hour(self) -> float:
        return self.wall_seconds / max(1e-9, self.character_hours)

    def step_percentiles(self) -> dict[str, float]:
        """p50, p90, max of the step wall times, in seconds."""
        if not self.step_seconds:
            return {"p50": 0.0, "p90": 0.0, "max": 0.0}
        s = sorted(self.step_seconds)
        pick = lambda q: s[min(len(s) - 1, int(q * len(s)))]  # noqa: E731 (nearest rank)
        return {"p50": pick(0.5), "p90": pick(0.9), "max": s[-1]}

    def tier_rows(self, step_minutes: float) -> list[tuple[str, int, float, float, float]]:
        """(tier, character-steps, calls, calls per character-hour in the tier, tokens per character-hour)."""
        rows = []
        for name in TIERS:
            t = self.tiers.get(name, TierStats())
            hours = t.character_steps * step_minutes / 60
            rows.append((name, t.character_steps, t.model_calls, t.model_calls / max(1e-9, hours),
                         t.tokens / max(1e-9, hours)))
        return rows
