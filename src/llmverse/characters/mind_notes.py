"""A mind's own row (`mind:<character>`): its shape, and the notes a mind makes to it during a step.

A note is a change to the row, kept in the process until the mind commits it: with its action
(`World.apply(..., updates=with_pending(...))`), or alone (`commit`). Reads (`row`) see the row as
committed with the notes not yet committed applied, so a mind decides on what it has just noted.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from llmverse.world.state import register_row
from llmverse.world.world import World

Change = Callable[[dict[str, Any]], dict[str, Any]]


class MindRow(BaseModel):
    """`mind:<character>`: a mind's bookkeeping between steps (every write fits it)."""

    model_config = ConfigDict(extra="forbid")
    seen: int = Field(default=0, ge=0, description="id of the last event perceived")
    invites: list[int] = Field(default=[], description="ids of the invitations heard, directly or passed on")
    doing: str | None = Field(default=None, description="the ten-minute action under way")
    refused: str | None = Field(default=None, description="why the last action was refused, in its language")
    stayed_with: str | None = Field(default=None, description="the options it chose to stay with (cache_decisions)")
    talked: str | None = Field(default=None, description="ISO world time of its last conversation")


register_row("mind", MindRow)


class MindNotes:
    """One mind's row and the changes to it not yet committed."""

    def __init__(self, world: World, character_id: str) -> None:
        self.world = world
        self.key = f"mind:{character_id}"
        self._pending: list[Change] = []

    def note(self, change: Change) -> None:
        self._pending.append(change)

    def row(self) -> dict[str, Any]:
        """The row as committed, with the notes not yet committed applied."""
        row = self.world.state_of(self.key)
        for change in self._pending:
            row = change(row)
        return row

    def with_pending(self, updates: Mapping[str, Change] | None = None) -> dict[str, Change]:
        """`updates` and the pending notes, as changes for one transaction (the notes before any
        change `updates` makes to this row). Call `committed()` once that transaction has."""
        out = dict(updates or {})
        if self._pending:
            notes, after = list(self._pending), out.get(self.key, lambda cur: cur)

            def mine(cur: dict[str, Any]) -> dict[str, Any]:
                for change in notes:
                    cur = change(cur)
                return after(cur)

            out[self.key] = mine
        return out

    def commit(self, updates: Mapping[str, Change] | None = None) -> None:
        """The pending notes and `updates`, in one transaction of their own (none when both are empty)."""
        changes = self.with_pending(updates)
        if changes:
            self.world.update_states(changes)
        self.committed()

    def committed(self) -> None:
        """The pending notes went out with a transaction (`with_pending`): nothing is pending now."""
        self._pending.clear()
