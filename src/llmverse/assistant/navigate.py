"""Navigation: from the player's words to a walkable route with turn-by-turn directions.

`navigate(world, "how do I get to the museum?", start="market")` resolves the destination
(`places.resolve`), finds the shortest walk on the tile grid (`Grid.route`: doors are the only way
into a building, and no other building is a thoroughfare), checks opening hours on the world clock,
and phrases the route in English or Chinese. Principle 1: every fact in the text (turns, sides,
distances, times) is computed from the map; no model is needed, and the same input always gives the
same output. An unknown or unreachable place gets a `NotFound` with the nearest matches, never a
made-up route.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, Field

from llmverse.assistant.phrases import COMPASS, TEXT
from llmverse.world.places import Match, features, resolve
from llmverse.lang import Language, detect_language
from llmverse.world.clock import is_open, parse_hours
from llmverse.world.grid import XY, turning_points

if TYPE_CHECKING:
    from llmverse.world.model import Place, Rect
    from llmverse.world.world import World

MAX_CHARS = 300  # a longer request is not a place name: ask for the place instead
SIMPLIFY_TILES = 2.0  # a bend of under two tiles (4 m at the default tile size) is not worth a word
NEAR_TILES = 4.0  # a landmark this close to a leg is one the walker passes
Action = Literal["depart", "straight", "slight_left", "slight_right", "left", "right", "around", "arrive"]
Side = Literal["left", "right", "ahead", "through"]


class Landmark(BaseModel):
    id: str = Field(description="Place id, or 'blocked:<index>' for a named blocked area of the map.")
    name: str = Field(description="Its name in the route's language.")
    side: Side = Field(description="Where it lies as the walker goes: left, right, ahead, or walked through.")


class Step(BaseModel):
    action: Action = Field(description="What to do at `at`: set off, turn (or not), or arrive.")
    at: XY = Field(description="The tile where the step begins.")
    heading: str = Field(description="Compass heading of the leg (north, southeast, ...).")
    distance_m: float = Field(description="Length of the leg along the path, metres.")
    landmarks: list[Landmark] = []
    text: str = Field(description="The step in the route's language.")


class Opening(BaseModel):
    hours: str | None = Field(description="Opening hours 'HH:MM-HH:MM'; None for always open.")
    open_now: bool
    open_on_arrival: bool = Field(description="Still (or already) open when the walker gets there.")
    opens_at: datetime | None = Field(default=None, description="Next opening, when it matters.")
    closes_at: datetime | None = Field(default=None, description="Next closing, if open now.")


class Route(BaseModel):
    """A found route: what a client draws (path, waypoints) and what the player reads (text)."""

    found: Literal[True] = True
    destination: str = Field(description="Place id.")
    destination_name: str
    match: Match | None = Field(description="How the words led there; None when given a place id.")
    start: XY
    waypoints: list[XY] = Field(description="Turning points of the path (lossless: straight runs between).")
    path: list[XY] = Field(description="Every tile, from the start to the destination's entrance.")
    distance_m: float
    minutes: float = Field(description="Walking time in world minutes at 80 m/min.")
    opening: Opening
    steps: list[Step]
    language: Language
    text: str = Field(description="The whole directions in the player's language.")


class NotFound(BaseModel):
    """No route: why, in the player's language, with the nearest places the words may mean."""

    found: Literal[False] = False
    reason: Literal["empty", "too_long", "unknown", "unknown_start", "unreachable"]
    query: str
    destination: str | None = Field(default=None, description="Set when the place is known but unreachable.")
    suggestions: list[Match] = []
    language: Language
    text: str


@dataclass(frozen=True)
class _Mark:
    id: str
    names: Any  # Names (en, zh), a {en, zh} dict or a plain string
    rect: Rect
    open_air: bool


