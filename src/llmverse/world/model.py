"""World file entities, validated by pydantic at the file boundary.

Every field carries a description: the published JSON Schema (`worlds/world.schema.json`, made by
`world/schema.py`) is generated from these models, so the descriptions are the format's reference.
Rules that span several fields (unique ids, references, geometry, reachability) are checked by
`WorldFile` and raised at the location of the offending field, so the loader can name its line.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import (BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, field_validator,
                      model_validator)
from pydantic_core import InitErrorDetails, PydanticCustomError

from llmverse.world import grid as _grid
from llmverse.world.clock import START_FORMAT, parse_start

Loc = tuple[str | int, ...]
_ID = r"^[a-z][a-z0-9_]*$"
_HHMM = r"([01]\d|2[0-3]):[0-5]\d"


def _friendly(pattern: str, hint: str) -> BeforeValidator:
    """Check a string against `pattern` first with a message an author understands (the pattern
    itself stays on the field, so the JSON Schema carries it too)."""
    compiled = re.compile(pattern)

    def check(v: Any) -> Any:
        if isinstance(v, str) and not compiled.match(v):
            raise ValueError(f"'{v}' {hint}")
        return v
    return BeforeValidator(check)


_HOURS = rf"^{_HHMM}-({_HHMM}|24:00)$"
# The pattern must come before the friendly check in Annotated, or the JSON Schema loses it.
Id = Annotated[str, Field(pattern=_ID), _friendly(_ID, "is not an id: use lower-case letters, digits "
                                                  "and '_', starting with a letter (e.g. town_hall)")]
Hours = Annotated[str, Field(pattern=_HOURS), _friendly(_HOURS, "is not opening hours: write "
                  "'HH:MM-HH:MM' with times from 00:00 to 23:59 (closing may be 24:00), e.g. 08:00-18:00")]
ClockTime = Annotated[str, Field(pattern=rf"^{_HHMM}$"), _friendly(rf"^{_HHMM}$", "is not a time of day: "
                      "write 'HH:MM' (24-hour clock), e.g. 07:30")]


def _raise_at(title: str, problems: list[tuple[Loc, str]]) -> None:
    """Raise one ValidationError whose errors sit at the given locations (relative to this model).

    A plain ValueError in a model validator would be reported at the model itself (for the whole
    world: line 1); pydantic merges a nested ValidationError's locations into the outer path, so the
    loader can point at e.g. `places.3.doors.0` and its YAML line.
    """
    if problems:
        raise ValidationError.from_exception_data(title, [
            InitErrorDetails(type=PydanticCustomError("world_rule", msg), loc=loc, input=None)
            for loc, msg in problems
        ])


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Names(Strict):
    """A name in English and (optionally) Chinese."""

    en: str = Field(min_length=1, description="English name.")
    zh: str | None = Field(default=None, min_length=1, description="Chinese name (简体中文).")


class Tile(Strict):
    """One tile of the grid map; (0, 0) is the top-left corner, y grows downward."""

    x: int = Field(ge=0, description="Column, from 0 at the left edge.")
    y: int = Field(ge=0, description="Row, from 0 at the top edge.")


class Rect(Strict):
    """Tiles x..x+w-1, y..y+h-1 on the grid map."""

    x: int = Field(ge=0, description="Left column.")
    y: int = Field(ge=0, description="Top row.")
    w: int = Field(gt=0, description="Width in tiles.")
    h: int = Field(gt=0, description="Height in tiles.")

    def contains(self, x: int, y: int) -> bool:
        return self.x <= x < self.x + self.w and self.y <= y < self.y + self.h

    def on_border(self, x: int, y: int) -> bool:
        return self.contains(x, y) and (x in (self.x, self.x + self.w - 1)
                                        or y in (self.y, self.y + self.h - 1))

    def is_corner(self, x: int, y: int) -> bool:
        return x in (self.x, self.x + self.w - 1) and y in (self.y, self.y + self.h - 1)

    def overlaps(self, other: Rect) -> bool:
        return (self.x < other.x + other.w and other.x < self.x + self.w
                and self.y < other.y + other.h and other.y < self.y + self.h)


class Place(Strict):
    """A building (walled, entered by its doors) or an open-air area (walkable from every side)."""

    id: Id = Field(description="Unique id: lower-case letters, digits and '_'.")
    names: Names = Field(description="Display names in English and Chinese.")
    aliases: list[str] = Field(default=[], description="Other words players use for this place "
                               "(any language), e.g. 'smithy' or '铁匠铺' for a forge.")
    description: str = Field(default="", description="One or two sentences for players and characters.")
    description_zh: str | None = Field(default=None, description="The description in Chinese.")
    tags: list[str] = Field(default=[], description="Free-form tags used by recommendation, e.g. food, history.")
    hours: Hours | None = Field(
        default=None,
        description="Opening hours 'HH:MM-HH:MM' (closing time exclusive; '18:00-02:00' runs past "
                    "midnight; '24:00' may close the day). Leave out for always open.")
    rect: Rect = Field(description="The tiles the place covers; for a walled place the border is its wall.")
    open_air: bool = Field(default=False, description="True for outdoor areas (square, park, quay): no "
                           "walls, every tile walkable, doors optional.")
    doors: list[Tile] = Field(default=[], description="Gaps in the wall, on the rectangle's edge but not "
                              "its corners. A walled place needs at least one; on an open-air place "
                              "they mark preferred entrances.")

    @field_validator("hours")
    @classmethod
    def _hours_not_empty(cls, v: str | None) -> str | None:
        if v is not None and v[:5] == v[6:]:
            raise ValueError(f"'{v}': opening and closing times are equal; leave 'hours' out for always open")
        return v

    @model_validator(mode="after")
    def _doors_in_walls(self) -> Place:
        """Doors sit in the wall, where they connect the inside with the outside."""
        problems: list[tuple[Loc, str]] = []
        r = self.rect
        if not self.open_air:
            if r.w < 3 or r.h < 3:
                problems.append((("rect",), f"walled place '{self.id}' is {r.w}x{r.h}: it needs at "
                                 "least 3x3 tiles (a wall around an inside); enlarge it or set open_air: true"))
            if not self.doors:
                problems.append((("doors",), f"walled place '{self.id}' has no door: add one on its "
                                 "rectangle's edge (doors: [{x: .., y: ..}]) or set open_air: true"))
        seen: set[tuple[int, int]] = set()
        for k, d in enumerate(self.doors):
            if not r.on_border(d.x, d.y):
                problems.append((("doors", k), f"door ({d.x}, {d.y}) of '{self.id}' is not on the edge "
                                 f"of its rectangle x {r.x}..{r.x + r.w - 1}, y {r.y}..{r.y + r.h - 1}"))
            elif r.is_corner(d.x, d.y) and not self.open_air:
                problems.append((("doors", k), f"door ({d.x}, {d.y}) of '{self.id}' is on a corner, "
                                 "where it cannot lead inside; move it along the wall"))
            elif (d.x, d.y) in seen:
                problems.append((("doors", k), f"door ({d.x}, {d.y}) of '{self.id}' is listed twice"))
            seen.add((d.x, d.y))
        _raise_at("Place", problems)
        return self


class Thing(Strict):
    """An item (which may be for sale) or a museum exhibit, kept at a place."""

    id: Id = Field(description="Unique id: lower-case letters, digits and '_'.")
    names: Names = Field(description="Display names in English and Chinese.")
    aliases: list[str] = Field(default=[], description="Other words players use for this thing.")
    kind: Literal["item", "exhibit"] = Field(default="item", description="'item' (can be sold, lent or "
                                             "given) or 'exhibit' (on show, never for sale).")
    description: str = Field(default="", description="A short description in English.")
    description_zh: str | None = Field(default=None, description="The description in Chinese.")
    price: float | None = Field(default=None, ge=0, description="Price in coins; leave out if not for sale.")
    owner: str | None = Field(default=None, description="Id of the character who owns or sells it.")
    location: str = Field(description="Id of the place where it is kept.")

    @model_validator(mode="after")
    def _exhibits_not_for_sale(self) -> Thing:
        if self.kind == "exhibit" and self.price is not None:
            _raise_at("Thing", [(("price",), f"exhibit '{self.id}' has a price: exhibits are not for "
                                 "sale; remove the price or make it kind: item")])
        return self


class ScheduleEntry(Strict):
    """From this time on (until the next entry), the character is at this place."""

    at: ClockTime = Field(description="Time of day 'HH:MM' (24-hour clock).")
    place: str = Field(description="Id of the place the character goes to.")
    activity: str = Field(default="", description="What the character does there, e.g. 'serving visitors'.")
    activity_zh: str | None = Field(default=None, description="The activity in Chinese, e.g. '接待访客'.")


class Character(Strict):
    """An inhabitant whom the model gives a voice; the facts about them come from here."""

    id: Id = Field(description="Unique id: lower-case letters, digits and '_'.")
    names: Names = Field(description="Display names in English and Chinese.")
    aliases: list[str] = Field(default=[], description="Other names players call this character by.")
    role: str = Field(description="What they do in the world, e.g. 'blacksmith', 'museum tour guide'.")
    role_zh: str | None = Field(default=None, description="The role in Chinese, e.g. '铁匠', '博物馆讲解员'.")
    persona: str = Field(description="Who they are, in a sentence or two; the prompt's character sketch.")
    persona_zh: str | None = Field(default=None, description="The character sketch in Chinese.")
    traits: list[str] = Field(default=[], description="Personality traits, e.g. 'gruff', 'patient'.")
    knowledge: list[str] = Field(default=[], description="Facts this character knows and may tell.")
    knowledge_zh: list[str] = Field(default=[], description="The same facts in Chinese, in the same order "
                                    "(one per line of `knowledge`).")
    home: str | None = Field(default=None, description="Id of the place where they live.")
    workplace: str | None = Field(default=None, description="Id of the place where they work.")
    schedule: list[ScheduleEntry] = Field(default=[], description="Daily routine, in increasing time order.")
    language: Literal["en", "zh"] = Field(default="en", description="Language they speak first: 'en' or 'zh'.")

    @model_validator(mode="after")
    def _knowledge_pairs(self) -> Character:
        if self.knowledge_zh and len(self.knowledge_zh) != len(self.knowledge):
            _raise_at("Character", [(("knowledge_zh",), f"character '{self.id}' has {len(self.knowledge)} "
                                     f"knowledge lines and {len(self.knowledge_zh)} in knowledge_zh: give one "
                                     "Chinese line per English line, in the same order")])
        return self

    def knowledge_pairs(self) -> list[tuple[str, str | None]]:
        """Each knowledge line with its Chinese (None where the world gives none)."""
        zh = self.knowledge_zh or [None] * len(self.knowledge)
        return list(zip(self.knowledge, zh, strict=True))

    @field_validator("schedule")
    @classmethod
    def _schedule_in_order(cls, v: list[ScheduleEntry]) -> list[ScheduleEntry]:
        for k in range(1, len(v)):
            if v[k].at <= v[k - 1].at:
                _raise_at("Character", [((k, "at"), f"schedule time {v[k].at} does not come after "
                                         f"{v[k - 1].at}: list entries in increasing time order")])
        return v


class Blocked(Rect):
    """Unwalkable tiles; a named one (a fountain, a lighthouse) is a landmark in directions."""

    name: Names | None = Field(default=None, description="Name in English and Chinese, for directions.")


class GridMap(Strict):
    """The tile map: every tile is walkable street unless blocked or inside a place's wall."""

    width: int = Field(gt=0, description="Columns of tiles.")
    height: int = Field(gt=0, description="Rows of tiles.")
    tile_m: float = Field(default=2.0, gt=0, description="Edge length of one tile in metres (default 2).")
    blocked: list[Blocked] = Field(default=[], description="Unwalkable tiles: water, cliffs, fountains. "
                                "They may lie inside open-air places.")


