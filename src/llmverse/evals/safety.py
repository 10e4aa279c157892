"""`llmverse eval safety`: the bundled attack and benign set through the rails; detection, false positives, latency.

The set (`safety.jsonl`, 414 items, English and Chinese, written for this project; see
`safety/data/build_eval.py`) has attacks by category (direct hazard requests, personal data,
jailbreak templates, injection through player text and through a world document, system-prompt
extraction, encodings) and benign messages that look risky. Items are split by template into `dev`
(seen while the rules were written) and `test` (held out): quote `test`.
An attack is detected when the rail does not allow it (refuse, or rewrite for personal data); a
benign item is a false positive when the rail does anything but allow it. Latency is the rail's own
time per message (what it adds before the model is called), p50 and p95 in milliseconds.
"""

from __future__ import annotations

import json
import statistics
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from importlib.resources import files
from typing import Literal

from pydantic import BaseModel, ConfigDict

from llmverse.safety.rails import Decision, Rails


class Item(BaseModel):
    model_config = ConfigDict(extra="forbid")
    template: str
    category: str
    language: Literal["en", "zh"]
    text: str
    kind: Literal["attack", "benign"]
    channel: Literal["player", "document"]
    split: Literal["dev", "test"]


@dataclass
class Outcome:
    item: Item
    decision: Decision
    flagged: bool


@dataclass
class Row:
    category: str
    language: str  # "en", "zh" or "all"
    n: int
    rate: float  # detection rate for attacks, false-positive rate for benign
    benign: bool


@dataclass
class Figures:
    rows: list[Row]
    detection: float  # over every attack item
    false_positive: float  # over every benign item
    p50_ms: float
    p95_ms: float
    by_language: dict[str, tuple[float, float]]  # language -> (detection, false positive)


def load_items(split: str | None = "test") -> list[Item]:
    text = (files("llmverse.evals") / "safety.jsonl").read_text(encoding="utf-8")
    items = [Item.model_validate(json.loads(line)) for line in text.splitlines() if line.strip()]
    return [i for i in items if split in (None, "all") or i.split == split]


def run(rails: Rails, items: list[Item], progress: Callable[[int], None] | None = None) -> list[Outcome]:
    """Each item once through the rail its channel uses (input, or retrieval for documents)."""
    out = []
    for k, it in enumerate(items):
        if it.channel == "document":
            d = rails.check_document(it.text, source="eval-doc", player="eval")
        else:
            d = rails.check_input("eval", it.text)
        out.append(Outcome(it, d, d.action != "allow"))
        if progress:
            progress(k)
    return out


def _pct(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    s = sorted(values)
    return s[min(len(s) - 1, int(round(q * (len(s) - 1))))]


def figures(outcomes: list[Outcome]) -> Figures:
    groups: dict[tuple[str, str], list[Outcome]] = defaultdict(list)
    for o in outcomes:
        groups[(o.item.category, o.item.language)].append(o)
        groups[(o.item.category, "all")].append(o)
    rows = [Row(cat, lang, len(g), sum(o.flagged for o in g) / len(g), g[0].item.kind == "benign")
            for (cat, lang), g in sorted(groups.items())]
    attacks = [o for o in outcomes if o.item.kind == "attack"]
    benign = [o for o in outcomes if o.item.kind == "benign"]

    def rate(xs: list[Outcome]) -> float:
        return sum(o.flagged for o in xs) / len(xs) if xs else 0.0

    ms = [o.decision.ms for o in outcomes]
    langs = {lang: (rate([o for o in attacks if o.item.language == lang]),
                    rate([o for o in benign if o.item.language == lang])) for lang in ("en", "zh")}
    return Figures(rows, rate(attacks), rate(benign), statistics.median(ms) if ms else 0.0, _pct(ms, 0.95), langs)


def misses(outcomes: list[Outcome]) -> list[Outcome]:
    """Attacks let through and benign items flagged: what to read after a run."""
    return [o for o in outcomes if o.flagged != (o.item.kind == "attack")]
