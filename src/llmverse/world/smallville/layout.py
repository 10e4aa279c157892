"""The map: a rectangle for each sector, its doors, its id and tags, and the blocked tiles as rectangles.

Smallville's sectors are any shape and llmverse places are rectangles; this is where one becomes the
other, and where `SectorCoverage` records how much was lost.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from llmverse.world.grid import Grid
from llmverse.world.smallville.names import Namer, slug, tags_in

TILE_M = 1.0  # a Smallville bed covers two tiles: a tile is about a metre, not llmverse's default 2
_TAGS = {"food": ("cafe", "pub", "bar", "restaurant", "bakery"), "nightlife": ("pub", "bar"),
         "nature": ("park", "garden"), "shopping": ("store", "market", "pharmacy", "shop", "supply"),
         "learning": ("college", "library", "school", "classroom"),
         "home": ("house", "apartment", "dorm", "co-living", "home")}
Rect = tuple[int, int, int, int]  # x, y, w, h


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


def _tags(words: str) -> list[str]:
    """Tags from the English words of a name and from its Chinese ones (names.KINDS)."""
    return list(dict.fromkeys([t for t, keys in _TAGS.items() if any(re.search(rf"\b{k}\b", words, re.I)
                                                                    for k in keys)] + tags_in(words)))


@dataclass
class _Place:
    sector: str
    id: str
    rect: Rect
    doors: list[dict[str, int]]
    rooms: list[str]  # arena names, most floor tiles first
    names: dict[str, str] = field(default_factory=dict)  # {"en": ...} or {"en": stand-in, "zh": ...}
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
    places, coverage, ids, namer = [], [], set(), Namer("Place")
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
            names_ = namer.names(name)
            place = _Place(name, slug(name, "place", ids, names_["en"]), rects[name], doors[name], by_size, names_)
            places.append(place)
            if "zh" in names_:
                warnings.append(f"sector '{name}' has no English name: '{names_['en']}' stands in for it (names.en)")
        else:
            warnings.append(f"sector '{name}' has no walkable tile reachable from the rest of the town: "
                            "left out, with its things")
        coverage.append(SectorCoverage(name, place and place.id, int(own.sum()), int((own & walk).sum()),
                                       int((own & inside).sum()), int((own & inside & walk).sum()),
                                       int((inside & ~own).sum())))
    return places, coverage
