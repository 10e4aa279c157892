"""A detail the world does not hold is declined in character, naming the place and what was asked."""

import pytest

from llmverse.characters.character import Character
from llmverse.llm.gateway import Gateway, GatewayConfig
from llmverse.llm.scripted import ScriptedBackend
from llmverse.world.world import open_world


@pytest.fixture
def world(tmp_path):
    return open_world(database_url=f"sqlite:///{tmp_path / 'w.db'}")


@pytest.mark.parametrize("question, named", [
    ("Does the Market have a guide?", ("guide", "Market")),
    ("集市有导游吗？", ("导游", "集市")),
    ("Are there shows at the Gull Inn in the evening?", ("shows", "Gull Inn")),
])
def test_a_detail_is_declined_naming_it_and_the_place(world, question, named):
    backend = ScriptedBackend(default="Mara is the museum tour guide at the Maritime Museum.")
    reply = Character(world, "bram", Gateway(backend, GatewayConfig(timeout=0.5, retries=1))).reply("p1", question)
    assert reply.status == "unknown" and not backend.calls  # the world declines; no model is asked
    assert all(n in reply.text for n in named) and "Mara" not in reply.text and "玛拉" not in reply.text
