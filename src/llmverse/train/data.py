"""Labelled text from CSV, TSV or JSONL files, checked whole before any model is loaded.

GLUE's SST-2 TSV (`sentence<TAB>label` under a header, no quoting) reads as it is: TSV is split on
tabs only, so the quotes and apostrophes in its sentences stay text. Every problem names the file,
the column and, where there is one, the line, so the user can fix the file without a debugger.
"""

from __future__ import annotations

import csv
import json
import random
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from llmverse.train.errors import TrainingDataError

TEXT_COLUMNS = ("text", "sentence")  # tried in this order when no text column is named
LABEL_COLUMN = "label"
_FORMATS = {".csv": "csv", ".tsv": "tsv", ".tab": "tsv", ".jsonl": "jsonl", ".ndjson": "jsonl"}
_INT = re.compile(r"^-?\d+$")


@dataclass(frozen=True)
class Example:
    text: str
    label: str  # as written in the file; ints are kept as their decimal string
    line: int  # 1-based line in the file where the row ends, for error messages


@dataclass(frozen=True)
class LabelledFile:
    path: Path
    text_column: str
    label_column: str
    examples: list[Example]


def read_labelled(path: str | Path, *, text_column: str | None = None,
                  label_column: str = LABEL_COLUMN) -> LabelledFile:
    """Read every row of a CSV/TSV/JSONL file; raise TrainingDataError on the first bad one."""
    path = Path(path)
    fmt = _FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise TrainingDataError(path, f"unknown file type '{path.suffix}': use .csv, .tsv or .jsonl")
    if not path.is_file():
        raise TrainingDataError(path, "no such file")
    try:
        text = path.read_text(encoding="utf-8-sig")  # -sig: spreadsheets put a BOM before the header
    except UnicodeDecodeError as exc:
        raise TrainingDataError(path, f"is not UTF-8 text (byte {exc.start}): save it as UTF-8") from exc
    if not text.strip():
        raise TrainingDataError(path, "is empty: it needs a header line and at least one row")
    rows = _json_rows(path, text) if fmt == "jsonl" else _table_rows(path, text, fmt)
    columns = list(rows[0][1]) if rows else _header(text, fmt)
    tcol = text_column or next((c for c in TEXT_COLUMNS if c in columns), None)
    if tcol is None:
        raise TrainingDataError(path, f"no text column: found {_names(columns)}; name one with "
                                "--text-column", column=" or ".join(TEXT_COLUMNS))
    for col, flag in ((tcol, "--text-column"), (label_column, "--label-column")):
        if col not in columns:
            raise TrainingDataError(path, f"no such column; found {_names(columns)} (choose with {flag})",
                                    column=col)
    if not rows:
        raise TrainingDataError(path, "has a header but no rows")
    examples = []
    for line, row in rows:
        if tcol not in row:
            raise TrainingDataError(path, "missing in this row", column=tcol, line=line)
        if label_column not in row:
            raise TrainingDataError(path, "missing in this row", column=label_column, line=line)
        text_value = row[tcol]
        if not isinstance(text_value, str) or not text_value.strip():
            raise TrainingDataError(path, "empty or not a string", column=tcol, line=line)
        examples.append(Example(text_value.strip(), _label(path, label_column, line, row[label_column]), line))
    return LabelledFile(path, tcol, label_column, examples)


def _names(columns: Sequence[str]) -> str:
    return ", ".join(f"'{c}'" for c in columns) or "no columns"


def _header(text: str, fmt: str) -> list[str]:
    first = text.splitlines()[0]
    return first.split("\t") if fmt == "tsv" else next(csv.reader([first]))


def _table_rows(path: Path, text: str, fmt: str) -> list[tuple[int, dict[str, Any]]]:
    """Rows as (line, {column: value}); a row with the wrong number of fields is an error."""
    if fmt == "tsv":
        reader = csv.reader(text.splitlines(), delimiter="\t", quoting=csv.QUOTE_NONE)
    else:
        reader = csv.reader(text.splitlines())
    header = next(reader)
    if len(set(header)) != len(header):
        raise TrainingDataError(path, f"the header names a column twice: {_names(header)}", line=1)
    rows = []
    for fields in reader:
        if not any(f.strip() for f in fields):
            continue  # blank lines, e.g. the one an editor leaves at the end
        if len(fields) != len(header):
            raise TrainingDataError(path, f"has {len(fields)} fields, the header has {len(header)}"
                                    + (" (is it tab-separated? name it .tsv)" if fmt == "csv" and len(fields) == 1
                                       else ""), line=reader.line_num)
        rows.append((reader.line_num, dict(zip(header, fields))))
    return rows


def _json_rows(path: Path, text: str) -> list[tuple[int, dict[str, Any]]]:
    rows = []
    for n, raw in enumerate(text.splitlines(), 1):
        if not raw.strip():
            continue
        try:
            obj = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise TrainingDataError(path, f"not valid JSON ({exc.msg})", line=n) from exc
        if not isinstance(obj, dict):
            raise TrainingDataError(path, "each line must be a JSON object", line=n)
        rows.append((n, obj))
    return rows


def _label(path: Path, column: str, line: int, value: Any) -> str:
    if isinstance(value, bool):  # before int: bool is an int in Python
        return str(value).lower()
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, str) and value.strip():
        return value.strip()
    raise TrainingDataError(path, f"label {value!r} is empty or not a string or an integer",
                            column=column, line=line)


def label_names(labels: Iterable[str]) -> list[str]:
    """The distinct labels in a stable order: numerically if all are integers (so SST-2's 0/1 keep
    their ids), else alphabetically. The index of a label in this list is its class id."""
    distinct = set(labels)
    if all(_INT.match(x) for x in distinct):
        return sorted(distinct, key=int)
    return sorted(distinct)


def check_labels(data: LabelledFile, known: Sequence[str]) -> None:
    """An evaluation label the training data never showed cannot be learnt: say where it is."""
    allowed = set(known)
    for ex in data.examples:
        if ex.label not in allowed:
            raise TrainingDataError(data.path, f"label '{ex.label}' does not occur in the training data "
                                    f"(labels: {', '.join(known)})", column=data.label_column, line=ex.line)


def subsample(examples: list[Example], n: int | None, seed: int) -> list[Example]:
    """At most n examples drawn at random (seeded), in file order."""
    if n is None or n >= len(examples):
        return examples
    keep = set(random.Random(seed).sample(range(len(examples)), n))
    return [ex for i, ex in enumerate(examples) if i in keep]


def split(examples: list[Example], fraction: float, seed: int) -> tuple[list[Example], list[Example]]:
    """Hold out `fraction` of each label's examples (at least one of a label that has two or more),
    so a rare class is in both parts. Returns (train, validation)."""
    by_label: dict[str, list[Example]] = defaultdict(list)
    for ex in examples:
        by_label[ex.label].append(ex)
    rng = random.Random(seed)
    held: set[int] = set()
    for label in sorted(by_label):
        group = by_label[label]
        k = min(len(group) - 1, max(1, round(fraction * len(group)))) if len(group) > 1 else 0
        held.update(id(ex) for ex in rng.sample(group, k))
    return [ex for ex in examples if id(ex) not in held], [ex for ex in examples if id(ex) in held]
