"""The hub: a slow client's full outbox drops world broadcasts but never its own replies; in a crowd each
player is told of the avatars nearest it, not of everyone."""

from __future__ import annotations

import asyncio
import json

from serverkit import run_coroutine

from llmverse.server import hub as hub_module
from llmverse.server.hub import EXPIRE, OUTBOX, VIEW, Connection, Hub, views_of


async def _nowhere(_: str) -> None:
    pass


def test_a_full_outbox_drops_broadcasts_but_still_takes_direct_frames():
    conn = Connection("alice", _nowhere)
    for i in range(OUTBOX + 10):
        conn.send({"type": "event", "n": i}, broadcast=True)
    assert conn.outbox.qsize() == OUTBOX and conn.dropped == 10
    conn.send({"type": "end", "id": "r1"})  # a reply to the player's own request
    conn.send({"type": "error", "id": "r2"})
    assert conn.outbox.qsize() == OUTBOX + 2
    waiting = [json.loads(conn.outbox.get_nowait()) for _ in range(OUTBOX + 2)]
    assert [f["type"] for f in waiting[-2:]] == ["end", "error"]


def test_a_small_crowd_sees_everyone_else():
    names = [f"p{i}" for i in range(VIEW + 1)]
    tiles = [(i, 0) for i in range(VIEW + 1)]
    views = views_of(tiles, names, names, tiles, VIEW)
    assert all(len(v) == VIEW and names[i] not in v for i, v in enumerate(views))
    assert views[0]["p50"] == (50, 0)  # the farthest too


def test_in_a_crowd_a_player_is_told_of_its_nearest_avatars_and_never_of_itself():
    names = [f"p{i}" for i in range(200)]
    tiles = [(i, i % 3) for i in range(200)]  # a line of avatars, one a tile
    (view,) = views_of([(0, 0)], ["p0"], names, tiles, VIEW)
    assert set(view) == {f"p{i}" for i in range(1, VIEW + 1)}
    (middle,) = views_of([(100, 1)], ["p100"], names, tiles, VIEW)
    assert set(middle) == {f"p{i}" for i in range(75, 126)} - {"p100"}


def test_at_equal_distance_a_view_depends_on_who_stands_where_not_on_order_or_unrelated_moves():
    names = [f"p{i}" for i in range(300)]
    ring = [(10 + dx, 10 + dy) for dx in (-1, 0, 1) for dy in (-1, 0, 1) if (dx, dy) != (0, 0)]
    tiles = [(10, 10)] + [ring[i % 8] for i in range(299)]  # 299 avatars all one step from p0
    (before,) = views_of([(10, 10)], ["p0"], names, tiles, VIEW)
    outside = next(i for i in range(1, 300) if names[i] not in before)
    moved = list(tiles)
    moved[outside] = (60, 40)  # one the view did not hold walks far off
    (after,) = views_of([(10, 10)], ["p0"], names, moved, VIEW)
    assert after == before
    order = list(range(300))[::-1]  # the hub's list after players left and came back in another order
    (reordered,) = views_of([(10, 10)], ["p0"], [names[i] for i in order], [tiles[i] for i in order], VIEW)
    assert reordered == before


def test_an_avatar_leaving_a_players_view_is_sent_as_gone_and_far_moves_are_not_sent():
    got: dict[str, list[dict]] = {}

    async def scenario() -> None:
        hub = Hub(lambda event, player: True)
        conns = {}
        for i in range(VIEW + 20):  # a crowd on a line, one a tile
            name = f"p{i}"
            conns[name] = hub.add(Connection(name, _recorder(got, name)))
            hub.deliver({"type": "presence", "tiles": {name: [i, 0]}})
        welcome = hub.welcome(conns["p0"], (0, 0), {})
        assert set(welcome) == {f"p{i}" for i in range(1, VIEW + 1)}
        for name, conn in conns.items():
            if name != "p0":
                hub.welcome(conn, (int(name[1:]), 0), {})
        hub.deliver({"type": "presence", "tiles": {"p1": [200, 0]}})  # p1 walks far off to the east
        hub.deliver({"type": "presence", "tiles": {"p60": [61, 1]}})  # a step, far from p0
        hub._tell_views()
        await asyncio.sleep(0.05)  # the writers send
        await hub.close()

    run_coroutine(scenario())
    (to_p0,) = got["p0"]
    assert to_p0["tiles"] == {"p1": None, f"p{VIEW + 1}": [VIEW + 1, 0]}  # p1 left its view, p51 came in
    assert [f["tiles"] for f in got["p69"]] == [{"p60": [61, 1]}]  # its neighbour's step; p1 was never in its view
    assert all("p60" not in f["tiles"] for f in got.get("p2", []))  # p60 is not among p2's 50 nearest


