"""The published JSON Schema of world files, generated from the pydantic models.

Editors (VS Code's YAML extension, JetBrains) use it for completion and checks while an author
types; `llmverse world check` is still the authority, because the schema cannot express the rules
that span fields (references, doors, reachability). The committed file must equal what
`world_schema()` makes; a test keeps the two from drifting.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from llmverse.world.model import WorldFile

SCHEMA_PATH = Path(__file__).parents[1] / "worlds" / "world.schema.json"


def world_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a world file, as a dict."""
    schema = WorldFile.model_json_schema(mode="validation")
    head = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "description": (
            "An llmverse world file (YAML or JSON): the map, places, things and characters. "
            "Rules across fields (unique ids, references, doors on walls, every place reachable) "
            "are checked by `llmverse world check`; see docs/world-format.md."
        ),
    }
    return head | {k: v for k, v in schema.items() if k != "description"}


def schema_text() -> str:
    """The schema as the committed file holds it: stable key order, 2-space indent, final newline."""
    return json.dumps(world_schema(), indent=2, ensure_ascii=False) + "\n"


def write_schema(path: str | Path = SCHEMA_PATH) -> Path:
    """Regenerate the schema file (after changing `world/model.py`); returns where it was written."""
    path = Path(path)
    path.write_text(schema_text(), encoding="utf-8")
    return path
