from datetime import datetime
from pathlib import Path

import pytest

from llmverse.errors import WorldFileError
from llmverse.world.loader import load_world

HARBOR = Path(__file__).parents[3] / "src/llmverse/worlds/harbor_town/world.yaml"

TINY = """\
name: {en: Tiny}
map: {width: 10, height: 10}
places:
  - id: square
    names: {en: Square, zh: 广场}
    rect: {x: 0, y: 0, w: 3, h: 3}
    open_air: true
things:
  - id: coin
    names: {en: coin}
    location: square
"""

# A walled shop (door at the bottom), an open square and a park on a 20x12 map with the sea below.
TOWN = """\
name: {en: Town, zh: 小镇}
start_time: "2026-05-01T08:00"
map:
  width: 20
  height: 12
  blocked: [{x: 0, y: 10, w: 20, h: 2}]
places:
  - id: shop
    names: {en: Shop, zh: 商店}
    aliases: [store]
    hours: "08:00-18:00"
    rect: {x: 2, y: 2, w: 5, h: 4}
    doors:
      - {x: 4, y: 5}
  - id: square
    names: {en: Square, zh: 广场}
    rect: {x: 10, y: 2, w: 6, h: 6}
    open_air: true
  - id: park
    names: {en: Park, zh: 公园}
    rect: {x: 2, y: 8, w: 4, h: 2}
    open_air: true
things:
  - {id: lamp, names: {en: lamp, zh: 灯}, price: 3, owner: ann, location: shop}
  - {id: statue, names: {en: statue, zh: 雕像}, kind: exhibit, location: square}
characters:
  - id: ann
    names: {en: Ann, zh: 安}
    role: shopkeeper
    persona: "Runs the shop."
    schedule:
      - {at: "08:00", place: shop}
      - {at: "18:30", place: park}
"""


def write(tmp_path, text):
    p = tmp_path / "w.yaml"
    p.write_text(text, encoding="utf-8")
    return p


def line_with(text: str, marker: str) -> int:
    """1-based number of the only line of `text` that holds `marker`."""
    hits = [n for n, line in enumerate(text.splitlines(), 1) if marker in line]
    assert len(hits) == 1, (marker, hits)
    return hits[0]


def refused(tmp_path, text: str) -> WorldFileError:
    with pytest.raises(WorldFileError) as exc:
        load_world(write(tmp_path, text))
    return exc.value


def changed(old: str, new: str, text: str = TOWN) -> str:
    assert text.count(old) == 1, old
    return text.replace(old, new)


def test_harbor_town_meets_the_brief():
    w = load_world(HARBOR)
    ids = {p.id for p in w.places}
    assert {"market", "museum", "harbour", "inn", "forge", "library", "park", "town_hall"} <= ids
    assert len(w.characters) >= 5 and all(p.names.zh for p in w.places)
    roles = " ".join(c.role for c in w.characters)
    for role in ("customer service", "tour guide", "companion", "blacksmith", "reporter"):
        assert role in roles


def test_harbor_town_things_and_aliases():
    w = load_world(HARBOR)
    assert len(w.things) >= 12
    assert all(x.names.zh for x in [*w.places, *w.things, *w.characters])
    where = {t.location for t in w.things if t.price is not None and t.kind == "item"}
    assert {"forge", "market", "inn"} <= where
    exhibits = [t for t in w.things if t.kind == "exhibit"]
    assert len(exhibits) >= 3 and all(t.location == "museum" and t.description for t in exhibits)
    assert any(t.location == "library" for t in w.things)
    assert "smithy" in w.place("forge").aliases
    walled = [p for p in w.places if not p.open_air]
    assert walled and all(p.doors for p in walled)


def test_tiny_and_town_worlds_load(tmp_path):
    assert load_world(write(tmp_path, TINY)).things[0].location == "square"
    w = load_world(write(tmp_path, TOWN))
    assert w.start == datetime(2026, 5, 1, 8, 0) and w.map.tile_m == 2.0


def test_bad_field_names_line_and_field(tmp_path):
    bad = TINY.replace("w: 3, h: 3", "w: 0, h: 3")
    err = refused(tmp_path, bad)
    assert err.line == 6 and err.field == "places.0.rect.w"
    assert "w.yaml:6" in str(err)


def test_unknown_field_is_refused(tmp_path):
    err = refused(tmp_path, TINY.replace("    location: square", "    locaton: square"))
    assert err.line == 11 and err.field == "things.0.locaton" and "unknown field 'locaton'" in err.problem


def test_dangling_reference_is_refused(tmp_path):
    bad = changed("location: shop}", "location: attic}")
    err = refused(tmp_path, bad)
    assert err.field == "things.0.location" and "unknown location 'attic'" in err.problem
    assert err.line == line_with(bad, "attic")


