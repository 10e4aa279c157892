"""Import the town of Generative Agents (Park et al. 2023, "Smallville") as an llmverse world file.

Smallville's map is tile layers exported from Tiled (`matrix/maze/*_maze.csv`, each one line of
width x height block numbers), legends naming the blocks (`matrix/special_blocks/*_blocks.csv`, the
name is the last column) and `matrix/maze_meta_info.json`; its people are `personas/<Name>/
[bootstrap_memory/]scratch.json` (+ `spatial_memory.json`) and the "whispers" seeded as their first
memories (`agent_history_init_n*.csv`). docs/smallville-import.md gives the mapping and its losses.

Sectors (buildings) become places, arenas (rooms) do not: players and schedules name buildings, an
llmverse place cannot nest, and a house cut into rooms would be five places that mean one home.
Every place is open-air because Smallville's walls are already in its collision layer, which becomes
`map.blocked` tile for tile: walking is exactly Smallville's, and a place's rectangle only says which
tiles count as "in" it.

Every malformed file raises `SmallvilleError` naming the file and the row or field, before anything
is built; references the map does not hold are collected as warnings, by name.
"""

from __future__ import annotations

import csv
import json
import os
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from llmverse.errors import LlmverseError
from llmverse.world.grid import Grid
from llmverse.world.model import WorldFile

# GA's base towns start on this day (their personas plan for February 14, 2023); 08:00 rather than
# their midnight, so that a short run sees the town awake.
START = "2023-02-13T08:00"
TILE_M = 1.0  # a Smallville bed covers two tiles: a tile is about a metre, not llmverse's default 2
MAZES = ("collision", "sector", "arena", "game_object")  # spawning locations are not used
_TAGS = {"food": ("cafe", "pub", "bar", "restaurant", "bakery"), "nightlife": ("pub", "bar"),
         "nature": ("park", "garden"), "shopping": ("store", "market", "pharmacy", "shop", "supply"),
         "learning": ("college", "library", "school", "classroom"),
         "home": ("house", "apartment", "dorm", "co-living", "home")}
Rect = tuple[int, int, int, int]  # x, y, w, h
_NUMBER = re.compile(r"[0-9]+")


class SmallvilleError(LlmverseError):
    """A Smallville folder is malformed; names the file and the row or field to fix."""

    def __init__(self, file: str | Path, where: str, problem: str) -> None:
        self.file, self.where, self.problem = str(file), where, problem
        super().__init__(f"{file}: {where}: {problem}" if where else f"{file}: {problem}")


@dataclass(frozen=True)
class SectorCoverage:
    """How faithfully one sector became a place: its tiles vs. the place's rectangle."""

    sector: str
    place: str | None  # None: left out (no walkable tile reachable from the town)
    tiles: int  # the sector's tiles, walls included
    walkable: int
    covered: int  # sector tiles inside the place's rectangle
    covered_walkable: int
    foreign: int  # tiles of the rectangle that are not the sector's (street, untagged walls)

    @property
    def share(self) -> float:
        return self.covered / self.tiles if self.tiles else 0.0


@dataclass
class SmallvilleImport:
    """The world, what the map could not hold (by name), and how well sectors became places."""

    world: WorldFile
    warnings: list[str] = field(default_factory=list)
    coverage: list[SectorCoverage] = field(default_factory=list)


# --- reading the folder: every file checked before anything is built -----------------------------

class _Meta(BaseModel):
    maze_width: int = Field(gt=0)
    maze_height: int = Field(gt=0)
    world_name: str | None = None


class _Scratch(BaseModel):
    """The fields of scratch.json that say who a persona is (the rest is GA's machinery)."""

    model_config = ConfigDict(extra="ignore")
    name: str = Field(min_length=1)
    first_name: str | None = None
    last_name: str | None = None
    age: int | None = None
    innate: str | None = None
    learned: str | None = None
    currently: str | None = None
    lifestyle: str | None = None
    living_area: str | None = None
    daily_plan_req: str | None = None
    daily_req: list[str] | None = None


Spatial = dict[str, dict[str, dict[str, list[str]]]]  # world > sector > arena > objects
_SPATIAL: TypeAdapter[Spatial] = TypeAdapter(Spatial)


def _read(path: Path) -> str:
    if not path.is_file():
        raise SmallvilleError(path, "", "file is missing")
    try:
        return path.read_text(encoding="utf-8-sig")  # a byte-order mark from an editor is not data
    except UnicodeDecodeError as exc:
        raise SmallvilleError(path, f"byte {exc.start}", "not UTF-8 text") from exc