def navigate(world: World, text_or_place: str, *, start: str | XY,
             language: Language | None = None) -> Route | NotFound:
    """Directions from `start` (a place id, a place named in words, or an (x, y) tile) to the place
    the text names (or a place id). Never raises on the player's input."""
    text = (text_or_place or "").strip()
    lang: Language = language if language in ("en", "zh") else detect_language(text) if text else "en"
    say = TEXT[lang]
    if not text:
        examples = say["or"].join(_the(p.names, lang) for p in list(world.places.values())[:2])
        return NotFound(reason="empty", query="", language=lang, text=say["empty"].format(examples=examples))
    if len(text) > MAX_CHARS:
        return NotFound(reason="too_long", query=text[:40], language=lang, text=say["too_long"])
    origin = _origin(world, start)
    if origin is None:
        near = resolve(world, start).candidates if isinstance(start, str) else []
        return NotFound(reason="unknown_start", query=str(start), suggestions=near, language=lang,
                        text=say["no_start"].format(start=start))
    match: Match | None = None
    dest = text
    if text not in world.places:
        res = resolve(world, text)
        if res.best is None:
            return _unknown(world, res.query, res.candidates, lang)
        match, dest = res.best, res.best.place
    place, (tiles, here) = world.places[dest], origin
    walled = {p.id for p in world.places.values() if not p.open_air}
    path = world.grid.route(tiles, world.grid.entrances(dest), avoid=walled - {here, dest})
    if path is None:
        return NotFound(reason="unreachable", query=text, destination=dest, language=lang,
                        text=say["unreachable"].format(name=_the(place.names, lang)))
    if here == dest:
        path = path[:1]
    minutes, now = world.grid.walk_minutes(path), world.now()
    opening = _opening(place, now, minutes)
    steps = _steps(world, path, here, place, lang)
    parts = [_fact(world, match, place, lang)] + [s.text for s in steps]
    if len(path) > 1:
        parts.append(say["total"].format(d=_m(world.grid.distance_m(path)), t=walk_words(minutes, lang)))
    parts.append(_opening_text(opening, place, now, lang))
    return Route(destination=dest, destination_name=_name(place.names, lang), match=match, start=path[0],
                 waypoints=turning_points(path), path=path, distance_m=round(world.grid.distance_m(path), 1),
                 minutes=round(minutes, 2), opening=opening, steps=steps, language=lang,
                 text=say["sep"].join(_sentence(p, lang) for p in parts if p))


def _origin(world: World, start: str | XY) -> tuple[list[XY], str | None] | None:
    """Start tiles and the place they are in: a building's doors (the route picks the best), an
    open-air place's gates or else its centre (as `World.walk` measures), or the tile given."""
    if isinstance(start, str):
        place_id = start if start in world.places else None
        if place_id is None and (best := resolve(world, start).best) is not None:
            place_id = best.place
        if place_id is None:
            return None
        doors = [(d.x, d.y) for d in world.places[place_id].doors]
        return doors or [world.grid.door_of(place_id)], place_id
    if not isinstance(start, (tuple, list)) or len(start) != 2 or not world.grid.walkable(*map(int, start)):
        return None
    tile = (int(start[0]), int(start[1]))
    return [tile], world.grid.place_at(*tile)


# -- geometry: legs, turns, sides ---------------------------------------------------------------

def _simplify(path: Sequence[XY], tolerance: float = SIMPLIFY_TILES) -> list[int]:
    """Indices of the turning points that matter (Ramer-Douglas-Peucker over the lossless ones):
    the staircase of an 8-way path at a shallow angle is one leg, not ten."""
    step = [(b[0] - a[0], b[1] - a[1]) for a, b in zip(path, path[1:])]
    idx = [0] + [k for k in range(1, len(path) - 1) if step[k - 1] != step[k]] + [len(path) - 1]
    keep, stack = {idx[0], idx[-1]}, [(0, len(idx) - 1)]
    while stack:
        i, j = stack.pop()
        far, at = max(((_off_line(path[idx[i]], path[idx[j]], path[idx[m]]), m) for m in range(i + 1, j)),
                      default=(0.0, -1))
        if far > tolerance:
            keep.add(idx[at])
            stack += [(i, at), (at, j)]
    return sorted(keep)


def _off_line(a: XY, b: XY, p: XY) -> float:
    """Distance in tiles of p from the line through a and b."""
    (ax, ay), (bx, by), (px, py) = a, b, p
    return abs((bx - ax) * (ay - py) - (ax - px) * (by - ay)) / (math.hypot(bx - ax, by - ay) or 1.0)


