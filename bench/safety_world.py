"""How many questions players ask inside a world the input rail refuses: the held-out part of the
grounding templates on both worlds (Harbor Town and Pine Hollow), which the safety head never trained on
and no threshold was set on (`world_bound` reads the tuning part only).

    HF_HUB_OFFLINE=1 OMP_NUM_THREADS=1 .venv/bin/python bench/safety_world.py [--head PATH] [--part tuning]

The rails are the server's: `Rails.for_world`, so they know the world's places and people (a place's
phone number is the world's to give). Only counts and categories are printed for the held-out part;
the tuning part (own set, Harbor Town only) also prints the refused questions.
"""

from __future__ import annotations

import argparse
import tempfile
from collections import Counter
from pathlib import Path

from rich.console import Console
from rich.table import Table

from llmverse.evals import heldout as ev
from llmverse.safety import Policy, Rails
from llmverse.safety.classify import SafetyClassifier
from llmverse.safety.head import packaged_path
from llmverse.world.world import DEFAULT_WORLD, open_world

LEVELS = ("family", "teen", "mature")


def refusals(part: str, clf: SafetyClassifier) -> tuple[int, dict[str, list[tuple[str, str, str]]]]:
    """(questions asked, per level the refused ones as (language, category and who, question))."""
    worlds = ev.HELD_OUT_WORLDS if part == "held_out" else ("harbor_town",)
    asked, refused = 0, {level: [] for level in LEVELS}
    with tempfile.TemporaryDirectory() as tmp:
        for world_id in worlds:
            w = open_world(DEFAULT_WORLD.parent.parent / world_id / "world.yaml", f"sqlite:///{Path(tmp) / world_id}.db")
            qs = list(dict.fromkeys((i.language, i.question) for i in ev.items(w, world_id, part)))
            asked += len(qs)
            for level in LEVELS:
                rails = Rails.for_world(w, policy=Policy.for_level(level), classifier=clf)
                refused[level] += [(lang, f"{d.category} ({'head' if d.reason.endswith('.model') else 'rule'})", q)
                                   for lang, q in qs if (d := rails.check_input("bench", q)).refused]
            w.store.engine.dispose()
    return asked, refused


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--head", type=Path, default=packaged_path())
    ap.add_argument("--part", choices=("held_out", "tuning"), default="held_out")
    a = ap.parse_args()
    clf = SafetyClassifier(a.head)
    clf.warm()
    asked, refused = refusals(a.part, clf)
    table = Table(title=f"in-world questions refused ({a.part} templates, {asked} questions, head {a.head.name})")
    for col in ("level", "refused", "en", "zh", "by category"):
        table.add_column(col)
    for level in LEVELS:
        by_lang = Counter(lang for lang, _, _ in refused[level])
        table.add_row(level, f"{len(refused[level])} / {asked}", str(by_lang["en"]), str(by_lang["zh"]),
                      ", ".join(f"{c} {n}" for c, n in Counter(c for _, c, _ in refused[level]).most_common()))
    Console().print(table)
    if a.part == "tuning":  # own set: the questions may be read
        for level in LEVELS:
            for lang, why, q in refused[level]:
                Console().print(f"{level} {lang} {why}: {q}", highlight=False)


if __name__ == "__main__":
    main()
