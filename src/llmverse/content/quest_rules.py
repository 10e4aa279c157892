"""What a quest may ask, by the rules of the world: the steps a player can really take.

`check_steps` walks a quest through the world as a player would: it starts where the giver is
found, each `go` needs a walkable path (world.walk), a `buy` needs the thing to be for sale where
the player stands, a `see` needs the thing to be there, a `talk` or `give` needs the person to be
found there (workplace, home or schedule), and a `give` needs the thing in hand. `ideas` builds
quests that pass, for the model to choose among and for the fallback when its drafts do not pass.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, Field

from llmverse.world.world import World

Action = Literal["go", "buy", "see", "talk", "give"]
MAX_REWARD = 50  # coins


class QuestStep(BaseModel):
    action: Action
    target: str = Field(description="place id for go, thing id for buy/see/give, character id for talk")
    to: str | None = Field(default=None, description="give: id of the character who receives the thing")
    text: str = Field(default="", description="the step in words, filled in by the generator")


def found_at(world: World, character: str) -> set[str]:
    """Places where a player can find a character during the day."""
    c = world.characters[character]
    return {p for p in (c.workplace, c.home, *(s.place for s in c.schedule)) if p}


def start_of(world: World, giver: str) -> str:
    c = world.characters[giver]
    return c.workplace or c.home or world.position(giver) or next(iter(world.places))


def check_steps(world: World, giver: str, steps: list[QuestStep], reward: int) -> list[str]:
    """Why a player could not do this quest (empty: it can be done)."""
    problems: list[str] = []
    here, held = start_of(world, giver), set()
    names = {**{k: v.names.en for k, v in world.places.items()}, **{k: v.names.en for k, v in world.things.items()},
             **{k: v.names.en for k, v in world.characters.items()}}
    for i, s in enumerate(steps, 1):
        t = s.target
        if s.action == "go":
            if t not in world.places:
                problems.append(f"step {i}: '{t}' is not a place")
            elif world.walk(here, t) is None and t != here:
                problems.append(f"step {i}: there is no path from the {names[here]} to the {names[t]}")
            else:
                here = t
            continue
        if s.action in ("buy", "see", "give") and t not in world.things:
            problems.append(f"step {i}: '{t}' is not a thing in {world.file.name.en}")
            continue
        if s.action == "talk" and t not in world.characters:
            problems.append(f"step {i}: '{t}' is no one in {world.file.name.en}")
            continue
        if s.action in ("buy", "see"):
            thing, st = world.things[t], world.thing_state(t)
            if s.action == "buy" and (thing.price is None or thing.kind == "exhibit"):
                problems.append(f"step {i}: the {names[t]} is not for sale")
            elif st.location is None:
                problems.append(f"step {i}: the {names[t]} is carried by {st.owner}, not kept anywhere")
            elif st.location != here:
                problems.append(f"step {i}: the {names[t]} is at the {names[st.location]}, but the player is at "
                                f"the {names[here]}: add a step to go there first")
            elif s.action == "buy" and st.owner == giver:
                problems.append(f"step {i}: {names[giver]} sells the {names[t]}; a quest to buy it from them makes no sense")
            elif s.action == "buy":
                held.add(t)
        elif s.action == "talk" and here not in found_at(world, t):
            problems.append(f"step {i}: {names[t]} is not found at the {names[here]}")
        elif s.action == "give":
            to = s.to or giver
            if to not in world.characters:
                problems.append(f"step {i}: '{to}' is no one to give things to")
            elif t not in held:
                problems.append(f"step {i}: the player does not have the {names[t]} (buy it first)")
            elif here not in found_at(world, to):
                problems.append(f"step {i}: {names[to]} is not found at the {names[here]}")
            else:
                held.discard(t)
    if not any(s.action != "go" for s in steps):
        problems.append("the quest only walks about: add something to buy, see, give or someone to talk to")
    if not 0 <= reward <= MAX_REWARD:
        problems.append(f"the reward of {reward} coins is outside 0..{MAX_REWARD}")
    return problems


@dataclass(frozen=True)
class Idea:
    kind: Literal["fetch", "see", "message"]
    steps: tuple[QuestStep, ...]
    reward: int
    subject: str  # the thing or character it is about


def ideas(world: World, giver: str, *, talked_with: set[str] = frozenset()) -> list[Idea]:
    """Quests that pass check_steps, people the giver talked with first, then by distance."""
    home = start_of(world, giver)
    out: list[Idea] = []
    for t in world.things.values():
        st = world.thing_state(t.id)
        if t.price is not None and t.kind == "item" and st.location and st.owner != giver and st.location != home:
            steps = (QuestStep(action="go", target=st.location), QuestStep(action="buy", target=t.id),
                     QuestStep(action="go", target=home), QuestStep(action="give", target=t.id, to=giver))
            out.append(Idea("fetch", steps, min(MAX_REWARD, math.ceil(t.price) + 5), t.id))
        elif t.kind == "exhibit" and st.location and st.location != home:
            steps = (QuestStep(action="go", target=st.location), QuestStep(action="see", target=t.id),
                     QuestStep(action="go", target=home), QuestStep(action="talk", target=giver))
            out.append(Idea("see", steps, 3, t.id))
    for c in world.characters.values():
        where = c.workplace or c.home
        if c.id != giver and where and where != home:
            steps = (QuestStep(action="go", target=where), QuestStep(action="talk", target=c.id),
                     QuestStep(action="go", target=home), QuestStep(action="talk", target=giver))
            out.append(Idea("message", steps, 2, c.id))
    out = [i for i in out if not check_steps(world, giver, list(i.steps), i.reward)]

    # Givers differ in what they ask first (fetch, see, message, rotated by the giver's place in the
    # world file), so a town's quests are not all one errand; nearer ones first within a kind.
    kinds = ["fetch", "see", "message"]
    turn = list(world.characters).index(giver) % len(kinds)
    order = {k: (i - turn) % len(kinds) for i, k in enumerate(kinds)}

    def rank(i: Idea) -> tuple[int, int, float]:
        walk = world.walk(home, i.steps[0].target)
        return (0 if i.subject in talked_with else 1, order[i.kind], walk[0] if walk else math.inf)
    return sorted(out, key=rank)
