"""Thresholds chosen on sources the head never saw: out-of-fold scores, whole training sources left out.

    p = out_of_fold(data, cfg, score)                 # (views, k): each view scored by a head trained without its fold
    m = per_message(p, data.msg, len(data.rows))      # a message's score: its worst view
    t = choose(m, y, kind, source, "teen")            # {category: line}

Sources are packed into `cfg.oof_folds` folds (each source wholly in one, ordinary harmless sources in
different ones), or one fold per source.

Why: v5 set each category's line on a random 15 % of its own training sources, where 0.25 % of harmless
text was refused; on the held-out corpora the same lines refused 4 % of ordinary requests and 9 % of
look-alikes, and let 60 % of attacks through. A random split measures the head on text like what it
learnt; a player's text is not like it. Leaving a whole source out (Alpaca's Chinese, COLD, CatQA, ...)
and scoring it with a head trained on the rest gives each message the score an unseen source would get,
so the lines are set where a new corpus will land, and the detection they buy is what a new corpus gets.

`choose` lowers the lines greedily, category by category, taking each time the step that detects the most
attacks per harmless message refused, until the level's budget of refused harmless messages is spent:
ordinary requests and look-alikes (risky-looking harmless text) each have one, counted as the mean over
their sources so that no single corpus sets them. Detection is likewise the mean over attack sources.
In-world questions are left to `world_bound`, which raises every line above them afterwards.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from llmverse.safety.policy import CATEGORIES

if TYPE_CHECKING:
    from llmverse.safety.training import Prepared, SafetyTrainConfig

log = logging.getLogger(__name__)
# (ordinary harmless refused, look-alikes refused) per level, source-balanced, on out-of-fold scores.
# The held-out targets at teen are 0.03 and 0.08: the budgets keep a margin below them.
BUDGETS: dict[str, tuple[float, float]] = {"family": (0.04, 0.12), "teen": (0.02, 0.06), "mature": (0.008, 0.03)}
FLOOR = 0.3  # no line below this: a category no harmless message reached out of fold would act on anything
OFF = 1.01  # a line no probability reaches: the category never acts on the head's word
GRID = np.concatenate([[OFF], np.round(np.arange(0.99, FLOOR - 1e-9, -0.01), 2)])


def folds(sources: list[str], groups: int = 0, spread: frozenset[str] = frozenset()) -> dict[str, np.ndarray]:
    """One boolean mask per fold; each source lies wholly in one fold. In-world questions (real and
    generated) form a fold of their own. With `groups` > 0 the other sources are packed into that many
    folds of about equal size (largest first into the smallest), which costs fewer trainings; the
    `spread` sources (ordinary harmless text) go to different folds first, so that no fold's head is
    trained without any of them (the first packing put Alpaca's English and Chinese in one fold: its
    head had seen no ordinary request, refused them freely, and every line rose)."""
    src = np.array(["world" if s in ("world", "generated-world") else s for s in sources])
    names = sorted(set(src) - {"world"}, key=lambda n: (n not in spread, -(src == n).sum(), n))
    if groups <= 0 or groups >= len(names):
        packs = [[n] for n in names]
    else:
        packs = [[] for _ in range(groups)]
        sizes = [0] * groups
        for n in names:
            i = sizes.index(min(sizes))
            packs[i].append(n)
            sizes[i] += int((src == n).sum())
    out = {"+".join(sorted(p)): np.isin(src, p) for p in packs if p}
    if (src == "world").any():
        out["world"] = src == "world"
    return out


def out_of_fold(data: Prepared, cfg: SafetyTrainConfig, score: Callable[[np.ndarray, np.ndarray], np.ndarray],
                say: Callable[[str], None] = log.info) -> np.ndarray:
    """(views, k): for each fold, `score(train_mask, test_mask)` of a head trained without it."""
    p: np.ndarray | None = None
    sources = [r.source for r in data.vrows]
    plain = frozenset(r.source for r in data.rows if r.kind == "benign") - {"world", "generated-world"}
    for name, mask in folds(sources, cfg.oof_folds, plain).items():
        got = score(~mask, mask)
        if p is None:
            p = np.zeros((len(data.vrows), got.shape[1]), np.float32)
        p[mask] = got
        say(f"out of fold: {name} ({int(mask.sum())} views) scored by a head trained without it")
    assert p is not None, "no training views"
    return p


def per_message(p_views: np.ndarray, msg: np.ndarray, n: int) -> np.ndarray:
    """(n, 9): a message's score is the highest over its views."""
    out = np.zeros((n, p_views.shape[1]), np.float32)
    np.maximum.at(out, msg, p_views)
    return out


