"""Smallville import keeps a town's own language (Chinese sector, room and object names) and refuses a
whisper file cut short. The hand-made 12x10 fixture, its names changed to Chinese in each test."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from llmverse.world.loader import load_world
from llmverse.world.smallville import SmallvilleError, import_smallville, write_world

FIXTURE = Path(__file__).parents[2] / "fixtures" / "smallville"
ANN = Path("personas/Ann Lee/bootstrap_memory/scratch.json")
BOB = Path("personas/Bob Stone/scratch.json")


@pytest.fixture()
def chinese(tmp_path: Path) -> Path:
    """The fixture with its cafe called 星光咖啡馆, its park 市民广场 and its piano 钢琴; the personas'
    own words name them in Chinese (in English sentences, and in a Chinese one)."""
    root = tmp_path / "town"
    shutil.copytree(FIXTURE, root)
    blocks = root / "matrix" / "special_blocks"
    (blocks / "sector_blocks.csv").write_text("1001, the Ville, 星光咖啡馆\n1002, the Ville, 市民广场\n"
                                              "1003, the Ville, Dorm for Oak Hill College\n", encoding="utf-8")
    (blocks / "arena_blocks.csv").write_text("3001, the Ville, 星光咖啡馆, 大厅\n3002, the Ville, 市民广场, 广场\n",
                                             encoding="utf-8")
    (blocks / "game_object_blocks.csv").write_text("2001, the Ville, <all>, 钢琴\n", encoding="utf-8")
    ann = json.loads((root / ANN).read_text())
    ann.update(daily_plan_req="Ann Lee opens 星光咖啡馆 at 6am, and works at the counter until 3pm, then walks "
                              "in 市民广场 from 4pm to 5:30pm.",
               learned="Ann Lee is a baker at 星光咖啡馆 who loves bread.",
               currently="Ann Lee is planning a picnic in 市民广场 on Sunday.",
               living_area="the Ville:星光咖啡馆:大厅")
    (root / ANN).write_text(json.dumps(ann, ensure_ascii=False), encoding="utf-8")
    bob = json.loads((root / BOB).read_text())
    bob.update(daily_req=["wake up and have breakfast at 7:00 am", "每天上午去市民广场喂鸭子 at 9:00 am",
                          "have lunch at 星光咖啡馆 at 12:30 pm", "go back home at 2:00 pm"])
    (root / BOB).write_text(json.dumps(bob, ensure_ascii=False), encoding="utf-8")
    return root


def test_chinese_sector_names_go_to_zh_with_distinct_ids_and_tags(chinese):
    result = import_smallville(chinese)
    cafe, square = result.world.places
    assert (cafe.names.zh, square.names.zh) == ("星光咖啡馆", "市民广场")
    assert (cafe.names.en, square.names.en) == ("Cafe", "Square")  # stand-ins, said so in the warnings
    assert cafe.id != square.id and "place" not in (cafe.id, square.id)
    assert "food" in cafe.tags and "home" in cafe.tags and "nature" in square.tags
    assert any("'星光咖啡馆' has no English name" in w for w in result.warnings)


def test_schedules_reach_each_chinese_named_place_not_all_one(chinese):
    world = import_smallville(chinese).world
    cafe, square = (p.id for p in world.places)
    ann, bob = world.characters
    assert ann.home == cafe and ann.workplace == cafe
    assert [(s.at, s.place) for s in ann.schedule if s.place == square] == [("16:00", square)]
    # Bob's Chinese clause names the square; his lunch names the cafe.
    assert {s.place for s in bob.schedule} >= {cafe, square}
    assert ("09:00", square) in [(s.at, s.place) for s in bob.schedule]
    assert ("12:30", cafe) in [(s.at, s.place) for s in bob.schedule]


def test_chinese_objects_keep_their_name_and_the_world_loads(chinese, tmp_path):
    result = import_smallville(chinese)
    (piano,) = result.world.things
    assert (piano.names.en, piano.names.zh) == ("Piano", "钢琴")
    out = write_world(result.world, tmp_path / "w.yaml")
    assert "市民广场" in out.read_text(encoding="utf-8")
    assert load_world(out).places[1].names.zh == "市民广场"


def test_personas_of_another_town_are_still_refused_on_a_chinese_map(chinese):
    for rel in (ANN, BOB):  # nothing they say names 星光咖啡馆 or 市民广场 now
        data = json.loads((chinese / rel).read_text())
        data.update(daily_plan_req="works at the harbour", learned="A sailor.", currently="", daily_req=[],
                    living_area="Port Town:Harbour House:kitchen")
        (chinese / rel).write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(SmallvilleError, match="from another town"):
        import_smallville(chinese)


def test_a_persona_with_a_chinese_name_gets_zh_and_a_latin_id(chinese):
    data = json.loads((chinese / BOB).read_text())
    data.update(name="石宝", first_name="Bao", last_name="Shi")
    (chinese / BOB).write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    (chinese / "agent_history_init_n2.csv").write_text("Name,Whisper\nAnn Lee,You know 石宝\n石宝,You like bread\n",
                                                       encoding="utf-8")
    bob = next(c for c in import_smallville(chinese).world.characters if c.names.zh == "石宝")
    assert (bob.names.en, bob.id) == ("Bao Shi", "bao_shi")
    assert "You like bread" in bob.knowledge


@pytest.mark.parametrize("text, where", [
    ("Name,Whisper\nAnn Lee,You and Bob Stone are neighbours\nBob Stone,You and", "row 3"),  # cut mid-statement
    ('Name,Whisper\nAnn Lee,"You and Bob Stone are neigh', "row 2"),  # an open quote
    ("Name,Whisper\nAnn Lee,You and Bob Stone are neighbours\n", "(rows)"),  # n2 in its name, one row
])
def test_a_whisper_file_cut_short_is_an_error_naming_it(chinese, text, where):
    (chinese / "agent_history_init_n2.csv").write_text(text, encoding="utf-8")
    with pytest.raises(SmallvilleError) as err:
        import_smallville(chinese)
    assert err.value.file.endswith("agent_history_init_n2.csv") and err.value.where == where


def test_a_whole_whisper_file_without_a_final_newline_imports(chinese):
    (chinese / "agent_history_init_n2.csv").write_text(
        "Name,Whisper\nAnn Lee,You and Bob Stone are neighbours\nBob Stone,You like the bread of Ann Lee",
        encoding="utf-8")
    ann = import_smallville(chinese).world.characters[0]
    assert "You and Bob Stone are neighbours" in ann.knowledge
