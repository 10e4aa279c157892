"""The near-character shortcuts of issue 19, each with its switch: a choice kept while the options are
unchanged, importance rated once per words and talk rated in the step's batch, a dropped reflection
not retried on the same memories; and the run report's calls by purpose and per step."""

from __future__ import annotations

import json
import re

import pytest
from memfakes import HashEmbedder

from llmverse.characters.mind import Mind
from llmverse.characters.recall import MemorySystem
from llmverse.characters.simulation import SimConfig, Simulation
from llmverse.llm.gateway import Gateway, GatewayConfig
from llmverse.llm.scripted import ScriptedBackend
from llmverse.world.actions import Buy, Wait
from llmverse.world.world import DEFAULT_WORLD, open_world

WILLOW = DEFAULT_WORLD.parent.parent / "willow_bend" / "world.yaml"


@pytest.fixture
def world(tmp_path):
    return open_world(WILLOW, f"sqlite:///{tmp_path / 'w.db'}")


def scripted(*rules) -> tuple[Gateway, ScriptedBackend]:
    backend = ScriptedBackend(rules=list(rules), json_default=True, default="Good to see you.")
    return Gateway(backend, GatewayConfig(timeout=5, retries=0)), backend


def _asked(backend: ScriptedBackend, pattern: str) -> int:
    return sum(bool(re.search(pattern, call[-1].content)) for call in backend.calls)


def _stay(messages) -> str:  # the number of the "stay and keep ..." option
    options = re.findall(r"^(\d+)\. (.*)$", messages[-1].content, re.M)
    return json.dumps({"choice": int(next(n for n, label in options if label.startswith("stay")))})


@pytest.mark.parametrize("cache", [True, False])
def test_a_choice_to_stay_is_kept_while_the_options_are_the_same(world, cache):
    gw, backend = scripted((r"best option", _stay))
    mind = Mind(world, "mei", gw)
    mind.cache_decisions = cache
    options = [("stay and keep serving", Wait()), ("buy the scone (3 coins)", Buy(thing="x"))]
    assert [mind._choose(options) for _ in range(3)] == [1, 1, 1]
    assert _asked(backend, "best option") == (1 if cache else 3)
    assert mind.decisions_cached == (2 if cache else 0)
    mind._choose([options[0], ("buy the bun (2 coins)", Buy(thing="y"))])  # other options: asked again
    assert _asked(backend, "best option") == (2 if cache else 4)


def test_a_choice_to_act_is_never_taken_from_the_cache(world):
    gw, backend = scripted((r"best option", '{"choice": 2}'))
    mind = Mind(world, "mei", gw)
    mind.cache_decisions = True
    options = [("stay and keep serving", Wait()), ("buy the scone (3 coins)", Buy(thing="x"))]
    assert [mind._choose(options) for _ in range(2)] == [2, 2]
    assert _asked(backend, "best option") == 2


def _nines(messages) -> str:
    n = len(re.findall(r"^\d+\. ", messages[-1].content, re.M))
    return json.dumps({"importance": [9] * n})


@pytest.mark.parametrize("share", [True, False])
def test_importance_of_the_same_words_is_rated_once_and_talk_goes_in_the_batch(world, share):
    gw, backend = scripted((r"each numbered memory", _nines), (r"important|importance", '{"importance": 9}'))
    memory = MemorySystem.open(world, gw, HashEmbedder())
    memory.stream.scorer.share = share
    world.say("felix", "li_na", "Morning, Li Na, the bus was late again.")
    world.say("li_na", "felix", "It always is on Mondays, Felix.")
    # Zhou Yan and Xu Ming, at home in Maple Court with Felix and Li Na, both hear the two lines.
    for cid in ("zhou_yan", "xu_ming"):
        Mind(world, cid, gw, memory).perceive(detailed=True)
    heard = [m for m in memory.stream.for_character("xu_ming") if m.kind == "utterance"]
    assert len(heard) == 2 and all(m.importance == 9 for m in heard)
    # shared: one batched call rates both lines for both hearers; off: one call per line per hearer
    assert len(gw.history) == (1 if share else 4)
    # shared: each hearer's two lines read back from the batch (4), the second hearer's batch reused (2)
    assert memory.stream.scorer.reused == (6 if share else 0)


def test_a_dropped_reflection_waits_for_new_memories_before_the_next_try(world):
    gw, backend = scripted((r"insight", '{"insight": ");\\n} ok ok", "cites": [1]}'))
    memory = MemorySystem.open(world, gw, HashEmbedder())
    r = memory.reflector
    r.config.threshold, r.config.retry_after = 5, 6
    for i in range(3):
        memory.stream.add("mei", f"Zhou Yan ordered tea number {i}.", world_time=world.now(), importance=3)
    assert r.due("mei") and r.reflect("mei") is None and r.dropped["junk"] == 1
    assert not r.due("mei")  # the same memories would give the same junk: not asked again
    memory.stream.add("mei", "Felix spilled his coffee.", world_time=world.now(), importance=3)
    assert not r.due("mei")  # 3 < 6 since the failed try
    memory.stream.add("mei", "Li Na laughed at Felix.", world_time=world.now(), importance=3)
    assert r.due("mei")
    assert _asked(backend, "insight") == 1


def test_the_report_counts_calls_by_purpose_and_per_step(world):
    gw, _ = scripted((r"three to six short steps", '{"steps": ["open up", "serve", "tidy"]}'))
    report = Simulation(world, gw, {"p1": "cafe"}, SimConfig()).run(1)
    assert len(report.step_calls) == 6 and sum(report.step_calls) == len(gw.history) > 0
    assert sum(report.purposes.values()) == len(gw.history)
    assert report.purposes["plan and decide"] >= 1
