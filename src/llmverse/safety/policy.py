"""Per-world safety policy: what each category scores to, and what the rail does about it.

Three levels (`family`, `teen`, `mature`) set, per category, the score at which the rail acts and
the action it takes. Scores come from `classify.py` in [0, 1]: rules give 0.6 for a mild hit and
0.95 for a severe one (an instruction to harm, a threat), the trained model its probability.
Categories follow Llama Guard's hazards where a game world needs them (violent crimes and
indiscriminate weapons -> violence; hate; sexual content; self-harm; non-violent crimes -> illegal;
privacy -> pii) plus the security classes of the OWASP LLM Top 10 (prompt injection, jailbreak,
system-prompt extraction).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Category = Literal["violence", "hate", "sexual", "self_harm", "illegal", "pii", "injection", "jailbreak",
                   "extraction"]
CATEGORIES: tuple[Category, ...] = ("violence", "hate", "sexual", "self_harm", "illegal", "pii", "injection",
                                    "jailbreak", "extraction")
HAZARDS: tuple[Category, ...] = CATEGORIES[:6]  # content hazards; the rest are attacks on the system
Action = Literal["allow", "rewrite", "refuse"]
Level = Literal["family", "teen", "mature"]
MILD, SEVERE = 0.6, 0.95  # the two rule scores


@dataclass(frozen=True)
class Rule:
    threshold: float  # act when the score reaches this
    action: Action  # what to do then


# Why these: family refuses anything that touches a hazard; teen lets mild violence and crude words
# pass (war stories, a brawl in a tale) but not instructions or threats; mature also lets mild sexual
# content through. Self-harm, attacks on the system and others' personal data are the same at every
# level: a safe-messaging reply, a refusal, a redaction.
_LEVELS: dict[Level, dict[Category, Rule]] = {
    "family": {"violence": Rule(MILD, "refuse"), "hate": Rule(MILD, "refuse"), "sexual": Rule(MILD, "refuse"),
               "illegal": Rule(MILD, "refuse")},
    "teen": {"violence": Rule(0.9, "refuse"), "hate": Rule(MILD, "refuse"), "sexual": Rule(MILD, "refuse"),
             "illegal": Rule(0.9, "refuse")},
    "mature": {"violence": Rule(0.9, "refuse"), "hate": Rule(0.9, "refuse"), "sexual": Rule(0.99, "refuse"),
               "illegal": Rule(0.9, "refuse")},
}
_ALWAYS: dict[Category, Rule] = {"self_harm": Rule(MILD, "refuse"), "pii": Rule(MILD, "rewrite"),
                                 "injection": Rule(MILD, "refuse"), "jailbreak": Rule(MILD, "refuse"),
                                 "extraction": Rule(MILD, "refuse")}


class Limits(BaseModel):
    """Unbounded consumption (OWASP LLM10): per-player budgets and sizes; times in seconds."""

    model_config = ConfigDict(extra="forbid")
    max_input_chars: int = Field(2000, ge=1, description="longer messages are refused before any model call")
    max_output_tokens: int = Field(160, ge=1, description="cap on a reply's tokens, whatever the caller asks")
    requests_per_minute: int = Field(20, ge=1, description="per player, sliding window")
    tokens_per_hour: int = Field(20_000, ge=1, description="prompt + completion tokens per player, sliding window")
    model_timeout: float = Field(30.0, gt=0, description="seconds a model may stay silent (the gateway's timeout)")


class Policy(BaseModel):
    """A world's safety settings; `Policy.for_level("teen")` is the default."""

    model_config = ConfigDict(extra="forbid")
    level: Level = "teen"
    use_model: bool = Field(True, description="use the trained classifier when it is installed")
    judge: bool = Field(False, description="ask the model judge about borderline scores (slower)")
    borderline: tuple[float, float] = Field((0.35, 0.6), description="scores the judge is asked about")
    limits: Limits = Field(default_factory=Limits)

    @classmethod
    def for_level(cls, level: Level) -> Policy:
        return cls(level=level)

    def rule(self, category: Category) -> Rule:
        return _ALWAYS.get(category) or _LEVELS[self.level][category]
