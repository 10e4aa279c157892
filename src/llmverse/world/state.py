"""The rows of world state, typed: what a `clock`, `character:` or `thing:` row may hold, and the
shapes the layers above declare for their own rows (`register_row`).

Rows come out of the database as JSON; the rules read them through these models, so a malformed row
(written by hand, or by code from before) is a clear `StoreError` naming the row, not a KeyError deep in
a rule, and a rule cannot write a row of the wrong shape. The stored JSON keeps its shape: a standing
character is `{"place", "tile"}`, a walking one adds `dest`, `path` and `carry`.

A layer's rows (`profile:<player>`, `assistant:<player>`, `sim:step` ...) are typed by the module that
writes them: it calls `register_row(prefix, Model)` (or `register_row("sim:step", Model)` for one key)
when imported, and every write of such a row through the world (`World.run`, so `update_state` and the
`updates=` of an action too) is checked before it commits; a row that does not fit is a `StoreError`
and nothing is written. The stored JSON is what the writer gave, unchanged.
"""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from llmverse.world.transactions import StoreError

R = TypeVar("R", bound="Row")
M = TypeVar("M", bound=BaseModel)
WORLD_PREFIXES = ("clock", "character", "thing", "world")  # typed here, written by actions only
# Rows the replay rebuilds from the actions' events (move, arrive, give, buy) or from the world file (the
# `world` marker, written when seeded): their changes are not journaled. Every other row's changes are,
# in a row of kind `tables.JOURNAL` (`World.run`); `replay.verify` compares the two kinds apart.
FROM_EVENTS = ("character", "thing", "world")
# ... except the fields of a character's row no event determines: the tile a walker has reached, the
# tiles still to walk and the part of a tile carried into the next tick change with every tick. They
# are facts players see (the map) and the assistant uses, so the journal keeps them like a layer's
# fields (a move's and a tick's own journal row); the `move` and `arrive` events keep `place` and `dest`.
WALK_FIELDS = ("tile", "path", "carry")
LAYER_ROWS: dict[str, type[BaseModel]] = {}  # key prefix ("profile") or whole key ("sim:step") -> shape


class Row(BaseModel):
    model_config = ConfigDict(extra="forbid")

    def row(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


class Clock(Row):
    now: str = Field(pattern=r"^\d{4}-\d\d-\d\dT\d\d:\d\d$", description="World time, ISO, whole minutes.")


class CharacterRow(Row):
    place: str | None = Field(description="The place stood in; None while walking.")
    tile: tuple[int, int]
    dest: str | None = Field(default=None, description="Where a walker is going.")
    path: list[tuple[int, int]] = Field(default=[], description="Tiles still to walk.")
    carry: float = Field(default=0.0, ge=0, description="Part of a tile walked in the last tick.")

    def row(self) -> dict[str, Any]:
        full = self.model_dump(mode="json")
        return full if self.dest is not None else {"place": full["place"], "tile": full["tile"]}


class ThingRow(Row):
    location: str | None = Field(description="The place it is kept; None while someone carries it.")
    owner: str | None


def parse(model: type[R], entity: str, data: dict[str, Any] | None) -> R:
    """A row as its model; a missing or malformed row is a StoreError that names it."""
    if data is None:
        raise StoreError(f"the world has no state row '{entity}': reopen the world to seed it")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problem = exc.errors()[0]
        raise StoreError(f"state row '{entity}' is malformed ({'.'.join(map(str, problem['loc']))}: "
                         f"{problem['msg']}); `verify` compares the state with the event log") from exc


def journaled_key(entity: str) -> bool:
    """Are this row's changes kept in the log's journal (not rebuilt from events or the file)?"""
    return entity.split(":")[0] not in FROM_EVENTS


def journaled_fields(entity: str) -> tuple[str, ...] | None:
    """Which of a row's fields the journal keeps: None every field (a layer's row, the clock), else
    these (a character's walk; none of a thing's nor of the `world` marker)."""
    if journaled_key(entity):
        return None
    return WALK_FIELDS if entity.split(":")[0] == "character" else ()


def to_journal(changes: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The part of a transaction's changes (`Tx.changes`) the journal keeps (`journaled_fields`)."""
    out: dict[str, dict[str, Any]] = {}
    for entity, change in changes.items():
        fields = journaled_fields(entity)
        if fields is None:
            out[entity] = change
            continue
        kept = {"set": {k: v for k, v in change.get("set", {}).items() if k in fields}}
        unset = [k for k in change.get("unset", []) if k in fields]
        if unset:
            kept["unset"] = unset
        if kept["set"] or unset:
            out[entity] = kept
    return out


def register_row(prefix: str, model: type[M]) -> type[M]:
    """Declare the shape of the rows kept under `prefix:` ("rel"), or of one row ("sim:step": a key with
    a colon; it takes precedence over its prefix). The module that writes them calls this when imported,
    so the check runs wherever they are written. Returns the model."""
    if prefix.split(":")[0] in WORLD_PREFIXES or not prefix.split(":")[0] or prefix.endswith(":"):
        raise ValueError(f"'{prefix}' is not a layer's key prefix nor one of its keys")
    LAYER_ROWS[prefix] = model
    return model


def check_row(entity: str, data: dict[str, Any]) -> None:
    """A layer's row about to be written fits its registered shape, or StoreError naming the row."""
    model = LAYER_ROWS.get(entity) or LAYER_ROWS.get(entity.split(":")[0])
    if model is None:
        return
    try:
        model.model_validate(data)
    except ValidationError as exc:
        problem = exc.errors()[0]
        raise StoreError(f"state row '{entity}' was not written: it does not fit {model.__name__} "
                         f"({'.'.join(map(str, problem['loc'])) or 'row'}: {problem['msg']})") from exc
