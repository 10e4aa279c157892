"""Which fact answers, and whether the world answers at all (BM25 alone here; e5 in the evals)."""

import pytest

from llmverse.characters.facts import FactBook
from llmverse.world.world import open_world


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    return open_world(database_url=f"sqlite:///{tmp_path_factory.mktemp('w') / 'w.db'}")


def find(world, who, text):
    book = FactBook(world, world.characters[who], None)
    return book.find(book.question(text))


@pytest.mark.parametrize("who, text, key", [
    ("bram", "How much is the anchor?", "price:anchor"),
    ("bram", "你的鱼钩怎么卖？", "price:fishing_hook"),
    ("bram", "When do you close?", "hours:forge"),
    ("lin", "Who runs the forge?", "who:bram"),
    ("nell", "What time are the lanterns lit?", "knows:1"),
    ("bram", "How long does it take you to make a big anchor?", "knows:0"),
    ("lin", "How long do you keep lost things?", "knows:0"),
    ("bram", "What do you sell?", "sells"),
    ("mara", "What is your name?", "self"),
])
def test_the_fact_that_answers(world, who, text, key):
    found = find(world, who, text)
    assert found.status == "answered" and found.key is not None and found.key.id == key


@pytest.mark.parametrize("who, text, missing", [
    ("bram", "Do you sell swords?", "sword"),
    ("mara", "How much is a ticket to the museum?", "ticket"),
    ("bram", "Where's the nearest bank?", "bank"),
    ("nell", "你卖自行车吗？", "自行车"),
    ("nell", "有啤酒吗？", "啤酒"),
    ("otto", "What's the entrance fee for the Lantern Park?", "price"),
])
def test_what_the_world_lacks_is_declined(world, who, text, missing):
    found = find(world, who, text)
    assert found.status == "unknown" and found.key is None and found.missing == missing


def test_greetings_and_chat_need_no_fact(world):
    assert find(world, "bram", "Hello!").status == "smalltalk"
    assert find(world, "bram", "Lovely morning, isn't it").status == "open"