def _angle(v: tuple[float, float]) -> float:
    """Compass angle in degrees, counter-clockwise from east, north up (y grows southward)."""
    return math.degrees(math.atan2(-v[1], v[0]))


def _delta(heading: tuple[float, float], to: tuple[float, float]) -> float:
    """Signed angle from the heading to `to` in (-180, 180]: positive means to the left."""
    return (_angle(to) - _angle(heading) + 180) % 360 - 180


def _turn(before: XY, after: XY) -> Action:
    size, left = abs(_delta(before, after)), _delta(before, after) > 0
    if size < 22.5:
        return "straight"
    if size > 157.5:
        return "around"
    side = "left" if left else "right"
    return side if size >= 67.5 else f"slight_{side}"  # type: ignore[return-value]


def _compass(v: XY) -> str:
    return COMPASS[round(_angle(v) / 45) % 8]


def _side(heading: XY, at: XY, target: tuple[float, float], ahead: float = 25.0) -> Side | None:
    """Which side of a walker at `at` facing `heading` the target lies; None when behind."""
    v = (target[0] - at[0], target[1] - at[1])
    d = _delta(heading, v) if v != (0, 0) else 0.0
    if abs(d) <= ahead:
        return "ahead"
    return None if abs(d) >= 135 else "left" if d > 0 else "right"


def _marks(world: World) -> Iterator[_Mark]:
    """Landmarks: every place, and the blocked areas that carry a name (see `places.features`)."""
    for p in world.places.values():
        yield _Mark(p.id, p.names, p.rect, p.open_air)
    for fid, (name, _) in features(world).items():
        yield _Mark(fid, name, world.file.map.blocked[int(fid.split(":")[1])], False)


def _nearest(r: Rect, t: XY) -> tuple[float, float]:
    return min(max(t[0], r.x), r.x + r.w - 1), min(max(t[1], r.y), r.y + r.h - 1)


def _landmarks(marks: list[_Mark], leg: Sequence[XY], heading: XY, lang: Language) -> list[Landmark]:
    """Landmarks along one leg, nearest first, with the side each lies on."""
    out: list[tuple[float, Landmark]] = []
    for m in marks:
        dist, tile = min((math.dist(t, _nearest(m.rect, t)), t) for t in leg)
        if dist > NEAR_TILES:
            continue
        side = "through" if dist == 0 and m.open_air else _side(heading, tile, _nearest(m.rect, tile))
        if side is not None:
            out.append((dist, Landmark(id=m.id, name=_the(m.names, lang), side=side)))
    return [lm for _, lm in sorted(out, key=lambda dl: dl[0])]


def _steps(world: World, path: list[XY], origin: str | None, dest: Place, lang: Language) -> list[Step]:
    """One step per leg of the simplified path, each with up to two landmarks not named before."""
    say, name = TEXT[lang], _the(dest.names, lang)
    if len(path) == 1:
        return [Step(action="arrive", at=path[0], heading="", distance_m=0.0,
                     text=_sentence(say["here"].format(name=name), lang))]
    marks = [m for m in _marks(world) if m.id not in (origin, dest.id)]
    told: set[str] = set()
    steps: list[Step] = []
    heading: XY = (0, 0)
    idx = _simplify(path)
    for i, j in zip(idx, idx[1:]):
        before, heading = heading, (path[j][0] - path[i][0], path[j][1] - path[i][1])
        action: Action = _turn(before, heading) if steps else "depart"
        d = world.grid.distance_m(path[i:j + 1])
        seen = [lm for lm in _landmarks(marks, path[i:j + 1], heading, lang) if lm.id not in told][:2]
        told |= {lm.id for lm in seen}
        key = "from" if action == "depart" and origin else action
        head = say[key].format(name=_the(world.places[origin].names, lang) if origin else "",
                               compass=say["compass"][_compass(heading)], d=_m(d))
        clause = say["and"].join(say[f"pass_{lm.side}"].format(name=lm.name) for lm in seen)
        text = head + (say["comma"] + clause if clause else "") + say["stop"]
        steps.append(Step(action=action, at=path[i], heading=_compass(heading), distance_m=round(d, 1),
                          landmarks=seen, text=_sentence(text, lang)))
    r = dest.rect  # on arrival the door is underfoot: within 45 degrees of the heading is "ahead"
    side = _side(heading, path[-1], (r.x + (r.w - 1) / 2, r.y + (r.h - 1) / 2), ahead=45.0) or "ahead"
    steps.append(Step(action="arrive", at=path[-1], heading=_compass(heading), distance_m=0.0,
                      landmarks=[Landmark(id=dest.id, name=name, side=side)],
                      text=_sentence(say[f"arrive_{side}"].format(name=name), lang)))
    return steps


