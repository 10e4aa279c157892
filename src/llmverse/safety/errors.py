"""Safety errors: subclasses of `LlmverseError`, so callers catch one type."""

from __future__ import annotations

from llmverse.errors import LlmverseError


class UnsafeInput(LlmverseError):
    """A rail refused a message; `decision` holds the category, reason code and the player-facing line."""

    def __init__(self, decision: object) -> None:
        self.decision = decision
        super().__init__(f"refused by the safety rail: {getattr(decision, 'reason', decision)}")


class BudgetExceeded(LlmverseError):
    """A player used up a request or token budget; `retry_after` says in how many seconds to try again."""

    def __init__(self, what: str, retry_after: float) -> None:
        self.what, self.retry_after = what, retry_after
        super().__init__(f"{what} budget used up; try again in {retry_after:.0f} s")


class ClassifierMissing(LlmverseError):
    """The trained safety classifier is not there; rules still work. Build it with `llmverse safety train`."""
