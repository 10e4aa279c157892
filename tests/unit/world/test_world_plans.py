"""A character's plan has two writers — the simulation (invitations, alarms) and players' meeting
requests, on other threads and other processes — and every change goes through the world as an atomic
read-modify-write: none is lost, and a request is decided on the plan as stored."""

from __future__ import annotations

import threading
from datetime import timedelta

from enginekit import harbor
from llmverse.characters.mind import invite
from llmverse.characters.plans import DayPlan
from llmverse.characters.requests import Request, answer
from llmverse.world.world import World


def test_requests_and_the_simulation_replan_one_character_at_once_and_nothing_is_lost(tmp_path):
    url = f"sqlite:///{tmp_path / 'w.db'}"
    sim_world = harbor(url, "Harbor Plans")
    server_world = World(sim_world.file, sim_world.store.__class__(url))  # as another process
    evening = sim_world.now().replace(hour=19, minute=0)
    bram = sim_world.characters["bram"]
    gate = threading.Barrier(2)

    def simulation() -> None:
        gate.wait()
        for i in range(40):
            DayPlan(sim_world, bram).add(evening + timedelta(days=1, minutes=i), 1, "inn", "a drink", f"sim {i}")

    def requests() -> None:
        gate.wait()
        for i in range(40):
            got = answer(server_world, "bram", f"p{i}", Request("park", evening + timedelta(minutes=i), 1))
            assert got.accepted

    threads = [threading.Thread(target=simulation), threading.Thread(target=requests)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    sim_world.reload()
    whys = [o.why for o in DayPlan(sim_world, bram).overrides]
    assert sorted(w for w in whys if w.startswith("sim")) == sorted(f"sim {i}" for i in range(40))
    assert sorted(w for w in whys if w.startswith("asked")) == sorted(f"asked by p{i}" for i in range(40))


def test_a_request_during_work_is_refused_on_the_stored_plan_and_changes_nothing(tmp_path):
    world = harbor(f"sqlite:///{tmp_path / 'w.db'}")
    ten = world.now().replace(hour=10)
    no = answer(world, "bram", "p1", Request("park", ten))
    assert not no.accepted and "work at the Forge" in no.reason_en
    assert DayPlan(world, world.characters["bram"]).overrides == []
    # Another process moves Bram's work aside (an alarm elsewhere): this copy has not seen it, the answer has.
    other = World(world.file, world.store.__class__(world.store.url))
    DayPlan(other, other.characters["bram"]).add(ten, 60, "park", "helping at the park", "alarm")
    assert answer(world, "bram", "p1", Request("park", ten)).accepted


def test_an_invitation_and_the_hosts_plan_commit_together(tmp_path, monkeypatch):
    world = harbor(f"sqlite:///{tmp_path / 'w.db'}")
    at = world.now().replace(hour=15)
    ev = invite(world, "nell", "park", at, "a lantern walk")
    assert ev.kind == "invite" and DayPlan(world, world.characters["nell"]).step_at(at).place == "park"
    from llmverse.world.transactions import Tx

    def broken(self, entity, change):
        raise RuntimeError("crash before the plan is written")

    monkeypatch.setattr(Tx, "update", broken)
    try:
        invite(world, "nell", "market", at.replace(hour=17), "a fish fry")
    except RuntimeError:
        pass
    assert [e.data["what"] for e in world.events(kind="invite")] == ["a lantern walk"]
