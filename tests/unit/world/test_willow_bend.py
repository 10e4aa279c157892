"""The bundled 25-person town loads, speaks both languages everywhere and connects every place."""

from llmverse.world.bilingual import missing_chinese
from llmverse.world.grid import Grid
from llmverse.world.loader import load_world
from llmverse.world.world import DEFAULT_WORLD

WILLOW = DEFAULT_WORLD.parent.parent / "willow_bend" / "world.yaml"


def test_willow_bend_has_25_people_with_homes_and_a_day_each():
    w = load_world(WILLOW)
    assert len(w.characters) == 25 and len(w.places) >= 15
    assert all(c.home and len(c.schedule) >= 3 for c in w.characters)
    assert {c.language for c in w.characters} == {"en", "zh"}


def test_willow_bend_lacks_no_chinese_text():
    assert missing_chinese(load_world(WILLOW)) == []


def test_every_place_is_reachable_from_the_square():
    w = load_world(WILLOW)
    grid = Grid(w)
    start = grid.door_of("square")
    assert all(grid.path(start, grid.door_of(p.id)) is not None for p in w.places)
