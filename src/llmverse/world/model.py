"""World file entities, validated by pydantic at the file boundary."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Names(Strict):
    en: str
    zh: str | None = None


class Rect(Strict):
    """Tiles x..x+w-1, y..y+h-1 on the grid map."""

    x: int = Field(ge=0)
    y: int = Field(ge=0)
    w: int = Field(gt=0)
    h: int = Field(gt=0)


class Place(Strict):
    id: str
    names: Names
    description: str = ""
    tags: list[str] = []
    hours: str | None = Field(default=None, pattern=r"^\d\d:\d\d-\d\d:\d\d$")  # "08:00-18:00"
    rect: Rect


class Thing(Strict):
    id: str
    names: Names
    kind: str = "item"  # item | exhibit
    price: float | None = Field(default=None, ge=0)
    owner: str | None = None
    location: str


class ScheduleEntry(Strict):
    at: str = Field(pattern=r"^\d\d:\d\d$")
    place: str
    activity: str = ""


class Character(Strict):
    id: str
    names: Names
    role: str
    persona: str
    traits: list[str] = []
    knowledge: list[str] = []
    home: str | None = None
    workplace: str | None = None
    schedule: list[ScheduleEntry] = []
    language: str = "en"


class GridMap(Strict):
    width: int = Field(gt=0)
    height: int = Field(gt=0)
    blocked: list[Rect] = []  # unwalkable tiles (walls, water)


class WorldFile(Strict):
    name: Names
    start_time: str = "2026-01-01T08:00"
    map: GridMap
    places: list[Place]
    things: list[Thing] = []
    characters: list[Character] = []

    @model_validator(mode="after")
    def _references_resolve(self) -> WorldFile:
        """Every place a thing or character names must exist; ids must be unique."""
        place_ids = [p.id for p in self.places]
        for kind, ids in (("places", place_ids), ("things", [t.id for t in self.things]),
                          ("characters", [c.id for c in self.characters])):
            dup = {i for i in ids if ids.count(i) > 1}
            if dup:
                raise ValueError(f"duplicate {kind} id(s): {sorted(dup)}")
        known = set(place_ids)
        for t in self.things:
            if t.location not in known:
                raise ValueError(f"thing '{t.id}': unknown location '{t.location}'")
        for c in self.characters:
            for ref in [c.home, c.workplace, *(s.place for s in c.schedule)]:
                if ref is not None and ref not in known:
                    raise ValueError(f"character '{c.id}': unknown place '{ref}'")
        return self
