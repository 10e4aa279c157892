"""The world clock in the server (runtime.py): each tick carries the tiles each character walked, and
each in-world morning the reporter's gazette of the day before is written in both languages, stored
and pushed on the bus, once."""

from __future__ import annotations

import time

from llmverse.server.runtime import _trail


def _expand(points):
    """Every tile between turning points (what the web client's `expand` does)."""
    out = [tuple(points[0])]
    for x, y in points[1:]:
        px, py = out[-1]
        while (px, py) != (x, y):
            px += (x > px) - (x < px)
            py += (y > py) - (y < py)
            out.append((px, py))
    return out


def test_a_trail_is_the_walked_part_of_the_path_one_tile_at_a_time(rt):
    w = rt.world
    start = w.grid.door_of("market")
    path = w.grid.path_to_place(start, "museum")
    assert path is not None and len(path) > 10
    walked = _expand(_trail(w, start, [list(t) for t in path[1:]], path[8]))
    assert walked == [tuple(t) for t in path[:9]]
    assert _trail(w, start, [], start) == []  # stood still
    fresh = _expand(_trail(w, start, [], path[-1]))  # set out and arrived within the step: a shortest walk
    assert fresh[0] == start and fresh[-1] == path[-1]
    assert all(max(abs(a[0] - b[0]), abs(a[1] - b[1])) == 1 for a, b in zip(fresh, fresh[1:]))


def test_ticks_carry_trails_and_a_morning_brings_both_gazettes_once(rt):
    seen: list[dict] = []
    rt.bus.publish = seen.append  # what would go to every client
    rt._sim = _sim(rt)
    assert rt.world.now().hour == 8
    rt._step()  # 08:00 -> 18:00 of day 1: no morning yet
    ticks = [m for m in seen if m["type"] == "tick"]
    assert ticks and all("trail" in c for c in ticks[-1]["characters"].values())
    for _ in range(2):  # 04:00, then 14:00 of day 2: the morning has come
        rt._step()
    deadline = time.monotonic() + 30
    while len([m for m in seen if m["type"] == "content"]) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    papers = [m for m in seen if m["type"] == "content"]
    assert sorted(m["language"] for m in papers) == ["en", "zh"] and {m["day"] for m in papers} == {1}
    docs = {d.language: d for d in rt.content.list(kind="news")}
    assert set(docs) == {"en", "zh"} and docs["zh"].title.startswith("海港镇日报")
    rt._step()  # a later step of the same day writes nothing more
    time.sleep(0.3)
    assert len([m for m in seen if m["type"] == "content"]) == 2


def _sim(rt):
    from llmverse.characters.simulation import SimConfig, Simulation

    return Simulation(rt.world, rt.gateway, config=SimConfig(step_minutes=600))


def test_the_clock_keeps_time_by_rules_while_players_hold_the_model(tmp_path):
    """A player's request that never ends holds the only worker; the world still steps (by rules, in
    the clock's thread), and no step touches the model meanwhile."""
    import threading

    from serverkit import make_runtime
    from llmverse.server.scheduler import Ticket

    rt = make_runtime(tmp_path, tick_seconds=0.2, step_minutes=30)
    calls = len(rt.gateway.history)
    release = threading.Event()

    def hold():
        release.wait(20)
        yield ""

    rt.scheduler.submit(Ticket("alice", hold))
    rt.scheduler.submit(Ticket("bob", hold))  # a player waiting all along
    start = rt.world.now()
    threading.Thread(target=rt._tick_loop, daemon=True).start()  # the clock alone (no sockets here)
    try:
        deadline = time.monotonic() + 15
        while (rt.world.now() - start).total_seconds() < 3 * 30 * 60 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert (rt.world.now() - start).total_seconds() >= 3 * 30 * 60  # three steps or more went by
        assert len(rt.gateway.history) == calls  # none of them asked the model
    finally:
        release.set()
        rt._stop.set()
        rt.scheduler.close()
