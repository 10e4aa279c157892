"""The stored state equals the state rebuilt from the event log, after a simulated day of walking,
buying and giving, and of clock ticks, plans, relationships and minds' notes (the log's journal); a
state row changed behind the world's back is found."""

from __future__ import annotations

import threading
from datetime import datetime

import pytest

from enginekit import harbor, put_state_unjournaled
from llmverse.world import rules
from llmverse.world.actions import Buy, Give, Move
from llmverse.world.replay import ABSENT, WHOLE, baseline, replay, verify
from llmverse.world.store import Store
from llmverse.world.tables import JOURNAL
from llmverse.world.world import World


def _found(world: World) -> set[tuple[str, str]]:
    return {(m.entity, m.field) for m in verify(world)}


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
    assert state["character:otto"] == {"place": "forge", "dest": None, "tile": list(world.tile("otto"))}
    assert state["clock"] == {"now": "2026-05-01T09:35"}
    assert verify(world) == []
    # A write that bypasses the actions (as `World.put_state` once could on world keys): found.
    put_state_unjournaled(world.store, world.key, "thing:anchor", {"location": "forge", "owner": "bram"})
    found = verify(world)
    assert [(m.entity, m.field) for m in found] == [("thing:anchor", "location"), ("thing:anchor", "owner")]
    assert "the log says 'player1'" in str(found[1])


def test_clock_plans_relationships_and_minds_notes_are_rebuilt_and_a_tampered_row_is_found(url):
    world = harbor(url)
    start = world.now()
    world.tick(10)
    world.advance(20)
    block = "2026-05-01T08:00|market|selling fish"
    world.update_state("plan:nell", lambda cur: {**cur, "subtasks_for": block, "subtasks": ["open up", "call out"]})
    world.update_state("plan:nell", lambda cur: {**cur, "subtasks": ["call out"]})  # a step of the plan done
    world.update_state("mind:nell", lambda cur: {**cur, "seen": 3, "doing": "selling fish"})
    world.update_state("mind:nell", lambda cur: {k: v for k, v in cur.items() if k != "doing"})  # a field dropped
    world.say("player1", "nell", "Good morning!",
              updates={"rel:nell:player1": lambda cur: {**cur, "familiarity": cur.get("familiarity", 0) + 1}})
    world.update_state("rel:nell:player1", lambda cur: {**cur, "familiarity": cur["familiarity"] + 1})
    hosting = {"start": "2026-05-01T18:00", "until": "2026-05-01T19:00", "place": "park",
               "activity": "hosting a lantern walk", "why": "own lantern walk"}
    world.invite("nell", "park", start.replace(hour=18), "a lantern walk", 60,
                 updates={"plan:nell": lambda cur: {**cur, "overrides": [hosting]}})
    world.update_state("profile:player1", lambda cur: {**cur, "interests": ["old ships"]})
    world.tick(10)
    world.update_state("mind:nell", lambda cur: dict(cur))  # written unchanged: nothing to journal

    rebuilt = replay(world)
    stored = world.store.state(world.key)
    assert rebuilt["clock"] == stored["clock"] == {"now": "2026-05-01T08:40"}
    assert rebuilt["plan:nell"] == {"subtasks_for": block, "subtasks": ["call out"], "overrides": [hosting]}
    assert rebuilt["mind:nell"] == stored["mind:nell"] == {"seen": 3}
    assert rebuilt["rel:nell:player1"] == {"familiarity": 2}
    assert rebuilt["profile:player1"] == stored["profile:player1"]
    assert verify(world) == []

    # one journal row per transaction that changed such state, holding only what changed
    journal = world.store.events(world.key, kind=JOURNAL)
    assert len(journal) == 11  # 3 clock moves, 2 plan, 2 mind, say, update, invite, profile; not the unchanged write
    assert journal[0].data == {"changes": {"clock": {"set": {"now": "2026-05-01T08:10"}}}}
    assert journal[3].data == {"changes": {"plan:nell": {"set": {"subtasks": ["call out"]}}}}
    assert journal[5].data == {"changes": {"mind:nell": {"set": {}, "unset": ["doing"]}}}
    # ... and no reader of the log sees them as events, nor are they announced
    assert JOURNAL not in {e.kind for e in world.events()}
    assert world.event(journal[0].id) is None

    # a row changed behind the world's back is found, whichever kind it is
    behind = Store(url)
    try:
        put_state_unjournaled(behind, world.key, "clock", {"now": "2026-05-01T12:00"})
        put_state_unjournaled(behind, world.key, "rel:nell:player1", {"familiarity": 9})
        put_state_unjournaled(behind, world.key, "plan:nell",
                              {"subtasks_for": block, "subtasks": [], "overrides": [hosting]})
        put_state_unjournaled(behind, world.key, "mind:nell", {"seen": 3, "doing": "sleeping"})
        put_state_unjournaled(behind, world.key, "profile:player2", {"interests": ["forged"]})  # never in the log
    finally:
        behind.dispose()
    assert _found(world) == {("clock", "now"), ("rel:nell:player1", "familiarity"), ("plan:nell", "subtasks"),
                             ("mind:nell", "doing"), ("profile:player2", WHOLE)}
    said = {str(m) for m in verify(world)}
    assert "mind:nell.doing: stored 'sleeping', the log says nothing" in said
    assert "rel:nell:player1.familiarity: stored 9, the log says 2" in said
    assert any(s.startswith("profile:player2: stored") and "no change of it" in s for s in said)
    assert next(m for m in verify(world) if m.entity == "mind:nell").replayed is ABSENT


