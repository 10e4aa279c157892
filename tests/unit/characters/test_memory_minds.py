"""Minds with memory on the scripted backend and a hashing embedder: perceive, recall, reflect."""

import json
import re

import pytest
from memfakes import HashEmbedder

from llmverse.characters.character import Character
from llmverse.characters.mind import invite
from llmverse.characters.recall import MemorySystem
from llmverse.characters.simulation import Simulation
from llmverse.llm.gateway import Gateway, GatewayConfig
from llmverse.llm.scripted import ScriptedBackend
from llmverse.world.world import open_world


@pytest.fixture
def world(tmp_path):
    return open_world(database_url=f"sqlite:///{tmp_path / 'w.db'}")


def scripted(*rules):
    return Gateway(ScriptedBackend(rules=list(rules), json_default=True, default="Hm."),
                   GatewayConfig(timeout=2, retries=0))


def test_what_a_character_perceives_becomes_its_memories(world):
    gw = scripted()
    memory = MemorySystem.open(world, gw, HashEmbedder())
    invite(world, "nell", "inn", world.now().replace(hour=12), "a lunch party")
    Simulation(world, gw, memory=memory).run(4)  # to 12:00: Otto and Lin meet at the town hall at 11:10
    otto = [m.text for m in memory.stream.for_character("otto")]
    assert any("arrived at the Town Hall" in t for t in otto)
    assert any("Lin Wei said to Otto" in t or "Otto said to Lin Wei" in t for t in otto)
    assert not any("Bram" in t for t in otto)  # he was never where Bram was
    assert all(1 <= m.importance <= 10 for m in memory.stream.for_character("otto"))


def _nines(messages) -> str:  # a batch of numbered memories: one 9 for each
    n = len(re.findall(r"^\d+\. ", messages[-1].content, re.M))
    return json.dumps({"importance": [9] * n})


def test_near_players_importance_is_scored_by_the_model(world):
    gw = scripted((r"each numbered memory", _nines), (r"important|importance", '{"importance": 9}'))
    memory = MemorySystem.open(world, gw, HashEmbedder())
    Simulation(world, gw, players={"p1": "town_hall"}, memory=memory).run(3.5)
    lin = memory.stream.for_character("lin")  # Lin is at the town hall, near the player
    assert lin and all(m.importance == 9 for m in lin if m.kind == "observation")
    assert memory.stream.scorer.stats.model >= 1


def test_reflection_cites_the_memories_it_rests_on(world):
    gw = scripted((r"insight", '{"insight": "I met Otto at the Town Hall today.", "cites": [1, 2]}'))
    memory = MemorySystem.open(world, gw, HashEmbedder())
    memory.reflector.config.threshold = 5
    sim = Simulation(world, gw, players={"p1": "town_hall"}, memory=memory)
    sim.run(4)
    insights = memory.stream.for_character("lin", kinds=["reflection"])
    assert insights and insights[0].text == "I met Otto at the Town Hall today."
    cited = memory.stream.get(insights[0].cites)
    assert cited and all(m.character == "lin" and m.kind != "reflection" for m in cited)
    assert sim.stats["lin"].reflections >= 1


def test_an_invented_insight_is_not_stored(world):
    gw = scripted((r"insight", '{"insight": "Captain Zork stole the bell.", "cites": [1]}'))
    memory = MemorySystem.open(world, gw, HashEmbedder())
    memory.reflector.config.threshold = 5
    Simulation(world, gw, players={"p1": "town_hall"}, memory=memory).run(4)
    assert memory.stream.for_character("lin", kinds=["reflection"]) == []


def test_a_character_recalls_memories_when_asked(world):
    gw = scripted()
    memory = MemorySystem.open(world, gw, HashEmbedder())
    Simulation(world, gw, memory=memory).run(4)
    backend = ScriptedBackend(default="I saw him.")
    lin = Character(world, "lin", Gateway(backend, GatewayConfig(timeout=2, retries=0)), memory=memory)
    lin.reply("Ada", "Did Otto come to the Town Hall today?")
    prompt = backend.calls[0][-1].content
    assert "I remember: Otto arrived at the Town Hall" in prompt


def test_what_one_player_said_is_not_recalled_to_another(world):
    from llmverse.characters.mind import Mind

    gw = scripted()
    memory = MemorySystem.open(world, gw, HashEmbedder())
    world.say("alice", "bram", "My secret: the treasure map is under the blue anchor.")
    Mind(world, "bram", gw, memory).perceive()
    assert any("treasure map" in m.text for m in memory.stream.for_character("bram"))
    backend = ScriptedBackend(default="Hm.")
    bram = Character(world, "bram", Gateway(backend, GatewayConfig(timeout=2, retries=0)), memory=memory)
    told_bob = bram.reply("bob", "Tell me about the treasure map under the blue anchor")
    # Not Bob's to hear: no prompt holds it, and with nothing else to go on Bram says he knows of no such map.
    assert all("My secret" not in call[-1].content for call in backend.calls)
    assert told_bob.status == "unknown" and "treasure" not in told_bob.text.lower().replace("treasure map", "")
    bram.reply("alice", "Do you remember the treasure map under the blue anchor?")
    assert "My secret" in backend.calls[-1][-1].content  # Alice's own words come back to her