def _validated(schema: type[BaseModel] | TypeAdapter[Any], path: Path) -> Any:
    """Parse and validate a JSON file; a problem names its line or its field (`daily_req.2`)."""
    try:
        data = json.loads(_read(path))
        if isinstance(schema, TypeAdapter):
            return schema.validate_python(data)
        return schema.model_validate(data)
    except json.JSONDecodeError as exc:
        raise SmallvilleError(path, f"line {exc.lineno}, column {exc.colno}", exc.msg) from exc
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"]) or "(root)"
        raise SmallvilleError(path, f"field '{where}'", err["msg"]) from exc


def _rows(path: Path) -> list[list[str]]:
    return [[c.strip() for c in row] for row in csv.reader(_read(path).splitlines(), skipinitialspace=True)]


def _blocks(path: Path, columns: int) -> dict[int, list[str]]:
    """Block number -> its row ('27659, the Ville, Hobbs Cafe, cafe'); the name is the last column."""
    out: dict[int, list[str]] = {}
    for i, row in enumerate(_rows(path), 1):
        if any(row) and (len(row) < columns or not _NUMBER.fullmatch(row[0]) or not row[-1]):
            raise SmallvilleError(path, f"row {i}", f"expected {columns} columns 'number, world, ..., "
                                  f"name', found {row}")
        if any(row):
            out[int(row[0])] = row[1:]
    return out


def _maze(path: Path, width: int, height: int, legend: dict[int, list[str]] | None) -> np.ndarray:
    """A [y, x] array of block numbers. GA writes one line of width*height values; rows are read too."""
    rows = [r for r in _rows(path) if any(r)]
    for i, r in enumerate(rows if len(rows) > 1 else [], 1):
        if len(r) != width:
            raise SmallvilleError(path, f"row {i}", f"has {len(r)} values, maze_width is {width}")
    flat = [v for r in rows for v in r]
    if len(flat) != width * height:
        raise SmallvilleError(path, "(shape)", f"has {len(flat)} values; maze_meta_info.json says "
                              f"{width} x {height} = {width * height}")
    for i, v in enumerate(flat):
        if not _NUMBER.fullmatch(v) or (legend is not None and int(v) and int(v) not in legend):
            problem = f"block {v} is not in its special_blocks legend" if _NUMBER.fullmatch(v) else \
                f"'{v}' is not a block number"
            raise SmallvilleError(path, f"row {i // width}, column {i % width}", problem)
    return np.array(flat, dtype=np.int64).reshape(height, width)


@dataclass
class _Persona:
    scratch: _Scratch
    spatial: Spatial
    whispers: list[str]


def _personas(folder: Path, root: Path) -> list[_Persona]:
    """Each persona folder (GA's `bootstrap_memory/` inside it or not), then the whispers for them."""
    out = []
    for d in sorted(p for p in folder.iterdir() if p.is_dir()) if folder.is_dir() else []:
        base = d / "bootstrap_memory" if (d / "bootstrap_memory").is_dir() else d
        spatial = base / "spatial_memory.json"
        out.append(_Persona(_validated(_Scratch, base / "scratch.json"),
                            _validated(_SPATIAL, spatial) if spatial.exists() else {}, []))
    by_name = {p.scratch.name: p for p in out}
    for path in sorted(root.glob("agent_history_init_n*.csv")):
        rows = _rows(path)
        if not rows or rows[0][:2] != ["Name", "Whisper"]:
            raise SmallvilleError(path, "row 1", "the header must be 'Name,Whisper'")
        for i, row in enumerate(rows[1:], 2):
            if any(row) and (len(row) < 2 or not row[0]):
                raise SmallvilleError(path, f"row {i}", "expected 'name,whisper'")
            if any(row) and row[0] in by_name:  # GA leaves commas in whispers unquoted: rejoin them
                said = by_name[row[0]].whispers
                said += [w for w in (w.strip() for w in ", ".join(row[1:]).split(";")) if w and w not in said]
    return out


# --- the map: rectangles for sectors, doors, blocked runs ---------------------------------------

def _best_rect(weight: np.ndarray) -> tuple[int, Rect]:
    """(score, rectangle) of the sub-rectangle with the largest weight sum: Kadane's maximum
    subarray over columns for every pair of rows, O(h^2 w) on a sector's bounding box."""
    h, w = weight.shape
    best: tuple[int, Rect] = (-(1 << 60), (0, 0, 1, 1))
    for top in range(h):
        col = np.zeros(w, dtype=np.int64)
        for bottom in range(top, h):
            col += weight[bottom]
            run, start = 0, 0
            for x in range(w):
                if run <= 0:
                    run, start = 0, x
                run += int(col[x])
                if run > best[0]:
                    best = (run, (start, top, x - start + 1, bottom - top + 1))
    return best