def test_yaml_syntax_error_has_line(tmp_path):
    err = refused(tmp_path, TINY + "  - [unclosed\n")
    assert err.line is not None and err.field == "(syntax)"


# -- doors and the map: each error names the field and the line to fix -----------------------

@pytest.mark.parametrize("door, words", [
    ("{x: 4, y: 4}", "not on the edge"),   # inside the shop
    ("{x: 9, y: 5}", "not on the edge"),   # out on the street
    ("{x: 2, y: 5}", "on a corner"),
])
def test_door_must_sit_in_the_wall(tmp_path, door, words):
    bad = changed("{x: 4, y: 5}", door)
    err = refused(tmp_path, bad)
    assert err.field == "places.0.doors.0" and words in err.problem
    assert err.line == line_with(bad, door)


def test_walled_place_needs_a_door(tmp_path):
    bad = changed("    doors:\n      - {x: 4, y: 5}\n", "")
    err = refused(tmp_path, bad)
    assert err.field == "places.0.doors" and "has no door" in err.problem and "open_air" in err.problem
    assert err.line == line_with(bad, "id: shop")  # no doors key: the place itself


def test_too_small_walled_place_is_refused(tmp_path):
    bad = changed("rect: {x: 2, y: 2, w: 5, h: 4}", "rect: {x: 2, y: 4, w: 5, h: 2}")
    err = refused(tmp_path, bad)
    assert err.field == "places.0.rect" and "3x3" in err.problem


def test_places_must_not_overlap(tmp_path):
    bad = changed("rect: {x: 10, y: 2, w: 6, h: 6}", "rect: {x: 6, y: 2, w: 6, h: 6}")
    err = refused(tmp_path, bad)
    assert err.field == "places.1.rect" and "overlaps place 'shop'" in err.problem
    assert err.line == line_with(bad, "{x: 6, y: 2")


def test_places_must_lie_on_the_map(tmp_path):
    bad = changed("rect: {x: 10, y: 2, w: 6, h: 6}", "rect: {x: 16, y: 2, w: 6, h: 6}")
    err = refused(tmp_path, bad)
    assert err.field == "places.1.rect" and "outside the 20x12 map" in err.problem
    assert err.line == line_with(bad, "{x: 16, y: 2")


def test_door_onto_the_sea_is_refused(tmp_path):
    bad = changed("[{x: 0, y: 10, w: 20, h: 2}]", "[{x: 0, y: 10, w: 20, h: 2}, {x: 3, y: 6, w: 3, h: 1}]")
    err = refused(tmp_path, bad)
    assert err.field == "places.0.doors.0" and "opens onto a blocked tile at (4, 6)" in err.problem
    assert err.line == line_with(bad, "{x: 4, y: 5}")


def test_door_onto_the_map_edge_is_refused(tmp_path):
    bad = changed("rect: {x: 2, y: 2, w: 5, h: 4}", "rect: {x: 2, y: 0, w: 5, h: 4}")
    bad = changed("{x: 4, y: 5}", "{x: 4, y: 0}", bad)
    err = refused(tmp_path, bad)
    assert err.field == "places.0.doors.0" and "the map's edge" in err.problem


def test_door_onto_another_buildings_wall_is_refused(tmp_path):
    bad = changed("rect: {x: 2, y: 8, w: 4, h: 2}\n    open_air: true",
                  "rect: {x: 2, y: 6, w: 5, h: 4}\n    doors: [{x: 6, y: 8}]")
    err = refused(tmp_path, bad)
    assert err.field == "places.0.doors.0" and "opens onto the wall of 'park' at (4, 6)" in err.problem


def test_door_on_a_blocked_tile_is_refused(tmp_path):
    bad = changed("[{x: 0, y: 10, w: 20, h: 2}]", "[{x: 0, y: 10, w: 20, h: 2}, {x: 4, y: 5, w: 1, h: 1}]")
    err = refused(tmp_path, bad)
    assert err.field == "places.0.doors.0" and "blocked tile" in err.problem


def test_unreachable_place_is_named(tmp_path):
    # Walls of rock shut the shop and the street before its door into the top-left corner.
    rock = "{x: 8, y: 0, w: 1, h: 8}, {x: 0, y: 7, w: 9, h: 1}"
    bad = changed("[{x: 0, y: 10, w: 20, h: 2}]", f"[{{x: 0, y: 10, w: 20, h: 2}}, {rock}]")
    err = refused(tmp_path, bad)
    assert err.field == "places.0.doors" and "'shop' cannot be reached from 'square'" in err.problem
    assert err.line == line_with(bad, "{x: 4, y: 5}")