def test_a_change_and_its_journal_row_commit_together_or_not_at_all(url):
    world = harbor(url)

    def fails(tx):
        tx.update("note:a:b", lambda cur: {"n": 1})  # a layer's row of no registered shape
        raise RuntimeError("the machine fails after the write")

    with pytest.raises(RuntimeError):
        world.run(fails)
    assert "note:a:b" not in world.store.state(world.key)
    assert world.store.events(world.key, kind=JOURNAL) == []
    world.update_state("note:a:b", lambda cur: {"n": 1})
    assert len(world.store.events(world.key, kind=JOURNAL)) == 1 and verify(world) == []


def test_the_clock_rides_in_the_step_row_a_simulation_writes_anyway(tmp_path):
    """One journal row for a simulation step's tick and its bookkeeping: the clock costs no row of its own."""
    world = harbor(f"sqlite:///{tmp_path / 'w.db'}")
    world.run(lambda tx: (rules.tick(world, tx, 10), tx.update("sim:step", lambda cur: {"open": True})))  # as Simulation.step
    journal = world.store.events(world.key, kind=JOURNAL)
    assert len(journal) == 1
    assert journal[0].data["changes"] == {"clock": {"set": {"now": "2026-05-01T08:10"}},
                                          "sim:step": {"set": {"open": True}}}
    assert journal[0].world_time == datetime(2026, 5, 1, 8, 10)


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
    # A journal row per character and step (its mind's notes and the step's mark commit with its action),
    # plus the steps' openings and the plans' and talks' own writes: 243 rows measured; 404 when each
    # mark was a write of its own (docs/engine.md).
    steps = len(report.step_seconds)
    assert steps == 36 and len(world.store.events(world.key, kind=JOURNAL)) <= 250
    said = world.events(kind="say")
    pairs = {(e.actor, e.target) for e in said if e.actor in world.characters and e.target in world.characters}
    assert pairs
    for a, b in pairs:  # every reply counted once in the relationship it changed (openers change none)
        replies = [e for e in said if (e.actor, e.target) == (a, b)
                   and e.data["text"].startswith(("I will be there", "Good to see you"))]
        assert world.state_of(f"rel:{a}:{b}").get("familiarity", 0) == len(replies)

    # The replay covers what the day changed beyond places and owners: the clock, plans, minds' notes,
    # relationships, the simulation's own step. Each is found when changed behind the world's back.
    stored = world.store.state(world.key)
    rebuilt = replay(world)
    assert stored["clock"] == rebuilt["clock"] == {"now": "2026-05-01T14:00"}
    for prefix in ("plan:", "mind:", "rel:", "sim:step"):
        keys = [k for k in stored if k.startswith(prefix)]
        assert keys, prefix
        assert all(rebuilt[k] == stored[k] for k in keys), prefix
    rel = next(k for k in stored if k.startswith("rel:"))
    plan = next(k for k in stored if k.startswith("plan:"))
    mind = next(k for k in stored if k.startswith("mind:") and stored[k].get("seen"))
    put_state_unjournaled(world.store, world.key, rel, {**stored[rel], "familiarity": 99})
    first = next(iter(stored[plan]))
    put_state_unjournaled(world.store, world.key, plan, {k: v for k, v in stored[plan].items() if k != first})
    put_state_unjournaled(world.store, world.key, mind, {**stored[mind], "seen": 0})
    put_state_unjournaled(world.store, world.key, "clock", {"now": "2026-05-01T14:10"})
    found = _found(world)
    assert {(rel, "familiarity"), (plan, next(iter(stored[plan]))), (mind, "seen"), ("clock", "now")} == found


FIELDS = ("place", "dest", "tile", "path", "carry")