def _doors(rect: Rect, street: np.ndarray, walk: np.ndarray) -> list[dict[str, int]]:
    """One door per opening: a run of walkable edge tiles beside street (walkable tiles of no sector)
    outside the rectangle. A rectangle open along most of its edge (a park) gets none: it is entered
    anywhere, and llmverse heads for its centre. Openings into another sector (a cafe's back door
    into the owner's flat) stay walkable but are not entrances."""
    x0, y0, w, h = rect
    height, width = walk.shape
    ring = list(dict.fromkeys(  # clockwise from the top-left corner
        [(i, y0) for i in range(x0, x0 + w)] + [(x0 + w - 1, j) for j in range(y0, y0 + h)]
        + [(i, y0 + h - 1) for i in range(x0 + w - 1, x0 - 1, -1)]
        + [(x0, j) for j in range(y0 + h - 1, y0 - 1, -1)]))

    def opens(x: int, y: int) -> bool:
        return bool(walk[y, x]) and any(
            0 <= nx < width and 0 <= ny < height and not (x0 <= nx < x0 + w and y0 <= ny < y0 + h)
            and street[ny, nx] for nx, ny in ((x - 1, y), (x + 1, y), (x, y - 1), (x, y + 1)))
    flags = [opens(x, y) for x, y in ring]
    if sum(flags) * 2 > len(ring) or not any(flags):
        return []
    k = flags.index(False)  # start the walk round at a closed tile, so no run wraps round the end
    ring, flags = ring[k:] + ring[:k], flags[k:] + flags[:k]
    doors: list[dict[str, int]] = []
    run: list[tuple[int, int]] = []
    for tile, flag in zip(ring + [(0, 0)], flags + [False]):
        if flag:
            run.append(tile)
        elif run:
            doors.append(dict(zip("xy", run[len(run) // 2])))
            run = []
    return doors


def _merge(mask: np.ndarray) -> list[dict[str, int]]:
    """Cover the True tiles with disjoint rectangles: the widest run first, then as far down as it goes."""
    left, out = mask.copy(), []
    height, width = mask.shape
    for y, x in zip(*np.nonzero(mask)):
        if not left[y, x]:
            continue
        x1 = x
        while x1 + 1 < width and left[y, x1 + 1]:
            x1 += 1
        y1 = y
        while y1 + 1 < height and left[y1 + 1, x:x1 + 1].all():
            y1 += 1
        left[y:y1 + 1, x:x1 + 1] = False
        out.append({"x": int(x), "y": int(y), "w": int(x1 - x + 1), "h": int(y1 - y + 1)})
    return out


def _slug(text: str, prefix: str, taken: set[str]) -> str:
    s = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    s = re.sub(r"[^a-z0-9]+", "_", s.replace("'", "")).strip("_")
    s = s if s[:1].isalpha() else f"{prefix}_{s}".rstrip("_")
    out, n = s, 2
    while out in taken:
        out, n = f"{s}_{n}", n + 1
    taken.add(out)
    return out


def _tags(words: str) -> list[str]:
    return [t for t, keys in _TAGS.items() if any(re.search(rf"\b{k}\b", words, re.I) for k in keys)]


@dataclass
class _Place:
    sector: str
    id: str
    rect: Rect
    doors: list[dict[str, int]]
    rooms: list[str]  # arena names, most floor tiles first
    residents: list[str] = field(default_factory=list)


def _places(sector: np.ndarray, names: dict[int, str], arena: np.ndarray, arena_names: dict[int, str],
            walk: np.ndarray, warnings: list[str]) -> tuple[list[_Place], list[SectorCoverage]]:
    """A rectangle per sector maximising (own tiles - other tiles) that holds no tile of another
    sector or of an earlier place (bigger sectors choose first); then the ones that can be walked to."""
    masks: dict[str, np.ndarray] = {}
    for number, name in names.items():
        if (sector == number).any():
            masks[name] = masks.get(name, np.zeros_like(walk)) | (sector == number)
    taken = np.zeros_like(walk)
    rects: dict[str, Rect] = {}
    for name in sorted(masks, key=lambda n: (-int(masks[n].sum()), n)):
        own = masks[name]
        ys, xs = np.nonzero(own)
        bx, by = int(xs.min()), int(ys.min())
        forbidden = ((sector != 0) & ~own) | taken
        weight = np.where(own, 1, -1) - np.where(forbidden, walk.size + 1, 0)
        _, (x, y, w, h) = _best_rect(weight[by:int(ys.max()) + 1, bx:int(xs.max()) + 1])
        rects[name] = (bx + x, by + y, w, h)
        taken[by + y:by + y + h, bx + x:bx + x + w] = True
    # The loader's reachability rule: entrances (doors, else walkable tiles) in the region joining most.
    doors = {n: _doors(rects[n], walk & (sector == 0), walk) for n in rects}
    entrances = {n: [(d["x"], d["y"]) for d in doors[n]] or [(x, y) for y in range(r[1], r[1] + r[3])
                 for x in range(r[0], r[0] + r[2]) if walk[y, x]] for n, r in rects.items()}
    labels = Grid.from_mask(walk, TILE_M).components([t for ts in entrances.values() for t in ts])
    reach = {n: {int(labels[y, x]) for x, y in ts} - {-1} for n, ts in entrances.items()}
    counts = [sum(label in r for r in reach.values()) for label in range(int(labels.max()) + 1)]
    main = int(np.argmax(counts)) if counts else -1
    places, coverage, ids = [], [], set()
    for name in sorted(rects, key=lambda n: (rects[n][1], rects[n][0])):  # north to south, west to east
        own, (x, y, w, h) = masks[name], rects[name]
        inside = np.zeros_like(walk)
        inside[y:y + h, x:x + w] = True
        rooms: dict[str, int] = {}  # from the floor: GA's walls carry stray tags of the rooms next door
        floor = own & (arena != 0) & walk
        for number in arena[floor if floor.any() else own & (arena != 0)].tolist():
            rooms[arena_names[number]] = rooms.get(arena_names[number], 0) + 1
        place = None
        if main in reach[name]:
            by_size = sorted(rooms, key=lambda r: -rooms[r])
            place = _Place(name, _slug(name, "place", ids), rects[name], doors[name], by_size)
            places.append(place)
        else:
            warnings.append(f"sector '{name}' has no walkable tile reachable from the rest of the town: "
                            "left out, with its things")
        coverage.append(SectorCoverage(name, place and place.id, int(own.sum()), int((own & walk).sum()),
                                       int((own & inside).sum()), int((own & inside & walk).sum()),
                                       int((inside & ~own).sum())))
    return places, coverage


# --- personas: names in free text, addresses, a day from their plan ------------------------------

_TIME = r"\b(\d{1,2})(?::([0-5]\d))?\s*([ap])m\b|\b([01]?\d|2[0-3]):([0-5]\d)\b|\b(noon|midnight)\b"
_TIME_RE = re.compile(_TIME, re.I)
_TIME_PHRASE = re.compile(rf"(?:\bif it(?:'s| is)\s+)?(?:\b(?:at|around|from|until|till|to|by|before|after)"
                          rf"\s+)?(?:{_TIME})", re.I)
_ENDS = {"until", "till", "to", "before"}  # a time after these words ends an activity
_AT_HOME = re.compile(r"\b(home|bed|sleep\w*|wakes?|awakes?|waking)\b", re.I)
_WAKE = re.compile(r"\b(wakes?|awakes?|get up|gets up|rises?)\b", re.I)
_BED = re.compile(r"\b(bed|sleep\w*)\b", re.I)
_MEAL = re.compile(r"\b(eats?|eating|lunch|dinner|breakfast|meals?)\b", re.I)
_DINNER = re.compile(r"\bdinner\b", re.I)
_WORK = re.compile(r"\b(work\w*|owner|owns|runs|opens?|manag\w*|job|shift|employee|serves?|keep\w*|clerk|"
                   r"cashier|barista|bartender|staff)\b", re.I)
_HOME = "\0home"  # a slot at home, until the home is resolved (or stood in for)
Slots = dict[int, tuple[int, str, str]]  # minute of the day -> (priority, place id or _HOME, activity)


def _norm(text: str) -> str:
    """Words as GA's authors vary them: 'the Willow Market' names 'The Willows Market', 'Hobbs cafe'
    names 'Hobbs Cafe' (case, 'the', possessive and plural s dropped)."""
    words = re.findall(r"[a-z0-9]+", text.casefold().replace("\u2019", "'").replace("'s", ""))
    return " ".join(w[:-1] if len(w) > 3 and w[-1] == "s" and w[-2] != "s" else w for w in words if w != "the")


def _clauses(text: str | None) -> list[str]:
    text = re.sub(r"\b([ap])\.m\.", r"\1m", text or "", flags=re.I)
    return [c.strip() for c in re.split(r"[;,]|\.(?=\s|$)|\bthen\b", text) if c.strip()]


def _times(clause: str) -> tuple[list[int], list[int]]:
    """Minutes after midnight at which a clause starts and ends something ('from 5pm to 7pm')."""
    starts, ends = [], []
    for m in _TIME_RE.finditer(clause):
        if m.group(6):
            t = 720 if m.group(6).lower() == "noon" else 0
        elif m.group(4):
            t = int(m.group(4)) * 60 + int(m.group(5))
        elif int(m.group(1)) <= 12:
            t = (int(m.group(1)) % 12 + (12 if m.group(3).lower() == "p" else 0)) * 60 + int(m.group(2) or 0)
        else:
            continue
        before = re.findall(r"\w+", clause[:m.start()].lower())
        (ends if before and before[-1] in _ENDS else starts).append(t)
    return starts, ends


def _clock(text: str | None, keyword: re.Pattern[str], default: int) -> int:
    """The first time in a clause with the keyword ('goes to bed around midnight' -> 0), else default."""
    return next((_times(c)[0][0] for c in _clauses(text) if _times(c)[0] and keyword.search(c)), default)


def _activity(clause: str, s: _Scratch) -> str:
    text = " ".join(_TIME_PHRASE.sub("", clause).split())
    for who in (s.name, s.first_name or "", "she", "he", "they"):
        if who and text.lower().startswith(who.lower() + " "):
            text = text[len(who) + 1:]
            break
    text = re.sub(r"^(and|then|at which point)\s+|\b(everyday|every day|each day)\b", "", text, flags=re.I)
    return " ".join(text.split()).strip(" .") or "going about the day"


class _Town:
    """Finds places named in free text and resolves Smallville addresses ('the Ville:Hobbs Cafe:cafe')."""

    def __init__(self, world: str, places: list[_Place], aliases: dict[str, list[str]],
                 known: set[str]) -> None:
        self.world, self.places = world, places
        self.by_sector = {_norm(p.sector): p for p in places}
        self.words = {_norm(p.sector): p.id for p in places} | {
            _norm(a): pid for pid, words in aliases.items() for a in words}
        self.off_map = {_norm(k): k for k in known if _norm(k) not in self.by_sector}
        self.pattern, self.off_pattern = self._alternation(self.words), self._alternation(self.off_map)
        self.public = [p.id for p in places if "home" not in _tags(p.sector)]  # not somebody's house

    @staticmethod
    def _alternation(words: dict[str, str]) -> re.Pattern[str] | None:
        longest = sorted(words, key=len, reverse=True)
        return re.compile(r"\b(" + "|".join(map(re.escape, longest)) + r")\b") if words else None

    def place_in(self, text: str) -> str | None:
        m = self.pattern.search(_norm(text)) if self.pattern else None
        return self.words[m.group(1)] if m else None

    def off_map_in(self, text: str) -> set[str]:
        return {self.off_map[m] for m in self.off_pattern.findall(_norm(text))} if self.off_pattern else set()

    def home(self, s: _Scratch) -> tuple[_Place | None, list[str], str | None]:
        """(place, address parts, warning); a sector bearing the persona's name stands for a home
        named differently on this map ("Isabella Rodriguez's apartment" -> "... house")."""
        parts = [p.strip() for p in (s.living_area or "").split(":") if p.strip()]
        if len(parts) < 2:
            return None, parts, f"{s.name}: living_area '{s.living_area or ''}' names no sector: no home"
        same_world = _norm(parts[0]) == _norm(self.world)
        if same_world and _norm(parts[1]) in self.by_sector:
            return self.by_sector[_norm(parts[1])], parts, None
        theirs = [p for p in self.places if s.name.casefold() in p.sector.casefold()]
        if same_world and len(theirs) == 1:
            return theirs[0], parts, (f"{s.name}: home '{parts[1]}' is not on this map; '{theirs[0].sector}', "
                                      "which bears their name, is used")
        return None, parts, f"{s.name}: home '{s.living_area}' is not on this map"

    def plan(self, s: _Scratch) -> tuple[Slots, list[str], str | None]:
        """The day's slots, the places named (in order) and a workplace, from daily_req,
        daily_plan_req and lifestyle; defaults (up at 7, dinner at 6, bed at 11) fill the rest."""
        wake, bed = _clock(s.lifestyle, _WAKE, 7 * 60), _clock(s.lifestyle, _BED, 23 * 60)
        meals = {"breakfast": wake + 30, "lunch": 12 * 60, "dinner": _clock(s.lifestyle, _DINNER, 18 * 60)}
        slots: Slots = {}

        def put(t: int, priority: int, place: str, act: str) -> None:  # timed words beat defaults
            if slots.get(t % 1440, (0,))[0] < priority:
                slots[t % 1440] = (priority, place, act)
        put(wake, 1, _HOME, "waking up")
        put(bed, 1, _HOME, "sleeping")
        named: list[str] = []
        day: dict[str, str] = {}  # places they talk of without a time -> what they do there
        for text in [*(s.daily_req or []), s.daily_plan_req, s.lifestyle]:
            last = None
            for clause in _clauses(text):
                place, (starts, ends), act = self.place_in(clause), _times(clause), _activity(clause, s)
                if place and (starts or ends):  # "opens Hobbs Cafe at 8am", "hangs out there before 6pm"
                    put(starts[0] if starts else wake + 60, 3, place, act)
                    if ends:
                        put(ends[0], 2, _HOME, "at home")
                elif place and _MEAL.search(clause):  # "eats at Hobbs Cafe": at the meal's time
                    t = next((v for k, v in meals.items() if k in clause.lower()), meals["dinner"])
                    put(t, 3, place, act)
                    put(t + 60, 2, _HOME, "at home")
                elif place:
                    day.setdefault(place, act)
                elif starts and _AT_HOME.search(clause):  # "wake up at 7:00 am"
                    put(starts[0], 2, _HOME, act)
                elif ends and last:  # "..., and works at the counter until 8pm"
                    put(ends[0], 2, _HOME, "at home")
                named += [place] if place else []
                last = place or last
        work = None
        for text in (s.learned, s.daily_plan_req, *(s.daily_req or []), s.currently):
            for clause in _clauses(text):
                if place := self.place_in(clause):
                    named.append(place)
                    work = work or (place if _WORK.search(clause) else None)
                    if text in (s.learned, s.currently):
                        day.setdefault(place, _activity(clause, s))
        if day and not any(p == 3 and wake < t < bed for t, (p, _, _) in slots.items()):
            span = (meals["dinner"] - wake - 60) % 1440  # no timed outing: up to three places they talk of
            outings = list(day.items())[:3]
            for i, (place, act) in enumerate(outings):
                put(wake + 60 + i * span // len(outings), 2, place, act)
            put(meals["dinner"], 1, _HOME, "at home")
        return slots, list(dict.fromkeys(named)), work


def _schedule(slots: Slots, home: str, away: str) -> list[dict[str, str]]:
    """Slots in time order; home slots at `home` (a stand-in with an 'away: ...' activity if `away`)."""
    out: list[dict[str, str]] = []
    for t in sorted(slots):
        _, place, act = slots[t]
        if place == _HOME:
            place, act = home, f"away: {act} at {away} (not on this map)" if away else act
        if not out or (out[-1]["place"], out[-1]["activity"]) != (place, act):
            out.append({"at": f"{t // 60:02d}:{t % 60:02d}", "place": place, "activity": act})
    return out


def _character(p: _Persona, cid: str, town: _Town, alias_ok: bool,
               warnings: list[str]) -> tuple[dict[str, Any], _Place | None, bool]:
    """The world-file entry, the home place, and whether anything about the persona is on this map."""
    s = p.scratch
    home, address, problem = town.home(s)
    slots, named, work = town.plan(s)
    stand_in = home.id if home else (work or (named + town.public + [town.places[0].id])[0])
    if problem:
        sub = next(pl.sector for pl in town.places if pl.id == stand_in)
        warnings.append(problem if home else f"{problem}; '{sub}' stands in for it in the schedule")
    texts = [s.living_area, s.learned, s.currently, s.lifestyle, s.daily_plan_req, *(s.daily_req or [])]
    sectors = {k for world in p.spatial.values() for k in world}
    missing = town.off_map_in(" ".join(filter(None, texts)).replace(":", ", ")) | {
        k for k in sectors if _norm(k) not in town.by_sector}
    missing -= {address[1]} if problem and len(address) > 1 else set()
    warnings += [f"{s.name}: names places not on this map: {', '.join(sorted(missing))}"] if missing else []
    learned = s.learned or ""
    role = re.match(rf"\s*{re.escape(s.name)} is (?:a|an|the) (.+?)(?=\s+(?:who|that|and)\b|[,.;]|$)", learned)
    who = s.name + (f" (first name {s.first_name}, last name {s.last_name})" if s.first_name or s.last_name
                    else "")
    who += f", {s.age} years old" if s.age is not None else ""
    known = [pl.sector for pl in town.places if any(_norm(pl.sector) == _norm(k) for k in sectors)]
    lives = f"{s.name} lives at {address[1]}{f' ({address[-1]})' if len(address) > 2 else ''}, {address[0]}."
    knowledge = [s.currently, s.lifestyle, s.daily_plan_req, *(s.daily_req or []), lives if len(address) > 1
                 else None, f"{s.name} knows these places: {', '.join(known)}." if known else None, *p.whispers]
    entry = {
        "id": cid, "names": {"en": s.name}, "aliases": [s.first_name] if s.first_name and alias_ok else [],
        "role": (role.group(1)[:80] if role else "") or "resident", "persona": f"{who}. {learned}".strip(),
        "traits": [t.strip() for t in re.split(r",|\band\b", s.innate or "") if t.strip()],
        "knowledge": list(dict.fromkeys(k.strip() for k in knowledge if k and k.strip())),
        "home": home.id if home else None, "workplace": work,
        "schedule": _schedule(slots, stand_in, "" if home or len(address) < 2 else address[1]),
    }
    return entry, home, bool(home or named)


# --- the whole import ------------------------------------------------------------------------------

def _things(maze: dict[str, np.ndarray], objects: dict[int, list[str]], sectors: dict[int, str],
            arenas: dict[int, str], places: dict[str, _Place], warnings: list[str]) -> list[dict[str, Any]]:
    """One thing per object name per room of a place (its tiles are many: a shelf is 22 tiles)."""
    found: set[tuple[str, str, str]] = set()
    outside: set[str] = set()
    for y, x in zip(*np.nonzero(maze["game_object"])):
        obj, sector = objects[int(maze["game_object"][y, x])][-1], sectors.get(int(maze["sector"][y, x]), "")
        if sector in places:
            found.add((sector, arenas.get(int(maze["arena"][y, x]), ""), obj))
        else:
            outside.add(obj)
    if outside:
        warnings.append(f"objects outside any imported sector were left out: {', '.join(sorted(outside))}")
    things, ids = [], set()
    for sector, room, obj in sorted(found, key=lambda k: (places[k[0]].id, k[1], k[2])):
        twice = sum(1 for k in found if k[0] == sector and k[2] == obj) > 1  # then the room tells them apart
        things.append({"id": _slug(f"{places[sector].id} {room if twice else ''} {obj}", "thing", ids),
                       "names": {"en": obj}, "location": places[sector].id,
                       "description": f"The {obj} in {f'the {room} of {sector}' if room else sector}."})
    return things


def import_smallville(folder: str | Path, *, name: str | None = None,
                      personas: str | Path | None = None) -> SmallvilleImport:
    """Read a Smallville town (a folder holding `matrix/`, with `personas/` and the
    `agent_history_init_n*.csv` whispers beside it) into a validated llmverse world.

    `personas` points elsewhere for GA's own layout (`storage/<simulation>/personas`). Raises
    `SmallvilleError` on any malformed file, or when no persona's home or plan is on this map.
    """
    root = Path(folder)
    matrix, people_dir = root / "matrix", Path(personas) if personas else root / "personas"
    if not matrix.is_dir():
        raise SmallvilleError(root, "", "no matrix/ folder here: point at the town's folder (the one "
                              "holding matrix/maze, matrix/special_blocks and matrix/maze_meta_info.json)")
    if personas and not people_dir.is_dir():
        raise SmallvilleError(people_dir, "", "no such folder of personas")
    meta = _validated(_Meta, matrix / "maze_meta_info.json")
    blocks = matrix / "special_blocks"
    legend = {"sector": _blocks(blocks / "sector_blocks.csv", 3),
              "arena": _blocks(blocks / "arena_blocks.csv", 4),
              "game_object": _blocks(blocks / "game_object_blocks.csv", 4)}
    worlds = _blocks(blocks / "world_blocks.csv", 2) if (blocks / "world_blocks.csv").exists() else {}
    town_name = next(iter(worlds.values()))[-1] if worlds else (meta.world_name or "Smallville")
    w, h = meta.maze_width, meta.maze_height
    maze = {k: _maze(matrix / "maze" / f"{k}_maze.csv", w, h, legend.get(k)) for k in MAZES}
    people = _personas(people_dir, root)

    warnings = [] if people else [f"no personas in {people_dir}: the world has no characters"]
    walk = maze["collision"] == 0
    sectors = {n: row[-1] for n, row in legend["sector"].items()}
    arenas = {n: row[-1] for n, row in legend["arena"].items()}
    places, coverage = _places(maze["sector"], sectors, maze["arena"], arenas, walk, warnings)
    if not places:
        raise SmallvilleError(matrix / "maze" / "sector_maze.csv", "", "no sector has a walkable tile that "
                              "can be reached: there is no place to import")
    for number in np.unique(maze["arena"][walk & (maze["arena"] != 0)]).tolist():
        lies = [sectors[a] for a in np.unique(maze["sector"][walk & (maze["arena"] == number)]).tolist() if a]
        if lies and legend["arena"][number][-2] not in lies:
            warnings.append(f"room '{arenas[number]}' is listed under '{legend['arena'][number][-2]}' but lies "
                            f"in '{lies[0]}': it counts as a room of '{lies[0]}'")
    # A room found in one place only, and listed under it, names it ("the pub", "the park").
    rooms = [r.casefold() for p in places for r in p.rooms]
    taken = {p.sector.casefold() for p in places} | {p.id for p in places}
    listed = {(row[-2].casefold(), row[-1].casefold()) for row in legend["arena"].values()}
    aliases = {p.id: [r for r in p.rooms if rooms.count(r.casefold()) == 1 and r.casefold() not in taken
                      and (p.sector.casefold(), r.casefold()) in listed] for p in places}
    town = _Town(town_name, places, aliases, set(sectors.values()) | {
        k for pp in people for world in pp.spatial.values() for k in world})

    characters, resolved, ids = [], [], set()
    firsts = [pp.scratch.first_name.casefold() for pp in people if pp.scratch.first_name]
    for pp in people:
        alias_ok = firsts.count((pp.scratch.first_name or "").casefold()) == 1
        entry, home, ok = _character(pp, _slug(pp.scratch.name, "person", ids), town, alias_ok, warnings)
        characters.append(entry)
        resolved.append(ok)
        if home:
            home.residents.append(pp.scratch.name)
    if people and not any(resolved):
        raise SmallvilleError(people_dir, "", "no persona's home or plan names a place on this map ("
                              f"{', '.join(p.sector for p in places)}): are these personas from another town?")

    data = {
        "name": {"en": name or town_name[:1].upper() + town_name[1:]}, "start_time": START,
        "map": {"width": w, "height": h, "tile_m": TILE_M, "blocked": _merge(~walk)},
        "places": [{
            "id": p.id, "names": {"en": p.sector}, "aliases": aliases[p.id],
            "description": " ".join(filter(None, [
                f"Rooms: {', '.join(p.rooms)}." if len(p.rooms) > 1 else "",
                f"Home of {' and '.join(p.residents)}." if p.residents else ""])),
            "tags": list(dict.fromkeys(_tags(" ".join([p.sector, *p.rooms])) + ["home"] * bool(p.residents))),
            "rect": dict(zip("xywh", p.rect)), "open_air": True, "doors": p.doors,
        } for p in places],
        "things": _things(maze, legend["game_object"], sectors, arenas, {p.sector: p for p in places},
                          warnings),
        "characters": characters,
    }
    try:
        world = WorldFile.model_validate(data)
    except ValidationError as exc:  # a bug here, not in the folder: say so rather than write it
        err = exc.errors()[0]
        raise SmallvilleError(root, "(import)", f"the imported world breaks a world-file rule at "
                              f"{'.'.join(map(str, err['loc']))}: {err['msg']}; please report this") from exc
    return SmallvilleImport(world, warnings, coverage)


class _Dumper(yaml.SafeDumper):
    """Small mappings and lists of scalars on one line ({x: 3, y: 4}), the rest in block style."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _short(items: list[Any]) -> bool:
    return all(isinstance(v, (str, int, float, bool)) for v in items) and len(repr(items)) < 100


_Dumper.add_representer(dict, lambda d, data: d.represent_mapping(
    "tag:yaml.org,2002:map", data, flow_style=_short(list(data.values()))))
_Dumper.add_representer(list, lambda d, data: d.represent_sequence(
    "tag:yaml.org,2002:seq", data, flow_style=_short(data)))
_HEADER = ("# Imported from Generative Agents' Smallville by `llmverse import smallville`.\n"
           "# Sectors are open-air places; map.blocked is the collision layer (docs/smallville-import.md).\n")


def write_world(world: WorldFile, out_path: str | Path) -> Path:
    """Write a world file in one step (a temporary file renamed into place): never half a file."""
    out = Path(out_path)
    data = {"version": 1, **world.model_dump(mode="json", exclude_defaults=True)}
    text = _HEADER + yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=110)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)
    return out
