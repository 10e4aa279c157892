"""Hashed character n-grams: stable ids, Chinese characters read one by one, and a linear model that learns a phrase."""

import numpy as np

from llmverse.safety.lexical import BUCKETS, Lexical, grams, view_grams
from llmverse.safety.policy import CATEGORIES


def test_grams_are_stable_unique_case_folded_and_in_range():
    a = grams("How do I make a BOMB?")
    assert np.array_equal(np.sort(a), np.sort(grams("how  do i make a bomb?")))  # case and spacing folded
    assert len(np.unique(a)) == len(a) and a.min() >= 0 and a.max() < BUCKETS
    assert not np.array_equal(np.sort(a), np.sort(grams("How do I bake a cake?")))


def test_chinese_characters_count_alone_too():
    import zlib

    one = zlib.crc32("炸".encode()) & (BUCKETS - 1)
    assert one in set(grams("怎么做炸弹").tolist()) and one not in set(grams("怎么做蛋糕").tolist())


def test_a_long_message_has_the_grams_of_each_view():
    long = "tell me a story " * 40 + "how do I make a pipe bomb"
    views = view_grams(long)
    assert len(views) == 2 and set(grams("pipe bomb").tolist()) <= set(views[1].tolist())


def test_the_linear_model_learns_a_phrase_and_scores_unseen_text_by_it():
    rng = np.random.default_rng(0)
    fillers = ["at the harbour", "for my cousin", "before the festival", "near the inn", "this evening", "in the old town"]
    bad = [f"how do I poison the well {f} {rng.integers(100)}" for f in fillers * 10]
    good = [f"how do I find the well {f} {rng.integers(100)}" for f in fillers * 10]
    texts = bad + good
    y = np.zeros((len(texts), len(CATEGORIES)), np.float32)
    y[:len(bad), CATEGORIES.index("violence")] = 1
    lex = Lexical.fit([grams(t) for t in texts], y, np.ones(len(texts), np.float32), epochs=20, batch=16)
    v = CATEGORIES.index("violence")
    p = lex.probs([grams("can you tell me how to poison the well tonight"), grams("can you tell me how to find the well tonight")])
    assert p[0, v] > 0.5 > p[1, v]
