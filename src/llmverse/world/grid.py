"""The tile map: which tiles can be walked, which place a tile belongs to, and shortest paths.

Streets are every tile not blocked and not inside a place. A walled place's border is wall except
its doors; its inside is walkable. An open-air place (square, park, quay) is walkable throughout.
Paths are found by python-tcod's compiled pathfinder (A* with an octile heuristic): pure-Python A*
measured 54-108 ms on a 512x512 map, too slow for a town full of walkers.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

import numpy as np
import tcod.path

if TYPE_CHECKING:
    from llmverse.world.model import Place, WorldFile

XY = tuple[int, int]
Loc = tuple[str | int, ...]

# Integer step costs in the ratio 1 : sqrt(2) (1414/1000 is within 0.01% of it), so shortest means
# shortest in metres.
_STRAIGHT, _DIAGONAL = 1000, 1414
_CARDINAL = [(0, -1), (0, 1), (-1, 0), (1, 0)]  # (dx, dy)
_DIAGONALS = [(-1, -1), (1, -1), (-1, 1), (1, 1)]
_LINE_MAX = 32  # tiles: longer moves go to the pathfinder without trying a straight line first
_GRAPH_CACHE = 64  # graphs kept per grid; a 64x48 town needs few, each is a few kB there


def _no_cut(walk: np.ndarray, dx: int, dy: int) -> np.ndarray:
    """Mask of tiles (y, x) from which the step (dx, dy) passes walkable (x+dx, y) and (x, y+dy)."""
    h, w = walk.shape
    side_x = np.zeros_like(walk)  # walkable(x + dx, y)
    side_y = np.zeros_like(walk)  # walkable(x, y + dy)
    xs = slice(max(0, -dx), w - max(0, dx))
    ys = slice(max(0, -dy), h - max(0, dy))
    side_x[:, xs] = walk[:, slice(xs.start + dx, xs.stop + dx)]
    side_y[ys, :] = walk[slice(ys.start + dy, ys.stop + dy), :]
    return side_x & side_y


def turning_points(path: Sequence[XY]) -> list[XY]:
    """The first and last tiles of a path and every tile where its step changes direction.

    Lossless: between two consecutive points the path is a straight run of identical 8-way steps,
    so a client can redraw every tile from these alone.
    """
    if len(path) < 3:
        return list(path)
    out = [path[0]]
    for a, b, c in zip(path, path[1:], path[2:]):
        if (b[0] - a[0], b[1] - a[1]) != (c[0] - b[0], c[1] - b[1]):
            out.append(b)
    out.append(path[-1])
    return out


def _outward(place: Place, x: int, y: int) -> XY:
    """The tile just outside the wall from door (x, y): where a visitor stands to walk in."""
    r = place.rect
    if y == r.y:
        return x, y - 1
    if y == r.y + r.h - 1:
        return x, y + 1
    return (x - 1, y) if x == r.x else (x + 1, y)


class Grid:
    """Walkability and paths on a world's map (arrays are indexed [y, x])."""

    def __init__(self, world: WorldFile) -> None:
        m = world.map
        self.width, self.height, self.tile_m = m.width, m.height, m.tile_m
        self._places = {p.id: p for p in world.places}
        walk = np.ones((m.height, m.width), dtype=bool)
        self._owner = np.full((m.height, m.width), -1, dtype=np.int32)  # index into world.places
        for i, p in enumerate(world.places):
            r = p.rect
            self._owner[r.y:r.y + r.h, r.x:r.x + r.w] = i
            if not p.open_air:  # walls all round, then cut the doors
                walk[r.y:r.y + r.h, r.x:r.x + r.w] = False
                walk[r.y + 1:r.y + r.h - 1, r.x + 1:r.x + r.w - 1] = True
                for d in p.doors:
                    walk[d.y, d.x] = True
        for b in m.blocked:  # water, cliffs, fountains: blocked wins over everything
            walk[b.y:b.y + b.h, b.x:b.x + b.w] = False
        self._ids = [p.id for p in world.places]
        self._walk = walk
        # Keyed by (diagonal, places kept off limits); a route between two buildings avoids the others.
        self._graphs: dict[tuple[bool, frozenset[str]], tcod.path.CustomGraph] = {}

    @classmethod
    def from_mask(cls, walkable: np.ndarray, tile_m: float = 2.0) -> Grid:
        """A grid without places from a boolean [y, x] mask (True = walkable): generated maps for
        tests and benchmarks, which need no world file."""
        g = cls.__new__(cls)
        g._walk = np.array(walkable, dtype=bool)
        g.height, g.width = g._walk.shape
        g.tile_m = tile_m
        g._places, g._ids, g._graphs = {}, [], {}
        g._owner = np.full(g._walk.shape, -1, dtype=np.int32)
        return g

    # -- tiles ---------------------------------------------------------------------------------

    def inside(self, x: int, y: int) -> bool:
        return 0 <= x < self.width and 0 <= y < self.height

    @property
    def mask(self) -> np.ndarray:
        """Walkability of every tile as a read-only boolean [y, x] array."""
        view = self._walk.view()
        view.flags.writeable = False
        return view

    def walkable(self, x: int, y: int) -> bool:
        """False for walls, blocked tiles and anything off the map."""
        return self.inside(x, y) and bool(self._walk[y, x])

    def neighbours(self, x: int, y: int, *, diagonal: bool = True) -> list[XY]:
        """Walkable tiles one step away; a diagonal step needs both tiles it passes to be walkable
        (no cutting a wall's corner)."""
        out = [(x + dx, y + dy) for dx, dy in _CARDINAL if self.walkable(x + dx, y + dy)]
        if diagonal:
            out += [(x + dx, y + dy) for dx, dy in _DIAGONALS
                    if self.walkable(x + dx, y + dy) and self.walkable(x + dx, y) and self.walkable(x, y + dy)]
        return out

    def place_at(self, x: int, y: int) -> str | None:
        """Id of the place whose rectangle (walls included) holds the tile; None on the street."""
        if not self.inside(x, y) or self._owner[y, x] < 0:
            return None
        return self._ids[int(self._owner[y, x])]

    def entrances(self, place_id: str) -> list[XY]:
        """Tiles through which one enters: the doors; for open-air places without doors, every
        walkable tile of the area."""
        p = self._places[place_id]
        if p.doors:
            return [(d.x, d.y) for d in p.doors]
        r = p.rect
        return [(x, y) for y in range(r.y, r.y + r.h) for x in range(r.x, r.x + r.w) if self.walkable(x, y)]

    def door_of(self, place_id: str) -> XY:
        """The tile to head for when going to a place: its first door, or for an open-air place
        without doors the walkable tile nearest its centre. KeyError for an unknown id."""
        p = self._places[place_id]
        if p.doors:
            return p.doors[0].x, p.doors[0].y
        cx, cy = p.rect.x + (p.rect.w - 1) / 2, p.rect.y + (p.rect.h - 1) / 2
        tiles = self.entrances(place_id)
        if not tiles:
            raise ValueError(f"place '{place_id}' has no walkable tile")
        return min(tiles, key=lambda t: ((t[0] - cx) ** 2 + (t[1] - cy) ** 2, t[1], t[0]))

    # -- paths ---------------------------------------------------------------------------------

    def _mask(self, avoid: frozenset[str]) -> np.ndarray:
        """Walkable tiles, with the rectangles of the places in `avoid` taken out."""
        if not avoid:
            return self._walk
        walk = self._walk.copy()
        for place_id in avoid:
            r = self._places[place_id].rect
            walk[r.y:r.y + r.h, r.x:r.x + r.w] = False
        return walk

    def _graph(self, diagonal: bool, avoid: frozenset[str] = frozenset()) -> tcod.path.CustomGraph:
        """tcod graph over walkable tiles; diagonal edges exist only where no corner is cut."""
        key = (diagonal, avoid)
        if key not in self._graphs:
            walk = self._mask(avoid)
            cost = walk.astype(np.int8)
            graph = tcod.path.CustomGraph(cost.shape)  # order "C": indices are (y, x)
            for dx, dy in _CARDINAL:
                graph.add_edge((dy, dx), _STRAIGHT, cost=cost)
            if diagonal:
                for dx, dy in _DIAGONALS:
                    graph.add_edge((dy, dx), _DIAGONAL, cost=cost, condition=_no_cut(walk, dx, dy))
            graph.set_heuristic(cardinal=_STRAIGHT, diagonal=_DIAGONAL if diagonal else 0)
            if len(self._graphs) >= _GRAPH_CACHE:  # one per (start, destination) pair at most: bound it
                self._graphs.pop(next(k for k in self._graphs if k[1]))
            self._graphs[key] = graph
        return self._graphs[key]

    def path(self, start: XY, goal: XY, *, diagonal: bool = True) -> list[XY] | None:
        """Shortest walk from start to goal, both ends included; None if either end is not
        walkable or no walk joins them. 8-connected by default, 4-connected with diagonal=False."""
        if not (self.walkable(*start) and self.walkable(*goal)):
            return None
        if diagonal:
            line = self._straight(start, goal)
            if line is not None:
                return line
        pf = tcod.path.Pathfinder(self._graph(diagonal))
        pf.add_root((start[1], start[0]))
        found = pf.path_to((goal[1], goal[0]))  # just [goal] when unreachable
        if (int(found[0][1]), int(found[0][0])) != tuple(start):
            return None
        return [(int(x), int(y)) for y, x in found]

    def _straight(self, start: XY, goal: XY) -> list[XY] | None:
        """The straight line of tiles from start to goal, when every tile on it is walkable and no
        diagonal step cuts a corner; else None. Such a line is a shortest walk: it takes max(|dx|, |dy|)
        steps of which min(|dx|, |dy|) are diagonal, the octile distance, which no walk beats. Players'
        moves are mostly a few tiles in the open: this answers them without building a pathfinder
        (whose numpy set-up was ~13% of the server's CPU at 1,000 clients)."""
        (x0, y0), (x1, y1) = start, goal
        dx, dy = x1 - x0, y1 - y0
        n = max(abs(dx), abs(dy))
        if n > _LINE_MAX:
            return None
        sx, sy, ax, ay = (dx > 0) - (dx < 0), (dy > 0) - (dy < 0), abs(dx), abs(dy)
        walk = self._walk
        line, (px, py) = [start], start
        for i in range(1, n + 1):  # each step moves 1 along the longer axis, 0 or 1 along the other
            x, y = x0 + sx * ((2 * i * ax + n) // (2 * n)), y0 + sy * ((2 * i * ay + n) // (2 * n))
            if not walk[y, x] or (x != px and y != py and not (walk[py, x] and walk[y, px])):
                return None
            line.append((x, y))
            px, py = x, y
        return line

    def path_to_place(self, start: XY, place_id: str, *, diagonal: bool = True) -> list[XY] | None:
        """Shortest walk from start to the nearest entrance of a place (see `entrances`)."""
        ends = [t for t in self.entrances(place_id) if self.walkable(*t)]
        if not self.walkable(*start) or not ends:
            return None
        pf = tcod.path.Pathfinder(self._graph(diagonal))
        for x, y in ends:
            pf.add_root((y, x))
        back = pf.path_from((start[1], start[0]))  # start to nearest root; just [start] if none
        if (int(back[-1][1]), int(back[-1][0])) not in ends:
            return None
        return [(int(x), int(y)) for y, x in back]

    def route(self, starts: Sequence[XY], goals: Sequence[XY], *, avoid: Iterable[str] = (),
              diagonal: bool = True) -> list[XY] | None:
        """Shortest walk from the best of the start tiles to the nearest goal tile, never setting foot
        in the places listed in `avoid` (buildings other than the two ends: a building is not a
        thoroughfare, and a closed one cannot be crossed). None if no such walk exists.

        One start runs A* towards it; several (a building with two doors) need the whole distance
        field from the goals, so one Dijkstra serves them all.
        """
        off = frozenset(avoid)
        walk = self._mask(off)
        starts = [t for t in dict.fromkeys(starts) if self.inside(*t) and walk[t[1], t[0]]]
        goals = [t for t in dict.fromkeys(goals) if self.inside(*t) and walk[t[1], t[0]]]
        if not starts or not goals:
            return None
        pf = tcod.path.Pathfinder(self._graph(diagonal, off))
        for x, y in goals:
            pf.add_root((y, x))
        start = starts[0]
        if len(starts) > 1:
            pf.resolve()
            start = min(starts, key=lambda t: (int(pf.distance[t[1], t[0]]), t[1], t[0]))
        back = pf.path_from((start[1], start[0]))  # start to the nearest goal; just [start] if none
        end = (int(back[-1][1]), int(back[-1][0]))
        return [(int(x), int(y)) for y, x in back] if end in goals else None

    def beside(self, start: XY, target: XY, *, radius: int = 2, avoid: Iterable[str] = ()) -> XY | None:
        """The tile to walk to for standing next to `target` (a character): walkable, reachable from
        `start`, not the target's own tile; the ring nearest the target first, then inside the same
        place as the target (a character in a doorway is met indoors or out), then the shortest walk.
        None when nothing within `radius` tiles can be reached. The places in `avoid` (closed ones)
        are neither crossed nor stood in. One Dijkstra from `start`."""
        off = frozenset(avoid)
        if not self.inside(*start) or not self._mask(off)[start[1], start[0]]:
            return None
        pf = tcod.path.Pathfinder(self._graph(True, off))
        pf.add_root((start[1], start[0]))
        pf.resolve()
        unreached = np.iinfo(pf.distance.dtype).max
        tx, ty = target
        home = self.place_at(tx, ty)
        best: tuple[tuple[int, int, int], XY] | None = None
        for y in range(ty - radius, ty + radius + 1):
            for x in range(tx - radius, tx + radius + 1):
                if (x, y) == (tx, ty) or not self.walkable(x, y) or pf.distance[y, x] == unreached:
                    continue
                key = (max(abs(x - tx), abs(y - ty)), int(self.place_at(x, y) != home), int(pf.distance[y, x]))
                if best is None or key < best[0]:
                    best = key, (x, y)
        return best[1] if best else None

    def distance_m(self, path: list[XY]) -> float:
        """Length of a path in metres: a straight step is one tile, a diagonal step sqrt(2) tiles."""
        tiles = 0.0
        for (x0, y0), (x1, y1) in zip(path, path[1:]):
            dx, dy = abs(x1 - x0), abs(y1 - y0)
            if max(dx, dy) != 1:
                raise ValueError(f"({x0}, {y0}) -> ({x1}, {y1}) is not one step")
            tiles += math.sqrt(2) if dx and dy else 1.0
        return tiles * self.tile_m

    def walk_minutes(self, path: list[XY], speed_m_per_min: float = 80.0) -> float:
        """Minutes to walk a path at an easy pace (80 m/min is about 4.8 km/h)."""
        if speed_m_per_min <= 0:
            raise ValueError("speed_m_per_min must be positive")
        return self.distance_m(path) / speed_m_per_min

    # -- validation ----------------------------------------------------------------------------

    def components(self, seeds: list[XY]) -> np.ndarray:
        """Label of the connected walkable region of each tile reached from the seed tiles (-1 for
        the rest). Diagonal steps without corner cutting join nothing that straight steps don't,
        so 4-connectivity suffices."""
        labels = np.full(self._walk.shape, -1, dtype=np.int32)
        graph = self._graph(diagonal=False)
        label = 0
        for x, y in seeds:
            if not self.walkable(x, y) or labels[y, x] >= 0:
                continue
            pf = tcod.path.Pathfinder(graph)
            pf.add_root((int(y), int(x)))
            pf.resolve()
            labels[(pf.distance < np.iinfo(pf.distance.dtype).max) & self._walk] = label
            label += 1
        return labels


def layout_problems(world: WorldFile) -> list[tuple[Loc, str]]:
    """Doors that lead nowhere, and places that cannot be walked to from the others.

    Called by `WorldFile` validation once the geometry (rectangles inside the map, no overlaps,
    doors on walls) holds; each problem carries the location of the field to fix.
    """
    grid = Grid(world)
    problems: list[tuple[Loc, str]] = []
    for i, p in enumerate(world.places):
        for k, d in enumerate(p.doors):
            if not grid.walkable(d.x, d.y):
                problems.append((("places", i, "doors", k), f"door ({d.x}, {d.y}) of '{p.id}' is on a "
                                 "blocked tile (see map.blocked)"))
                continue
            if p.open_air:
                continue
            ox, oy = _outward(p, d.x, d.y)
            ix, iy = 2 * d.x - ox, 2 * d.y - oy
            if not grid.walkable(ox, oy):
                what = "the map's edge" if not grid.inside(ox, oy) else (
                    f"the wall of '{grid.place_at(ox, oy)}'" if grid.place_at(ox, oy) else "a blocked tile")
                problems.append((("places", i, "doors", k), f"door ({d.x}, {d.y}) of '{p.id}' opens onto "
                                 f"{what} at ({ox}, {oy}); move it to a wall that faces a street"))
            elif not grid.walkable(ix, iy):
                problems.append((("places", i, "doors", k), f"door ({d.x}, {d.y}) of '{p.id}' leads into "
                                 f"a blocked tile at ({ix}, {iy})"))
    if problems:
        return problems
    entrances = [grid.entrances(p.id) for p in world.places]
    labels = grid.components([t for tiles in entrances for t in tiles])
    groups = [{int(labels[y, x]) for x, y in tiles if labels[y, x] >= 0} for tiles in entrances]
    # The street network is the region that joins the most places (the first such, on a tie).
    counts: dict[int, int] = {}
    for g in groups:
        for label in g:
            counts[label] = counts.get(label, 0) + 1
    if not counts:
        return [(("places", 0), "no place can be entered: every entrance is blocked")]
    main = max(counts, key=lambda label: (counts[label], -min(i for i, g in enumerate(groups) if label in g)))
    hub = next(p.id for p, g in zip(world.places, groups) if main in g)
    for i, (p, g) in enumerate(zip(world.places, groups)):
        if main not in g:
            field = "doors" if p.doors else "rect"
            problems.append((("places", i, field), f"place '{p.id}' cannot be reached from '{hub}': no "
                             "walkable path joins its entrances to the street network; open a door "
                             "onto a connected street or unblock the way"))
    return problems
