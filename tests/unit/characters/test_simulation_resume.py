"""Kill and resume in the middle of a day (issue 19) on the scripted backend, Willow Bend: wherever the
process dies — a character's turn, a conversation between its lines, a memory written before the
character marked what it had seen — the resumed run ends with every event once and the same state,
memories included, as a run never stopped."""

from __future__ import annotations

import pytest
from memfakes import HashEmbedder

from llmverse.characters.character import Character
from llmverse.characters.mind import Mind, invite
from llmverse.characters.recall import MemorySystem
from llmverse.characters.simulation import STEP_KEY, SimConfig, Simulation
from llmverse.llm.gateway import Gateway, GatewayConfig
from llmverse.llm.scripted import ScriptedBackend
from llmverse.world.world import DEFAULT_WORLD, open_world

WILLOW = DEFAULT_WORLD.parent.parent / "willow_bend" / "world.yaml"
HOURS = 2.0  # 07:00 -> 09:00: the party's news spreads at the square, near talks at the cafe


def scripted() -> Gateway:
    rules = [(r"three to six short steps", '{"steps": ["open up", "serve", "tidy"]}'),
             (r"best option", '{"choice": 2}')]  # a near character talks or buys when it may
    return Gateway(ScriptedBackend(rules=rules, json_default=True, default="Good to see you."),
                   GatewayConfig(timeout=5, retries=0))


def start(tmp_path, name: str):
    w = open_world(WILLOW, f"sqlite:///{tmp_path / name}")
    invite(w, "mei", "cafe", w.now().replace(hour=9), "a breakfast party")
    return w, MemorySystem.open(w, scripted(), HashEmbedder())


def run(world, memory, hours: float = HOURS):
    players = {"p1": "square", "p2": "cafe"}
    return Simulation(world, memory.stream.scorer.gateway, players, SimConfig(), memory=memory).run(hours)


def snapshot(world, memory) -> tuple[list, dict, dict]:
    events = [(e.world_time, e.kind, e.actor, e.target, e.data) for e in world.events()]
    keys = [f"{p}:{c}" for c in world.characters for p in ("mind", "plan", "character", "reflect")]
    keys += [f"rel:{a}:{b}" for a in world.characters for b in world.characters if a != b]
    state = {k: world.state_of(k) for k in keys if world.state_of(k)}
    memories = {c: sorted((m.world_time, m.kind, m.text, m.importance) for m in memory.stream.for_character(c))
                for c in world.characters}
    return events, state, memories


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory):
    w, memory = start(tmp_path_factory.mktemp("whole"), "whole.db")
    run(w, memory)
    return snapshot(w, memory), w.now()


def _dies_at(monkeypatch, cls, name: str, n: int, *, after: bool = False) -> dict:
    """Make `cls.name` raise KeyboardInterrupt on its n-th call that did something (before it runs,
    or after it ran and returned something truthy: memories written)."""
    real, calls = getattr(cls, name), {"n": 0}

    def dying(*args, **kwargs):
        if not after:
            calls["n"] += 1
            if calls["n"] == n:
                raise KeyboardInterrupt
            return real(*args, **kwargs)
        out = real(*args, **kwargs)
        calls["n"] += bool(out)
        if out and calls["n"] == n:
            raise KeyboardInterrupt
        return out

    monkeypatch.setattr(cls, name, dying)
    return calls


@pytest.mark.parametrize("where, cls, name, n, after", [
    ("a character's turn, mid-step", Mind, "act", 25 * 7 + 11, False),
    ("a near conversation, between its lines", Character, "reply", 2, False),
    ("after memories were written, before 'seen' moved", MemorySystem, "remember", 60, True),
])
def test_kill_and_resume_ends_as_an_uninterrupted_run(tmp_path, monkeypatch, uninterrupted, where, cls, name, n, after):
    expected, end = uninterrupted
    w, memory = start(tmp_path, "killed.db")
    calls = _dies_at(monkeypatch, cls, name, n, after=after)
    with pytest.raises(KeyboardInterrupt):
        run(w, memory)
    monkeypatch.undo()
    assert calls["n"] == n and w.state_of(STEP_KEY)["open"]  # it died inside a step
    ran = (w.now() - w.file.start).total_seconds() / 3600
    fresh = MemorySystem.open(w, scripted(), HashEmbedder())  # a new process: fresh minds, same store
    run(w, fresh, HOURS - ran + 1 / 6)  # the open step is finished first, then the rest
    assert w.now() == end
    got = snapshot(w, fresh)
    assert got[0] == expected[0], where  # every event once, in order
    assert got[1] == expected[1], where
    assert got[2] == expected[2], where  # memories: none lost, none twice
