"""Content on the real bundled SmolLM2: properties that must hold, never exact wording."""

import os

import pytest

from llmverse.content import generate
from llmverse.content.evaluate import simulate_day
from llmverse.content.forms import FORMS
from llmverse.lang import detect_language
from llmverse.llm.gateway import Gateway
from llmverse.world.world import open_world

pytestmark = [pytest.mark.slow, pytest.mark.integration]


@pytest.fixture(scope="module")
def gateway():
    pytest.importorskip("llama_cpp")
    from llmverse.llm.llamacpp import LlamaCppBackend

    return Gateway(LlamaCppBackend("smollm2-135m", threads=int(os.environ.get("LLMVERSE_THREADS", "2")), seed=7))


@pytest.fixture(scope="module")
def day(tmp_path_factory):
    """A simulated Harbor Town day (scripted minds: the model under test only writes the content)."""
    world = open_world(database_url=f"sqlite:///{tmp_path_factory.mktemp('content') / 'w.db'}")
    simulate_day(world)
    yield world
    world.store.engine.dispose()


def test_news_edition_keeps_only_grounded_sentences_each_citing_real_events(day, gateway):
    ed = generate("news", day, gateway, day=1, stories=3)
    assert not ed.quiet and len(ed.stories) == 3
    ids = {e.id for e in day.events()}
    for story in ed.stories:
        assert story.sentences, "every story has an article"
        for s in [story.headline, *story.sentences]:
            assert s.grounded, (s.text, [c for c in s.claims if not c.ok])
            assert set(s.sources) <= ids and (s.sources or not s.factual)
    assert ed.scores["grounding"] == 1.0 and ed.passed
    assert detect_language(ed.text) == "en"
    assert ed.model == "llamacpp:smollm2-135m"


def test_chinese_edition_is_chinese_and_grounded(day, gateway):
    ed = generate("news", day, gateway, day=1, language="zh", stories=2)
    assert detect_language(ed.text) == "zh" and ed.passed and ed.scores["grounding"] == 1.0


def test_a_haiku_always_holds_its_form(day, gateway):
    poem = generate("poem", day, gateway, form="haiku", topic="harbour", attempts=4)
    recount = FORMS["haiku"].check(poem.lines)
    assert poem.form_ok and recount.ok and poem.passed
    assert [int(m) for m in recount.measures] == [5, 7, 5]
    assert 1 <= len(poem.attempts) <= 4 and poem.method in ("model", "assembled", "composed")