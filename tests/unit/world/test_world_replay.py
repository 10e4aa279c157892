"""The stored state equals the state rebuilt from the event log, after a simulated day of walking,
buying and giving; a state row changed behind the world's back is found."""

from __future__ import annotations

from enginekit import harbor
from llmverse.world.actions import Buy, Give, Move
from llmverse.world.replay import replay, verify


def test_the_log_rebuilds_the_stored_state_and_finds_a_change_made_behind_its_back(tmp_path):
    world = harbor(f"sqlite:///{tmp_path / 'w.db'}")
    assert verify(world) == []
    world.advance(60)  # 09:00
    world.apply("otto", Move(to="forge"))
    world.apply("nell", Move(to="market"))
    world.tick(5)  # Nell and Otto on their way
    assert verify(world) == []
    world.tick(30)
    world.apply("otto", Buy(thing="fishing_hook"))
    world.apply("otto", Give(thing="fishing_hook", to="bram"))
    world.apply("player1", Buy(thing="anchor"))
    world.apply("bram", Give(thing="fishing_hook", to="player2"))
    state = replay(world)
    assert state["thing:fishing_hook"] == {"location": None, "owner": "player2"}
    assert state["character:otto"] == {"place": "forge", "dest": None}
    assert verify(world) == []
    # A write that bypasses the actions (as `put_state` on world keys once could): found.
    world.store.put_state(world.key, "thing:anchor", {"location": "forge", "owner": "bram"})
    found = verify(world)
    assert [(m.entity, m.field) for m in found] == [("thing:anchor", "location"), ("thing:anchor", "owner")]
    assert "the log says 'player1'" in str(found[1])


def test_a_simulated_day_with_a_party_leaves_state_and_log_in_step(tmp_path):
    from llmverse.characters.mind import invite
    from llmverse.characters.simulation import SimConfig, Simulation
    from llmverse.config import open_backend
    from llmverse.llm.gateway import Gateway, GatewayConfig

    world = harbor(f"sqlite:///{tmp_path / 'w.db'}")
    invite(world, "nell", "park", world.now().replace(hour=11), "a lantern walk")
    # Far talks as templated turns (not one summary line, the default since issue 19): replies counted below.
    sim = Simulation(world, Gateway(open_backend("scripted"), GatewayConfig(timeout=2, retries=0)),
                     config=SimConfig(summarise_far_talk=False))
    report = sim.run(6)
    assert {"move", "arrive", "say"} <= {e.kind for e in report.events}
    assert verify(world) == []
    said = world.events(kind="say")
    pairs = {(e.actor, e.target) for e in said if e.actor in world.characters and e.target in world.characters}
    assert pairs
    for a, b in pairs:  # every reply counted once in the relationship it changed (openers change none)
        replies = [e for e in said if (e.actor, e.target) == (a, b)
                   and e.data["text"].startswith(("I will be there", "Good to see you"))]
        assert world.state_of(f"rel:{a}:{b}").get("familiarity", 0) == len(replies)
