"""The assistant on the real bundled SmolLM2: properties that must hold, never exact wording."""

import pytest

from llmverse.assistant import Assistant, Router
from llmverse.evals.assistant import unsupported_claims
from llmverse.lang import detect_language
from llmverse.llm.gateway import Gateway
from llmverse.world.world import open_world

pytestmark = [pytest.mark.slow, pytest.mark.integration]


@pytest.fixture(scope="module")
def gateway():
    pytest.importorskip("llama_cpp")
    from llmverse.llm.llamacpp import LlamaCppBackend

    return Gateway(LlamaCppBackend("smollm2-135m", threads=2))


def test_tool_choice_is_valid_json_and_replies_are_grounded(tmp_path, gateway):
    world = open_world(database_url=f"sqlite:///{tmp_path / 'w.db'}")
    a = Assistant(world, gateway, router=Router(gateway, consult="always"))
    cases = [("How do I get to the museum?", "navigate"), ("When does the library close?", "answer"),
             ("铁锚多少钱？", "answer"), ("What is the capital of France?", "answer"), ("Hello!", "smalltalk")]
    for text, tool in cases:
        r = a.reply("p1", text, start="market")
        assert r.decision.model_tool in ("navigate", "recommend", "answer", "smalltalk", "invalid")
        assert r.tool == tool and r.text
        assert detect_language(r.text) == detect_language(text)
        support = r.answer.sources_text if r.answer else r.route.text if r.route else r.text
        assert unsupported_claims(world, r.text, support) == []
    france = a.reply("p1", "What is the capital of France?")
    assert not france.citations and "Paris" not in france.text
