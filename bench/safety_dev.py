"""Choose a safety-head recipe on whole training sources left out: never on the held-out corpora.

    HF_HUB_OFFLINE=1 OMP_NUM_THREADS=1 nice -n 10 .venv/bin/python bench/safety_dev.py \
        --cache /tmp/safety-emb.npz [--dev xsafety simplesafety] [--variants base ens5 ...]

Each variant trains on the training sources minus the `--dev` ones, calibrates on its own validation
split, applies the world bound, and is then scored (head alone, teen thresholds) on the dev sources:
detection per language for attacks, refusals for look-alikes. `llmverse eval safety --public` is for the
recipe chosen here, run once; its sources are read here only to drop training texts equal to one.
"""

from __future__ import annotations

import argparse
import time
from collections import defaultdict
from dataclasses import replace
from pathlib import Path

import numpy as np
from rich.console import Console
from rich.table import Table

from llmverse.safety import corpora, embed
from llmverse.safety.policy import CATEGORIES
from llmverse.safety.training import WORLD_SOURCES, SafetyTrainConfig, calibrate, fit, prepare
from llmverse.safety.world_bound import bound

VARIANTS: dict[str, dict[str, object]] = {
    "one": {"members": 1, "world_weight": 0.0},  # last session's recipe with the bound on half the world questions
    "one+world w3": {"members": 1, "world_weight": 3.0},
    "ens5+world w3": {"members": 5, "world_weight": 3.0},
    "ens5+world w3 h512": {"members": 5, "world_weight": 3.0, "hidden": 512},
    "ens5+world w10": {"members": 5, "world_weight": 10.0},
    "ens5 w10 -xsafety look-alikes": {"members": 5, "world_weight": 10.0, "drop": [("xsafety", "lookalike")]},
    "ens5 w10 -xsafety": {"members": 5, "world_weight": 10.0, "drop": [("xsafety", "attack"), ("xsafety", "lookalike")]},
}


def score(head, x: np.ndarray, level: str = "teen") -> np.ndarray:
    """(n,) bool: any category at or over its threshold."""
    p = head.probs(x)
    t = np.array([head.threshold(level, c) for c in CATEGORIES])
    return (p >= t).any(axis=1)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cache", type=Path, required=True)
    ap.add_argument("--dev", nargs="+", default=["xsafety", "simplesafety"])
    ap.add_argument("--variants", nargs="+", default=list(VARIANTS))
    a = ap.parse_args()
    console = Console()
    base = SafetyTrainConfig(dev_sources=tuple(a.dev))
    data = prepare(base, console.log, a.cache)
    dev = corpora.load("train", only=set(a.dev))
    dv = [(r, v) for r in dev for v in embed.split_views(r.text)]
    xd = embed.embed_many([v for _, v in dv], cache=a.cache)
    msg = np.array([k for k, r in enumerate(dev) for _ in embed.split_views(r.text)])
    table = Table(title=f"dev sources {', '.join(a.dev)} (never trained on here), head alone, teen")
    groups: dict[str, list[int]] = defaultdict(list)
    for k, r in enumerate(dev):
        groups[f"{r.source} {r.language} {r.kind}"].append(k)
    cols = sorted(groups)
    for c in ["variant", *cols, "world bound max", "teen lines pii/illegal/hate", "s"]:
        table.add_column(c)
    for name in a.variants:
        t0 = time.perf_counter()
        spec = dict(VARIANTS[name])
        drop = spec.pop("drop", [])
        cfg = replace(base, **spec)  # type: ignore[arg-type]
        w = data.w.copy()
        if cfg.world_weight != base.world_weight:
            is_world = np.array([r.source in WORLD_SOURCES for r in data.vrows])
            w[is_world] *= cfg.world_weight / base.world_weight if base.world_weight else 0.0
        tr = ~data.is_val
        if cfg.world_weight == 0.0:  # the world questions out of training altogether
            tr &= np.array([r.source not in WORLD_SOURCES for r in data.vrows])
        keep = np.array([(r.source, r.kind) not in drop for r in data.vrows])  # parts out of training and calibration
        tr &= keep
        cal = data.is_val & keep
        head = fit(data.x[tr], data.y[tr], w[tr], cfg)
        calibrate(head, data.x[cal], data.y[cal], data.look[cal])
        top = bound(head, data.bound_texts)
        flagged = score(head, xd)
        per_msg = np.zeros(len(dev), bool)
        np.logical_or.at(per_msg, msg, flagged)
        cells = [f"{per_msg[groups[c]].mean():.3f} ({len(groups[c])})" for c in cols]
        lines = "/".join(f"{head.threshold('teen', c):.2f}" for c in ("pii", "illegal", "hate"))
        table.add_row(name, *cells, f"{max(top.values()):.2f}", lines, f"{time.perf_counter() - t0:.0f}")
        console.print(table)


if __name__ == "__main__":
    main()
