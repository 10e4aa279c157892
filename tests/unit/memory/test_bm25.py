import math
from collections import Counter

import numpy as np
import pytest

from llmverse.lang import tokens
from llmverse.memory.bm25 import IncrementalBM25

DOCS = ["Bram forges anchors at the forge", "Nell bakes bread", "the forge is hot and the anchor heavy",
        "布兰在铁匠铺打造铁锚", "内尔在面包店烤面包", "anchor anchor anchor", "铁锚很重"]


def fresh_scores(docs: list[list[str]], query: list[str], k1: float = 1.5, b: float = 0.75) -> list[float]:
    """BM25 computed from scratch over all documents, the textbook way."""
    n, avg = len(docs), sum(map(len, docs)) / len(docs)
    out = []
    for d in docs:
        tf, s = Counter(d), 0.0
        for t in dict.fromkeys(query):
            df = sum(t in x for x in docs)
            if tf[t]:
                idf = math.log(1 + (n - df + 0.5) / (df + 0.5))
                s += idf * tf[t] * (k1 + 1) / (tf[t] + k1 * (1 - b + b * len(d) / avg))
        out.append(s)
    return out


@pytest.mark.parametrize("query", ["anchor forge", "铁锚", "面包 bread", "nothing matches"])
def test_incremental_adds_score_like_a_fresh_build(query):
    docs = [tokens(d) for d in DOCS]
    bm = IncrementalBM25()
    for d in docs:  # one at a time, as memories arrive
        bm.add([d])
    pos, sc = bm.scores(tokens(query))
    dense = np.zeros(len(docs))
    dense[pos] = sc
    np.testing.assert_allclose(dense, fresh_scores(docs, tokens(query)), rtol=1e-5)
    assert list(pos) == sorted(pos)


def test_top_is_best_first_and_every_score_positive():
    bm = IncrementalBM25()
    bm.add([tokens(d) for d in DOCS])
    pos, sc = bm.top(tokens("anchor"), 2)
    assert list(pos) == [5, 0] and sc[0] > sc[1] > 0
    # 'anchor' is in 3 of 7 documents; Okapi's idf would still be positive here, ours always is
    bm.add([["anchor"]] * 20)
    assert bm.idf("anchor") > 0
    assert bm.scores(["anchor"])[1].min() > 0
