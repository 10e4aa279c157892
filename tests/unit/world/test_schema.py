import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from llmverse.world.schema import SCHEMA_PATH, schema_text, world_schema, write_schema

HARBOR = Path(__file__).parents[3] / "src/llmverse/worlds/harbor_town/world.yaml"


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft202012Validator:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def test_committed_schema_matches_the_models():
    # If this fails after changing world/model.py: python -c "from llmverse.world.schema import write_schema; write_schema()"
    assert SCHEMA_PATH.read_text(encoding="utf-8") == schema_text()


def test_write_schema_writes_what_schema_text_makes(tmp_path):
    out = write_schema(tmp_path / "s.json")
    assert json.loads(out.read_text(encoding="utf-8")) == world_schema()


def test_harbor_town_validates_against_the_schema(validator):
    data = yaml.safe_load(HARBOR.read_text(encoding="utf-8"))
    assert list(validator.iter_errors(data)) == []


@pytest.mark.parametrize("break_it", [
    lambda d: d["places"][0].update(hourz="08:00-18:00"),          # unknown key
    lambda d: d["places"][0].update(hours="8-18"),                 # wrong form
    lambda d: d["places"][1].update(doors=[{"x": -1, "y": 2}]),    # off the map
    lambda d: d["things"][0].update(kind="weapon"),                 # not a kind
    lambda d: d["characters"][0].update(language="fr"),
    lambda d: d.pop("map"),
])
def test_schema_refuses_broken_worlds(validator, break_it):
    data = yaml.safe_load(HARBOR.read_text(encoding="utf-8"))
    break_it(data)
    assert list(validator.iter_errors(data)) != []


def test_every_field_is_documented():
    schema = world_schema()
    undocumented = [f"{name}.{field}" for name, model in schema["$defs"].items()
                    for field, spec in model["properties"].items() if not spec.get("description")]
    undocumented += [f for f, spec in schema["properties"].items() if not spec.get("description")]
    assert undocumented == []
    assert all(model.get("description") for model in schema["$defs"].values())
