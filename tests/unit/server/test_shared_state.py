"""What the server keeps for a player beside the world, written by two processes at once: the
assistant's session (`assistant:<player>`) and the player's profile (`profile:<player>`) are merged on
the stored row, so neither process loses the other's change. Two `World` objects on one database
stand for two `llmverse serve` processes; each reads from its own copy, which the other makes stale."""

from __future__ import annotations

from pathlib import Path

import pytest

from serverkit import own_world
from llmverse.assistant import Assistant
from llmverse.assistant.recommend import remember_interest
from llmverse.server.presence import Presence, player_key
from llmverse.world.replay import verify
from llmverse.world.store import StoreError
from llmverse.world.world import World, open_world


@pytest.fixture(params=["sqlite", "postgresql"])
def two(request, tmp_path: Path):
    if request.param == "postgresql":
        from services import postgres_url

        url = postgres_url()
    else:
        url = f"sqlite:///{tmp_path / 'w.db'}"
    file = own_world(tmp_path)
    worlds = [open_world(file, url), open_world(file, url)]
    yield worlds
    for w in worlds:
        w.store.dispose()


def test_two_processes_answering_one_player_keep_both_sessions_changes(two: list[World]):
    a, b = two
    Assistant(a, None).reply("p1", "How do I get to the museum?", start="market")
    assert a.state_of("assistant:p1")["place"] == "museum"
    assert "assistant:p1" not in b._state  # b's copy has not seen it
    Assistant(b, None).reply("p1", "Hello!", start="forge")  # changes where the player is, and the tool
    session = a.store.state(a.key)["assistant:p1"]
    assert session["place"] == "museum"  # a read-merge-write on b's copy would have dropped it
    assert session["at"] == "forge" and session["tool"] == "smalltalk"
    b.reload()
    assert Assistant(b, None).reply("p1", "and how long will it take?").route.destination == "museum"
    assert verify(a) == []  # the session's changes are in the log's journal too


def test_two_processes_noting_interests_keep_both(two: list[World]):
    a, b = two
    assert remember_interest(a, "p1", "I love old ships")
    assert remember_interest(b, "p1", "I like fresh bread")  # b's copy holds no profile yet
    assert a.store.state(a.key)["profile:p1"]["interests"] == ["I love old ships", "I like fresh bread"]


def test_a_saved_tile_is_merged_on_the_stored_row_and_every_layer_row_is_typed(two: list[World]):
    a, b = two
    presence = Presence(b)
    presence.tile("p1")  # on the map in b's process
    presence.save("p1")  # as when the player leaves
    assert a.store.state(a.key)[player_key("p1")] == {"tile": list(presence.tile("p1"))}
    before = a.store.state(a.key)
    for key, change in [(player_key("p1"), lambda cur: {**cur, "note": "not a field of a saved tile"}),
                        (player_key("p2"), lambda cur: {"tile": "the market"}),
                        ("assistant:p1", lambda cur: {**cur, "tool": 3}),
                        ("profile:p1", lambda cur: {"interests": ["x"] * 11})]:
        with pytest.raises(StoreError, match=f"state row '{key}' was not written"):
            a.update_state(key, change)
    assert a.store.state(a.key) == before  # nothing of them written
    assert verify(a) == []
