"""What a corpus gives: labelled examples, and the description of the source they come from."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

Role = Literal["train", "heldout"]
Kind = Literal["attack", "benign", "lookalike"]  # lookalike: benign text that looks risky


@dataclass(frozen=True)
class Example:
    text: str
    labels: tuple[str, ...]  # categories (policy.CATEGORIES); () for harmless text
    source: str
    language: str  # "en", "zh", "fr"
    kind: Kind

    @property
    def category(self) -> str:
        return self.labels[0] if self.labels else "benign"


@dataclass(frozen=True)
class Source:
    name: str
    repo: str  # owner/name on GitHub
    licence: str
    role: Role
    read: Callable[[Path], list[Example]]


def sample(rows: list[Example], n: int, seed: int = 0) -> list[Example]:
    """At most `n` rows, drawn with a fixed seed (all of them when there are no more)."""
    if len(rows) <= n:
        return rows
    return random.Random(seed).sample(rows, n)
