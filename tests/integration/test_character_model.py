"""Characters on the real bundled SmolLM2: properties that must hold, never exact wording."""

import pytest

from llmverse.characters.character import Character
from llmverse.lang import detect_language
from llmverse.llm.gateway import Gateway
from llmverse.world.world import open_world

pytestmark = [pytest.mark.slow, pytest.mark.integration]


@pytest.fixture(scope="module")
def gateway():
    pytest.importorskip("llama_cpp")
    from llmverse.llm.llamacpp import LlamaCppBackend

    return Gateway(LlamaCppBackend("smollm2-135m", threads=2, seed=7))


@pytest.fixture
def world(tmp_path):
    return open_world(database_url=f"sqlite:///{tmp_path / 'w.db'}")


@pytest.mark.parametrize("who, question, fact", [
    ("bram", "How much does an iron anchor cost?", "40"),
    ("nell", "How much is the fish stew?", "5"),
    ("mara", "When does the museum open?", "09:00"),
])
def test_world_fact_question_gets_the_right_fact(world, gateway, who, question, fact):
    reply = Character(world, who, gateway).reply("p1", question)
    assert fact in reply.text.replace(" 9:00", " 09:00")
    assert not reply.fallback


def test_chinese_question_gets_a_chinese_reply_naming_the_place_in_chinese(world, gateway):
    reply = Character(world, "lin", gateway).reply("p1", "博物馆几点开门？")
    assert detect_language(reply.text) == "zh"
    assert "海事博物馆" in reply.text and "09:00" in reply.text


@pytest.mark.parametrize("who, name", [("bram", "Bram"), ("mara", "Mara"), ("otto", "Otto")])
def test_asked_its_name_a_character_gives_the_persona_name(world, gateway, who, name):
    reply = Character(world, who, gateway).reply("p1", "What is your name?")
    assert name in reply.text


def test_replies_stream_and_keep_no_invented_names(world, gateway):
    bram = Character(world, "bram", gateway)
    pieces = list(bram.respond("p1", "Tell me about your forge and what you make."))
    assert pieces and "".join(pieces) == bram.last.text
    finding = bram.lexicon.check(bram.last.text, supported_text="p1 Tell me about your forge and what you make.")
    assert finding.invented_names == []
    assert bram.last.usage.prompt_tokens > 50 and bram.last.usage.completion_tokens > 0
