import math
from itertools import permutations
from pathlib import Path

import pytest

from llmverse.world.grid import Grid
from llmverse.world.loader import load_world
from llmverse.world.model import WorldFile

HARBOR = Path(__file__).parents[3] / "src/llmverse/worlds/harbor_town/world.yaml"


def world(*, blocked=(), places=None, width=10, height=7, tile_m=2.0) -> WorldFile:
    places = places or [{"id": "spot", "names": {"en": "Spot"}, "rect": {"x": 0, "y": 0, "w": 1, "h": 1},
                         "open_air": True}]
    return WorldFile.model_validate({
        "name": {"en": "Test"},
        "map": {"width": width, "height": height, "tile_m": tile_m, "blocked": list(blocked)},
        "places": places,
    })


# A wall of rock down column 4 from the top, with a gap only in the bottom row (y = 6).
WALL = [{"x": 4, "y": 0, "w": 1, "h": 6}]


@pytest.fixture(scope="module")
def harbor() -> tuple[WorldFile, Grid]:
    w = load_world(HARBOR)
    return w, Grid(w)


def steps_are_legal(g: Grid, path, *, diagonal=True) -> bool:
    return all(g.walkable(*t) for t in path) and all(
        b in g.neighbours(*a, diagonal=diagonal) for a, b in zip(path, path[1:]))


def test_path_goes_around_an_obstacle_without_cutting_corners():
    g = Grid(world(blocked=WALL))
    p = g.path((2, 0), (6, 0))
    assert p is not None and p[0] == (2, 0) and p[-1] == (6, 0) and (4, 6) in p
    assert steps_are_legal(g, p)
    # Two diagonals (the first and last step), then straight down, through the gap and up: 12
    # straight steps. Cutting the wall's corner at (4, 5) would make it 8 + 4*sqrt(2).
    assert g.distance_m(p) == pytest.approx((12 + 2 * math.sqrt(2)) * 2.0)


def test_four_connected_path():
    g = Grid(world(blocked=WALL))
    p = g.path((2, 0), (6, 0), diagonal=False)
    assert p is not None and len(p) == 17 and steps_are_legal(g, p, diagonal=False)
    assert g.distance_m(p) == pytest.approx(16 * 2.0)


def test_straight_path_on_open_ground():
    g = Grid(world())
    p = g.path((1, 3), (8, 3))
    assert p == [(x, 3) for x in range(1, 9)]
    assert g.path((5, 5), (5, 5)) == [(5, 5)]


def test_blocked_or_unreachable_ends_give_none():
    fence = [{"x": 7, "y": 1, "w": 3, "h": 1}, {"x": 7, "y": 2, "w": 1, "h": 2}, {"x": 7, "y": 4, "w": 3, "h": 1}]
    g = Grid(world(blocked=WALL + fence))
    assert g.path((4, 2), (6, 0)) is None  # start on rock
    assert g.path((2, 0), (4, 0)) is None  # goal on rock
    assert g.path((2, 0), (-1, 0)) is None and g.path((2, 0), (10, 0)) is None  # off the map
    # (8..9, 2..3) is walkable but fenced in by rock and the map's right edge
    assert g.walkable(8, 2) and g.path((2, 0), (8, 2)) is None


def test_neighbours_refuse_diagonal_past_a_corner():
    g = Grid(world(blocked=WALL))
    assert (4, 6) in g.neighbours(3, 6)
    assert (4, 6) not in g.neighbours(3, 5)  # would squeeze past the rock at (4, 5)
    assert (2, 1) in g.neighbours(3, 2) and len(g.neighbours(0, 3, diagonal=False)) == 3


def test_distance_and_walk_time_use_tile_size():
    g = Grid(world(tile_m=3.0))
    assert g.distance_m([(0, 0), (1, 0), (2, 1)]) == pytest.approx(3.0 + 3.0 * math.sqrt(2))
    assert g.walk_minutes([(0, 0), (1, 0), (2, 0)]) == pytest.approx(6.0 / 80)
    assert g.walk_minutes([(0, 0), (1, 0), (2, 0)], speed_m_per_min=60) == pytest.approx(0.1)
    with pytest.raises(ValueError, match="not one step"):
        g.distance_m([(0, 0), (2, 0)])


