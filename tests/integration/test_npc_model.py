"""The shipped NPC voice (Gemma-3-270M + the llmverse adapter, merged at first use) on Harbor Town, a
world it never trained on: the right fact from the model alone, in English and in Chinese."""

import pytest

from llmverse.characters.character import Character
from llmverse.lang import detect_language
from llmverse.llm.gateway import Gateway
from llmverse.world.world import open_world

pytestmark = [pytest.mark.slow, pytest.mark.integration]


@pytest.fixture(scope="module")
def gateway():
    pytest.importorskip("llama_cpp")
    pytest.importorskip("gguf")
    from llmverse.llm.llamacpp import LlamaCppBackend
    from llmverse.llm.registry import is_installed

    if not is_installed("gemma3-270m"):
        pytest.skip("the Gemma base package is not installed")
    if not is_installed("gemma3-npc"):
        pytest.skip("no adapter in llm/adapters/gemma3-npc/ (make models builds it)")
    backend = LlamaCppBackend("gemma3-npc", threads=2, seed=7)
    assert backend.languages == frozenset({"en", "zh"})
    return Gateway(backend)


@pytest.fixture
def world(tmp_path):
    return open_world(database_url=f"sqlite:///{tmp_path / 'w.db'}")


@pytest.mark.parametrize("who, question, language, fact", [
    ("bram", "How much is the fishing hook?", "en", "2"),
    ("mara", "博物馆几点开门？", "zh", "09:00"),
])
def test_the_tuned_model_states_the_fact_itself_in_the_players_language(world, gateway, who, question, language, fact):
    reply = Character(world, who, gateway).reply("p1", question)
    assert detect_language(reply.text) == language, reply.text
    assert fact in reply.text, reply.text
    # The model's own words: nothing composed or added by the world, nothing dropped by the checks.
    assert not (reply.composed or reply.completed or reply.fallback), (reply.draft, reply.reasons)