def test_a_walk_is_rebuilt_tile_by_tile_and_a_tile_moved_behind_its_back_is_found(url):
    """Where a walker stands is world state players see: the replay reaches the same tile, path and
    carried part of a tile after every tick (the journal keeps them), not only its place and heading."""
    world = harbor(url)
    world.apply("lin", Move(to="park"))  # ~74 m: some 20 ticks of 4 m
    walked = []
    for _ in range(60):
        world.tick(0.05)  # two tiles, or part of one after a diagonal: `carry` is kept between ticks
        stored = world.store.state(world.key)["character:lin"]
        walked.append(tuple(stored["tile"]))
        rebuilt = replay(world)["character:lin"]
        assert {f: rebuilt.get(f) for f in FIELDS} == {f: stored.get(f) for f in FIELDS}
        assert verify(world) == []
        if stored["place"] == "park":
            break
    assert world.position("lin") == "park" and len(set(walked)) > 10  # it walked, and arrived
    # a move mid-walk: the new path starts where the walker stands
    world.apply("nell", Move(to="park"))
    world.tick(0.1)
    assert world.heading("nell") == "park"
    world.apply("nell", Move(to="market"))
    world.tick(0.1)
    assert verify(world) == []
    # a tile moved behind the world's back (the place unchanged) is found, as is a path cut short
    row = world.store.state(world.key)["character:lin"]
    put_state_unjournaled(world.store, world.key, "character:lin", {**row, "tile": [row["tile"][0] + 1, row["tile"][1]]})
    walker = world.store.state(world.key)["character:nell"]
    put_state_unjournaled(world.store, world.key, "character:nell", {**walker, "path": walker["path"][:1]})
    assert _found(world) == {("character:lin", "tile"), ("character:nell", "path")}


def _as_an_older_llmverse_left_it(world: World) -> None:
    """What a store written before the journal holds: state rows changed with no record in the log (a
    clock that moved, a relationship, a plan, a thing sold, a character elsewhere) and a marker row
    without the journal's format."""
    marker = world.store.state(world.key)["world"]
    old = {"clock": {"now": "2026-05-01T10:00"},
           "rel:nell:player1": {"familiarity": 4, "affinity": 0.2},
           "plan:nell": {"subtasks_for": "2026-05-01T08:00|market|selling fish", "subtasks": ["call out"]},
           "thing:anchor": {"location": None, "owner": "player1"},
           "character:otto": {"place": "forge", "tile": list(world.grid.door_of("forge"))},
           "world": {k: v for k, v in marker.items() if k not in ("journal", "baseline")}}
    for entity, row in old.items():
        put_state_unjournaled(world.store, world.key, entity, row)
    world.store.append(world.key, datetime(2026, 5, 1, 9, 30), "say", "player1", "nell", {"text": "Hello!"})


def test_a_store_from_before_the_journal_gets_a_baseline_at_its_first_start_and_is_checked_after_it(url, caplog):
    first = harbor(url)
    assert first.store.state(first.key)["world"]["journal"] == 2  # a new world: its log rebuilds it from the seed
    assert baseline(first) is None
    name = first.file.name.en
    _as_an_older_llmverse_left_it(first)
    before = _found(first)
    assert ("rel:nell:player1", WHOLE) in before and ("clock", "now") in before  # the log cannot rebuild them

    # Two processes start on it at once: one baseline, taken in the transaction that reads the marker.
    with caplog.at_level("WARNING", logger="llmverse.world.world"):
        opened = []
        threads = [threading.Thread(target=lambda: opened.append(harbor(url, name))) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    world = opened[0]
    said = [r.getMessage() for r in caplog.records if "baseline" in r.getMessage()]
    assert len(said) == 1 and "older llmverse" in said[0] and "verify" in said[0]
    base = baseline(world)
    assert base is not None and base.rows["rel:nell:player1"] == {"familiarity": 4, "affinity": 0.2}
    assert "world" not in base.rows and base.at == datetime(2026, 5, 1, 10, 0)
    assert sum("baseline" in e.data for e in world.store.events(world.key, kind=JOURNAL)) == 1
    marker = world.store.state(world.key)["world"]
    assert marker["journal"] == 2 and marker["baseline"] == base.id
    assert verify(world) == []

    # everything after the baseline is checked as in a new world
    world.apply("otto", Move(to="market"))
    world.tick(3)
    world.update_state("rel:nell:player1", lambda cur: {**cur, "familiarity": cur["familiarity"] + 1})
    world.apply("player2", Buy(thing="fishing_hook"))
    assert replay(world)["rel:nell:player1"] == {"familiarity": 5, "affinity": 0.2}
    assert verify(world) == []
    put_state_unjournaled(world.store, world.key, "plan:nell", {"subtasks": []})
    put_state_unjournaled(world.store, world.key, "thing:anchor", {"location": "market", "owner": "bram"})
    assert _found(world) == {("plan:nell", "subtasks"), ("plan:nell", "subtasks_for"),
                             ("thing:anchor", "location"), ("thing:anchor", "owner")}
    # a later start takes no second baseline
    again = harbor(url, name)
    assert baseline(again) == base
    assert sum("baseline" in e.data for e in again.store.events(again.key, kind=JOURNAL)) == 1
