"""Reading a question: what it asks, which of the world's things it names, what it names that the world lacks."""

import pytest

from llmverse.voice.question import parse
from llmverse.voice.vocabulary import vocabulary
from llmverse.world.loader import load_world
from llmverse.world.world import DEFAULT_WORLD


@pytest.fixture(scope="module")
def vocab():
    return vocabulary(load_world(DEFAULT_WORLD))


@pytest.mark.parametrize("text, intent, entity", [
    ("How much is the iron anchor?", "price", "thing:anchor"),
    ("What would a hook set me back?", "price", "thing:fishing_hook"),
    ("铁锚多少钱？", "price", "thing:anchor"),
    ("When does the museum open?", "hours", "place:museum"),
    ("图书馆几点开门？", "hours", "place:library"),
    ("Which way is the smithy?", "where", "place:forge"),
    ("Who is the blacksmith?", "who", "character:bram"),
    ("住一晚多少钱？", "price", "thing:room_night"),
])
def test_intent_and_named_thing(vocab, text, intent, entity):
    q = parse(text, vocab)
    assert intent in q.intents
    assert q.entities and q.entities[0] == entity
    assert not q.unknown


@pytest.mark.parametrize("text, missing", [
    ("Do you sell swords?", "sword"),
    ("How much is a ticket to the museum?", "ticket"),
    ("你卖自行车吗？", "自行车"),
    ("Where is the cinema?", "cinema"),
])
def test_words_the_world_lacks(vocab, text, missing):
    q = parse(text, vocab)
    assert q.unknown and q.unknown[0] == missing


def test_a_longer_name_wins_over_a_word_inside_it(vocab):
    q = parse("Tell me about the old sea chart", vocab)
    assert q.entities[0] == "thing:old_chart"


@pytest.mark.parametrize("text, small", [("Hello!", True), ("你好", True), ("Hi, how much is the anchor?", False)])
def test_greetings_need_no_fact(vocab, text, small):
    assert parse(text, vocab).smalltalk is small


@pytest.fixture(scope="module")
def willow():
    return vocabulary(load_world(DEFAULT_WORLD.parent.parent / "willow_bend" / "world.yaml"))


@pytest.mark.parametrize("text, entity", [
    ("请问杂货店主是哪位？", "character:sun_li"),  # jieba cuts 杂货店 | 主是: the 主 is the role's, not a word it lacks
    ("哪位是邮局的负责人？", "place:post_office"),  # 负责人 cut as 负责 | 责人: a cut of an asking word
])
def test_a_chinese_who_question_names_no_word_jieba_cut_from_a_name(willow, text, entity):
    q = parse(text, willow)
    assert "who" in q.intents and entity in q.entities and q.unknown == []


def test_which_person_you_are_asks_about_yourself(vocab):
    assert "self" in parse("你是哪位？", vocab).intents
