"""Load a YAML world file; every error names the file, the line and the field."""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import ValidationError

from llmverse.errors import WorldFileError
from llmverse.world.model import WorldFile


def _line_of(node: yaml.Node | None, loc: tuple) -> int | None:
    """1-based line of the deepest YAML node that `loc` (a pydantic error path) reaches."""
    line = node.start_mark.line + 1 if node is not None else None
    for key in loc:
        if isinstance(node, yaml.MappingNode):
            node = next((v for k, v in node.value if k.value == key), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
            node = node.value[key]
        else:
            break
        if node is None:
            break
        line = node.start_mark.line + 1
    return line


def load_world(path: str | Path) -> WorldFile:
    """Parse and validate the whole file before anything is used: nothing is half-loaded."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise WorldFileError(str(path), None, "(file)", f"cannot read it: {exc}") from exc
    try:
        root = yaml.compose(text)
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else None
        raise WorldFileError(str(path), line, "(syntax)", str(exc.problem)) from exc
    if not isinstance(data, dict):
        raise WorldFileError(str(path), 1, "(root)", "a world file is a mapping of sections")
    try:
        return WorldFile.model_validate(data)
    except ValidationError as exc:
        # An unknown key is usually a typo of the missing one: report the typo, where it stands.
        errors = exc.errors()
        err = min(errors, key=lambda e: e["type"] != "extra_forbidden")
        loc = tuple(err["loc"])
        field = ".".join(str(p) for p in loc) or "(root)"
        msg = err["msg"].removeprefix("Value error, ")  # pydantic's prefix for our own ValueErrors
        if err["type"] == "extra_forbidden":
            msg = f"unknown field '{loc[-1]}': check its spelling (see docs/world-format.md)"
        if len(errors) > 1:
            msg += f" (and {len(errors) - 1} more problem{'s' if len(errors) > 2 else ''})"
        raise WorldFileError(str(path), _line_of(root, loc), field, msg) from exc