def test_unreachable_open_air_place_is_named(tmp_path):
    rock = "{x: 0, y: 7, w: 7, h: 1}, {x: 6, y: 8, w: 1, h: 2}"  # fence the park off against the sea
    bad = changed("[{x: 0, y: 10, w: 20, h: 2}]", f"[{{x: 0, y: 10, w: 20, h: 2}}, {rock}]")
    err = refused(tmp_path, bad)
    assert err.field == "places.2.rect" and "'park' cannot be reached" in err.problem
    assert err.line == line_with(bad, "{x: 2, y: 8, w: 4, h: 2}")


# -- ids, references, times -----------------------------------------------------------------

def test_duplicate_id_points_at_the_second(tmp_path):
    bad = changed("{id: statue,", "{id: lamp,")
    err = refused(tmp_path, bad)
    assert err.field == "things.1.id" and "duplicate things id 'lamp'" in err.problem
    assert err.line == line_with(bad, "exhibit")


def test_unknown_owner_is_refused(tmp_path):
    bad = changed("owner: ann,", "owner: bob,")
    err = refused(tmp_path, bad)
    assert err.field == "things.0.owner" and "unknown owner 'bob'" in err.problem


def test_unknown_schedule_place_is_refused(tmp_path):
    bad = changed('{at: "18:30", place: park}', '{at: "18:30", place: pub}')
    err = refused(tmp_path, bad)
    assert err.field == "characters.0.schedule.1.place" and err.line == line_with(bad, "pub")


def test_schedule_out_of_order_is_refused(tmp_path):
    bad = changed('{at: "18:30"', '{at: "07:30"')
    err = refused(tmp_path, bad)
    assert err.field == "characters.0.schedule.1.at" and "increasing time order" in err.problem
    assert err.line == line_with(bad, "07:30")


def test_alias_naming_another_place_is_refused(tmp_path):
    bad = changed("aliases: [store]", "aliases: [store, Square]")
    err = refused(tmp_path, bad)
    assert err.field == "places.0.aliases.1" and "already names 'square'" in err.problem


def test_exhibit_with_a_price_is_refused(tmp_path):
    bad = changed("kind: exhibit,", "kind: exhibit, price: 9,")
    err = refused(tmp_path, bad)
    assert err.field == "things.1.price" and "not for sale" in err.problem


@pytest.mark.parametrize("hours", ["08:00-25:00", "8:00-18:00", "08:00-08:00", "08:00"])
def test_bad_opening_hours_are_explained(tmp_path, hours):
    bad = changed('"08:00-18:00"', f'"{hours}"')
    err = refused(tmp_path, bad)
    assert err.field == "places.0.hours" and err.line == line_with(bad, "hours:")
    assert "opening" in err.problem and "pattern" not in err.problem


@pytest.mark.parametrize("start", ['"2026-05-01 8am"', '"2026-13-01T08:00"', '"08:00"'])
def test_bad_start_time_is_explained(tmp_path, start):
    err = refused(tmp_path, changed('"2026-05-01T08:00"', start))
    assert err.field == "start_time" and err.line == 2 and "YYYY-MM-DDTHH:MM" in err.problem


def test_unquoted_start_time_in_whole_minutes_is_taken(tmp_path):
    w = load_world(write(tmp_path, changed('"2026-05-01T08:00"', "2026-05-01 08:30:00")))
    assert w.start == datetime(2026, 5, 1, 8, 30)


def test_bad_id_is_explained(tmp_path):
    err = refused(tmp_path, changed("id: shop", "id: Shop Front"))
    assert err.field == "places.0.id" and "lower-case" in err.problem


def test_first_problem_is_reported_and_the_rest_counted(tmp_path):
    bad = changed("owner: ann,", "owner: bob,", changed("location: square}", "location: attic}"))
    err = refused(tmp_path, bad)
    assert err.field == "things.0.owner" and err.problem.endswith("(and 1 more problem)")


def test_the_documented_example_world_loads(tmp_path):
    doc = (Path(__file__).parents[3] / "docs/world-format.md").read_text(encoding="utf-8")
    example = doc.split("## A whole small world", 1)[1].split("```yaml\n", 1)[1].split("```", 1)[0]
    w = load_world(write(tmp_path, example))
    assert [p.id for p in w.places] == ["shop", "square"] and w.things[0].owner == "ann"


def test_a_missing_file_is_a_world_file_error(tmp_path):
    from llmverse.errors import WorldFileError
    from llmverse.world.loader import load_world

    with pytest.raises(WorldFileError, match="cannot read it"):
        load_world(tmp_path / "nowhere.yaml")
