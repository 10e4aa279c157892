"""A short simulation on the real bundled SmolLM2: the party test, with characters near a player."""

import pytest

from llmverse.characters.mind import invite
from llmverse.characters.plans import DayPlan
from llmverse.characters.simulation import SimConfig, Simulation
from llmverse.llm.gateway import Gateway
from llmverse.world.world import open_world

pytestmark = [pytest.mark.slow, pytest.mark.integration]


def test_party_on_the_real_model(tmp_path):
    pytest.importorskip("llama_cpp")
    from llmverse.llm.llamacpp import LlamaCppBackend

    world = open_world(database_url=f"sqlite:///{tmp_path / 'w.db'}")
    gateway = Gateway(LlamaCppBackend("smollm2-135m", threads=2, seed=3))  # Nell and Otto meet by the player
    noon = world.now().replace(hour=12)
    invite(world, "nell", "inn", noon, "a lunch party")
    DayPlan(world, world.characters["nell"]).add(world.now().replace(hour=9), 60, "market", "inviting people", "own party")
    sim = Simulation(world, gateway, players={"p1": "market"}, config=SimConfig(lod=True))
    report = sim.run(4.5)
    assert world.position("nell") == "inn" and world.position("otto") == "inn"
    assert any(e.kind == "say" and e.actor == "otto" for e in report.events)  # Otto answered with the model
    assert report.calls_per_character_hour() > 0
