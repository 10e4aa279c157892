"""Minds and the simulation loop on the scripted backend: plans, invitations spreading, LOD, resume."""

from datetime import timedelta

import pytest

from llmverse.characters.mind import Mind, invite
from llmverse.characters.plans import DayPlan
from llmverse.characters.simulation import SimConfig, Simulation
from llmverse.config import open_backend
from llmverse.llm.gateway import Gateway, GatewayConfig
from llmverse.world.actions import Move
from llmverse.world.world import open_world


@pytest.fixture
def world(tmp_path):
    return open_world(database_url=f"sqlite:///{tmp_path / 'w.db'}")


@pytest.fixture
def gateway():
    return Gateway(open_backend("scripted"), GatewayConfig(timeout=2, retries=0))


def at(world, hour, minute=0):
    return world.now().replace(hour=hour, minute=minute)


def test_characters_follow_their_schedules(world, gateway):
    sim = Simulation(world, gateway)
    sim.run(11.5)  # 08:00 -> 19:30: Lin goes to supper at the inn at 17:30, Bram at 19:00
    assert world.now() == at(world, 19, 30)
    assert world.position("lin") == "inn" and world.position("bram") == "inn"
    arrivals = [(e.actor, e.target, e.world_time.strftime("%H:%M")) for e in world.events(kind="arrive")]
    assert ("lin", "inn", "17:40") in arrivals and ("bram", "inn", "19:10") in arrivals
    assert world.position("mara") == "museum"


def test_the_party_invitation_is_heard_passed_on_and_attended(world, gateway):
    invite(world, "nell", "inn", at(world, 12), "a lunch party")
    DayPlan(world, world.characters["nell"]).add(at(world, 9), 60, "market", "inviting people", "own party")
    Simulation(world, gateway).run(4.5)  # to 12:30
    told = [e for e in world.events(kind="say", actor="nell") if e.data.get("shares")]
    assert told and "lunch party" in told[0].data["text"]
    plan = DayPlan(world, world.characters["otto"]).step_at(at(world, 12, 15))
    assert plan.place == "inn" and "invited by Nell" in plan.why
    assert world.position("otto") == "inn" and world.position("nell") == "inn"
    # Bram never met anyone who knew: he did not hear of it and is not there.
    assert world.state_of("mind:bram").get("invites", []) == [] and world.position("bram") != "inn"


def test_news_spreads_second_hand(world, gateway):
    party = invite(world, "nell", "park", at(world, 15), "a lantern walk")
    minds = {c: Mind(world, c, gateway) for c in ("nell", "otto", "lin")}
    minds["nell"].talk_to(minds["otto"], detailed=False)
    minds["otto"].perceive()
    minds["otto"].talk_to(minds["lin"], detailed=False)  # Otto passes on what Nell told him
    heard = minds["lin"].perceive()
    assert [e.id for e in heard.invites] == [party.id]
    # Lin heard, but at 15:00 she works at the open town hall: she declines.
    assert DayPlan(world, world.characters["lin"]).step_at(at(world, 15, 30)).place == "town_hall"
    to_lin = world.events(kind="say", between=("otto", "lin"))
    assert to_lin[0].actor == "otto" and "Nell is having a lantern walk" in to_lin[0].data["text"]


def test_what_a_mind_saw_commits_with_its_action_and_a_stopped_turn_plans_nothing_twice(world, gateway):
    party = invite(world, "nell", "park", at(world, 13), "a lantern walk")  # Otto is free then
    world.say("nell", "otto", "Otto, I am having a lantern walk at the park at 13:00. Will you come?",
              shares=party.id)
    first = Mind(world, "otto", gateway)
    assert [e.id for e in first.perceive(hold=True).invites] == [party.id]
    assert world.state_of("mind:otto") == {}  # held: not written on its own
    # The run stops here; a new process perceives again (the plan change was committed already).
    again = Mind(world, "otto", gateway)
    rows = len(world.store.events(world.key, kind="state"))
    assert [e.id for e in again.perceive(hold=True).invites] == [party.id]
    assert len(DayPlan(world, world.characters["otto"]).overrides) == 1  # accepted once, not twice
    again.act(detailed=False, present=[], marks=lambda talk: {"sim:step": lambda cur: {"open": True, "done": ["otto"]}})
    stored = world.store.state(world.key)
    assert stored["mind:otto"]["invites"] == [party.id] and stored["mind:otto"]["doing"]
    assert stored["sim:step"]["done"] == ["otto"]
    journal = world.store.events(world.key, kind="state")[rows:]
    # the plan's ten-minute steps for the block (their own write), then the mind's notes and the step mark
    # together: the second perceive added nothing to the plan
    assert [sorted(r.data["changes"]) for r in journal] == [["plan:otto"], ["mind:otto", "sim:step"]]
    assert set(journal[0].data["changes"]["plan:otto"]["set"]) == {"subtasks_for", "subtasks"}


