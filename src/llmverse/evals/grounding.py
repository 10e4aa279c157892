"""`llmverse eval grounding`: ask characters about world facts; count replies that state the right one.

Two figures, side by side: the final reply (after the world's checks) and the model on its own
(replies the checks did not have to complete or compose), so the checks' share is visible.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from importlib.resources import files
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict

from llmverse.characters.character import Character, Reply
from llmverse.characters.facts import FactBook
from llmverse.lang import detect_language
from llmverse.llm.gateway import Gateway
from llmverse.world.grounding import numbers_in
from llmverse.world.world import World


class Question(BaseModel):
    model_config = ConfigDict(extra="forbid")
    character: str
    question: str
    fact: str | None = None
    expect: list[str] | None = None


class EvalSet(BaseModel):
    model_config = ConfigDict(extra="forbid")
    world: str
    questions: list[Question]


@dataclass
class Outcome:
    q: Question
    expected: list[str]
    reply: Reply
    right: bool  # the final reply states the fact
    by_model: bool  # ... and the model said it without the world completing or composing it
    language_ok: bool  # replied in the language it was asked in


def load_eval_set() -> EvalSet:
    return EvalSet.model_validate(yaml.safe_load(files("llmverse.evals").joinpath("grounding.yaml").read_text("utf-8")))


def states(text: str, expected: str) -> bool:
    """An expected value appears: a time range by both ends (however written), a word on word bounds."""
    if re.fullmatch(r"\d\d:\d\d-\d\d:\d\d", expected):
        return set(expected.split("-")) <= numbers_in(text)
    if re.search(r"[\u3400-\u9fff]", expected):
        return expected in text
    edge = "A-Za-z0-9:" if expected[:1].isdigit() else "A-Za-z0-9"  # "40" must not match "09:40"
    return re.search(rf"(?<![{edge}]){re.escape(expected)}(?![{edge}])", text, re.I) is not None


def run(world: World, gateway: Gateway, player: str = "eval",
        progress: Callable[[Outcome], None] | None = None) -> list[Outcome]:
    outcomes = []
    for i, q in enumerate(load_eval_set().questions):
        character = Character(world, q.character, gateway)
        expected = q.expect or list(FactBook(world, character.me).get(q.fact or "self").answers)
        reply = character.reply(f"{player}-{i}", q.question)  # a new visitor each time: no shared history
        right = any(states(reply.text, e) for e in expected)
        outcome = Outcome(q, expected, reply, right,
                          right and not (reply.completed or reply.composed or reply.fallback),
                          detect_language(reply.text) == detect_language(q.question))
        outcomes.append(outcome)
        if progress:
            progress(outcome)
    return outcomes


Mode = Literal["final", "model"]


def fraction(outcomes: list[Outcome], mode: Mode = "final") -> float:
    hits = [o.right if mode == "final" else o.by_model for o in outcomes]
    return sum(hits) / len(hits) if hits else 0.0
