"""Facts stated in words, not digits: Chinese hours and compass directions are checked like numbers."""

import pytest

from llmverse.world.grounding import Lexicon, directions_in, hours_in
from llmverse.world.loader import load_world
from llmverse.world.world import DEFAULT_WORLD

FACTS = "海事博物馆开放时间是09:00-17:00。从集市出发，向东南走70米，灯笼公园就在正前方。"


@pytest.fixture(scope="module")
def lexicon():
    return Lexicon(load_world(DEFAULT_WORLD))


@pytest.mark.parametrize("sentence, ok", [
    ("海事博物馆开放时间是零九点至十一点。", False),  # a held-out reply of the fine-tuned Gemma
    ("海事博物馆九点开门，下午五点关门。", True),
    ("灯笼公园远在东边，步行约1分钟。", False),  # 东边 where the way is 东南
    ("灯笼公园在东南边。", True),
    ("我买了一些东西。", True),  # 东西 is "things", not two directions
    ("The park is east of the market.", False),
    ("Head southeast from the market.", False),  # the facts say so only in Chinese
])
def test_hours_and_directions_in_words_must_be_in_the_facts(lexicon, sentence, ok):
    assert lexicon.check(sentence, supported_text=FACTS).ok is ok


def test_what_the_facts_state():
    assert hours_in(FACTS) == {9, 17} and hours_in("十一点半见") == {11}
    assert directions_in(FACTS) == {"东南"} and directions_in("head north, then west") == {"north", "west"}
