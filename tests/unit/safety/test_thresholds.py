"""Lines chosen on out-of-fold scores: within the level's budgets, spent where they buy detection."""

import numpy as np

from llmverse.safety.policy import CATEGORIES
from llmverse.safety.thresholds import BUDGETS, choose, figures, folds, ordered, per_message

V, H = CATEGORIES.index("violence"), CATEGORIES.index("hate")


def _set(seed: int = 0):
    """Violence attacks separate well from harmless text; hate attacks overlap it."""
    rng = np.random.default_rng(seed)
    n_att, n_ben, n_look = 400, 600, 400
    p = np.zeros((n_att + n_ben + n_look, len(CATEGORIES)), np.float32)
    y = np.zeros_like(p)
    y[:200, V], y[200:400, H] = 1, 1
    p[:200, V] = rng.uniform(0.6, 1.0, 200)
    p[200:400, H] = rng.uniform(0.0, 1.0, 200)
    p[400:, V] = rng.uniform(0.0, 0.55, n_ben + n_look)
    p[400:, H] = rng.uniform(0.0, 1.0, n_ben + n_look)
    kind = np.array(["attack"] * n_att + ["benign"] * n_ben + ["lookalike"] * n_look)
    sources = np.array(["a1"] * 200 + ["a2"] * 200 + ["b1"] * 300 + ["b2"] * 300 + ["l1"] * n_look)
    return p, y, kind, sources


def test_lines_keep_each_levels_budgets_and_stricter_levels_refuse_more():
    p, y, kind, sources = _set()
    got = {}
    for level, (plain, look) in BUDGETS.items():
        lines = choose(p, y, kind, sources, level)
        f = figures(p, y, kind, sources, lines)
        assert f["benign"] <= plain + 1e-9 and f["lookalike"] <= look + 1e-9
        got[level] = f
    assert got["family"]["attacks"] >= got["teen"]["attacks"] >= got["mature"]["attacks"]
    assert got["family"]["benign"] >= got["mature"]["benign"]


def test_the_budget_goes_to_the_category_that_separates():
    p, y, kind, sources = _set()
    lines = choose(p, y, kind, sources, "teen")
    assert lines["violence"] <= 0.6  # every violence attack is above 0.6, harmless text below 0.55
    assert lines["hate"] >= 0.9  # hate scores overlap harmless ones: a low line would spend the budget
    f = figures(p, y, kind, sources, lines)
    assert f["source:a1"] == 1.0 and f["source:a2"] < 0.2


def test_in_world_questions_form_one_fold_and_are_left_to_the_bound():
    f = folds(["alpaca-en", "world", "generated-world", "catqa"])
    assert sorted(f) == ["alpaca-en", "catqa", "world"] and f["world"].tolist() == [False, True, True, False]
    packed = folds(["a"] * 5 + ["b"] * 3 + ["c"] * 2 + ["d"] * 2 + ["world"], groups=2)
    assert sorted(packed) == ["a+d", "b+c", "world"]  # whole sources, about equal sizes (7 and 5)
    assert sum(m.sum() for m in packed.values()) == 13
    apart = folds(["a"] * 5 + ["b"] * 3 + ["c"] * 2 + ["d"] * 2, groups=2, spread=frozenset({"c", "d"}))
    assert not any(m[8] and m[10] for m in apart.values())  # c and d, ordinary harmless text, in different folds
    p, y, kind, sources = _set()
    sources = sources.astype("<U16")
    sources[400:700] = "world"  # a world question scored high does not hold a line up
    p2 = p.copy()
    p2[400:700, V] = 0.99
    assert choose(p2, y, kind, sources, "teen")["violence"] <= 0.6


def test_a_message_scores_its_worst_view():
    pv = np.zeros((3, len(CATEGORIES)), np.float32)
    pv[0, V], pv[1, V], pv[2, H] = 0.2, 0.9, 0.5
    out = per_message(pv, np.array([0, 0, 1]), 2)
    assert out[0, V] == np.float32(0.9) and out[1, H] == np.float32(0.5) and out[1, V] == 0


def test_stricter_levels_never_have_a_higher_line():
    lines = ordered({"family": {"jailbreak": 1.01, "hate": 0.4}, "teen": {"jailbreak": 0.53, "hate": 0.5},
                     "mature": {"jailbreak": 0.4, "hate": 0.7}})
    assert lines["family"]["jailbreak"] == 0.53 and lines["mature"]["jailbreak"] == 0.53
    assert lines["family"]["hate"] == 0.4 and lines["mature"]["hate"] == 0.7
