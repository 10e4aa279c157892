"""Choose a safety-head recipe on training sources left out, one at a time: never on the held-out corpora.

    HF_HUB_OFFLINE=1 OMP_NUM_THREADS=1 nice -n 19 .venv/bin/python bench/safety_dev.py \
        --cache ~/.cache/llmverse/safety-emb.npz [--alphas 0 0.2 0.35 0.5] [--members 1]

Every message of the training sources is scored by a head trained without its source (`thresholds.py`):
the MLP on the embedding and the lexical model on character n-grams, each out of fold. For each blend
weight alpha the lines are chosen per level within its budget, and the table gives what they buy out of
fold: detection (mean over attack sources), ordinary requests and look-alikes refused (mean over their
sources), detection per language and per source at teen. `llmverse safety train` makes the same choice
itself; `llmverse eval safety --public` then measures the head once on the held-out corpora, which are
read here only to drop training texts equal to one of them.
"""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path

import numpy as np
from rich.console import Console
from rich.table import Table

from llmverse.safety import thresholds
from llmverse.safety.head import LEVELS
from llmverse.safety.training import SafetyTrainConfig, oof_views, prepare


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cache", type=Path, required=True)
    ap.add_argument("--alphas", nargs="+", type=float, default=list(SafetyTrainConfig().alphas))
    ap.add_argument("--members", type=int, default=1)
    ap.add_argument("--cached-only", action="store_true", help="only the messages the embedding cache holds")
    a = ap.parse_args()
    console = Console()
    cfg = replace(SafetyTrainConfig(cached_only=a.cached_only), alphas=tuple(a.alphas), oof_members=a.members)
    data = prepare(cfg, console.log, a.cache)
    mlp, lex = oof_views(data, cfg, console.log)
    y, kind, source = data.messages()
    lang = np.array([r.language if r.language in ("en", "zh", "fr", "de") else "other" for r in data.rows])
    attack = (y.sum(1) > 0) & ~np.isin(source, ["world", "generated-world"])
    langs = sorted(set(lang[attack]))
    attack_sources = sorted(set(source[attack]))
    table = Table(title="out of fold (each source scored by a head trained without it): attacks / benign / look-alikes")
    for col in ["alpha", *LEVELS, *[f"teen {x}" for x in langs], *[f"teen {s}" for s in attack_sources]]:
        table.add_column(col)
    for alpha in a.alphas:
        p = thresholds.per_message((1 - alpha) * mlp + alpha * lex, data.msg, len(data.rows))
        cells, by_lang, teen = [], [], {}
        for level in LEVELS:
            lines = thresholds.choose(p, y, kind, source, level)
            f = thresholds.figures(p, y, kind, source, lines)
            cells.append(f"{f['attacks']:.3f} / {f['benign']:.3f} / {f['lookalike']:.3f}")
            if level == "teen":
                teen = f
                fired = (p >= np.array([lines[c] for c in lines])).any(1)
                by_lang = [f"{fired[attack & (lang == x)].mean():.2f}" for x in langs]
        table.add_row(f"{alpha:.2f}", *cells, *by_lang, *[f"{teen[f'source:{s}']:.2f}" for s in attack_sources])
    console.print(table)


if __name__ == "__main__":
    main()
