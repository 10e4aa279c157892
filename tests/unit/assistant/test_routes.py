"""Every path navigation returns is walkable, 8-connected without corner cutting, and shortest.

The reference is a plain Dijkstra written here, over walkability derived here from the world file
(not from `Grid`), so a bug shared by the grid and the pathfinder cannot hide.
"""

import heapq
import math
from itertools import permutations
from pathlib import Path

import numpy as np
import pytest

from llmverse.assistant import navigate
from llmverse.world.grid import Grid, turning_points
from llmverse.world.loader import load_world
from llmverse.world.store import Store
from llmverse.world.world import World

HARBOR = Path(__file__).parents[3] / "src/llmverse/worlds/harbor_town/world.yaml"
INF = math.inf


def dijkstra(walk: np.ndarray, sources, straight=1.0, diagonal=math.sqrt(2)) -> np.ndarray:
    """Distance (in tiles, or in the given step costs) from the nearest source to every tile."""
    h, w = walk.shape
    ok = walk.tolist()
    dist = [[INF] * w for _ in range(h)]
    heap = []
    for x, y in sources:
        if ok[y][x]:
            dist[y][x] = 0
            heap.append((0, x, y))
    heapq.heapify(heap)
    while heap:
        d, x, y = heapq.heappop(heap)
        if d > dist[y][x]:
            continue
        for dx in (-1, 0, 1):
            for dy in (-1, 0, 1):
                nx, ny = x + dx, y + dy
                if (dx, dy) == (0, 0) or not (0 <= nx < w and 0 <= ny < h) or not ok[ny][nx]:
                    continue
                if dx and dy and not (ok[y][nx] and ok[ny][x]):  # would cut a corner
                    continue
                nd = d + (diagonal if dx and dy else straight)
                if nd < dist[ny][nx]:
                    dist[ny][nx] = nd
                    heapq.heappush(heap, (nd, nx, ny))
    return np.array(dist, dtype=float)


def legal(walk: np.ndarray, path) -> bool:
    """On walkable tiles only, one king's move at a time, never squeezing past a blocked corner."""
    h, w = walk.shape

    def on(x, y):
        return 0 <= x < w and 0 <= y < h and bool(walk[y, x])
    if not all(on(*t) for t in path):
        return False
    for (x0, y0), (x1, y1) in zip(path, path[1:]):
        dx, dy = x1 - x0, y1 - y0
        if max(abs(dx), abs(dy)) != 1 or (dx and dy and not (on(x0 + dx, y0) and on(x0, y0 + dy))):
            return False
    return True


def steps(path) -> tuple[int, int]:
    diagonal = sum(1 for a, b in zip(path, path[1:]) if a[0] != b[0] and a[1] != b[1])
    return len(path) - 1 - diagonal, diagonal


def random_map(seed: int, size: int = 40) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.random((size, size)) >= rng.uniform(0.1, 0.4)  # 10-40% obstacles: some maps split up


def walkable_tiles(walk, rng, k):
    ys, xs = np.nonzero(walk)
    pick = rng.choice(len(xs), size=k, replace=False)
    return [(int(xs[i]), int(ys[i])) for i in pick]


@pytest.mark.parametrize("seed", range(50))
def test_paths_on_random_maps_are_legal_and_shortest(seed):
    walk = random_map(seed)
    grid = Grid.from_mask(walk)
    rng = np.random.default_rng(1000 + seed)
    for start in walkable_tiles(walk, rng, 3):
        exact = dijkstra(walk, [start])
        thousandths = dijkstra(walk, [start], straight=1000, diagonal=1414)  # the grid's integer costs
        for goal in walkable_tiles(walk, rng, 6):
            path = grid.path(start, goal)
            if exact[goal[1], goal[0]] == INF:
                assert path is None, (seed, start, goal)
                continue
            assert path is not None and path[0] == start and path[-1] == goal, (seed, start, goal)
            assert legal(walk, path)
            n_straight, n_diagonal = steps(path)
            assert 1000 * n_straight + 1414 * n_diagonal == thousandths[goal[1], goal[0]]
            # 1414/1000 is 0.015% short of sqrt(2): on a near-tie the integer optimum may be that much
            # longer in metres, never more.
            length = n_straight + math.sqrt(2) * n_diagonal
            assert exact[goal[1], goal[0]] - 1e-9 <= length <= exact[goal[1], goal[0]] * (1 + 2e-4) + 1e-9
            assert grid.distance_m(path) == pytest.approx(2.0 * length)


