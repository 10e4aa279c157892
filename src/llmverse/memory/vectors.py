"""Vectors of one character's memories: an exact float32 matrix, and an HNSW graph over it at scale.

The matrix is always kept: it answers exact searches below the ANN threshold and re-scores the
candidates an ANN search proposes (a fancy-index gather is microseconds; hnswlib's get_items took
~2 ms for 150 vectors). The graph (hnswlib, inner product on unit vectors = cosine) is built once a
character holds enough memories for a full scan to cost milliseconds, and then grows item by item.

Single queries run BLAS on one thread: on 2 shared cores OpenBLAS's pool stalls a matrix-vector
product for 8-24 ms whenever the other core is busy (DESIGN.md).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

import numpy as np

log = logging.getLogger(__name__)
HNSW_HINT = "pip install hnswlib (or llmverse[ann])"


@lru_cache(maxsize=1)
def _controller() -> Any:
    """threadpoolctl's controller, made once: it scans the loaded libraries (milliseconds); limiting
    through it afterwards costs ~6 µs per query, against ~130 µs for a fresh threadpool_limits."""
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:
        log.warning("threadpoolctl is missing: BLAS may use every core for single queries")
        return None
    return ThreadpoolController()


@contextlib.contextmanager
def blas_threads(n: int) -> Iterator[None]:
    """Run the block with BLAS limited to n threads (no-op without threadpoolctl)."""
    ctl = _controller()
    if ctl is None:
        yield
        return
    with ctl.limit(limits=n, user_api="blas"):
        yield


def hnswlib_available() -> bool:
    try:
        import hnswlib  # noqa: F401
    except ImportError:
        return False
    return True


class Matrix:
    """Rows of float32 unit vectors, appended; capacity doubles so an add is amortised O(dim)."""

    def __init__(self, dim: int, capacity: int = 64) -> None:
        self.dim = dim
        self._data = np.zeros((capacity, dim), dtype=np.float32)
        self.n = 0

    def __len__(self) -> int:
        return self.n

    @property
    def rows(self) -> np.ndarray:
        return self._data[:self.n]

    @property
    def nbytes(self) -> int:
        return self._data.nbytes

    def add(self, vectors: np.ndarray) -> None:
        if vectors.ndim != 2 or vectors.shape[1] != self.dim:
            raise ValueError(f"vectors of shape {vectors.shape} do not fit a {self.dim}-d index")
        need = self.n + len(vectors)
        if need > len(self._data):
            grown = np.zeros((max(need, 2 * len(self._data)), self.dim), dtype=np.float32)
            grown[:self.n] = self._data[:self.n]
            self._data = grown
        self._data[self.n:need] = vectors
        self.n = need

    def similarity(self, query: np.ndarray, positions: np.ndarray | None = None, threads: int = 1) -> np.ndarray:
        """Cosine of the query with every row (positions None) or with the given rows."""
        with blas_threads(threads):
            if positions is None:
                return self.rows @ query
            return self._data[positions] @ query


class HnswGraph:
    """hnswlib over the same positions as the Matrix (label = position)."""

    def __init__(self, dim: int, *, m: int = 16, ef_construction: int = 100, ef: int = 128,
                 capacity: int = 1024, build_threads: int = 1) -> None:
        try:
            import hnswlib
        except ImportError as exc:
            raise ImportError(f"the ANN index needs hnswlib: {HNSW_HINT}") from exc
        self.ef, self.build_threads = ef, build_threads
        self._index = hnswlib.Index(space="ip", dim=dim)
        self._index.init_index(max_elements=capacity, ef_construction=ef_construction, M=m)
        self._index.set_ef(ef)
        self.n = 0

    def __len__(self) -> int:
        return self.n

    @property
    def nbytes(self) -> int:
        """Approximate: hnswlib keeps its own copy of each vector plus level-0 links (2M ids)."""
        dim = self._index.dim
        return self._index.get_max_elements() * (dim * 4 + 2 * self._index.M * 4 + 16)

    def add(self, vectors: np.ndarray) -> None:
        need = self.n + len(vectors)
        if need > self._index.get_max_elements():
            self._index.resize_index(max(need, 2 * self._index.get_max_elements()))
        self._index.add_items(vectors, np.arange(self.n, need), num_threads=self.build_threads)
        self.n = need

    def search(self, query: np.ndarray, k: int, threads: int = 1) -> tuple[np.ndarray, np.ndarray]:
        """(positions, cosines) of the approximate k nearest, best first."""
        k = min(k, self.n)
        if k <= 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        if self.ef < k:  # hnswlib cannot return more results than its search breadth
            self._index.set_ef(k)
            self.ef = k
        labels, dist = self._index.knn_query(query, k=k, num_threads=threads)
        return labels[0].astype(np.int64), 1.0 - dist[0]  # 'ip' distance is 1 - dot
