"""Reading a Smallville folder: every file checked, with the file and row or field of a problem.

Nothing here knows what the map means; layout.py and personas.py build on what it returns, so a
malformed folder fails before anything is built.
"""

from __future__ import annotations

import csv
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from llmverse.errors import LlmverseError

_NUMBER = re.compile(r"[0-9]+")


class SmallvilleError(LlmverseError):
    """A Smallville folder is malformed; names the file and the row or field to fix."""

    def __init__(self, file: str | Path, where: str, problem: str) -> None:
        self.file, self.where, self.problem = str(file), where, problem
        super().__init__(f"{file}: {where}: {problem}" if where else f"{file}: {problem}")


class _Meta(BaseModel):
    maze_width: int = Field(gt=0)
    maze_height: int = Field(gt=0)
    world_name: str | None = None


class _Scratch(BaseModel):
    """The fields of scratch.json that say who a persona is (the rest is GA's machinery)."""

    model_config = ConfigDict(extra="ignore")
    name: str = Field(min_length=1)
    first_name: str | None = None
    last_name: str | None = None
    age: int | None = None
    innate: str | None = None
    learned: str | None = None
    currently: str | None = None
    lifestyle: str | None = None
    living_area: str | None = None
    daily_plan_req: str | None = None
    daily_req: list[str] | None = None


Spatial = dict[str, dict[str, dict[str, list[str]]]]  # world > sector > arena > objects
_SPATIAL: TypeAdapter[Spatial] = TypeAdapter(Spatial)


def _read(path: Path) -> str:
    if not path.is_file():
        raise SmallvilleError(path, "", "file is missing")
    try:
        return path.read_text(encoding="utf-8-sig")  # a byte-order mark from an editor is not data
    except UnicodeDecodeError as exc:
        raise SmallvilleError(path, f"byte {exc.start}", "not UTF-8 text") from exc


def _validated(schema: type[BaseModel] | TypeAdapter[Any], path: Path) -> Any:
    """Parse and validate a JSON file; a problem names its line or its field (`daily_req.2`)."""
    try:
        data = json.loads(_read(path))
        if isinstance(schema, TypeAdapter):
            return schema.validate_python(data)
        return schema.model_validate(data)
    except json.JSONDecodeError as exc:
        raise SmallvilleError(path, f"line {exc.lineno}, column {exc.colno}", exc.msg) from exc
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"]) or "(root)"
        raise SmallvilleError(path, f"field '{where}'", err["msg"]) from exc


def _rows(path: Path) -> list[list[str]]:
    return [[c.strip() for c in row] for row in csv.reader(_read(path).splitlines(), skipinitialspace=True)]


def _blocks(path: Path, columns: int) -> dict[int, list[str]]:
    """Block number -> its row ('27659, the Ville, Hobbs Cafe, cafe'); the name is the last column."""
    out: dict[int, list[str]] = {}
    for i, row in enumerate(_rows(path), 1):
        if any(row) and (len(row) < columns or not _NUMBER.fullmatch(row[0]) or not row[-1]):
            raise SmallvilleError(path, f"row {i}", f"expected {columns} columns 'number, world, ..., "
                                  f"name', found {row}")
        if any(row):
            out[int(row[0])] = row[1:]
    return out


def _maze(path: Path, width: int, height: int, legend: dict[int, list[str]] | None) -> np.ndarray:
    """A [y, x] array of block numbers. GA writes one line of width*height values; rows are read too."""
    rows = [r for r in _rows(path) if any(r)]
    for i, r in enumerate(rows if len(rows) > 1 else [], 1):
        if len(r) != width:
            raise SmallvilleError(path, f"row {i}", f"has {len(r)} values, maze_width is {width}")
    flat = [v for r in rows for v in r]
    if len(flat) != width * height:
        raise SmallvilleError(path, "(shape)", f"has {len(flat)} values; maze_meta_info.json says "
                              f"{width} x {height} = {width * height}")
    for i, v in enumerate(flat):
        if not _NUMBER.fullmatch(v) or (legend is not None and int(v) and int(v) not in legend):
            problem = f"block {v} is not in its special_blocks legend" if _NUMBER.fullmatch(v) else \
                f"'{v}' is not a block number"
            raise SmallvilleError(path, f"row {i // width}, column {i % width}", problem)
    return np.array(flat, dtype=np.int64).reshape(height, width)


# A statement does not end on these: a whisper that does was cut off ("You and").
_DANGLING = re.compile(r"(?:\b(?:and|or|but|the|a|an|of|to|with|at|in|on|for|from|is|are|was|were|who|that|"
                       r"which|has|have|had|will|your|their|his|her|my)|[,;:(\-]|[和与跟在把被的是，、：（])\s*$", re.I)


def _whole(path: Path, rows: list[list[str]]) -> None:
    """A whisper file cut short is an error, not memories that read 'You and': an open quote, a last
    row ending mid-statement, or fewer rows than the persona count its name gives (`_n25`)."""
    text = _read(path)
    if text.count('"') % 2:
        raise SmallvilleError(path, f"row {len(rows)}", "a quote is opened and never closed: the file is cut short")
    last = next((i for i in range(len(rows) - 1, 0, -1) if any(rows[i])), 0)
    said = ", ".join(rows[last][1:]).split(";")[-1].strip() if last else ""
    if last and not text.endswith(("\n", "\r")) and (not said or _DANGLING.search(said)):
        raise SmallvilleError(path, f"row {last + 1}", f"ends mid-statement ('...{said[-30:]}'): the file "
                              "looks cut short; restore it or end the row where the statement ends")
    declared = re.search(r"_n(\d+)\.csv$", path.name)
    count = sum(1 for r in rows[1:] if any(r))
    if declared and count < int(declared.group(1)):
        raise SmallvilleError(path, "(rows)", f"holds {count} persona rows and its name says {declared.group(1)}: "
                              "the file looks cut short")


@dataclass
class _Persona:
    scratch: _Scratch
    spatial: Spatial
    whispers: list[str]


def _personas(folder: Path, root: Path) -> list[_Persona]:
    """Each persona folder (GA's `bootstrap_memory/` inside it or not), then the whispers for them."""
    out = []
    for d in sorted(p for p in folder.iterdir() if p.is_dir()) if folder.is_dir() else []:
        base = d / "bootstrap_memory" if (d / "bootstrap_memory").is_dir() else d
        spatial = base / "spatial_memory.json"
        out.append(_Persona(_validated(_Scratch, base / "scratch.json"),
                            _validated(_SPATIAL, spatial) if spatial.exists() else {}, []))
    by_name = {p.scratch.name: p for p in out}
    for path in sorted(root.glob("agent_history_init_n*.csv")):
        rows = _rows(path)
        if not rows or rows[0][:2] != ["Name", "Whisper"]:
            raise SmallvilleError(path, "row 1", "the header must be 'Name,Whisper'")
        _whole(path, rows)
        for i, row in enumerate(rows[1:], 2):
            if any(row) and (len(row) < 2 or not row[0]):
                raise SmallvilleError(path, f"row {i}", "expected 'name,whisper'")
            if any(row) and row[0] in by_name:  # GA leaves commas in whispers unquoted: rejoin them
                said = by_name[row[0]].whispers
                said += [w for w in (w.strip() for w in ", ".join(row[1:]).split(";")) if w and w not in said]
    return out
