"""The world as the one writer of its state: actions validated, events written, walking over time."""

import pytest

from llmverse.world.actions import ACTION_SCHEMA, ACTIONS, Buy, Give, Move, Say, Wait
from llmverse.world.world import ActionRefused, open_world


@pytest.fixture
def world(tmp_path):
    return open_world(database_url=f"sqlite:///{tmp_path / 'w.db'}")


def test_walking_takes_world_time_tile_by_tile_and_arrival_is_an_event(world):
    start = world.tile("bram")
    ev = world.apply("bram", Move(to="market"))
    assert ev.kind == "move" and ev.data["from"] == "forge" and ev.data["minutes"] > 0
    assert world.position("bram") is None and world.heading("bram") == "market"
    world.tick(0.1)  # 0.1 world minute: 4 tiles at 80 m/min and 2 m per tile
    mid = world.tile("bram")
    assert mid != start and max(abs(mid[0] - start[0]), abs(mid[1] - start[1])) == 4
    arrivals = world.tick(ev.data["minutes"] + 1)
    assert [(e.kind, e.actor, e.target) for e in arrivals] == [("arrive", "bram", "market")]
    assert world.position("bram") == "market" and world.grid.place_at(*world.tile("bram")) == "market"


def test_refusals_give_a_reason_and_change_nothing(world):
    before = world.events()
    with pytest.raises(ActionRefused, match="closed"):
        world.apply("bram", Move(to="museum"))  # 08:00; the museum opens at 09:00
    with pytest.raises(ActionRefused, match="no place"):
        world.apply("bram", Move(to="moon"))
    with pytest.raises(ActionRefused, match="not yours"):
        world.apply("nell", Give(thing="anchor", to="otto"))
    with pytest.raises(ActionRefused, match="not for sale"):
        world.apply("otto", Buy(thing="founding_bell"))
    with pytest.raises(ActionRefused, match="not here"):
        world.apply("otto", Buy(thing="anchor"))  # Otto is at the market, the anchor at the forge
    with pytest.raises(ActionRefused, match="not here"):
        world.apply("bram", Say(to="mara", text="hello"))
    assert world.events() == before and world.position("bram") == "forge"


def test_buying_and_giving_move_ownership_and_survive_a_restart(world):
    world.advance(60)  # 09:00
    world.apply("otto", Move(to="forge"))
    world.tick(10)
    ev = world.apply("otto", Buy(thing="fishing_hook"))
    assert (ev.kind, ev.target, ev.data["price"]) == ("buy", "bram", 2)
    world.apply("otto", Give(thing="fishing_hook", to="bram"))
    again = open_world(database_url=world.store.url)
    st = again.thing_state("fishing_hook")
    assert st.owner == "bram" and st.location == "forge"
    assert [e.kind for e in again.events(actor="otto")] == ["move", "arrive", "buy", "give"]


def test_wait_records_nothing_and_the_schema_admits_every_action(world):
    assert world.apply("bram", Wait(minutes=5)) is None
    kinds = {v["properties"]["kind"]["const"] for v in ACTION_SCHEMA["$defs"].values()}
    assert kinds == {"move", "say", "give", "buy", "use", "visit", "rate", "wait"}
    assert isinstance(ACTIONS.validate_json('{"kind": "move", "to": "park"}'), Move)
    with pytest.raises(ValueError):
        ACTIONS.validate_json('{"kind": "fly", "to": "moon"}')


def test_using_a_thing_needs_it_at_hand_and_exhibits_are_not_for_touching(world):
    from llmverse.world.actions import Use

    ev = world.apply("bram", Use(thing="anchor"))  # his own, at the forge
    assert (ev.kind, ev.actor, ev.data["thing"]) == ("use", "bram", "anchor")
    with pytest.raises(ActionRefused, match="not here"):
        world.apply("otto", Use(thing="anchor"))
    assert world.position("mara") == "museum"
    with pytest.raises(ActionRefused, match="exhibit"):
        world.apply("mara", Use(thing="founding_bell"))