def test_far_characters_take_no_model_calls_with_lod(world, gateway):
    near = Simulation(world, gateway, players={"p1": "forge"}, config=SimConfig(lod=True))
    near.run(1)
    assert near.stats["bram"].detailed_steps == near.stats["bram"].steps == 6
    assert near.stats["mara"].detailed_steps == 0
    full = Simulation(world, gateway, players={"p1": "forge"}, config=SimConfig(lod=False))
    full.run(1)
    assert all(s.detailed_steps == s.steps for s in full.stats.values())


def test_stopping_and_starting_again_resumes_with_no_event_lost(world, gateway, tmp_path):
    invite(world, "nell", "inn", at(world, 12), "a lunch party")
    DayPlan(world, world.characters["nell"]).add(at(world, 9), 60, "market", "inviting people", "own party")
    Simulation(world, gateway).run(1.5)
    before = world.events()
    world.store.engine.dispose()  # the process dies here
    again = open_world(database_url=world.store.url)
    assert again.now() == before[-1].world_time or again.now() > before[-1].world_time
    Simulation(again, gateway).run(3)
    after = again.events()
    assert after[:len(before)] == before  # nothing lost or rewritten
    ids = [e.id for e in after]
    assert ids == sorted(set(ids))
    assert again.now() == at(again, 12, 30) and again.position("otto") == "inn"
    # The invitation was taken to heart once, not again after the restart.
    assert len([o for o in DayPlan(again, again.characters["otto"]).overrides if "invited" in o.why]) == 1


def test_a_refused_move_is_perceived_and_the_simulation_goes_on(world, gateway):
    DayPlan(world, world.characters["bram"]).add(world.now(), 30, "museum", "visit", "curiosity")  # closed
    sim = Simulation(world, gateway)
    sim.run(0.5)
    assert "closed" in world.state_of("mind:bram")["refused"]
    assert world.now() == world.now().replace(hour=8, minute=30) and world.position("bram") == "forge"


def test_model_chooses_among_discretionary_options(world):
    from llmverse.llm.scripted import ScriptedBackend

    backend = ScriptedBackend(rules=[(r"Options:", '{"choice": 2}')])
    gw = Gateway(backend, GatewayConfig(timeout=2, retries=0))
    world.apply("otto", Move(to="forge"))
    world.tick(30)
    sim = Simulation(world, gw, players={"p1": "forge"})
    sim.step()  # Bram and Otto at the forge: options "talk to Otto/Bram" and "stay"; the model says 2
    assert any("Options:" in c[-1].content for c in backend.calls)
    assert sim.stats["bram"].model_calls >= 1


def test_an_alarm_makes_workers_go_to_help_and_others_stay_away(world, gateway):
    sim = Simulation(world, gateway)
    sim.run(3 + 50 / 60)  # 08:00 -> 11:50: Nell shops at the market; Bram is due there at 12:00 for bread
    assert world.position("nell") == "market"
    world.alarm("market", "fire")
    sim.run(0.5)
    bram = DayPlan(world, world.characters["bram"]).step_at(world.now())
    assert bram.place == "forge" and "fire" in bram.why and world.position("bram") == "forge"
    otto = DayPlan(world, world.characters["otto"]).step_at(world.now())  # he stands at the town hall
    assert otto.place == "town_hall"
    market_people = DayPlan(world, world.characters["nell"]).step_at(world.now())  # Nell is at the market
    assert market_people.place == "market" and "helping with the fire" in market_people.activity


def test_a_plan_block_is_broken_into_ten_minute_actions_by_the_model_near_players(world):
    from llmverse.llm.scripted import ScriptedBackend

    steps = '{"steps": ["heat the iron", "ask Captain Zork for coal", "hammer the anchor", "quench it"]}'
    gw = Gateway(ScriptedBackend(rules=[(r"Break", steps)]), GatewayConfig(timeout=2, retries=0))
    plan = DayPlan(world, world.characters["bram"])
    now = world.now()
    doing = [plan.doing(now + timedelta(minutes=m), gw) for m in (0, 10, 20, 30)]
    assert doing == ["heat the iron", "hammer the anchor", "quench it", "heat the iron"]  # Zork dropped
    far = DayPlan(world, world.characters["lin"])
    assert far.doing(now) == "serving visitors"  # no model: the activity itself
    sim = Simulation(world, gw, players={"p1": "forge"})
    sim.step()
    assert world.state_of("mind:bram")["doing"] in ("heat the iron", "hammer the anchor", "quench it")


def test_shopping_in_the_plan_means_buying_and_a_refusal_is_remembered(world, gateway):
    from memfakes import HashEmbedder

    from llmverse.characters.recall import MemorySystem

    memory = MemorySystem.open(world, gateway, HashEmbedder())
    sim = Simulation(world, gateway, memory=memory)
    sim.run(4.5)  # Bram goes to buy bread at the market at 12:00
    bought = world.events(actor="bram", kind="buy")
    assert len(bought) == 1 and world.thing_state(bought[0].data["thing"]).owner == "bram"
    world.advance(5 * 60)  # 17:30: the museum has closed
    DayPlan(world, world.characters["bram"]).add(world.now(), 30, "museum", "a visit", "curiosity")
    sim.step()
    assert any("could not go to the Maritime Museum" in m.text and "closed" in m.text
               for m in memory.stream.for_character("bram"))
