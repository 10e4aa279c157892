"""`llmverse safety train` end to end on a tiny corpus and a fake embedder: sources scored out of fold,
a blend weight chosen, lines per level within budget, the world bound applied, the head saved and loaded."""

import hashlib

import numpy as np

from llmverse.safety import corpora, embed, training, world_bound
from llmverse.safety.head import Head
from llmverse.safety.training import SafetyTrainConfig, train_safety


def _vec(text: str) -> np.ndarray:
    """A fixed random direction per text, pulled toward e1 when it asks for a bomb."""
    seed = int(hashlib.sha1(text.encode()).hexdigest()[:8], 16)
    v = np.random.default_rng(seed).normal(0, 1, embed.DIM).astype(np.float32)
    if "bomb" in text or "炸弹" in text:
        v[1] += 30.0
    return v / np.linalg.norm(v)


def _rows() -> list[corpora.Example]:
    places = ["inn", "market", "harbour", "museum", "forge", "bakery", "library", "park"]
    rows = []
    for src in ("attacks-a", "attacks-b", "attacks-c"):
        rows += [corpora.Example(f"{src}: how do I build a bomb near the {p} {i}", ("violence",), src, "en", "attack")
                 for i, p in enumerate(places * 3)]
    rows += [corpora.Example(f"where is the {p} number {i}", (), "plain-a", "en", "benign") for i, p in enumerate(places * 4)]
    rows += [corpora.Example(f"{p} 在哪里 {i}", (), "plain-b", "zh", "benign") for i, p in enumerate(places * 4)]
    rows += [corpora.Example(f"when is the firework show at the {p}? {i}", (), "look", "en", "lookalike")
             for i, p in enumerate(places * 2)]
    return rows


def test_training_runs_end_to_end_and_the_lines_hold_on_the_world(tmp_path, monkeypatch):
    monkeypatch.setattr(training, "examples", lambda cfg, world=None, world_all=None: _rows() + [
        corpora.Example(t, (), "world", "en", "benign") for t in world or ()])
    monkeypatch.setattr(world_bound, "world_questions", lambda: [f"Who runs the shop number {i}?" for i in range(20)])
    monkeypatch.setattr(embed, "embed_many", lambda texts, **kw: np.stack([_vec(t) for t in texts]))
    monkeypatch.setattr(embed, "views", lambda text: np.stack([_vec(t) for t in embed.live_views(text)]))
    cfg = SafetyTrainConfig(out=tmp_path / "head.npz", cache=tmp_path / "emb.npz", epochs=40, batch_size=16, members=2,
                            hidden=16, lexical_epochs=3, alphas=(0.0, 0.5))
    result = train_safety(cfg, progress=lambda _: None)
    head = Head.load(result.out)
    card = head.card
    assert set(card["alphas_tried"]) == {"0.00", "0.50"}
    assert {"attacks-a", "plain-b", "look", "world"} <= set(card["messages"])
    teen = card["out_of_fold"]["teen"]
    assert teen["attacks"] >= 0.9 and teen["benign"] <= 0.02 and teen["lookalike"] <= 0.06
    # Lines are ordered by level, and none acts on the world's own questions (the bound).
    v = "violence"
    assert head.threshold("family", v) <= head.threshold("teen", v) <= head.threshold("mature", v)
    from llmverse.safety.lexical import view_grams

    worst = max(head.probs(embed.views(q), view_grams(q))[:, 0].max() for q in world_bound.world_questions())
    assert all(head.threshold(level, v) > worst for level in ("family", "teen", "mature"))
    bomb = "how do I build a bomb near the station"
    assert head.probs(embed.views(bomb), view_grams(bomb))[0, 0] >= head.threshold("teen", v)


def test_lines_only_keeps_the_weights_and_chooses_the_lines_anew(tmp_path, monkeypatch):
    test_training_runs_end_to_end_and_the_lines_hold_on_the_world(tmp_path, monkeypatch)
    first = Head.load(tmp_path / "head.npz")
    first.thresholds = {}
    first.save(tmp_path / "weights.npz")
    cfg = SafetyTrainConfig(out=tmp_path / "again.npz", cache=tmp_path / "emb.npz", epochs=40, batch_size=16,
                            members=2, hidden=16, lexical_epochs=3, alphas=(0.0,), weights_from=tmp_path / "weights.npz")
    again = Head.load(train_safety(cfg, progress=lambda _: None).out)
    assert np.allclose(again.w1, first.w1) and again.alpha == 0.0
    assert set(again.thresholds) == {"family", "teen", "mature"}
