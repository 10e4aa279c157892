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
things:
  - id: coin
    names: {en: coin}
    location: square
"""


def write(tmp_path, text):
    p = tmp_path / "w.yaml"
    p.write_text(text, encoding="utf-8")
    return p


def test_harbor_town_meets_the_brief():
    w = load_world(HARBOR)
    ids = {p.id for p in w.places}
    assert {"market", "museum", "harbour", "inn", "forge", "library", "park", "town_hall"} <= ids
    assert len(w.characters) >= 5 and all(p.names.zh for p in w.places)
    roles = " ".join(c.role for c in w.characters)
    for role in ("customer service", "tour guide", "companion", "blacksmith", "reporter"):
        assert role in roles


def test_tiny_world_loads(tmp_path):
    w = load_world(write(tmp_path, TINY))
    assert w.things[0].location == "square"


def test_bad_field_names_line_and_field(tmp_path):
    bad = TINY.replace("w: 3, h: 3", "w: 0, h: 3")
    with pytest.raises(WorldFileError) as exc:
        load_world(write(tmp_path, bad))
    assert exc.value.line == 6 and exc.value.field == "places.0.rect.w"
    assert "w.yaml:6" in str(exc.value)


def test_unknown_field_is_refused(tmp_path):
    with pytest.raises(WorldFileError) as exc:
        load_world(write(tmp_path, TINY.replace("    location: square", "    locaton: square")))
    assert exc.value.line == 10 and "locaton" in exc.value.field


def test_dangling_reference_is_refused(tmp_path):
    with pytest.raises(WorldFileError, match="unknown location 'attic'"):
        load_world(write(tmp_path, TINY.replace("location: square", "location: attic")))


def test_yaml_syntax_error_has_line(tmp_path):
    with pytest.raises(WorldFileError) as exc:
        load_world(write(tmp_path, TINY + "  - [unclosed\n"))
    assert exc.value.line is not None and exc.value.field == "(syntax)"