def test_doors_are_the_only_way_into_walled_places(harbor):
    w, g = harbor
    for p in (p for p in w.places if not p.open_air):
        r = p.rect
        border = {(x, y) for x in range(r.x, r.x + r.w) for y in range(r.y, r.y + r.h) if r.on_border(x, y)}
        assert {t for t in border if g.walkable(*t)} == {(d.x, d.y) for d in p.doors}
        inside = (r.x + r.w // 2, r.y + r.h // 2)
        path = g.path((0, 0), inside)
        assert path is not None and any((d.x, d.y) in path for d in p.doors)
        assert g.place_at(*inside) == p.id and g.place_at(*path[0]) is None


def test_every_harbor_place_reaches_every_other(harbor):
    w, g = harbor
    for a, b in permutations([p.id for p in w.places], 2):
        path = g.path(g.door_of(a), g.door_of(b))
        assert path is not None, (a, b)
        assert 0 < g.walk_minutes(path) < 5  # a small town: under five minutes' walk
        assert steps_are_legal(g, path)


def test_door_of_and_path_to_place(harbor):
    w, g = harbor
    assert g.door_of("forge") == (15, 11)
    market = g.door_of("market")  # open air, no doors: the walkable tile nearest the centre ...
    assert g.place_at(*market) == "market" and g.walkable(*market)
    assert not g.walkable(31, 22)  # ... which is not the fountain
    p = g.path_to_place((0, 0), "museum")
    assert p is not None and p[-1] == (46, 13)
    q = g.path_to_place((0, 0), "market")
    assert q is not None and g.place_at(*q[-1]) == "market" and g.place_at(*q[-2]) is None
    with pytest.raises(KeyError):
        g.door_of("moon")


def test_open_air_place_is_walkable_from_all_sides():
    spot = {"id": "plaza", "names": {"en": "Plaza"}, "rect": {"x": 3, "y": 2, "w": 4, "h": 3}, "open_air": True}
    g = Grid(world(places=[spot]))
    assert all(g.walkable(x, y) for x in range(3, 7) for y in range(2, 5))
    assert g.place_at(3, 2) == "plaza" and g.place_at(2, 2) is None


def test_from_mask_and_route_between_tile_sets():
    import numpy as np
    walk = np.ones((5, 8), dtype=bool)
    walk[0:4, 3] = False  # a wall with a gap in the bottom row
    g = Grid.from_mask(walk, tile_m=1.0)
    assert (g.width, g.height) == (8, 5) and not g.walkable(3, 0) and g.place_at(0, 0) is None
    # From two starts, the one nearer any goal is chosen; the nearest goal is reached.
    p = g.route([(0, 0), (2, 4)], [(7, 0), (4, 4)])
    assert p == [(2, 4), (3, 4), (4, 4)]
    assert g.route([(3, 0)], [(7, 0)]) is None and g.route([(0, 0)], []) is None
    assert g.route([(5, 2)], [(5, 2)]) == [(5, 2)]


def test_route_keeps_out_of_avoided_places():
    hall = {"id": "hall", "names": {"en": "Hall"}, "rect": {"x": 3, "y": 1, "w": 4, "h": 5},
            "doors": [{"x": 3, "y": 3}, {"x": 6, "y": 3}]}
    g = Grid(world(places=[hall], width=10, height=7))
    straight = g.route([(1, 3)], [(8, 3)])
    assert straight == [(x, 3) for x in range(1, 9)]  # through both doors of the hall
    around = g.route([(1, 3)], [(8, 3)], avoid=["hall"])
    assert around is not None and not any(g.place_at(*t) == "hall" for t in around)
    assert g.distance_m(around) > g.distance_m(straight)
    assert g.route([(4, 3)], [(8, 3)], avoid=["hall"]) is None  # starting inside what is avoided
    with pytest.raises(KeyError):
        g.route([(1, 3)], [(8, 3)], avoid=["moon"])


def test_mask_is_a_read_only_view(harbor):
    _, g = harbor
    assert g.mask.shape == (g.height, g.width) and g.mask[11, 15] and not g.mask[41, 0]
    with pytest.raises(ValueError):
        g.mask[0, 0] = False


def test_a_straight_line_is_taken_only_when_it_is_a_shortest_legal_walk(harbor, monkeypatch):
    """Short moves in the open take the straight line without a pathfinder: on Harbor Town, 3,000
    random pairs within 12 tiles give a legal walk exactly as long as the pathfinder's, or the
    pathfinder's own walk when the line is blocked or would cut a corner."""
    import random

    import llmverse.world.grid as grid_module

    _, g = harbor
    rng = random.Random(7)
    open_tiles = [(x, y) for y in range(g.height) for x in range(g.width) if g.walkable(x, y)]
    pairs = []
    while len(pairs) < 3000:
        a = rng.choice(open_tiles)
        b = (a[0] + rng.randint(-12, 12), a[1] + rng.randint(-12, 12))
        if g.walkable(*b):
            pairs.append((a, b))
    corner = Grid(world(blocked=[{"x": 4, "y": 2, "w": 1, "h": 1}]))  # a rock beside the diagonal
    assert corner._straight((3, 3), (4, 4)) == [(3, 3), (4, 4)]
    assert corner._straight((3, 2), (4, 3)) is None  # would cut the rock's corner
    fast = [g.path(a, b) for a, b in pairs]
    lines = sum(1 for (a, b), p in zip(pairs, fast) if p is not None and g._straight(a, b) == p)
    monkeypatch.setattr(grid_module, "_LINE_MAX", -1)  # the pathfinder alone
    for (a, b), p in zip(pairs, fast):
        slow = g.path(a, b)
        assert (p is None) == (slow is None), (a, b)
        if p is not None:
            assert p[0] == a and p[-1] == b and steps_are_legal(g, p), (a, b, p)
            assert g.distance_m(p) == pytest.approx(g.distance_m(slow)), (a, b, p, slow)
    assert 1000 < lines < 3000  # most short moves are straight; some go around things
