"""`llmverse eval safety --public`: held-out public corpora through `Rails.check_input`, reported per source,
language, category and kind, with the latency the rail adds.

The sources are `corpora.load("heldout")`: repositories the head never trained on and whose text set
no threshold (AILuminate demo prompts in English and French, China Unicom's refusal questions,
CValues' responsibility prompts, Self-Instruct's user instructions, promptmap's attack rules, and
COLDataset's own test split, the one held-out split of a training source). Each must be fetched first
(docs/safety.md). An attack counts as detected when the rail does not allow it; a harmless message
(`benign`, or a `lookalike` that only looks risky) is a false positive when the rail refuses it. A
harmless message whose personal data was redacted (a rewrite: an address in a property listing) is
not refused and is counted apart (`rewritten`).
Messages over the policy's length limit are refused by length before any model and counted apart.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from llmverse.safety import corpora
from llmverse.safety.rails import Rails


@dataclass
class Outcome:
    example: corpora.Example
    flagged: bool  # attack: not allowed; harmless: refused
    rewritten: bool
    reason: str
    category: str | None  # the category the rail acted on
    ms: float
    too_long: bool


@dataclass
class Cell:
    n: int
    rate: float  # detection for attacks, false positives for harmless messages


@dataclass
class PublicFigures:
    by_source: dict[tuple[str, str, str], Cell]  # (source, language, kind) -> cell
    by_category: dict[tuple[str, str], Cell]  # (category, language) over attacks
    attacks: Cell
    plain_requests: Cell  # attacks from corpora.PLAIN_REQUESTS: harmful requests without a wrapper
    benign: Cell
    lookalike: Cell
    by_language: dict[str, Cell]  # attacks per language
    too_long: int
    rewritten: int  # harmless messages whose personal data was redacted (not refused)
    harmless_refused: dict[tuple[str, str], int]  # (category the rail gave, "head" | "rule") -> harmless messages refused
    p50_ms: float
    p95_ms: float


def load(root: Path | None = None, only: set[str] | None = None) -> list[corpora.Example]:
    return corpora.load("heldout", root, only=only)


def sample(examples: list[corpora.Example], fraction: float, seed: int = 0) -> list[corpora.Example]:
    """The same `fraction` of each (source, kind), drawn with a fixed seed, in the original order: a
    cheaper run (each message costs an embedding) whose cells stay comparable."""
    import random

    groups: dict[tuple[str, str], list[int]] = defaultdict(list)
    for i, e in enumerate(examples):
        groups[(e.source, e.kind)].append(i)
    rng = random.Random(seed)
    keep = {i for _, idx in sorted(groups.items()) for i in rng.sample(idx, max(1, round(fraction * len(idx))))}
    return [e for i, e in enumerate(examples) if i in keep]


def run(rails: Rails, examples: list[corpora.Example],
        progress: Callable[[int], None] | None = None) -> list[Outcome]:
    limit = rails.policy.limits.max_input_chars
    out = []
    for k, ex in enumerate(examples):
        d = rails.check_input("eval", ex.text)
        flagged = d.action != "allow" if ex.kind == "attack" else d.action == "refuse"
        out.append(Outcome(ex, flagged, d.action == "rewrite", d.reason, d.category, d.ms, len(ex.text) > limit))
        if progress:
            progress(k)
    return out


def _cell(xs: list[Outcome]) -> Cell:
    return Cell(len(xs), sum(o.flagged for o in xs) / len(xs) if xs else 0.0)


def _pct(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(round(q * (len(s) - 1))))] if s else 0.0


def figures(outcomes: list[Outcome]) -> PublicFigures:
    scored = [o for o in outcomes if not o.too_long]  # length refusals are not detection
    src: dict[tuple[str, str, str], list[Outcome]] = defaultdict(list)
    cat: dict[tuple[str, str], list[Outcome]] = defaultdict(list)
    lang: dict[str, list[Outcome]] = defaultdict(list)
    for o in scored:
        e = o.example
        src[(e.source, e.language, e.kind)].append(o)
        if e.kind == "attack":
            cat[(e.category, e.language)].append(o)
            cat[(e.category, "all")].append(o)
            lang[e.language].append(o)
    ms = [o.ms for o in scored]
    return PublicFigures(
        by_source={k: _cell(v) for k, v in sorted(src.items())},
        by_category={k: _cell(v) for k, v in sorted(cat.items())},
        attacks=_cell([o for o in scored if o.example.kind == "attack"]),
        plain_requests=_cell([o for o in scored if o.example.kind == "attack"
                              and o.example.source in corpora.PLAIN_REQUESTS]),
        benign=_cell([o for o in scored if o.example.kind == "benign"]),
        lookalike=_cell([o for o in scored if o.example.kind == "lookalike"]),
        by_language={k: _cell(v) for k, v in sorted(lang.items())},
        too_long=len(outcomes) - len(scored),
        rewritten=sum(o.rewritten for o in scored if o.example.kind != "attack"),
        harmless_refused=dict(Counter((o.category or "-", "head" if o.reason.endswith(".model") else "rule")
                                      for o in scored if o.example.kind != "attack" and o.flagged).most_common()),
        p50_ms=statistics.median(ms) if ms else 0.0, p95_ms=_pct(ms, 0.95))