def _weights(sources: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Per message: 1 / (its source's count) / (number of sources) inside `mask`, else 0 (a source-balanced mean)."""
    w = np.zeros(len(sources))
    names = sorted(set(sources[mask]))
    for s in names:
        m = mask & (sources == s)
        w[m] = 1.0 / m.sum() / len(names)
    return w


def choose(p: np.ndarray, y: np.ndarray, kind: np.ndarray, sources: np.ndarray, level: str,
           budgets: dict[str, tuple[float, float]] = BUDGETS) -> dict[str, float]:
    """Per category, the lowest line the level's budget allows (greedy, best detection per refusal first).

    p (n, 9) out-of-fold scores per message; y (n, 9) labels; kind per message ("attack", "benign",
    "lookalike"); sources per message (in-world sources are skipped here)."""
    in_world = np.isin(sources, ["world", "generated-world"])
    attack = (y.sum(1) > 0) & ~in_world
    plain = (kind == "benign") & ~attack & ~in_world
    look = (kind == "lookalike") & ~attack & ~in_world
    wa, wp, wl = _weights(sources, attack), _weights(sources, plain), _weights(sources, look)
    bp, bl = budgets[level]
    k = p.shape[1]
    step = np.zeros(k, int)  # index into GRID per category; every line off to start
    fired = np.zeros(len(p), bool)
    while True:
        best, best_ratio = None, 0.0
        spent_p, spent_l = wp[fired].sum(), wl[fired].sum()
        rest = ~fired
        for j in range(k):
            # What lowering line j to each lower grid value would add, over messages not yet refused:
            # cumulative sums along the messages sorted by their score, read at each grid value.
            neg = -p[rest, j]
            order = np.argsort(neg, kind="stable")
            cum = np.cumsum(np.stack([wa[rest][order], wp[rest][order], wl[rest][order]]), axis=1)
            cum = np.concatenate([np.zeros((3, 1)), cum], axis=1)
            lower = np.arange(step[j] + 1, len(GRID))
            n_new = np.searchsorted(neg[order], -GRID[lower], side="right")  # scores at or over each value
            gain, dp, dl = cum[:, n_new]
            ok = (spent_p + dp <= bp + 1e-12) & (spent_l + dl <= bl + 1e-12) & (gain > 0)
            if not ok.any():
                continue
            ratio = np.where(ok, gain / (dp / bp + dl / bl + 1e-3), -1.0)
            i = int(np.argmax(ratio))
            if ratio[i] > best_ratio:
                best, best_ratio = (j, int(lower[i])), float(ratio[i])
        if best is None:
            break
        j, s_ = best
        step[j] = s_
        fired |= p[:, j] >= GRID[s_]
    return {c: float(GRID[step[j]]) for j, c in enumerate(CATEGORIES)}


def ordered(lines: dict[str, dict[str, float]]) -> dict[str, dict[str, float]]:
    """Per category, family's line no higher than teen's and mature's no lower: each level is chosen on its
    own budget, and the greedy choice can spend a larger budget on other categories (the first v6 run left
    jailbreak off at family and at 0.53 at teen)."""
    out = {lv: dict(t) for lv, t in lines.items()}
    for c in out["teen"]:
        out["family"][c] = min(out["family"][c], out["teen"][c])
        out["mature"][c] = max(out["mature"][c], out["teen"][c])
    return out


def figures(p: np.ndarray, y: np.ndarray, kind: np.ndarray, sources: np.ndarray,
            lines: dict[str, float]) -> dict[str, float]:
    """Out-of-fold detection and refusals at `lines` (source-balanced means), for the run card."""
    t = np.array([lines[c] for c in CATEGORIES])
    fired = (p >= t).any(1)
    in_world = np.isin(sources, ["world", "generated-world"])
    attack = (y.sum(1) > 0) & ~in_world
    out = {"attacks": float(_weights(sources, attack)[fired].sum()),
           "benign": float(_weights(sources, (kind == "benign") & ~attack & ~in_world)[fired].sum()),
           "lookalike": float(_weights(sources, (kind == "lookalike") & ~attack & ~in_world)[fired].sum())}
    for s in sorted(set(sources[~in_world])):  # per source: detection of its attacks, or harmless refused
        out[f"source:{s}"] = float(fired[sources == s].mean())
    return out
