"""What characters, players and the assistant may ask the world to do; the world decides.

Actions are pydantic models so a model can choose one as schema-constrained JSON (`ACTION_SCHEMA`).
The actor is never part of the model's output: the caller says who acts, so a message cannot make
one character act as another.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter


class _Action(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Move(_Action):
    """Walk to a place, tile by tile, over world time."""

    kind: Literal["move"] = "move"
    to: str = Field(description="id of the place to walk to")


class Say(_Action):
    kind: Literal["say"] = "say"
    to: str | None = Field(default=None, description="id of whom it is said to; none for everyone here")
    text: str = Field(min_length=1, max_length=2000)


class Give(_Action):
    kind: Literal["give"] = "give"
    thing: str = Field(description="id of a thing the actor owns")
    to: str = Field(description="id of the one who receives it (here, in the same place)")


class Buy(_Action):
    kind: Literal["buy"] = "buy"
    thing: str = Field(description="id of a thing for sale where the actor is")


class Use(_Action):
    """Use a thing: one's own, or one kept where the actor stands (read a book, ring a bell)."""

    kind: Literal["use"] = "use"
    thing: str = Field(description="id of a thing the actor owns or that is here")


class Visit(_Action):
    """A player is at a place (players walk on their own clients; the world records where they went)."""

    kind: Literal["visit"] = "visit"
    to: str = Field(description="id of the place visited")


class Rate(_Action):
    """A player's rating of a place, thing or character: what recommendations learn from."""

    kind: Literal["rate"] = "rate"
    item: str = Field(pattern=r"^(place|thing|character):\w+$", description="'place:ID', 'thing:ID' or 'character:ID'")
    stars: int = Field(ge=1, le=5)


class Wait(_Action):
    kind: Literal["wait"] = "wait"
    minutes: int = Field(default=10, ge=1, le=240)


Action = Annotated[Move | Say | Give | Buy | Use | Visit | Rate | Wait, Field(discriminator="kind")]
ACTIONS: TypeAdapter[Action] = TypeAdapter(Action)
ACTION_SCHEMA = ACTIONS.json_schema()
