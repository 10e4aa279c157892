"""Reflections are checked before they are stored: parsed, in voice, citing what they rest on."""

import pytest
from memfakes import HashEmbedder

from llmverse.characters.recall import MemorySystem
from llmverse.characters.reflection import check_insight
from llmverse.characters.simulation import Simulation
from llmverse.llm.gateway import Gateway, GatewayConfig
from llmverse.llm.scripted import ScriptedBackend
from llmverse.world.world import open_world

SHOWN = ["Otto arrived at the Town Hall at 09:10.", "Otto said to Lin Wei: the lantern festival is tonight.",
         "I arrived at the Town Hall at 08:00."]
ME = ["Lin Wei", "林薇"]


@pytest.mark.parametrize("text, why", [
    (");\n}", "junk"),
    ("}); I think Otto likes the Town Hall;", "junk"),
    ("Hello, Otto! Good to see you at the Town Hall.", "greeting or a turn of talk"),
    ("Lin Wei: I will see you at the festival.", "greeting or a turn of talk"),
    ("What is one insight about your day or the people in it that these memories support?", "the prompt echoed"),
    ("Otto cares about the lantern festival.", "not in the character's voice"),
    ("I arrived at the Town Hall at 08:00.", "a memory copied, not an insight"),
    ("I think the bakery sells bread cheaply.", "cites memories it does not rest on"),
])
def test_unusable_insights_are_dropped_with_a_reason(text, why):
    assert check_insight(text, SHOWN[:2], SHOWN, ME) == why


def test_an_insight_in_voice_that_rests_on_its_memories_passes():
    assert check_insight("I think Otto is excited about the lantern festival.", SHOWN[:2], SHOWN, ME) is None
    assert check_insight("我觉得奥托很期待灯笼节。", ["奥托说今晚有灯笼节。"], ["奥托说今晚有灯笼节。"], ME) is None
    assert check_insight("I met Otto today.", [], SHOWN, ME) == "cites nothing it was shown"


def test_a_junk_reflection_is_not_stored_and_is_counted(tmp_path):
    world = open_world(database_url=f"sqlite:///{tmp_path / 'w.db'}")
    gw = Gateway(ScriptedBackend(rules=[(r"insight", '{"insight": ");\\n}  }); ok ok", "cites": [1]}')],
                                 json_default=True, default="Hm."), GatewayConfig(timeout=2, retries=0))
    memory = MemorySystem.open(world, gw, HashEmbedder())
    memory.reflector.config.threshold = 5
    report = Simulation(world, gw, players={"p1": "town_hall"}, memory=memory).run(4)
    assert memory.stream.for_character("lin", kinds=["reflection"]) == []
    assert report.dropped["junk"] >= 1 and memory.reflector.dropped == report.dropped
