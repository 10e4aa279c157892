"""Smallville import: the hand-made 12x10 town in detail, the shared sample when present, and one
error per kind of malformed input."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from llmverse.world.grid import Grid
from llmverse.world.loader import load_world
from llmverse.world.smallville import SmallvilleError, import_smallville, write_world

FIXTURE = Path(__file__).parents[2] / "fixtures" / "smallville"
SAMPLE = Path(__file__).parents[4] / "shared" / "data" / "smallville"
ANN = Path("personas/Ann Lee/bootstrap_memory/scratch.json")
BOB = Path("personas/Bob Stone/scratch.json")


def _layer(root: Path, name: str) -> np.ndarray:
    text = (root / "matrix" / "maze" / f"{name}_maze.csv").read_text()
    return np.array([int(v) for v in text.split(",")]).reshape(10, 12)


def _write_layer(root: Path, name: str, layer: np.ndarray) -> None:
    (root / "matrix" / "maze" / f"{name}_maze.csv").write_text(", ".join(map(str, layer.ravel())))


@pytest.fixture(scope="module")
def town():
    return import_smallville(FIXTURE)


@pytest.fixture()
def copy(tmp_path: Path) -> Path:
    shutil.copytree(FIXTURE, tmp_path / "town")
    return tmp_path / "town"


# --- the map --------------------------------------------------------------------------------------

def test_map_size_and_blocked_rectangles_are_exactly_the_collision_layer(town):
    m = town.world.map
    assert (m.width, m.height, m.tile_m) == (12, 10, 1.0)
    cover = np.zeros((10, 12), dtype=int)
    for r in m.blocked:
        cover[r.y:r.y + r.h, r.x:r.x + r.w] += 1
    assert cover.max() == 1  # disjoint
    assert np.array_equal(cover == 1, _layer(FIXTURE, "collision") != 0)
    assert len(m.blocked) == 7  # 24 wall tiles merged into runs (the town wall is 2 rectangles)


def test_walking_is_smallvilles_own(town):
    grid = Grid(town.world)
    walk = _layer(FIXTURE, "collision") == 0
    assert all(grid.walkable(x, y) == walk[y, x] for y in range(10) for x in range(12))
    path = grid.path((0, 9), (3, 3))  # round the town wall through its gap, in through the cafe door
    assert path is not None and (8, 6) in path and (3, 4) in path


def test_sectors_become_open_air_places_that_do_not_overlap(town):
    cafe, park = town.world.places
    assert (cafe.id, cafe.names.en, cafe.names.zh) == ("hobbs_cafe", "Hobbs Cafe", None)
    assert (park.id, park.names.en) == ("johnson_park", "Johnson Park")
    # The sectors' bounding boxes overlap in column 6 (the porch and the park's western tile) ...
    sector = _layer(FIXTURE, "sector")
    xs_cafe, xs_park = np.nonzero(sector == 1001)[1], np.nonzero(sector == 1002)[1]
    assert xs_cafe.max() == 6 and xs_park.min() == 6
    # ... so each place is the best rectangle inside its own sector.
    assert cafe.rect.model_dump() == {"x": 1, "y": 1, "w": 5, "h": 4}
    assert park.rect.model_dump() == {"x": 7, "y": 1, "w": 4, "h": 4}
    assert cafe.open_air and park.open_air and not cafe.rect.overlaps(park.rect)


def test_doors_where_the_sector_meets_the_street_and_none_for_an_open_park(town):
    cafe, park = town.world.places
    assert [(d.x, d.y) for d in cafe.doors] == [(3, 4)]  # the gap in the cafe's south wall
    assert park.doors == []  # open along its whole edge: entered anywhere


def test_an_opening_onto_the_sectors_own_tiles_is_not_a_door(copy):
    collision = _layer(copy, "collision")
    collision[2, 5] = 0  # open the cafe's east wall onto its porch at (6, 2), outside its rectangle
    _write_layer(copy, "collision", collision)
    cafe = import_smallville(copy).world.places[0]
    assert cafe.rect.model_dump() == {"x": 1, "y": 1, "w": 5, "h": 4}
    assert [(d.x, d.y) for d in cafe.doors] == [(3, 4)]


def test_coverage_is_measured_per_sector(town):
    cafe, park = town.coverage
    assert (cafe.sector, cafe.place, cafe.tiles, cafe.walkable) == ("Hobbs Cafe", "hobbs_cafe", 21, 8)
    assert (cafe.covered, cafe.covered_walkable, cafe.foreign) == (20, 7, 0)  # the porch is left out
    assert (park.tiles, park.covered, park.foreign) == (17, 16, 0)
    assert cafe.share == pytest.approx(20 / 21)


def test_rooms_name_places_and_tags_follow_the_words(town):
    cafe, park = town.world.places
    assert cafe.aliases == ["cafe"] and park.aliases == ["park"]
    assert cafe.tags == ["food", "home"] and park.tags == ["nature"]
    assert cafe.description == "Home of Ann Lee."


def test_the_game_object_becomes_a_thing_in_its_sector(town):
    (piano,) = town.world.things
    assert (piano.id, piano.names.en, piano.kind, piano.location) == ("hobbs_cafe_piano", "piano", "item",
                                                                      "hobbs_cafe")
    assert piano.price is None and piano.owner is None
    assert piano.description == "The piano in the cafe of Hobbs Cafe."


# --- the personas ---------------------------------------------------------------------------------

def test_persona_fields_map_to_a_character(town):
    ann = town.world.characters[0]
    assert (ann.id, ann.names.en, ann.names.zh, ann.aliases) == ("ann_lee", "Ann Lee", None, ["Ann"])
    assert ann.role == "baker at Hobbs Cafe"
    assert ann.traits == ["patient", "kind", "curious"]
    assert ann.persona.startswith("Ann Lee (first name Ann, last name Lee), 40 years old. Ann Lee is a baker")
    assert "Ann Lee is planning a picnic in Johnson Park on Sunday." in ann.knowledge
    assert "Ann Lee lives at Hobbs Cafe (cafe), the Ville." in ann.knowledge
    assert "Ann Lee knows these places: Hobbs Cafe, Johnson Park." in ann.knowledge
    # whispers split at ';'; GA's unquoted comma is kept inside the whisper; Cara (not here) is ignored
    assert ann.knowledge[-2:] == ["You and Bob Stone are neighbours", "you bake bread for Bob Stone, every morning"]
    assert (ann.home, ann.workplace, ann.language) == ("hobbs_cafe", "hobbs_cafe", "en")


def test_daily_plan_req_and_lifestyle_become_a_schedule(town):
    ann = town.world.characters[0]
    assert [(s.at, s.place, s.activity) for s in ann.schedule] == [
        ("05:00", "hobbs_cafe", "wakes up"),
        ("06:00", "hobbs_cafe", "opens Hobbs Cafe"),
        ("15:00", "hobbs_cafe", "at home"),  # "works at the counter until 3pm"
        ("16:00", "johnson_park", "walks in Johnson Park"),  # "from 4pm to 5:30pm"
        ("17:30", "hobbs_cafe", "at home"),
        ("22:00", "hobbs_cafe", "goes to bed"),
    ]


def test_a_home_off_the_map_is_reported_by_name_and_stood_in_for(town):
    bob = town.world.characters[1]
    assert bob.home is None and bob.workplace is None
    away = " at Dorm for Oak Hill College (not on this map)"
    assert [(s.at, s.place, s.activity) for s in bob.schedule] == [
        ("07:00", "johnson_park", "away: wake up and have breakfast" + away),
        ("09:00", "johnson_park", "go to Johnson Park"),
        ("12:30", "hobbs_cafe", "have lunch at Hobbs Cafe"),
        ("14:00", "johnson_park", "away: go back home" + away),
        ("23:00", "johnson_park", "away: goes to bed" + away),
    ]
    assert town.warnings == [
        "Ann Lee: names places not on this map: Oak Hill College",  # from her spatial memory
        "Bob Stone: home 'the Ville:Dorm for Oak Hill College:Bob Stone's room' is not on this map; "
        "'Johnson Park' stands in for it in the schedule",
        "Bob Stone: names places not on this map: Oak Hill College",  # from 'currently'
    ]


def test_untimed_outings_spread_over_the_day_and_names_match_loosely(copy):
    # As GA's authors write: 'the Willow Market' for 'The Willows Market', 'Hobbs cafe', 'around midnight'.
    legend = copy / "matrix/special_blocks/sector_blocks.csv"
    legend.write_text(legend.read_text().replace("the Ville, Johnson Park", "the Ville, The Johnson Park"))
    data = json.loads((copy / BOB).read_text())
    data.update(daily_req=[], daily_plan_req="Bob Stone likes to walk around johnson parks, and sit at "
                "Hobbs cafe reading.", lifestyle="Bob Stone goes to bed around midnight, awakes up around 6am, "
                "eats dinner around 5pm.")
    (copy / BOB).write_text(json.dumps(data))
    bob = import_smallville(copy).world.characters[1]
    away = " at Dorm for Oak Hill College (not on this map)"
    assert [(s.at, s.place, s.activity) for s in bob.schedule] == [
        ("00:00", "the_johnson_park", "away: goes to bed" + away),
        ("06:00", "the_johnson_park", "away: awakes up" + away),
        ("07:00", "the_johnson_park", "likes to walk around johnson parks"),
        ("12:00", "hobbs_cafe", "sit at Hobbs cafe reading"),  # half-way between 07:00 and dinner
        ("17:00", "the_johnson_park", "away: at home" + away),
    ]


def test_written_world_loads_back_the_same(town, tmp_path):
    out = write_world(town.world, tmp_path / "out" / "world.yaml")
    assert load_world(out) == town.world
    assert out.read_text().startswith("# Imported from Generative Agents' Smallville")
    assert [p.name for p in out.parent.iterdir()] == ["world.yaml"]  # no temporary file left


def test_name_and_a_maze_written_in_rows(copy):
    path = copy / "matrix" / "maze" / "collision_maze.csv"
    values = path.read_text().split(", ")
    path.write_text("\n".join(", ".join(values[i:i + 12]) for i in range(0, 120, 12)) + "\n")
    result = import_smallville(copy, name="Tiny Ville")
    assert result.world.name.en == "Tiny Ville"
    assert result.world.map == import_smallville(FIXTURE).world.map


def test_an_irregular_sector_keeps_its_rectangle_to_its_own_tiles(copy):
    # An L-shaped park: column 7 and row 4. Its bounding box would be 9 street tiles and 7 of its own.
    sector, arena = _layer(copy, "sector"), _layer(copy, "arena")
    sector[sector == 1002], arena[arena == 3002] = 0, 0
    for x, y in [(7, 1), (7, 2), (7, 3), (7, 4), (8, 4), (9, 4), (10, 4)]:
        sector[y, x], arena[y, x] = 1002, 3002
    _write_layer(copy, "sector", sector)
    _write_layer(copy, "arena", arena)
    park = import_smallville(copy).coverage[1]
    assert (park.tiles, park.covered, park.foreign) == (7, 4, 0)  # one arm of the L, no street


def test_a_home_named_differently_resolves_by_the_owners_name(copy):
    legend = copy / "matrix/special_blocks/sector_blocks.csv"
    legend.write_text(legend.read_text().replace("1001, the Ville, Hobbs Cafe", "1001, the Ville, Ann Lee's cafe"))
    data = json.loads((copy / ANN).read_text())
    (copy / ANN).write_text(json.dumps({**data, "living_area": "the Ville:Ann Lee's apartment:kitchen"}))
    result = import_smallville(copy)
    assert result.world.characters[0].home == "ann_lees_cafe"
    assert ("Ann Lee: home 'Ann Lee's apartment' is not on this map; 'Ann Lee's cafe', which bears their "
            "name, is used") in result.warnings


def test_a_walled_in_sector_is_left_out_with_a_warning(copy):
    # Make every park tile a wall: the park has no walkable tile, so nobody can go there.
    sector, collision = _layer(copy, "sector"), _layer(copy, "collision")
    collision[sector == 1002] = 9999
    _write_layer(copy, "collision", collision)
    result = import_smallville(copy)
    assert [p.id for p in result.world.places] == ["hobbs_cafe"]
    assert result.coverage[1].place is None
    assert "sector 'Johnson Park' has no walkable tile reachable" in result.warnings[0]
    assert all(s.place == "hobbs_cafe" for c in result.world.characters for s in c.schedule)


# --- malformed folders: an error naming the file and the row or field ------------------------------

def _edit(root: Path, rel: str, text: str | None) -> None:
    if text is None:
        (root / rel).unlink()
    else:
        (root / rel).write_text(text)


def _scratch(root: Path, **change) -> str:
    data = json.loads((root / ANN).read_text())
    data.update(change)
    return json.dumps({k: v for k, v in data.items() if v is not ...})


MALFORMED = {
    "missing maze": ("matrix/maze/collision_maze.csv", lambda r: None, "collision_maze.csv: file is missing"),
    "missing legend": ("matrix/special_blocks/arena_blocks.csv", lambda r: None, "arena_blocks.csv: file is missing"),
    "wrong shape": ("matrix/maze/sector_maze.csv", lambda r: ", ".join(["0"] * 119),
                    "sector_maze.csv: (shape): has 119 values; maze_meta_info.json says 12 x 10 = 120"),
    "short row": ("matrix/maze/arena_maze.csv", lambda r: "\n".join([", ".join(["0"] * 12)] * 9 + ["0, 0"]),
                  "arena_maze.csv: row 10: has 2 values, maze_width is 12"),
    "not a number": ("matrix/maze/game_object_maze.csv", lambda r: ", ".join(["0"] * 13 + ["x"] + ["0"] * 106),
                     "game_object_maze.csv: row 1, column 1: 'x' is not a block number"),
    "unknown block": ("matrix/maze/sector_maze.csv", lambda r: ", ".join(["0"] * 30 + ["1234"] + ["0"] * 89),
                      "sector_maze.csv: row 2, column 6: block 1234 is not in its special_blocks legend"),
    "bad legend row": ("matrix/special_blocks/sector_blocks.csv", lambda r: "1001, the Ville, Hobbs Cafe\n1002\n",
                       "sector_blocks.csv: row 2: expected 3 columns"),
    "meta not JSON": ("matrix/maze_meta_info.json", lambda r: '{"maze_width": 12,\n "maze_height": }',
                      "maze_meta_info.json: line 2, column 17: Expecting value"),
    "meta field": ("matrix/maze_meta_info.json", lambda r: '{"maze_height": 10}',
                   "maze_meta_info.json: field 'maze_width': Field required"),
    "scratch not JSON": (str(ANN), lambda r: "{\n  \"name\": \"Ann Lee\",\n}",
                         "scratch.json: line 3, column 1: Expecting property name"),
    "scratch no name": (str(ANN), lambda r: _scratch(r, name=...), "scratch.json: field 'name': Field required"),
    "scratch wrong type": (str(ANN), lambda r: _scratch(r, daily_req=["ok", 3]),
                           "scratch.json: field 'daily_req.1': Input should be a valid string"),
    "no scratch": (str(BOB), lambda r: None, "Bob Stone/scratch.json: file is missing"),
    "spatial memory shape": ("personas/Ann Lee/bootstrap_memory/spatial_memory.json",
                             lambda r: '{"the Ville": {"Hobbs Cafe": ["piano"]}}',
                             "spatial_memory.json: field 'the Ville.Hobbs Cafe': Input should be a valid dictionary"),
    "whisper header": ("agent_history_init_n2.csv", lambda r: "Who,What\nAnn Lee,hello\n",
                       "agent_history_init_n2.csv: row 1: the header must be 'Name,Whisper'"),
}


@pytest.mark.parametrize("rel, text, message", MALFORMED.values(), ids=MALFORMED.keys())
def test_malformed_input_names_the_file_and_where(copy, rel, text, message):
    _edit(copy, rel, text(copy))
    with pytest.raises(SmallvilleError) as err:
        import_smallville(copy)
    assert message in str(err.value)
    assert str(err.value).startswith(str(copy))


def test_no_matrix_folder(tmp_path):
    with pytest.raises(SmallvilleError, match="no matrix/ folder here"):
        import_smallville(tmp_path)


def test_personas_from_another_town_are_refused(copy):
    for rel in (ANN, BOB):
        data = json.loads((copy / rel).read_text())
        data.update(living_area="Harbor:Inn:room", learned="", currently="", daily_plan_req="", daily_req=[],
                    lifestyle="")
        (copy / rel).write_text(json.dumps(data))
    with pytest.raises(SmallvilleError, match="no persona's home or plan names a place on this map"):
        import_smallville(copy)


# --- the shared sample (the three-person town on a variant map) -----------------------------------

@pytest.mark.skipif(not SAMPLE.is_dir(), reason=f"sample Smallville folder {SAMPLE} is absent")
def test_sample_three_person_town_imports_loads_and_connects(tmp_path):
    result = import_smallville(SAMPLE)
    world = load_world(write_world(result.world, tmp_path / "ville.yaml"))
    people = {c.id: c for c in world.characters}
    assert sorted(people) == ["isabella_rodriguez", "klaus_mueller", "maria_lopez"]
    # Isabella's "apartment" is a "house" on this map; the Dorm is not on it: said, by name.
    assert people["isabella_rodriguez"].home == "isabella_rodriguezs_house"
    assert people["klaus_mueller"].home is None and people["maria_lopez"].home is None
    for who in ("Isabella Rodriguez", "Klaus Mueller", "Maria Lopez"):
        assert any(w.startswith(f"{who}: home ") for w in result.warnings)
    assert people["isabella_rodriguez"].workplace == "hobbs_cafe"
    assert ("08:00", "hobbs_cafe") in [(s.at, s.place) for s in people["isabella_rodriguez"].schedule]
    # Every place can be walked to from every other (the loader checked the street network too).
    grid = Grid(world)
    for a in world.places:
        for b in world.places:
            assert grid.path_to_place(grid.door_of(a.id), b.id) is not None, (a.id, b.id)
    walkable = sum(c.walkable for c in result.coverage)
    assert sum(c.covered_walkable for c in result.coverage) / walkable > 0.95
    places = {p.id: p for p in world.places}
    assert len(world.things) > 0 and all(t.location in places for t in world.things)
    # Rooms come from a sector's floor: the cafe's walls carry stray tags of the flat next door.
    assert "main room" not in places["hobbs_cafe"].description and places["hobbs_cafe"].aliases == ["cafe"]
    # Its door is the gap onto the street, not the opening into Isabella's house behind it.
    assert [(d.x, d.y) for d in places["hobbs_cafe"].doors] == [(65, 25)]
