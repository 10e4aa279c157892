"""The safety head: numpy forward, save/load, training that can fail, thresholds within their budget."""

import numpy as np
import pytest

from llmverse.safety.head import Head
from llmverse.safety.policy import CATEGORIES
from llmverse.safety.training import FP_BUDGET, SafetyTrainConfig, calibrate, fit


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


def test_fit_learns_a_separable_category_and_calibration_keeps_the_budget():
    x, y = _data(600, 0)
    head = fit(x, y, np.ones(len(x), np.float32), SafetyTrainConfig(hidden=16, epochs=30, batch_size=64))
    xv, yv = _data(400, 1)
    figures = calibrate(head, xv, yv)
    v = CATEGORIES.index("violence")
    assert figures["teen"]["violence"]["recall"] >= 0.95
    for level, budget in FP_BUDGET.items():
        for c in CATEGORIES:
            assert figures[level][c]["fp"] <= budget + 1e-9
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


def test_the_shipped_head_loads_and_has_thresholds_for_every_level():
    from llmverse.safety.head import shipped_path

    if not shipped_path().is_file():
        pytest.skip("no shipped head in this checkout")
    head = Head.load()
    assert head.w1.shape[0] == 384 and head.w2.shape[1] == len(CATEGORIES)
    for level in ("family", "teen", "mature"):
        assert set(head.thresholds[level]) == set(CATEGORIES)
        assert head.threshold("family", "violence") <= head.threshold("mature", "violence")
    assert head.card["sources"]
