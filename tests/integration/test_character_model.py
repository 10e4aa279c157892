"""Characters on the real bundled SmolLM2: properties that must hold, never exact wording."""

import re

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


# --- the grounded voice's properties on the real model (issue: characters worth talking to) ---------

LEAK_MARKS = ("Facts:", "says:", "Answer with", "first person", "short sentences", "In this scenario",
              "I have talked with", "instructions", "You are Bram")


@pytest.mark.parametrize("who, question", [
    ("bram", "Do you sell swords?"), ("bram", "How much is a ticket to the museum?"),
    ("mara", "Where is the cinema?"), ("nell", "你卖自行车吗？"),
])
def test_a_question_the_world_cannot_answer_is_declined_not_substituted(world, gateway, who, question):
    reply = Character(world, who, gateway).reply("p1", question)
    assert reply.status == "unknown"
    assert reply.usage is None and reply.draft == ""  # the world declines: the model is never asked to guess
    assert not any(str(t.price).rstrip("0").rstrip(".") in reply.text.split() for t in world.things.values()
                   if t.price is not None and t.owner != who)  # no other thing's price offered instead
    assert detect_language(reply.text) == detect_language(question)


def test_nothing_of_the_prompt_reaches_the_player_over_a_conversation(world, gateway):
    bram = Character(world, "bram", gateway)
    said: list[str] = []
    by_model = 0
    for line in ("Hello!", "My name is Ana.", "What do you make at the forge?", "How much is the hook?",
                 "Tell me about yourself.", "What's my name?"):
        reply = bram.reply("visitor6", line)
        assert not any(mark.lower() in reply.text.lower() for mark in LEAK_MARKS), reply.text
        assert "visitor6" not in reply.text.lower()  # the internal id never shows
        sentences = [s.strip() for s in reply.text.replace("!", ".").split(".") if len(s.strip()) > 8]
        assert len(sentences) == len(set(sentences)), reply.text  # no sentence twice in a reply
        said += sentences
        by_model += bool(reply.draft) and not reply.composed  # the model's own words were shown
    assert by_model >= 2  # the checks above read the model's text, not only the world's
    assert "Ana" in bram.last.text  # what the player told about themselves is used later
    # ... as the player's name: asked "What's my name?", the model once answered "Um, my name is Ana."
    assert not re.search(r"\b(?:my name is|my name's|I'm|I am) Ana\b", bram.last.text, re.I), bram.last.text
    greetings = [s for s in said if s.startswith(("Good to see you again", "Welcome back", "Hello again"))]
    assert len(greetings) <= 1


def test_the_models_own_share_is_measured_not_only_the_repaired_reply(world, gateway):
    """The model, not the world's completion, states the price in most of a few tries."""
    by_model = 0
    for i, who_q in enumerate([("bram", "How much is the iron anchor?"), ("bram", "What does a fishing hook cost?"),
                               ("nell", "How much is the fish stew?"), ("nell", "How much is ginger tea?")]):
        who, q = who_q
        reply = Character(world, who, gateway).reply(f"p{i}", q)
        assert not reply.fallback
        by_model += not (reply.completed or reply.composed)
    assert by_model >= 2