def _recorder(got: dict[str, list[dict]], name: str):
    async def send(text: str) -> None:
        got.setdefault(name, []).append(json.loads(text))
    return send


def test_in_a_crowd_a_players_visit_reaches_those_who_see_the_avatar_and_a_characters_reaches_all():
    got: dict[str, list[dict]] = {}

    async def scenario() -> None:
        hub = Hub(lambda event, player: True)
        conns = {}
        for i in range(VIEW + 20):
            name = f"p{i}"
            conns[name] = hub.add(Connection(name, _recorder(got, name)))
            hub.deliver({"type": "presence", "tiles": {name: [i, 0]}})
        for name, conn in conns.items():
            hub.welcome(conn, (int(name[1:]), 0), {})
        hub.deliver({"type": "event", "event": {"id": 1, "kind": "visit", "actor": "p1", "target": "forge"}})
        hub.deliver({"type": "event", "event": {"id": 2, "kind": "arrive", "actor": "bram", "target": "forge"}})
        await asyncio.sleep(0.05)
        await hub.close()

    run_coroutine(scenario())
    ids = {name: [f["event"]["id"] for f in frames if f["type"] == "event"] for name, frames in got.items()}
    assert ids["p1"] == [1, 2] and ids["p0"] == [1, 2] and ids["p20"] == [1, 2]  # p1 is among their 50 nearest
    assert ids["p69"] == [2]  # p1 is 68 tiles away, out of its view: Bram's arrival only


def test_a_player_who_left_is_not_brought_back_by_a_join_while_their_tile_is_saved():
    got: dict[str, list[dict]] = {}

    async def scenario() -> dict:
        hub = Hub(lambda event, player: True)
        a = hub.add(Connection("alice", _recorder(got, "alice")))
        b = hub.add(Connection("bob", _recorder(got, "bob")))
        hub.welcome(a, (1, 1), {"alice": (1, 1)})
        hub.welcome(b, (2, 2), {"alice": (1, 1), "bob": (2, 2)})
        hub.remove(a)
        hub.deliver({"type": "presence", "tiles": {"alice": None}})  # she left; her tile is being saved,
        c = hub.add(Connection("carol", _recorder(got, "carol")))  # so the process's presence still lists her
        welcome = hub.welcome(c, (3, 3), {"alice": (1, 1), "bob": (2, 2), "carol": (3, 3)})
        hub._tell_views()
        await asyncio.sleep(0.05)
        await hub.close()
        return welcome

    welcome = run_coroutine(scenario())
    assert welcome == {"bob": [2, 2]}
    assert {"alice": None} in [{k: v for k, v in f["tiles"].items() if k == "alice"} for f in got["bob"]]


def test_another_processs_avatars_go_when_its_list_leaves_them_out_or_it_falls_silent(monkeypatch):
    got: dict[str, list[dict]] = {}
    clock = [1000.0]
    monkeypatch.setattr(hub_module, "now", lambda: clock[0])

    async def scenario() -> None:
        hub = Hub(lambda event, player: True)
        me = hub.add(Connection("me", _recorder(got, "me")))
        hub.deliver({"type": "presence", "tiles": {"x": [1, 1], "y": [2, 2]}, "origin": "other"})
        hub.deliver({"type": "presence", "tiles": {"z": [3, 3]}, "origin": "third"})
        assert set(hub.welcome(me, (0, 0), {"me": (0, 0)})) == {"x", "y", "z"}
        clock[0] += 4
        hub.deliver({"type": "presence", "tiles": {"x": [1, 1]}, "origin": "other", "snapshot": True})  # y is gone
        hub._expire()
        hub._tell_views()
        clock[0] += EXPIRE  # "third" said nothing since; "other" spoke 4 s later
        hub._expire()
        hub._tell_views()
        await asyncio.sleep(0.05)
        await hub.close()

    run_coroutine(scenario())
    assert [f["tiles"] for f in got["me"]] == [{"y": None}, {"z": None}]


