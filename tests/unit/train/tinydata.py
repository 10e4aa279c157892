"""Tiny labelled data for the training tests (a module of its own: `conftest` is not a unique name)."""

from __future__ import annotations

import random
from pathlib import Path

POSITIVE = ["good", "great", "lovely", "wonderful", "happy", "superb"]
NEGATIVE = ["bad", "awful", "dull", "terrible", "sad", "boring"]
FILLER = ["the", "film", "was", "really", "quite", "a", "story", "and", "very", "plot", "acting", "truly"]


def sentiment_rows(n: int, seed: int = 0) -> list[tuple[str, str]]:
    """An easy, separable task: a sentence is positive iff its two sentiment words are positive."""
    rng = random.Random(seed)
    rows = []
    for k in range(n):
        label = "pos" if k % 2 == 0 else "neg"
        words = POSITIVE if label == "pos" else NEGATIVE
        text = " ".join(rng.sample(FILLER, 3) + rng.sample(words, 2) + rng.sample(FILLER, 2))
        rows.append((text, label))
    return rows


def write_tsv(path: Path, rows: list[tuple[str, str]], header: str = "sentence\tlabel") -> Path:
    path.write_text(header + "\n" + "".join(f"{t}\t{y}\n" for t, y in rows), encoding="utf-8")
    return path
