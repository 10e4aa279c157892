"""`llmverse eval interview`: after a simulated day, ask each character the Generative Agents
interview categories and check the answers against the event log and the persona.

What can be checked, is checked: the names, places and plans an answer states are compared with
what happened (the log) and what the character means to do (its plan); no judge model is used.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from llmverse.characters.character import Character
from llmverse.characters.plans import DayPlan
from llmverse.characters.recall import MemorySystem
from llmverse.llm.gateway import Gateway
from llmverse.world.world import World

CATEGORIES = ("self-knowledge", "memory", "plans", "reactions", "reflections")


@dataclass
class Answer:
    character: str
    category: str
    question: str
    reply: str
    passed: bool
    why: str


def _mentions(text: str, names: set[str]) -> set[str]:
    low = text.lower()
    return {n for n in names if n and n.lower() in low}


def interview(world: World, gateway: Gateway, *, memory: MemorySystem | None = None,
              progress: Callable[[Answer], None] | None = None) -> list[Answer]:
    answers = []
    names = {c.id: c.names.en for c in world.characters.values()}
    for cid, c in world.characters.items():
        talked = {names[e.target] for e in world.events(actor=cid, kind="say") if e.target in names}
        talked |= {names[e.actor] for e in world.events(kind="say") if e.target == cid and e.actor in names}
        later = [st for h, st in DayPlan(world, c).today() if h > f"{world.now():%H:%M}" and st.place]
        went = {world.places[e.target].names.en for e in world.events(actor=cid, kind="arrive")}
        workplace = world.places[c.workplace].names.en if c.workplace else None
        questions = {
            "self-knowledge": "Give an introduction of yourself.",
            "memory": "Who did you talk to today?",
            "plans": "What will you do later today?",
            "reactions": f"There is smoke coming from the {workplace or 'market'}! What do you do?",
            "reflections": "What did you do today?",
        }
        voice = Character(world, cid, gateway, memory=memory)
        for category, q in questions.items():
            reply = voice.reply(f"interviewer-{category}", q).text  # a fresh listener per question
            others = set(names.values()) - {c.names.en}
            if category == "self-knowledge":
                ok = c.names.en.lower() in reply.lower() and c.role.lower() in reply.lower()
                why = "states own name and role" if ok else f"missing name '{c.names.en}' or role '{c.role}'"
            elif category == "memory":
                claimed = _mentions(reply, others)
                ok = (claimed & talked if talked else not claimed) and not (claimed - talked)
                why = f"talked with {sorted(talked) or 'no one'}; answer names {sorted(claimed) or 'no one'}"
            elif category == "plans":
                planned = {world.places[st.place].names.en for st in later}
                said = _mentions(reply, planned)
                ok = bool(said) if planned else not _mentions(reply, {p.names.en for p in world.places.values()})
                why = f"plan goes to {sorted(planned) or 'nowhere new'}; answer names {sorted(said) or 'none'}"
            elif category == "reactions":
                ok = bool(workplace is None or workplace.lower() in reply.lower()) and not voice.last.fallback
                why = "reacts to the place on fire" if ok else "does not address the place on fire"
            else:  # reflections: the day as it happened, nothing that did not
                places = {p.names.en for p in world.places.values()}
                said_places = _mentions(reply, places)
                ok = bool(said_places & went) and not (said_places - went - {workplace, _here(world, cid)})
                why = f"went to {sorted(went) or 'nowhere'}; answer names {sorted(said_places) or 'none'}"
            answer = Answer(cid, category, q, reply, bool(ok), why)
            answers.append(answer)
            if progress:
                progress(answer)
    return answers


def _here(world: World, cid: str) -> str | None:
    place = world.position(cid)
    return world.places[place].names.en if place else None


def scores(answers: list[Answer]) -> dict[str, float]:
    by: dict[str, list[bool]] = {}
    for a in answers:
        by.setdefault(a.category, []).append(a.passed)
    return {k: sum(v) / len(v) for k, v in by.items()}
