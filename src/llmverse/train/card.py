"""The run card: what a trained model was made from, how, how well and how fast, saved beside it.

`run_card.json` is for programs (a pydantic model, so it reads back validated); `run_card.md` is
the same for people. A model without its card is a number nobody can reproduce.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field

CARD_JSON, CARD_MD = "run_card.json", "run_card.md"


class Timing(BaseModel):
    wall_seconds: float = Field(description="The whole command: loading, tokenising, training, evaluating, saving.")
    train_seconds: float = Field(description="Inside Trainer.train(), including evaluations and checkpoints.")
    step_seconds: float = Field(description="Inside training steps only (forward, backward, optimiser).")
    samples: int = Field(description="Training samples processed by this run (a resumed run counts its part).")
    samples_per_second: float = Field(description="samples / train_seconds.")
    step_samples_per_second: float = Field(description="samples / step_seconds: the model's own speed.")


class RunCard(BaseModel):
    kind: Literal["classify", "mlm"]
    created: str = Field(default_factory=lambda: datetime.now(timezone.utc).isoformat(timespec="seconds"))
    base: str = Field(description="The model directory training started from.")
    output: str
    data: dict[str, Any] = Field(description="Sources, columns, example counts, labels.")
    parameters: dict[str, Any] = Field(description="Everything that was set for the run.")
    metrics: dict[str, Any] = Field(description="Figures on held-out data (accuracy, F1, confusion matrix; "
                                    "perplexity).")
    time: Timing
    notes: list[str] = Field(default=[], description="What a reader must know to trust the figures.")
    versions: dict[str, str] = {}


def file_sha256(path: str | Path) -> str:
    """The SHA-256 of a data file, for the run card: a rerun proves it trained on the same bytes (two
    generated datasets of equal size may differ in a handful of conversations)."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def save_card(card: RunCard, directory: Path) -> None:
    (directory / CARD_JSON).write_text(card.model_dump_json(indent=2) + "\n", encoding="utf-8")
    (directory / CARD_MD).write_text(to_markdown(card), encoding="utf-8")


def load_card(directory: str | Path) -> RunCard:
    return RunCard.model_validate_json((Path(directory) / CARD_JSON).read_text(encoding="utf-8"))


def _fmt(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:.4g}"
    if isinstance(v, (list, dict)):
        return json.dumps(v, ensure_ascii=False)
    return str(v)


def _table(rows: dict[str, Any]) -> list[str]:
    return ["| | |", "| --- | --- |", *(f"| {k} | {_fmt(v)} |" for k, v in rows.items())]


def _confusion(what: str, cm: list[list[int]] | None, labels: list[str]) -> list[str]:
    if not cm:
        return []
    labels = labels or [str(i) for i in range(len(cm))]
    return [f"### Confusion matrix, {what} (rows: true label, columns: predicted)", "",
            "| | " + " | ".join(labels) + " |", "| --- " * (len(labels) + 1) + "|",
            *(f"| **{labels[i]}** | " + " | ".join(str(c) for c in row) + " |" for i, row in enumerate(cm)), ""]


def to_markdown(card: RunCard) -> str:
    title = "text classifier" if card.kind == "classify" else "masked-LM domain adaptation"
    lines = [f"# Run card: {title}", "", f"Trained {card.created} from `{card.base}`.", ""]
    lines += [f"> {note}" for note in card.notes] + ([""] if card.notes else [])
    metrics = {k: v for k, v in card.metrics.items() if k not in ("confusion_matrix", "test")}
    measured = "Metrics (validation)" if card.kind == "classify" else "Metrics (held-out text)"
    for name, rows in (("Data", card.data), ("Parameters", card.parameters), (measured, metrics)):
        lines += [f"## {name}", "", *_table(rows), ""]
    labels = card.data.get("labels", [])
    lines += _confusion("validation", card.metrics.get("confusion_matrix"), labels)
    test = card.metrics.get("test")
    if test:
        lines += ["## Test (scored once, never used for choosing)", "",
                  *_table({k: v for k, v in test.items() if k != "confusion_matrix"}), ""]
        lines += _confusion("test", test.get("confusion_matrix"), labels)
    t = card.time
    lines += ["## Time", "", *_table({
        "wall clock (s)": t.wall_seconds, "training incl. evaluation (s)": t.train_seconds,
        "training steps (s)": t.step_seconds, "samples trained": t.samples,
        "samples/s (incl. evaluation)": t.samples_per_second, "samples/s (steps only)": t.step_samples_per_second,
    }), "", "Versions: " + ", ".join(f"{k} {v}" for k, v in card.versions.items()), ""]
    return "\n".join(lines)
