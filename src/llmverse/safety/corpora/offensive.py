"""Reader of COLDataset: Chinese offensive language (race, gender, region) and harmless look-alikes."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path

from llmverse.safety.corpora.example import Example, sample
from llmverse.safety.corpora.fetched import read_file


def cold(split: str, n: int) -> Callable[[Path], list[Example]]:
    """`n` rows of a split ("train", "test"): half offensive (hate), half harmless look-alikes."""
    def read(root: Path) -> list[Example]:
        text = read_file(root, "thu-coai/COLDataset", f"COLDataset/{split}.csv").decode("utf-8-sig")
        rows = list(csv.DictReader(io.StringIO(text)))
        off = [Example(r["TEXT"], ("hate",), f"cold-{split}", "zh", "attack") for r in rows if r["label"] == "1"]
        ok = [Example(r["TEXT"], (), f"cold-{split}", "zh", "lookalike") for r in rows if r["label"] == "0"]
        return sample(off, n // 2, 1) + sample(ok, n // 2, 2)
    return read
