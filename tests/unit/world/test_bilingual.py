"""Where a world lacks Chinese for what a player reads: Harbor Town has none missing, a stripped copy does."""

from llmverse.world.bilingual import missing_chinese
from llmverse.world.loader import load_world
from llmverse.world.world import DEFAULT_WORLD


def test_the_bundled_worlds_are_fully_bilingual():
    assert missing_chinese(load_world(DEFAULT_WORLD)) == []
    assert missing_chinese(load_world(DEFAULT_WORLD.parent.parent / "pine_hollow" / "world.yaml")) == []


def test_each_missing_translation_is_named_by_its_path():
    world = load_world(DEFAULT_WORLD)
    stripped = world.model_copy(deep=True)
    stripped.places[0].description_zh = None
    stripped.characters[2].knowledge_zh = []
    stripped.characters[2].schedule[1].activity_zh = None
    missing = missing_chinese(stripped)
    assert "places.0.description_zh (market)" in missing
    assert "characters.2.knowledge_zh (bram)" in missing
    assert "characters.2.schedule.1.activity_zh (bram)" in missing
    assert len(missing) == 3


def test_world_check_warns_about_missing_chinese(tmp_path):
    import yaml
    from typer.testing import CliRunner

    from llmverse.cli import app

    data = load_world(DEFAULT_WORLD).model_dump(exclude_none=True)
    data["places"][0].pop("description_zh")
    path = tmp_path / "world.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    out = CliRunner().invoke(app, ["world", "check", str(path)])
    assert out.exit_code == 0 and "no Chinese for places.0.description_zh" in out.output
