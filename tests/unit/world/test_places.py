"""Which place the player's words mean: names and aliases in both languages, typos, things, people."""

from pathlib import Path

import pytest

from llmverse.world.places import normalise, resolve
from llmverse.world.actions import Give
from llmverse.world.loader import load_world
from llmverse.world.store import Store
from llmverse.world.world import World

HARBOR = Path(__file__).parents[3] / "src/llmverse/worlds/harbor_town/world.yaml"


@pytest.fixture(scope="module")
def harbor(tmp_path_factory) -> World:
    return World(load_world(HARBOR), Store(f"sqlite:///{tmp_path_factory.mktemp('places') / 'w.db'}"))


@pytest.fixture
def fresh(tmp_path) -> World:
    """A world of its own, for tests that change its state."""
    return World(load_world(HARBOR), Store(f"sqlite:///{tmp_path / 'w.db'}"))


def best(world, text):
    r = resolve(world, text)
    assert r.best is not None, (text, r)
    return r.best


@pytest.mark.parametrize("text, place", [
    ("Maritime Museum", "museum"), ("how do I get to the museum?", "museum"), ("the forge", "forge"),
    ("Where's the smithy?", "forge"), ("take me to the TOWN HALL please", "town_hall"), ("town_hall", "town_hall"),
    ("the inn", "inn"), ("Gull Inn", "inn"), ("directions to the docks", "harbour"), ("Lantern Park", "park"),
    ("铁匠铺", "forge"), ("博物馆在哪里？", "museum"), ("怎么去海鸥旅店", "inn"), ("我想去公园", "park"),
    ("市政厅怎么走", "town_hall"), ("码头", "harbour"), ("阅览室", "library"),
])
def test_names_and_aliases_in_both_languages(harbor, text, place):
    m = best(harbor, text)
    assert (m.place, m.kind, m.score) == (place, "place", 1.0)


def test_the_longest_name_wins_and_the_start_is_not_the_destination(harbor):
    assert best(harbor, "铁匠铺").kind == "place"  # not "铁匠", the blacksmith himself
    assert best(harbor, "海港镇的图书馆在哪").place == "library"  # 海港镇 is the town, not 海港 the harbour
    assert best(harbor, "how do I get from the market to the museum").place == "museum"
    assert best(harbor, "从集市到图书馆怎么走？").place == "library"
    assert best(harbor, "Lantern Park").place == "park"  # not the paper lantern sold in the market


@pytest.mark.parametrize("text, place", [
    ("the musuem", "museum"), ("how do I get to the libary", "library"), ("forje", "forge"),
    ("tavrn", "inn"), ("marketplce", "market"), ("smithyy", "forge"), ("Town Hal", "town_hall"), ("图书官", "library"),
    ("博物官", "museum"),
])
def test_typos(harbor, text, place):
    m = best(harbor, text)
    assert m.place == place and 0.6 < m.score < 1.0


def test_people_where_they_work_live_and_are_now(fresh):
    assert (best(fresh, "where Bram works").place, best(fresh, "where Bram works").kind) == ("forge", "workplace")
    assert best(fresh, "布拉姆在哪工作").place == "forge"
    assert best(fresh, "where does Nell live").place == "inn" and best(fresh, "where does Nell live").kind == "home"
    assert best(fresh, "where is Bram").place == fresh.position("bram") == "forge"
    fresh.move("bram", "inn")  # Bram walks over to the inn ...
    walking = best(fresh, "where is the blacksmith")
    assert fresh.position("bram") is None and (walking.place, walking.kind) == ("inn", "person")  # ... meet him there
    fresh.tick(10)
    assert fresh.position("bram") == "inn"
    assert best(fresh, "where is Bram").place == "inn" and best(fresh, "布拉姆在哪").place == "inn"
    assert best(fresh, "where does Bram work").place == "forge"  # his workplace has not moved
    # No home in the world file: say where he is rather than guess where he lives.
    assert (best(fresh, "where does Bram live").kind, best(fresh, "where does Bram live").place) == ("person", "inn")


def test_things_where_they_are_now(fresh):
    assert (best(fresh, "where is the founding bell").place, best(fresh, "the bell").kind) == ("museum", "thing")
    assert best(fresh, "铜钟在哪").place == "museum"
    assert best(fresh, "where can I buy an iron anchor").place == "forge"
    fresh.move("bram", "inn")
    fresh.tick(10)
    fresh.apply("bram", Give(thing="anchor", to="nell"))  # handed over at the inn
    assert fresh.thing_state("anchor").location == "inn"
    assert best(fresh, "where is the iron anchor").place == "inn"


@pytest.mark.parametrize("text", ["the moon", "what is the capital of France?", "asdfgh", "月亮在哪里", "", "   "])
def test_unknown_words_match_nothing(harbor, text):
    assert resolve(harbor, text).best is None


def test_near_misses_are_offered_not_taken(harbor):
    r = resolve(harbor, "parc")
    assert r.best is None and [c.place for c in r.candidates][:1] == ["park"]
    r = resolve(harbor, "the lantern")  # a lantern is sold at the market; the park is the other reading
    assert r.best.place == "market" and "park" in [c.place for c in r.candidates]


def test_normalise():
    assert normalise("  The  Forge!! ") == "forge"
    assert normalise("Blacksmith’s") == "blacksmith's"
    assert normalise("ＴＯＷＮ_ＨＡＬＬ") == "town hall"
