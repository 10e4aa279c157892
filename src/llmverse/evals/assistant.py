"""`llmverse eval assistant`: the bundled requests through the assistant; tool choice, answers, claims, time.

Figures, each over the 64 requests (half English, half Chinese):
- tool-choice accuracy, twice: the model's own choice (asked every time) and the final choice (after
  the rules and the keyword fallback), so the rules' share is visible;
- answer accuracy: the right destination with a walkable path, the expected fact stated, "I don't
  know"/out of scope when the world has no answer (citing nothing), recommendations that are all open
  at the time asked about and reachable, a reply at all for the rest;
- unsupported-claim rate: replies stating a number, or naming a place, thing or person of the world,
  that their cited sources do not hold (stricter than the runtime check, which accepts any world name;
  a recommendation's sources are the recommender's own candidates, hours and walking times);
  the same for the model's drafts before the checks;
- latency p50/p95 of whole replies, in seconds.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Callable
from dataclasses import dataclass
from importlib.resources import files
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field

from llmverse.assistant.assistant import Assistant, AssistantReply
from llmverse.assistant.navigate import Route
from llmverse.assistant.recommend import asked_time
from llmverse.assistant.router import Router
from llmverse.evals.grounding import states
from llmverse.lang import detect_language
from llmverse.world.grounding import numbers_in
from llmverse.world.world import World


class Request(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    text: str
    tool: Literal["navigate", "recommend", "answer", "smalltalk"]
    start: str = Field("market", alias="from")
    place: str | None = None
    expect: list[str] | None = None
    status: Literal["unknown", "out_of_scope"] | None = None
    after: list[str] = []


class EvalSet(BaseModel):
    model_config = ConfigDict(extra="forbid")
    world: str
    requests: list[Request]


@dataclass
class Outcome:
    r: Request
    reply: AssistantReply
    model_tool: str | None
    tool_right: bool  # final choice
    model_right: bool  # the model's own choice
    right: bool  # the answer is right (see the module docstring)
    unsupported: list[str]  # claims of the final reply its sources do not hold
    draft_unsupported: list[str]  # ... of the model's draft, before the checks


def load_eval_set() -> EvalSet:
    return EvalSet.model_validate(yaml.safe_load(files("llmverse.evals").joinpath("assistant.yaml").read_text("utf-8")))


def walkable(world: World, route: Route) -> bool:
    """Every step to a neighbouring walkable tile, ending at an entrance of the destination."""
    p = route.path
    steps_ok = all(max(abs(a[0] - b[0]), abs(a[1] - b[1])) == 1 for a, b in zip(p, p[1:]))
    return steps_ok and all(world.grid.walkable(x, y) for x, y in p) and \
        tuple(p[-1]) in {tuple(t) for t in world.grid.entrances(route.destination)}


def _world_names(world: World) -> list[str]:
    out = []
    for table in (world.places, world.things, world.characters):
        for e in table.values():
            out += [n for n in (e.names.en, e.names.zh) if n and len(n) >= 2]
    return out


def unsupported_claims(world: World, text: str, support: str) -> list[str]:
    """Numbers and world names in the text that the support text does not contain."""
    claims = sorted(n for n in numbers_in(text) if n not in numbers_in(support))
    low, sup = text.lower(), support.lower()
    for name in _world_names(world):
        if re.search(r"[\u3400-\u9fff]", name):
            found = name in text
        else:
            found = re.search(rf"(?<![a-z]){re.escape(name.lower())}(?![a-z])", low) is not None
        if found and name.lower() not in sup:
            claims.append(name)
    return claims


def _support(reply: AssistantReply) -> str:
    if reply.answer is not None:
        return reply.answer.sources_text
    if reply.route is not None:
        r = reply.route  # the route's own figures: computed on the map
        return r.text + (f" {r.destination_name} {r.distance_m:.0f} {round(r.minutes)}" if isinstance(r, Route) else "")
    if reply.recommendations:  # what the recommender chose: names, place, hours, walking time, counts
        facts = []
        for rec in reply.recommendations:
            c = rec.item
            for names in (c.names, c.place_names):
                facts += [names.en, names.zh or ""] if names is not None else []
            facts += [rec.reason, str(round(rec.minutes)), f"{c.starts:%H:%M}" if c.starts else ""]
        numbering = " ".join(str(i) for i in range(1, len(reply.recommendations) + 1))  # "1." "2." "3."
        return " ".join(facts) + f" {numbering} " + reply.text.splitlines()[0]  # the head: the time asked about
    return reply.text  # templates that state no world fact


def _right(world: World, r: Request, reply: AssistantReply) -> bool:
    if r.tool == "navigate":
        route = reply.route
        return isinstance(route, Route) and route.destination == r.place and walkable(world, route)
    if r.status is not None:
        return reply.answer is not None and reply.answer.status == r.status and not reply.citations
    if r.expect:
        return any(states(reply.text, e) for e in r.expect)
    if r.tool == "recommend":  # something to do, each open at the time asked about, and reachable
        at = asked_time(r.text, world.now())
        return bool(reply.recommendations) and all(
            world.is_open(x.item.place, at) and x.minutes < float("inf")
            for x in reply.recommendations)
    return bool(reply.text.strip()) and reply.tool == r.tool


def run(world: World, gateway, *, embedder=None, progress: Callable[[Outcome], None] | None = None) -> list[Outcome]:
    assistant = Assistant(world, gateway, embedder=embedder, router=Router(gateway, consult="always"), record=False)
    outcomes = []
    for i, r in enumerate(load_eval_set().requests):
        player = f"eval-{i}"
        for j, earlier in enumerate(r.after):
            assistant.reply(player, earlier, start=r.start if j == 0 else None)
        reply = assistant.reply(player, r.text, start=None if r.after else r.start)
        model_tool = reply.decision.model_tool if reply.decision else None
        draft = reply.answer.draft if reply.answer else ""
        o = Outcome(r, reply, model_tool, reply.tool == r.tool, model_tool == r.tool, _right(world, r, reply),
                    unsupported_claims(world, reply.text, _support(reply)),
                    unsupported_claims(world, draft, _support(reply)) if draft else [])
        outcomes.append(o)
        if progress:
            progress(o)
    return outcomes


@dataclass
class Figures:
    n: int
    tool_final: float
    tool_model: float
    answer: float
    unsupported: float
    drafts: int  # replies where the model wrote a draft
    drafts_unsupported: float
    p50: float
    p95: float
    by_language: dict[str, tuple[float, float, float]]  # language -> (tool final, tool model, answer)


def figures(outcomes: list[Outcome]) -> Figures:
    def share(xs) -> float:
        xs = list(xs)
        return sum(xs) / len(xs) if xs else 0.0

    secs = sorted(o.reply.seconds for o in outcomes)
    drafts = [o for o in outcomes if o.reply.answer is not None and o.reply.answer.draft]
    langs = {}
    for lang in ("en", "zh"):
        group = [o for o in outcomes if detect_language(o.r.text) == lang]
        langs[lang] = (share(o.tool_right for o in group), share(o.model_right for o in group),
                       share(o.right for o in group))
    return Figures(len(outcomes), share(o.tool_right for o in outcomes), share(o.model_right for o in outcomes),
                   share(o.right for o in outcomes), share(bool(o.unsupported) for o in outcomes), len(drafts),
                   share(bool(o.draft_unsupported) for o in drafts),
                   statistics.median(secs) if secs else 0.0,
                   secs[min(len(secs) - 1, round(0.95 * (len(secs) - 1)))] if secs else 0.0, langs)
