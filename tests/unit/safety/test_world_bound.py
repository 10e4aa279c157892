"""The in-world questions split in two by hash: one half trains, the other bounds the thresholds."""

import numpy as np

from llmverse.safety import world_bound
from llmverse.safety.head import Head
from llmverse.safety.policy import CATEGORIES


def test_split_is_a_stable_partition_by_text():
    texts = [f"Where is shop number {i}?" for i in range(200)]
    train, held = world_bound.split(texts)
    assert set(train).isdisjoint(held) and sorted(train + held) == sorted(texts)
    assert 60 < len(train) < 140  # about half each
    assert world_bound.split(list(reversed(texts))) == (list(reversed(train)), list(reversed(held)))


def test_bound_raises_each_threshold_above_the_highest_world_score(monkeypatch):
    rng = np.random.default_rng(0)
    vecs = {t: rng.normal(size=(1, 384)).astype(np.float32) for t in ("a", "b", "c")}
    monkeypatch.setattr(world_bound.embed, "views", lambda t: vecs[t])
    head = Head(rng.normal(size=(384, 8)).astype(np.float32), np.zeros(8, np.float32),
                rng.normal(size=(8, 9)).astype(np.float32), np.zeros(9, np.float32),
                thresholds={lvl: {c: 0.5 for c in CATEGORIES} for lvl in ("family", "teen", "mature")})
    top = world_bound.bound(head, ["a", "b", "c"])
    p = np.stack([head.probs(v)[0] for v in vecs.values()])
    for j, c in enumerate(CATEGORIES):
        assert abs(top[c] - p[:, j].max()) < 1e-6
        want = min(world_bound.CEILING, max(0.5, top[c] + world_bound.MARGIN))
        assert abs(head.threshold("teen", c) - want) < 1e-3
        assert (p[:, j] < head.threshold("family", c)).all() or head.threshold("family", c) == world_bound.CEILING