@pytest.mark.parametrize("seed", range(20))
def test_route_from_several_starts_to_nearest_goal_on_random_maps(seed):
    walk = random_map(seed)
    grid = Grid.from_mask(walk)
    rng = np.random.default_rng(2000 + seed)
    tiles = walkable_tiles(walk, rng, 7)
    starts, goals = tiles[:3], tiles[3:]
    dist = dijkstra(walk, goals, straight=1000, diagonal=1414)
    best = min(dist[y, x] for x, y in starts)
    path = grid.route(starts, goals)
    if best == INF:
        assert path is None
        return
    assert path is not None and path[0] in starts and path[-1] in goals and legal(walk, path)
    n_straight, n_diagonal = steps(path)
    assert 1000 * n_straight + 1414 * n_diagonal == best


# -- Harbor Town, through navigate() --------------------------------------------------------------

@pytest.fixture(scope="module")
def harbor(tmp_path_factory) -> World:
    return World(load_world(HARBOR), Store(f"sqlite:///{tmp_path_factory.mktemp('routes') / 'w.db'}"))


def street_mask(world: World, open_buildings=()) -> np.ndarray:
    """Walkability from the world file alone: streets and open-air places; the buildings named are
    enterable by their doors, every other building is solid."""
    m = world.file.map
    walk = np.ones((m.height, m.width), dtype=bool)
    for p in world.file.places:
        r = p.rect
        if p.open_air:
            continue
        walk[r.y:r.y + r.h, r.x:r.x + r.w] = False
        if p.id in open_buildings:
            walk[r.y + 1:r.y + r.h - 1, r.x + 1:r.x + r.w - 1] = True
            for d in p.doors:
                walk[d.y, d.x] = True
    for b in m.blocked:
        walk[b.y:b.y + b.h, b.x:b.x + b.w] = False
    return walk


def entrances(world: World, place_id: str, walk) -> list[tuple[int, int]]:
    p = world.places[place_id]
    if p.doors:
        return [(d.x, d.y) for d in p.doors]
    r = p.rect
    return [(x, y) for y in range(r.y, r.y + r.h) for x in range(r.x, r.x + r.w) if walk[y, x]]


def check_route(world: World, route, start_tiles, origin, dest):
    walk = street_mask(world, {origin, dest} - {None})
    assert route.found, route.text
    assert route.path[0] in start_tiles and legal(walk, route.path)
    assert route.path[-1] in entrances(world, dest, walk)
    dist = dijkstra(walk, entrances(world, dest, walk))
    best = min(dist[y, x] for x, y in start_tiles)
    assert world.grid.distance_m(route.path) / world.grid.tile_m == pytest.approx(best, rel=2e-4)
    assert route.distance_m == pytest.approx(world.grid.distance_m(route.path), abs=0.05)  # rounded to 0.1 m
    # Doors are the only way in or out: a path tile on a building's wall is one of its doors.
    for p in world.file.places:
        if not p.open_air:
            doors = {(d.x, d.y) for d in p.doors}
            assert all(t in doors for t in route.path if p.rect.on_border(*t)), p.id
    # The waypoints are lossless: straight runs between them give back every tile.
    redrawn = [route.waypoints[0]]
    for (x1, y1) in route.waypoints[1:]:
        x0, y0 = redrawn[-1]
        n = max(abs(x1 - x0), abs(y1 - y0))
        redrawn += [(x0 + (x1 - x0) // n * k, y0 + (y1 - y0) // n * k) for k in range(1, n + 1)]
    assert redrawn == route.path
    assert sum(s.distance_m for s in route.steps) == pytest.approx(route.distance_m, abs=0.05 * len(route.steps))


def test_every_place_to_every_other_is_shortest_and_enters_by_a_door(harbor):
    for origin, dest in permutations(harbor.places, 2):
        route = navigate(harbor, dest, start=origin)
        p = harbor.places[origin]
        starts = [(d.x, d.y) for d in p.doors] or [harbor.grid.door_of(origin)]
        check_route(harbor, route, starts, origin, dest)


def test_random_start_tiles_including_inside_buildings(harbor):
    rng = np.random.default_rng(7)
    ys, xs = np.nonzero(harbor.grid.mask)  # any walkable tile: streets, squares, inside buildings
    for i in rng.choice(len(xs), size=60, replace=False):
        tile = (int(xs[i]), int(ys[i]))
        dest = str(rng.choice(sorted(harbor.places)))
        origin = harbor.grid.place_at(*tile)
        route = navigate(harbor, dest, start=tile)
        if origin == dest:
            assert route.path == [tile] and route.distance_m == 0
            continue
        check_route(harbor, route, [tile], origin, dest)


def test_turning_points_of_a_staircase():
    path = [(0, 0), (1, 0), (2, 1), (3, 2), (3, 3), (3, 4)]
    assert turning_points(path) == [(0, 0), (1, 0), (3, 2), (3, 4)]
    assert turning_points(path[:2]) == path[:2]
