"""How many questions players ask inside a world the input rail refuses: the held-out part of the
grounding templates on both worlds (Harbor Town and Pine Hollow), which the safety head never trained on
and no threshold was set on (`world_bound` reads the tuning part only).

    HF_HUB_OFFLINE=1 OMP_NUM_THREADS=1 .venv/bin/python bench/safety_world.py [--head PATH]

Only counts and categories are printed, per level; the questions are not (nobody tunes to them).
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


def questions() -> list[tuple[str, str]]:
    """(language, question) of the held-out part on every held-out world."""
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        for world_id in ev.HELD_OUT_WORLDS:
            w = open_world(DEFAULT_WORLD.parent.parent / world_id / "world.yaml", f"sqlite:///{Path(tmp) / 'w.db'}")
            out += [(i.language, i.question) for i in ev.items(w, world_id, "held_out")]
            w.store.engine.dispose()
    return list(dict.fromkeys(out))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--head", type=Path, default=packaged_path())
    a = ap.parse_args()
    qs = questions()
    clf = SafetyClassifier(a.head)
    clf.warm()
    table = Table(title=f"in-world questions refused (held-out templates, {len(qs)} questions, head {a.head.name})")
    for col in ("level", "refused", "en", "zh", "by category"):
        table.add_column(col)
    for level in ("family", "teen", "mature"):
        rails = Rails(Policy.for_level(level), classifier=clf)
        refused = [(lang, f"{d.category} ({'head' if d.reason.endswith('.model') else 'rule'})")
                   for lang, q in qs if (d := rails.check_input("bench", q)).refused]
        by_lang = Counter(lang for lang, _ in refused)
        table.add_row(level, f"{len(refused)} / {len(qs)}", str(by_lang["en"]), str(by_lang["zh"]),
                      ", ".join(f"{c} {n}" for c, n in Counter(c for _, c in refused).most_common()))
    Console().print(table)


if __name__ == "__main__":
    main()