def test_no_watchers_make_no_views():
    names = [f"p{i}" for i in range(VIEW + 10)]
    assert views_of([], [], names, [(i, 0) for i in range(len(names))], VIEW) == []


def test_the_arrays_kept_move_by_move_give_the_views_a_fresh_list_gives():
    import random

    from llmverse.server.hub import Avatars

    rng = random.Random(7)
    avatars, tiles = Avatars(), {}
    for step in range(3000):  # joins, moves and departures in any order; slots are reused
        name = f"p{rng.randrange(200)}"
        if name in tiles and rng.random() < 0.2:
            avatars.drop(name)
            del tiles[name]
        else:
            tiles[name] = (rng.randrange(60), rng.randrange(40))
            avatars.set(name, tiles[name])
        if step % 500 == 499:
            who = rng.sample(sorted(tiles), 20)
            at = [tiles[p] for p in who]
            assert avatars.nearest(at, who, VIEW) == views_of(at, who, list(tiles), list(tiles.values()), VIEW)
    assert sorted(avatars.names) == sorted(tiles) and len(avatars) == len(tiles)


def test_each_socket_whose_view_changed_hears_of_it_within_one_interval_in_groups(monkeypatch):
    monkeypatch.setattr(hub_module, "GROUP", 10)
    monkeypatch.setattr(hub_module, "PRESENCE_FLUSH", 0.2)
    got: dict[str, list[tuple[float, dict]]] = {}

    def recorder(name: str):
        async def send(text: str) -> None:
            got.setdefault(name, []).append((asyncio.get_running_loop().time(), json.loads(text)))
        return send

    async def scenario() -> float:
        hub = Hub(lambda event, player: True)
        conns = [hub.add(Connection(f"p{i}", recorder(f"p{i}"))) for i in range(45)]  # 45 <= VIEW + 1: all see all
        for i, conn in enumerate(conns):
            hub.deliver({"type": "presence", "tiles": {conn.player: [i, 0]}})
        for i, conn in enumerate(conns):
            hub.welcome(conn, (i, 0), {})
        await asyncio.sleep(0.3)  # a first round: nothing changed since the welcomes
        got.clear()
        moved_at = asyncio.get_running_loop().time()
        hub.deliver({"type": "presence", "tiles": {"p0": [0, 5]}})
        await asyncio.sleep(0.25)  # one interval (0.2 s) and a little
        await hub.close()
        return moved_at

    moved_at = run_coroutine(scenario())
    assert set(got) == {f"p{i}" for i in range(1, 45)}  # everyone who sees p0; p0 is never told of itself
    assert all([f["tiles"] for _, f in frames] == [{"p0": [0, 5]}] for frames in got.values())
    times = sorted(frames[0][0] - moved_at for frames in got.values())
    assert times[-1] <= 0.21 and times[-1] - times[0] >= 0.05  # within the interval, not all at one instant


def test_an_avatar_that_leaves_a_view_no_longer_sends_its_visits_there():
    got: dict[str, list[dict]] = {}

    async def scenario() -> None:
        hub = Hub(lambda event, player: True)
        conns = {f"p{i}": hub.add(Connection(f"p{i}", _recorder(got, f"p{i}"))) for i in range(VIEW + 20)}
        for i, (name, conn) in enumerate(conns.items()):
            hub.deliver({"type": "presence", "tiles": {name: [i, 0]}})
        for i, conn in enumerate(conns.values()):
            hub.welcome(conn, (i, 0), {})
        hub.deliver({"type": "presence", "tiles": {"p1": [68, 0]}})  # p1 walks to the far end of the line
        hub._tell_views()
        hub.deliver({"type": "event", "event": {"id": 7, "kind": "visit", "actor": "p1", "target": "forge"}})
        await asyncio.sleep(0.05)
        hub.remove(conns["p69"])  # a socket that closed hears nothing more
        hub.deliver({"type": "event", "event": {"id": 8, "kind": "visit", "actor": "p1", "target": "inn"}})
        await asyncio.sleep(0.05)
        await hub.close()

    run_coroutine(scenario())
    ids = {name: [f["event"]["id"] for f in frames if f["type"] == "event"] for name, frames in got.items()}
    assert ids["p1"] == [7, 8]  # its own socket
    assert ids["p68"] == [7, 8]  # p1 is now beside it
    assert ids["p0"] == []  # p1 left p0's view (p0 was told it left), so its visits no longer go there
    assert ids["p69"] == [7]
