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


@pytest.mark.parametrize("to, en, zh", [((999, 3), "off the map", "地图外面"),
                                        ((0, 45), "that spot near the", "附近那里"),  # the sea: no name
                                        ((15, 9), "wall of the Forge", "铁匠铺的墙"),
                                        ((31, 22), "the stone fountain", "石喷泉")])
def test_moves_off_the_map_or_onto_walls_are_refused_naming_the_place(presence, to, en, zh):
    before = presence.tile("alice")
    with pytest.raises(ActionRefused) as refused:
        presence.move("alice", to)
    assert en in refused.value.reasons["en"] and zh in refused.value.reasons["zh"]
    for text in refused.value.reasons.values():  # players see the map, never the grid's numbers
        assert str(to[0]) not in text and "(" not in text
    assert presence.tile("alice") == before


@pytest.mark.parametrize("who", ["bram", "mara", "lin", "otto", "nell"])
def test_beside_a_character_is_a_reachable_tile_next_to_them_where_talk_is_allowed(presence, rt, who):
    rt.world.advance(90)  # 09:30: every building open
    x, y = presence.beside("alice", who)
    cx, cy = rt.world.tile(who)
    assert (x, y) != (cx, cy) and max(abs(x - cx), abs(y - cy)) == 1
    presence.move("alice", (x, y))  # walkable and reachable: no refusal
    assert presence.near("alice", who)


def test_beside_keeps_out_of_a_closed_building(presence, rt):
    assert rt.world.now().hour == 8 and not rt.world.is_open("museum")
    x, y = presence.beside("alice", "mara")  # Mara stands in the museum's doorway
    assert rt.world.grid.place_at(x, y) != "museum"
    presence.move("alice", (x, y))


def test_too_far_names_where_the_character_is_in_both_languages(presence, rt):
    texts = presence.too_far("alice", "bram")
    assert texts["en"] == "Bram is in the Forge, too far to talk: walk there first"
    assert "铁匠铺" in texts["zh"] and "Forge" not in texts["zh"] and "[" not in texts["en"]


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
