"""Writing the imported world as a YAML world file a person can read and edit."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml

from llmverse.world.model import WorldFile


class _Dumper(yaml.SafeDumper):
    """Small mappings and lists of scalars on one line ({x: 3, y: 4}), the rest in block style."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _short(items: list[Any]) -> bool:
    return all(isinstance(v, (str, int, float, bool)) for v in items) and len(repr(items)) < 100


_Dumper.add_representer(dict, lambda d, data: d.represent_mapping(
    "tag:yaml.org,2002:map", data, flow_style=_short(list(data.values()))))
_Dumper.add_representer(list, lambda d, data: d.represent_sequence(
    "tag:yaml.org,2002:seq", data, flow_style=_short(data)))
_HEADER = ("# Imported from Generative Agents' Smallville by `llmverse import smallville`.\n"
           "# Sectors are open-air places; map.blocked is the collision layer (docs/smallville-import.md).\n")


def write_world(world: WorldFile, out_path: str | Path) -> Path:
    """Write a world file in one step (a temporary file renamed into place): never half a file."""
    out = Path(out_path)
    data = {"version": 1, **world.model_dump(mode="json", exclude_defaults=True)}
    text = _HEADER + yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=110)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)
    return out
