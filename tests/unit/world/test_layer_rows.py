"""Every row the layers above keep in the world's state is typed by the module that writes it
(`state.register_row`): a write that does not fit is refused, naming the row and the field, and nothing
of its transaction is written. One case per kind of row, and a check that no layer still replaces rows
by hand (`put_state_unjournaled` is the engine tests' own, in enginekit)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from enginekit import harbor
from llmverse.characters import mind_notes, plans, reflection, relations, simulation
from llmverse.safety import rails
from llmverse.world.state import LAYER_ROWS, WORLD_PREFIXES
from llmverse.world.store import StoreError
from llmverse.world.tables import JOURNAL

SRC = Path(__file__).resolve().parents[3] / "src" / "llmverse"


# key, its model, a row of the right shape, a bad row, the field the refusal names
CASES = [
    ("rel:nell:otto", relations.RelationRow, {"familiarity": 2, "affinity": 0.1, "last_topic": "fish",
                                             "last_seen": "2026-05-01T09:00"},
     {"familiarity": 3, "affinity": 4.0}, "affinity"),
    ("plan:nell", plans.PlanRow, {"overrides": [{"start": "2026-05-01T18:00", "until": "2026-05-01T19:00",
                                                 "place": "park", "activity": "a walk", "why": "own walk"}]},
     {"overrides": [{"start": "at six", "until": "2026-05-01T19:00", "place": "park", "activity": "a walk",
                     "why": "own walk"}]}, "overrides.0.start"),
    ("plans:0123456789abcdef", plans.SharedSteps, {"steps": ["light the ovens", "knead dough"]},
     {"steps": []}, "steps"),
    ("mind:nell", mind_notes.MindRow, {"seen": 4, "invites": [2], "doing": "selling fish"},
     {"seen": 5, "invites": ["the party"]}, "invites.0"),
    ("reflect:nell", reflection.ReflectRow, {"after": 7, "tried": 9}, {"after": 8, "tried": None}, "tried"),
    ("sim:step", simulation.StepRow, {"open": True, "near": ["nell"], "done": ["nell"], "talks": [["nell", "otto"]],
                                      "held": []},
     {"open": True, "done": ["nell"], "talking": []}, "talking"),
    ("safety:policy", rails.Policy, rails.Policy.for_level("family").model_dump(mode="json"),
     {**rails.Policy.for_level("family").model_dump(mode="json"), "level": "anything goes"}, "level"),
]


@pytest.mark.parametrize("key, model, good, bad, field", CASES, ids=[c[0].split(":")[0] for c in CASES])
def test_a_badly_shaped_row_is_refused_naming_row_and_field_and_nothing_is_written(tmp_path, key, model, good, bad,
                                                                                   field):
    assert (LAYER_ROWS.get(key) or LAYER_ROWS.get(key.split(":")[0])) is model  # registered by its owner
    world = harbor(f"sqlite:///{tmp_path / 'w.db'}")
    world.update_state(key, lambda _cur: good)
    rows = len(world.store.events(world.key, kind=JOURNAL))
    with pytest.raises(StoreError, match=rf"'{re.escape(key)}' was not written: it does not fit "
                                         rf"{model.__name__} \({re.escape(field)}:"):
        world.update_state(key, lambda _cur: bad)
    with pytest.raises(StoreError, match="was not written"):  # with an utterance: neither is written
        world.say("player1", "nell", "hello", updates={key: lambda _cur: bad})
    assert world.store.state(world.key)[key] == good and world.state_of(key) == good
    assert world.events(kind="say") == [] and len(world.store.events(world.key, kind=JOURNAL)) == rows


def test_a_whole_key_is_typed_apart_from_its_prefix(tmp_path):
    """`sim:step` is typed as one row: another key under `sim:` is not held to its shape."""
    world = harbor(f"sqlite:///{tmp_path / 'w.db'}")
    world.update_state("sim:notes", lambda _cur: {"anything": 1})
    with pytest.raises(StoreError, match=r"'sim:step' was not written: it does not fit StepRow \(open:"):
        world.update_state("sim:step", lambda _cur: {"anything": 1})


def test_every_row_a_simulated_day_writes_is_typed(tmp_path):
    from llmverse.characters.mind import invite
    from llmverse.config import open_backend
    from llmverse.llm.gateway import Gateway, GatewayConfig

    world = harbor(f"sqlite:///{tmp_path / 'w.db'}")
    invite(world, "nell", "park", world.now().replace(hour=9), "a lantern walk")
    gateway = Gateway(open_backend("scripted"), GatewayConfig(timeout=2, retries=0))
    simulation.Simulation(world, gateway, players={"p1": "market"}).run(1.5)
    layers = {k for k in world.store.state(world.key) if k.split(":")[0] not in WORLD_PREFIXES}
    assert {k.split(":")[0] for k in layers} >= {"plan", "mind", "sim"}
    untyped = {k for k in layers if k not in LAYER_ROWS and k.split(":")[0] not in LAYER_ROWS}
    assert untyped == set()


def test_no_layer_replaces_state_rows_by_hand():
    """State changes through actions and `update_state`: the library has no write behind the world's back
    (no shape check, no journal), neither on `World` nor on `Store`; the tests' is in enginekit."""
    callers = [f"{p.relative_to(SRC)}:{n}" for p in SRC.rglob("*.py")
               for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1) if "put_state" in line]
    assert callers == []
    from llmverse.world.store import Store
    from llmverse.world.world import World

    assert not hasattr(World, "put_state") and not hasattr(Store, "put_state")
