"""The interview's checks against the log: what is claimed must have happened."""

import pytest

from llmverse.characters.simulation import Simulation
from llmverse.config import open_backend
from llmverse.evals.interview import interview, scores
from llmverse.llm.gateway import Gateway, GatewayConfig
from llmverse.llm.scripted import ScriptedBackend
from llmverse.world.world import open_world


@pytest.fixture
def world(tmp_path):
    return open_world(database_url=f"sqlite:///{tmp_path / 'w.db'}")


def test_reciting_facts_passes_self_knowledge_and_plans(world):
    gw = Gateway(open_backend("scripted"), GatewayConfig(timeout=2, retries=0))
    Simulation(world, gw).run(6)  # to 14:00
    answers = interview(world, gw)
    per = scores(answers)
    assert per["self-knowledge"] == 1.0 and per["plans"] == 1.0
    assert len(answers) == 5 * len(world.characters)


def test_claiming_a_talk_that_never_happened_fails_memory(world):
    liar = ScriptedBackend(rules=[(r"talk to", "I talked with Mara and Otto."), (r".", "I am here.")])
    answers = interview(world, Gateway(liar, GatewayConfig(timeout=2, retries=0)))  # no one has talked yet
    memory = [a for a in answers if a.category == "memory" and a.character in ("bram", "lin", "nell")]
    assert memory and not any(a.passed for a in memory)
    assert "answer names ['Mara', 'Otto']" in memory[0].why