class WorldFile(Strict):
    """A whole world: the map, its places, the things in them and the characters who live there."""

    model_config = ConfigDict(extra="forbid", title="llmverse world file")

    version: Literal[1] = Field(default=1, description="World format version; this document describes 1.")
    name: Names = Field(description="The world's name in English and Chinese.")
    start_time: str = Field(default="2026-01-01T08:00", pattern=r"^\d{4}-\d\d-\d\dT\d\d:\d\d$",
                            description="World time when the world starts, 'YYYY-MM-DDTHH:MM' (quote it in YAML).")
    map: GridMap = Field(description="The grid map.")
    places: list[Place] = Field(min_length=1, description="Buildings and open-air areas; at least one.")
    things: list[Thing] = Field(default=[], description="Items and exhibits.")
    characters: list[Character] = Field(default=[], description="The inhabitants.")

    @field_validator("start_time", mode="before")
    @classmethod
    def _start_time(cls, v: Any) -> Any:
        """YAML turns an unquoted '2026-05-01 08:00:00' into a datetime; take it if it is whole minutes."""
        if isinstance(v, datetime) and v.second == 0 and v.microsecond == 0 and v.tzinfo is None:
            return v.strftime(START_FORMAT)
        if isinstance(v, str):
            parse_start(v)
        return v

    @property
    def start(self) -> datetime:
        """`start_time` as a datetime (naive: the world has one time zone, its own)."""
        return parse_start(self.start_time)

    def chinese_names(self) -> list[tuple[str, str]]:
        """Every Chinese name the world uses, with jieba's part-of-speech tag for it ('ns' a place or a
        landmark, 'nr' a person, 'n' a thing or a role): the words a Chinese question names it by."""
        out = [(x, "ns") for p in self.places for x in (p.names.zh, *p.aliases)]
        out += [(x, "n") for t in self.things for x in (t.names.zh, *t.aliases)]
        out += [(x, "nr") for c in self.characters for x in (c.names.zh, *c.aliases)]
        out += [(c.role_zh, "n") for c in self.characters]
        out += [(b.name.zh, "ns") for b in self.map.blocked if b.name]
        return [(x, tag) for x, tag in out if x]

    def place(self, place_id: str) -> Place:
        """The place with this id; KeyError if there is none."""
        for p in self.places:
            if p.id == place_id:
                return p
        raise KeyError(place_id)

    @model_validator(mode="after")
    def _world_rules(self) -> WorldFile:
        """Ids, references and geometry first; reachability only on a map whose geometry holds."""
        problems = self._id_and_reference_problems() + self._alias_problems()
        geometry = self._geometry_problems()
        if not geometry:
            geometry = _grid.layout_problems(self)
        _raise_at("WorldFile", problems + geometry)
        return self

    def _id_and_reference_problems(self) -> list[tuple[Loc, str]]:
        problems: list[tuple[Loc, str]] = []
        for section, items in (("places", self.places), ("things", self.things),
                               ("characters", self.characters)):
            first: dict[str, int] = {}
            for i, item in enumerate(items):
                if item.id in first:
                    problems.append(((section, i, "id"), f"duplicate {section} id '{item.id}' (first "
                                     f"used at {section}.{first[item.id]})"))
                first.setdefault(item.id, i)
        places = {p.id for p in self.places}
        people = {c.id for c in self.characters}
        for i, t in enumerate(self.things):
            if t.location not in places:
                problems.append((("things", i, "location"), f"thing '{t.id}': unknown location "
                                 f"'{t.location}' (a place id)"))
            if t.owner is not None and t.owner not in people:
                problems.append((("things", i, "owner"), f"thing '{t.id}': unknown owner '{t.owner}' "
                                 "(a character id)"))
        for i, c in enumerate(self.characters):
            refs: list[tuple[Loc, str | None]] = [(("home",), c.home), (("workplace",), c.workplace)]
            refs += [(("schedule", k, "place"), s.place) for k, s in enumerate(c.schedule)]
            for rel, ref in refs:
                if ref is not None and ref not in places:
                    problems.append((("characters", i, *rel), f"character '{c.id}': unknown place '{ref}'"))
        return problems

    def _alias_problems(self) -> list[tuple[Loc, str]]:
        """A word may name only one place (thing, character), or matching player words is ambiguous."""
        problems: list[tuple[Loc, str]] = []
        for section, items in (("places", self.places), ("things", self.things),
                               ("characters", self.characters)):
            owner: dict[str, str] = {}
            for item in items:
                for word in (item.id, item.names.en, item.names.zh):
                    if word:
                        owner.setdefault(word.casefold(), item.id)
            for i, item in enumerate(items):
                for k, alias in enumerate(item.aliases):
                    other = owner.setdefault(alias.casefold(), item.id)
                    if other != item.id:
                        problems.append(((section, i, "aliases", k), f"alias '{alias}' of '{item.id}' "
                                         f"already names '{other}'"))
        return problems

    def _geometry_problems(self) -> list[tuple[Loc, str]]:
        m = self.map
        problems: list[tuple[Loc, str]] = []
        for i, r in enumerate(m.blocked):
            if r.x + r.w > m.width or r.y + r.h > m.height:
                problems.append((("map", "blocked", i), f"blocked rectangle reaches x {r.x + r.w - 1}, "
                                 f"y {r.y + r.h - 1}: outside the {m.width}x{m.height} map"))
        for i, p in enumerate(self.places):
            r = p.rect
            if r.x + r.w > m.width or r.y + r.h > m.height:
                problems.append((("places", i, "rect"), f"place '{p.id}' reaches x {r.x + r.w - 1}, "
                                 f"y {r.y + r.h - 1}: outside the {m.width}x{m.height} map"))
            for j in range(i):
                if self.places[j].rect.overlaps(r):
                    problems.append((("places", i, "rect"), f"place '{p.id}' overlaps place "
                                     f"'{self.places[j].id}'"))
        return problems
