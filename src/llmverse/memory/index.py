"""One character's memories in memory, laid out for retrieval: columns by position, vectors, keywords.

Position i is the i-th memory loaded or added (id order). Everything retrieval scores is a numpy
column indexed by position, so scoring 10^5 memories is a few vector operations, not a Python loop.
Memories are never deleted (the stream is append-only), so positions never move.
"""

from __future__ import annotations

import logging
import math
import re
from array import array
from collections import deque
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Literal

import numpy as np

from llmverse.errors import LlmverseError
from llmverse.lang import tokens
from llmverse.memory.bm25 import IncrementalBM25
from llmverse.memory.stream import Memory
from llmverse.memory.vectors import HnswGraph, Matrix, hnswlib_available

log = logging.getLogger(__name__)
EPOCH = datetime(2000, 1, 1)  # world times become float minutes since this (float64: exact to µs for 10^4 years)
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef]")  # ideographs and CJK punctuation


def approx_tokens(text: str) -> int:
    """Tokens a prompt will spend on `text`, cheaply: one per CJK character (BPE vocabularies of small
    models split Chinese about that finely), one per 4 other characters (the English rule of thumb);
    at least 1. Over-counting is the safe error: a budget is a ceiling."""
    cjk = len(_CJK.findall(text))
    return max(1, cjk + math.ceil((len(text) - cjk) / 4))


def minutes(t: datetime) -> float:
    return (t - EPOCH).total_seconds() / 60.0


@dataclass
class IndexConfig:
    vector_index: Literal["auto", "exact", "hnsw"] = "auto"  # auto: exact below ann_from, hnsw from it
    ann_from: int = 10_000  # memories of one character at which a full scan stops being ~1 ms
    hnsw_m: int = 16  # graph degree (hnswlib M)
    hnsw_ef_construction: int = 100  # build breadth: higher = better recall, slower inserts
    hnsw_ef: int = 128  # search breadth (raised to the candidate count when that is larger)
    build_threads: int = 1  # threads for building the graph (a server shares its cores)
    recent_touched: int = 32  # recently recalled memories kept as candidates (recency by access)


class _Columns:
    """Fixed-dtype 1-D columns that grow together by doubling."""

    def __init__(self, **dtypes: type) -> None:
        self._cols = {k: np.zeros(64, dtype=d) for k, d in dtypes.items()}
        self.n = 0

    def __getitem__(self, name: str) -> np.ndarray:
        return self._cols[name][:self.n]

    def append(self, **values: np.ndarray) -> None:
        m = len(next(iter(values.values())))
        need = self.n + m
        for k, col in self._cols.items():
            if need > len(col):
                grown = np.zeros(max(need, 2 * len(col)), dtype=col.dtype)
                grown[:self.n] = col[:self.n]
                self._cols[k] = col = grown
            col[self.n:need] = values[k]
        self.n = need

    @property
    def nbytes(self) -> int:
        return sum(c.nbytes for c in self._cols.values())


class CharacterIndex:
    def __init__(self, character: str, dim: int, config: IndexConfig) -> None:
        self.character, self.dim, self.config = character, dim, config
        self.cols = _Columns(id=np.int64, created=np.float64, access=np.float64, importance=np.float32,
                             tokens=np.int32)
        self.matrix = Matrix(dim)
        self.graph: HnswGraph | None = None
        self.bm25 = IncrementalBM25()
        self.memories: list[Memory] = []  # without embeddings: the matrix holds the vectors
        self.position: dict[int, int] = {}  # memory id -> position
        self.touched: deque[int] = deque(maxlen=config.recent_touched)
        # positions by importance (1..10), in order: the newest of each level are the memories that
        # recency + importance alone rank highest, whatever the query
        self.by_importance: dict[int, array] = {}
        self.max_id = 0
        self._warned = False

    def __len__(self) -> int:
        return self.cols.n

    @property
    def nbytes(self) -> int:
        """Bytes of the numeric parts (vectors, graph, columns); texts and postings not counted."""
        return self.matrix.nbytes + self.cols.nbytes + (self.graph.nbytes if self.graph else 0)

    def add(self, memories: list[Memory]) -> None:
        """Append memories (with embeddings); ids already held are ignored."""
        fresh = [m for m in memories if m.id not in self.position]
        if not fresh:
            return
        raw = b"".join(m.embedding or b"" for m in fresh)
        if len(raw) != len(fresh) * self.dim * 4:
            raise LlmverseError(
                f"memories of {self.character} hold embeddings of another size than this embedder's "
                f"{self.dim}-d vectors (was the embedding model changed?): re-embed them or use that model")
        vectors = np.frombuffer(raw, dtype="<f4").reshape(len(fresh), self.dim)
        start = len(self)
        self.cols.append(
            id=np.array([m.id for m in fresh], dtype=np.int64),
            created=np.array([minutes(m.world_time) for m in fresh]),
            access=np.array([minutes(m.last_access or m.world_time) for m in fresh]),
            importance=np.array([m.importance for m in fresh], dtype=np.float32),
            tokens=np.array([approx_tokens(m.text) for m in fresh], dtype=np.int32))
        self.matrix.add(vectors)
        self.bm25.add([tokens(m.text) for m in fresh])
        for i, m in enumerate(fresh):
            self.position[m.id] = start + i
            self.by_importance.setdefault(m.importance, array("q")).append(start + i)
            self.memories.append(replace(m, embedding=None))
        self.max_id = max(self.max_id, max(m.id for m in fresh))
        if self.graph is not None:
            self.graph.add(vectors)
        elif self._wants_graph():
            self.build_graph()

    def build_graph(self) -> None:
        """Index every vector held in an HNSW graph (once; later adds extend it)."""
        c = self.config
        graph = HnswGraph(self.dim, m=c.hnsw_m, ef_construction=c.hnsw_ef_construction, ef=c.hnsw_ef,
                          capacity=max(1024, len(self)), build_threads=c.build_threads)
        graph.add(self.matrix.rows)
        self.graph = graph
        log.info("%s: HNSW graph built over %d memories", self.character, len(self))

    def newest_by_importance(self, per_level: int) -> np.ndarray:
        """The `per_level` newest positions of each importance level."""
        parts = [np.array(ps[max(0, len(ps) - per_level):], dtype=np.int64) for ps in self.by_importance.values()]
        return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)

    def touch(self, positions: np.ndarray, at: datetime) -> None:
        self.cols["access"][positions] = minutes(at)
        for p in positions.tolist():
            self.memories[p] = replace(self.memories[p], last_access=at)
            self.touched.append(p)

    def _wants_graph(self) -> bool:
        mode = self.config.vector_index
        if mode == "exact" or (mode == "auto" and len(self) < self.config.ann_from):
            return False
        if hnswlib_available():
            return True
        if mode == "hnsw":
            raise LlmverseError("vector_index='hnsw' needs hnswlib: pip install hnswlib (or llmverse[ann])")
        if not self._warned:
            self._warned = True
            log.warning("%s holds %d memories: install hnswlib for fast retrieval; scanning all meanwhile",
                        self.character, len(self))
        return False
