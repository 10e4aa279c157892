"""The router's intent classifier: generated data split by template, the fallback order, and a real
(small) training run measured on held-out phrasings."""

import pytest

from llmverse.assistant.intents import TEMPLATES, IntentClassifier, evaluate, generate, split
from llmverse.assistant.router import keyword_tool
from llmverse.world.loader import load_world
from llmverse.world.world import DEFAULT_WORLD


@pytest.fixture(scope="module")
def harbor():
    return load_world(DEFAULT_WORLD)


def test_training_and_test_requests_come_from_different_templates(harbor):
    train, test = generate(harbor), generate(harbor, part="test", per_template=4, seed=1)
    assert {r["label"] for r in train} == set(TEMPLATES) == {r["label"] for r in test}
    assert not {r["text"].lower().strip("?.") for r in train} & {r["text"].lower().strip("?.") for r in test}
    heads = {t.split("{")[0] for label, ts in TEMPLATES.items() for i, t in enumerate(ts) if split(i) == "test"}
    assert not any(r["text"].lower().startswith(h.lower()) and len(h) > 12 for r in train for h in heads)
    assert all("{" not in r["text"] and "the the" not in r["text"].lower() for r in train)


def test_the_classifier_is_asked_after_keywords_and_before_the_nearest_example():
    asked = []

    def intents(text):
        asked.append(text)
        return "recommend" if "outing" in text else None

    assert keyword_tool("How do I get to the museum?", intents=intents) == "navigate" and asked == []
    assert keyword_tool("surprise me with an outing", intents=intents) == "recommend"
    assert keyword_tool("鱼汤多少钱", intents=intents) == "answer"  # abstained: the nearest example decided
    assert asked == ["surprise me with an outing", "鱼汤多少钱"]


def test_without_a_trained_model_it_abstains(tmp_path):
    c = IntentClassifier(tmp_path / "none")
    assert not c.available and c("where is the harbour") is None


@pytest.mark.slow
def test_a_small_trained_classifier_beats_keywords_on_held_out_phrasings(harbor, tmp_path):
    from llmverse.assistant.intents import train_intents

    out = tmp_path / "router"
    train_intents(harbor, out, epochs=3, per_template=10, threads=2)
    c = IntentClassifier(out)
    assert c.available and c("你好") is None  # English only
    f = evaluate(harbor, c)
    assert f.classifier > f.keywords and f.alone > 0.5
