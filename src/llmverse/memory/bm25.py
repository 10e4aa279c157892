"""BM25 over keyword tokens that grows one document at a time (no rebuild on add).

rank-bm25 keeps a Python dict per document and scores a query by walking every document (and is built
from the whole corpus at once): at 10^5 memories a query costs tens of milliseconds and an add means a
rebuild (bench/retrieval.py measures both). Here an inverted index maps each term to its postings
(document positions and term counts, in compact arrays); a query touches only the documents that
share a term with it. Document frequencies and the average length are kept as running totals, so
scores equal those of a fresh build over the same documents.
"""

from __future__ import annotations

import math
from array import array
from collections import Counter
from collections.abc import Sequence

import numpy as np


class IncrementalBM25:
    """Okapi BM25 (k1, b) with the always-positive idf log(1 + (N - df + 0.5) / (df + 0.5)) (Lucene's):
    rank-bm25's Okapi idf goes negative for terms in more than half the documents, which would make a
    shared keyword count against a memory. Documents are positions 0, 1, 2, ... in the order added."""

    def __init__(self, k1: float = 1.5, b: float = 0.75) -> None:
        self.k1, self.b = k1, b
        self._docs: dict[str, array] = {}  # term -> positions of documents holding it (ascending)
        self._tfs: dict[str, array] = {}  # term -> count of the term in each of those documents
        self._lens = np.zeros(64, dtype=np.float32)  # document lengths in tokens; grows by doubling
        self._n = 0
        self._total = 0  # sum of lengths, for the average

    def __len__(self) -> int:
        return self._n

    def add(self, docs: Sequence[Sequence[str]]) -> None:
        """Append documents (token lists); they get the next positions."""
        if self._n + len(docs) > len(self._lens):
            grown = np.zeros(max(2 * len(self._lens), self._n + len(docs)), dtype=np.float32)
            grown[:self._n] = self._lens[:self._n]
            self._lens = grown
        for toks in docs:
            pos = self._n
            for term, tf in Counter(toks).items():
                if term not in self._docs:
                    self._docs[term], self._tfs[term] = array("i"), array("f")
                self._docs[term].append(pos)
                self._tfs[term].append(tf)
            self._lens[pos] = len(toks)
            self._n += 1
            self._total += len(toks)

    def idf(self, term: str) -> float:
        n, df = self._n, len(self._docs.get(term, ()))
        return math.log(1.0 + (n - df + 0.5) / (df + 0.5))

    def scores(self, query: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """(positions, scores) of every document sharing a term with the query; positions ascending.
        Each distinct query term counts once."""
        n = self._n
        terms = [t for t in dict.fromkeys(query) if t in self._docs]
        if not n or not terms:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        avg = max(self._total / n, 1e-9)
        parts_pos, parts_score = [], []
        for t in terms:
            # Copies (µs for 10^4 postings), not views: a live view would stop the array growing.
            pos = np.array(self._docs[t], dtype=np.int64)
            tf = np.array(self._tfs[t], dtype=np.float32)
            norm = self.k1 * (1.0 - self.b + self.b * self._lens[pos] / avg)
            parts_pos.append(pos)
            parts_score.append(self.idf(t) * tf * (self.k1 + 1.0) / (tf + norm))
        if len(parts_pos) == 1:
            return parts_pos[0], parts_score[0].astype(np.float32)
        allpos = np.concatenate(parts_pos)
        uniq, inverse = np.unique(allpos, return_inverse=True)
        return uniq, np.bincount(inverse, weights=np.concatenate(parts_score)).astype(np.float32)

    def top(self, query: Sequence[str], n: int) -> tuple[np.ndarray, np.ndarray]:
        """The n best (positions, scores), best first; fewer when fewer documents match."""
        pos, sc = self.scores(query)
        if len(pos) > n:
            keep = np.argpartition(-sc, n - 1)[:n]
            pos, sc = pos[keep], sc[keep]
        order = np.argsort(-sc, kind="stable")
        return pos[order], sc[order]
