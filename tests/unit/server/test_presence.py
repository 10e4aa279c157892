"""Players on the map: moves checked against the map, visits recorded, privacy of conversations."""

from __future__ import annotations

import pytest

from llmverse.server.presence import Presence, visible
from llmverse.world.world import ActionRefused


@pytest.fixture
def presence(rt):
    return Presence(rt.world)


def test_a_player_starts_on_the_market_square(presence, rt):
    x, y = presence.tile("alice")
    assert rt.world.grid.place_at(x, y) == "market"


@pytest.mark.parametrize("to, why", [((999, 3), "off the map"), ((0, 45), "cannot be walked"),
                                      ((15, 9), "cannot be walked")])  # the sea, the forge's wall
def test_moves_off_the_map_or_onto_walls_are_refused(presence, to, why):
    before = presence.tile("alice")
    with pytest.raises(ActionRefused, match=why):
        presence.move("alice", to)
    assert presence.tile("alice") == before


def test_walking_into_a_place_records_a_visit(presence, rt):
    moved = presence.move("alice", (13, 11))  # inside the forge (open 08:00-18:00), by its door at (15, 11)
    assert moved.place == "forge" and moved.waypoints[0] == presence.spawn() and moved.waypoints[-1] == (13, 11)
    assert (15, 11) in rt.world.grid.path(presence.spawn(), (13, 11))  # through the door, not the wall
    ev = rt.world.store.event(rt.world.key, moved.event)
    assert (ev.kind, ev.actor, ev.target) == ("visit", "alice", "forge")
    assert rt.world.state_of("player:alice") == {"tile": [13, 11]}
    again = presence.move("alice", (12, 11))  # still inside: no second visit
    assert again.event is None


def test_a_closed_place_refuses_the_visitor(presence, rt):
    assert rt.world.now().hour == 8  # the museum opens at 09:00
    with pytest.raises(ActionRefused, match="closed"):
        presence.move("alice", (46, 12))
    assert presence.tile("alice") == presence.spawn()


def test_talking_needs_the_player_near_the_character(presence, rt):
    assert not presence.near("alice", "bram")  # Bram is at the forge, far across town
    bx, by = rt.world.tile("bram")
    presence.move("alice", (bx + 1, by))
    assert presence.near("alice", "bram")


def test_conversations_are_seen_only_by_their_parties(rt):
    w = rt.world
    talk = {"kind": "say", "actor": "alice", "target": "bram"}
    reply = {"kind": "say", "actor": "bram", "target": "alice"}
    assert visible(talk, "alice", w) and visible(reply, "alice", w)
    assert not visible(talk, "bob", w) and not visible(reply, "bob", w)
    assert not visible({"kind": "say", "actor": "assistant", "target": "alice"}, "bob", w)
    assert visible({"kind": "say", "actor": "bram", "target": "nell"}, "bob", w)  # characters among themselves
    assert visible({"kind": "visit", "actor": "alice", "target": "museum"}, "bob", w)
