"""The stored state equals the state rebuilt from the event log, after a simulated day of walking,
buying and giving, and of clock ticks, plans, relationships and minds' notes (the log's journal); a
state row changed behind the world's back is found."""

from __future__ import annotations

from datetime import datetime

import pytest

from enginekit import harbor, put_state_unjournaled
from llmverse.world import rules
from llmverse.world.actions import Buy, Give, Move
from llmverse.world.replay import ABSENT, WHOLE, replay, verify
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
    assert state["character:otto"] == {"place": "forge", "dest": None}
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
