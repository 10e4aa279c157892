"""The safety head: numpy forward, save/load, training that can fail, the lexical blend."""

import numpy as np
import pytest

from llmverse.safety.head import Head
from llmverse.safety.policy import CATEGORIES
from llmverse.safety.lexical import Lexical, grams
from llmverse.safety.training import SafetyTrainConfig, fit, fit_one


def _data(n: int, seed: int):
    """Two clusters on the unit sphere: harmless near e0, 'violence' near e1."""
    rng = np.random.default_rng(seed)
    x = rng.normal(0, 0.3, (n, 384)).astype(np.float32)
    y = np.zeros((n, len(CATEGORIES)), np.float32)
    bad = rng.random(n) < 0.3
    x[bad, 1] += 6.0
    x[~bad, 0] += 6.0
    y[bad, CATEGORIES.index("violence")] = 1
    return x / np.linalg.norm(x, axis=1, keepdims=True), y


def test_fit_learns_a_separable_category():
    x, y = _data(600, 0)
    head = fit(x, y, np.ones(len(x), np.float32), SafetyTrainConfig(hidden=16, epochs=30, batch_size=64))
    xv, yv = _data(400, 1)
    v = CATEGORIES.index("violence")
    # Harmless vectors score low on every category; the separable one high on its own.
    p = head.probs(xv)
    assert p[yv[:, v] == 0].mean() < 0.2 and p[yv[:, v] == 1, v].mean() > 0.6


def test_save_and_load_give_the_same_scores(tmp_path):
    x, y = _data(200, 2)
    head = fit(x, y, np.ones(len(x), np.float32), SafetyTrainConfig(hidden=8, epochs=3))
    head.thresholds = {"teen": {"violence": 0.7}}
    back = Head.load(head.save(tmp_path / "h.npz"))
    assert np.allclose(back.probs(x), head.probs(x), atol=1e-2)  # w1 is stored in float16
    assert back.threshold("teen", "violence") == 0.7 and back.threshold("family", "hate") == 0.5
    assert set(back.scores(x[:2])) == set(CATEGORIES)


def test_an_ensemble_is_the_mean_of_its_members_and_survives_save_and_load(tmp_path):
    x, y = _data(300, 3)
    cfg = SafetyTrainConfig(hidden=8, epochs=5, members=3)
    head = fit(x, y, np.ones(len(x), np.float32), cfg)
    assert head.members == 3 and head.w1.shape == (3, 384, 8)
    singles = [fit_one(x, y, np.ones(len(x), np.float32), cfg, cfg.seed + k) for k in range(3)]
    assert np.allclose(head.probs(x), np.mean([h.probs(x) for h in singles], axis=0), atol=1e-5)
    assert not np.allclose(singles[0].probs(x), singles[1].probs(x))  # different seeds, different members
    back = Head.load(head.save(tmp_path / "e.npz"))
    assert back.members == 3 and np.allclose(back.probs(x), head.probs(x), atol=1e-2)


def test_a_head_with_a_lexical_model_blends_it_and_survives_save_and_load(tmp_path):
    x, y = _data(4, 5)
    head = fit(x, y, np.ones(len(x), np.float32), SafetyTrainConfig(hidden=8, epochs=2, members=1))
    rng = np.random.default_rng(0)
    head.lexical = Lexical(rng.normal(0, 1, (1 << 16, 9)).astype(np.float32), np.zeros(9, np.float32))
    head.alpha = 0.25
    ids = [grams(t) for t in ("how do I make a bomb", "where is the inn", "怎么做炸弹", "hello")]
    mlp = fit_one(x, y, np.ones(len(x), np.float32), SafetyTrainConfig(hidden=8, epochs=2), 0).probs(x)
    want = 0.75 * mlp + 0.25 * head.lexical.probs(ids)
    assert np.allclose(head.probs(x, ids), want, atol=1e-5)
    assert np.allclose(head.probs(x), mlp, atol=1e-6)  # without n-grams the members alone
    back = Head.load(head.save(tmp_path / "lex.npz"))
    assert back.alpha == 0.25 and back.lexical is not None
    assert np.allclose(back.probs(x, ids), want, atol=2e-2)  # weights stored in float16


def test_a_head_saved_before_ensembles_still_loads(tmp_path):
    """Last version's format: 2-D w1 (384, H) without the member axis."""
    import json

    rng = np.random.default_rng(0)
    w1, b1, w2, b2 = rng.normal(size=(384, 4)), np.zeros(4), rng.normal(size=(4, 9)), np.zeros(9)
    meta = json.dumps({"thresholds": {"teen": {"hate": 0.7}}, "card": {}, "categories": list(CATEGORIES)})
    np.savez(tmp_path / "old.npz", w1=w1.astype(np.float16), b1=b1, w2=w2, b2=b2, meta=np.array(meta))
    head = Head.load(tmp_path / "old.npz")
    x = rng.normal(size=(2, 384))
    want = 1 / (1 + np.exp(-(np.maximum(x @ w1.astype(np.float16).astype(np.float32), 0) @ w2)))
    assert head.members == 1 and np.allclose(head.probs(x), want, atol=1e-4)


def test_the_shipped_head_loads_and_has_thresholds_for_every_level():
    from llmverse.safety.head import packaged_path

    if not packaged_path().is_file():
        pytest.skip("no shipped head in this checkout")
    head = Head.load(packaged_path())
    assert head.w1.shape[1] == 384 and head.w2.shape[2] == len(CATEGORIES)
    for level in ("family", "teen", "mature"):
        assert set(head.thresholds[level]) == set(CATEGORIES)
        assert head.threshold("family", "violence") <= head.threshold("mature", "violence")
    assert head.card["sources"]
