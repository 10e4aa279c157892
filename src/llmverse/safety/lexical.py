"""Hashed character n-grams and a linear model over them: what a message's words are, beside what its embedding means.

    ids = grams("How do I make a pipe bomb?")    # (k,) int32 bucket ids, unique
    lex = Lexical.fit(texts, y, w)                # one logistic unit per category, numpy
    lex.logits([ids])                             # (1, 9)

Why: multilingual-e5's mean-pooled vector carries a message's topic more than its intent, so a question
*about* a bomb and a request *for* one sit close together. Character n-grams keep the words that carry
intent ("how do I", "without getting caught", "教我", "不被发现") and Chinese keywords, which no
tokenizer has to split first. Grams are 2 to 4 characters of the case-folded text with spaces squeezed,
plus single CJK characters; each is hashed (CRC-32) into `BUCKETS` buckets, so the model is a fixed
(BUCKETS, 9) table, shipped inside the head's .npz in float16.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

BUCKETS = 1 << 16  # 65,536 x 9 float16 = 1.2 MB; collisions cost little for a regularised linear model


def grams(text: str) -> np.ndarray:
    """Unique bucket ids of the text's character 2-4 grams (and single CJK characters)."""
    t = " " + " ".join(text.casefold().split()) + " "
    out = {zlib.crc32(t[i:i + n].encode("utf-8")) & (BUCKETS - 1)
           for n in (2, 3, 4) for i in range(max(0, len(t) - n + 1))}
    out.update(zlib.crc32(ch.encode("utf-8")) & (BUCKETS - 1) for ch in t if "\u3400" <= ch <= "\u9fff")
    return np.fromiter(out, np.int32, len(out))


def view_grams(text: str) -> list[np.ndarray]:
    """The grams of each view of a live message, as the embedder cuts it (`embed.live_views`)."""
    from llmverse.safety.embed import live_views

    return [grams(v) for v in live_views(text)]


def _pack(ids: Sequence[np.ndarray]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Flat ids, the row each id belongs to, each row's first position, and its 1/sqrt(count) scale.
    Every text has at least one gram (the padding spaces make one), so no row is empty."""
    counts = np.array([len(i) for i in ids], np.int64)
    flat = np.concatenate(ids) if len(ids) else np.zeros(0, np.int32)
    rows = np.repeat(np.arange(len(ids)), counts)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]]) if len(ids) else np.zeros(0, np.int64)
    return flat, rows, starts, 1.0 / np.sqrt(np.maximum(counts, 1))


@dataclass
class Lexical:
    w: np.ndarray  # (BUCKETS, 9)
    b: np.ndarray  # (9,)

    def logits(self, ids: Sequence[np.ndarray]) -> np.ndarray:
        """(n, 9): each row the scaled sum of its grams' weights."""
        if not len(ids):
            return np.zeros((0, self.w.shape[1]), np.float32)
        flat, _, starts, scale = _pack(ids)
        z = np.add.reduceat(self.w[flat].astype(np.float32), starts, axis=0)
        return z * scale[:, None] + self.b

    def probs(self, ids: Sequence[np.ndarray]) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-np.clip(self.logits(ids), -30, 30)))

    @classmethod
    def fit(cls, ids: Sequence[np.ndarray], y: np.ndarray, w: np.ndarray, *, epochs: int = 8, batch: int = 256,
            lr: float = 0.05, l2: float = 1e-5, seed: int = 0) -> Lexical:
        """Adagrad on weighted binary cross-entropy, rare categories weighted up as the MLP's are."""
        rng = np.random.default_rng(seed)
        k = y.shape[1]
        W, b = np.zeros((BUCKETS, k), np.float32), np.full(k, -2.0, np.float32)
        gW, gb = np.full_like(W, 1e-6), np.full_like(b, 1e-6)
        pos = y.sum(0)
        pos_w = np.clip((len(y) - pos) / np.maximum(pos, 1) / 4, 1.0, 20.0)
        model = cls(W, b)
        for _ in range(epochs):
            order = rng.permutation(len(ids))
            for i in range(0, len(order), batch):
                idx = order[i:i + batch]
                sub = [ids[j] for j in idx]
                flat, rows, _, scale = _pack(sub)
                p = model.probs(sub)
                g = (p - y[idx]) * (y[idx] * pos_w + (1 - y[idx])) * w[idx, None] / len(idx)  # dLoss/dlogits
                per_gram = g[rows] * scale[rows, None]  # (grams, 9)
                touched = np.unique(flat)
                grad = np.stack([np.bincount(flat, per_gram[:, j], BUCKETS)[touched] for j in range(k)], 1)
                grad += l2 * W[touched]
                gW[touched] += grad * grad  # Adagrad, only the rows this batch touched
                W[touched] -= lr * grad / np.sqrt(gW[touched])
                gbb = g.sum(0)
                gb += gbb * gbb
                b -= lr * gbb / np.sqrt(gb)
        return model