# -- time -----------------------------------------------------------------------------------------

def _next(after: datetime, minute_of_day: int) -> datetime:
    """The first moment after `after` at this minute of the day (1440: midnight)."""
    at = after.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(minutes=minute_of_day)
    return at if at > after else at + timedelta(days=1)


def _opening(place: Place, now: datetime, minutes: float) -> Opening:
    if place.hours is None:
        return Opening(hours=None, open_now=True, open_on_arrival=True)
    opens, closes = parse_hours(place.hours)
    arrive = now + timedelta(minutes=minutes)
    open_now, open_then = is_open(place, now), is_open(place, arrive)
    return Opening(hours=place.hours, open_now=open_now, open_on_arrival=open_then,
                   opens_at=None if open_now and open_then else _next(arrive if open_now else now, opens),
                   closes_at=_next(now, closes) if open_now else None)


def _opening_text(o: Opening, place: Place, now: datetime, lang: Language) -> str:
    if o.hours is None:
        return ""
    say, opens = TEXT[lang], ""
    if o.opens_at is not None:
        opens = say["tomorrow" if o.opens_at.date() > now.date() else "at"].format(t=f"{o.opens_at:%H:%M}")
    key = {(True, True): "open", (True, False): "closes_first", (False, True): "opens_first",
           (False, False): "closed"}[(o.open_now, o.open_on_arrival)]
    return say[key].format(name=_the(place.names, lang), opens=opens,
                           closes=f"{o.closes_at:%H:%M}" if o.closes_at else "")


# -- words ----------------------------------------------------------------------------------------

def _name(names: Any, lang: Language) -> str:
    if isinstance(names, str):
        return names
    if isinstance(names, dict):
        return names.get(lang) or names.get("en") or ""
    return (getattr(names, "zh", None) if lang == "zh" else None) or names.en


def _the(names: Any, lang: Language) -> str:
    name = _name(names, lang)
    return name if lang == "zh" or name.lower().startswith("the ") else f"the {name}"


def _sentence(text: str, lang: Language) -> str:
    """English sentences start with a capital, also when they start with 'the'."""
    return text[:1].upper() + text[1:] if lang == "en" else text


def _m(metres: float) -> str:
    return f"{metres:.0f}"


def walk_words(minutes: float, lang: Language) -> str:
    """'about 3 minutes' walk' / '步行约3分钟'."""
    n = round(minutes)
    return TEXT[lang]["under_minute" if n < 1 else "minute" if n == 1 else "minutes"].format(n=n)


def _fact(world: World, match: Match | None, place: Place, lang: Language) -> str:
    """Why this place, when the player named a thing, a feature or a person: read from the world now."""
    if match is None or match.kind == "place":
        return ""
    if match.kind in ("thing", "feature"):
        who = _the(world.things[match.entity].names if match.kind == "thing"
                   else features(world)[match.entity][0], lang)
    else:
        who = _name(world.characters[match.entity].names, lang)
    key = "walking" if match.kind == "person" and world.position(match.entity) is None else match.kind
    return TEXT[lang][f"fact_{key}"].format(who=who, name=_the(place.names, lang))


def _unknown(world: World, query: str, candidates: list[Match], lang: Language) -> NotFound:
    say = TEXT[lang]
    shown = [_the(world.places[m.place].names, lang) for m in candidates]
    if shown:
        names = say["list"].join(shown[:-1]) + (say["or"] if len(shown) > 1 else "") + shown[-1]
        tail = say["did_you_mean"].format(names=names)
    else:
        tail = say["known"].format(names=say["list"].join(_the(p.names, lang) for p in world.places.values()))
    return NotFound(reason="unknown", query=query, suggestions=candidates, language=lang,
                    text=say["unknown"].format(query=query) + tail)
