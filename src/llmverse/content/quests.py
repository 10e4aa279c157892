"""Quests: a giver, steps a player can really do in the world, a reward; as schema-valid JSON.

The model chooses and words the quest as JSON whose ids are held to the world's ids by the schema
(an enum per field); `quest_rules.check_steps` then walks it through the world. A draft that cannot
be done goes back to the model with the reasons; after the retry budget the best rule-built idea
stands in (marked `drafted_by: rules`). Titles and objectives are checked for invented names like
any other text; in Chinese (or when the model's words fail) they are composed from the steps.
"""

from __future__ import annotations

import json
from typing import Literal

from pydantic import BaseModel, Field, ValidationError

from llmverse.content.documents import Document, Language, register_document
from llmverse.content.errors import ContentError, UnknownChoice
from llmverse.content.grounding import Support
from llmverse.content.quest_rules import MAX_REWARD, Idea, QuestStep, check_steps, found_at, ideas, start_of
from llmverse.content.registry import Context, Generator, register
from llmverse.errors import BackendUnavailable
from llmverse.llm.base import Message

PROMPT = """You are {name}, the {role} in {world}. {persona}
Give a visitor a quest: a small task with steps they can do in {world}, and a reward in coins.
Places: {places}
Things: {things}
People: {people}
Ideas (choose one, or make your own from the lists):
{ideas}
Steps use the ids above: go <place>, buy <thing> (where it is sold), see <thing> (where it is kept),
talk <person> (where they are found), give <thing> to <person>. A player starts where you are: {here}.
Example answer:
{example}
Answer as JSON."""
RETRY = "That quest cannot be done: {problems}. Give a quest that can be done, as JSON."
STEP_TEXT = {
    "go": ("Go to the {t}.", "前往{t}。"), "buy": ("Buy the {t} ({price} coins).", "购买{t}（{price}个铜币）。"),
    "see": ("See the {t}.", "去看{t}。"), "talk": ("Talk to {t}.", "和{t}谈一谈。"),
    "give": ("Give the {t} to {to}.", "把{t}交给{to}。"),
}
TITLES = {"buy": ("A {t} for {giver}", "为{giver}买{t}"), "see": ("{giver} asks about the {t}", "{giver}想知道{t}的事"),
          "talk": ("A word with {t}", "捎话给{t}"), "give": ("A gift for {to}", "给{to}的礼物")}


class QuestParams(BaseModel):
    giver: str = Field(description="character id of the quest giver")
    language: Language = "en"
    attempts: int = Field(default=2, ge=1, le=5, description="model drafts before the rules stand in")


class QuestDraft(BaseModel):
    """What the model writes; the schema sent to it pins ids to the world's (see _schema)."""

    title: str = Field(max_length=60)
    objective: str = Field(max_length=200)
    steps: list[QuestStep] = Field(min_length=1, max_length=6)
    reward_coins: int = Field(ge=0, le=MAX_REWARD)


class DraftRecord(BaseModel):
    draft: dict | None
    problems: list[str]


@register_document
class Quest(Document):
    kind: str = "quest"
    giver: str
    objective: str
    steps: list[QuestStep]
    reward_coins: int
    valid: bool
    problems: list[str] = []
    drafted_by: Literal["model", "rules"]
    drafts: list[DraftRecord] = []


def quest(ctx: Context, p: QuestParams) -> Quest:
    w = ctx.world
    if p.giver not in w.characters:
        raise UnknownChoice("quest giver", p.giver, w.characters)
    talked = {e.target for e in w.events(actor=p.giver, kind="say", last=50) if e.target in w.characters}
    options = ideas(w, p.giver, talked_with=talked)
    drafts: list[DraftRecord] = []
    chosen = _ask(ctx, p, options[:3], drafts)
    drafted_by: Literal["model", "rules"] = "model"
    if chosen is None:
        if not options:
            raise ContentError(f"{p.giver} has no quest to give in {w.file.name.en}: nothing to fetch, see or "
                               "tell lies outside their own place")
        idea = options[0]
        chosen = QuestDraft(title="x", objective="x", steps=list(idea.steps), reward_coins=idea.reward)
        drafted_by = "rules"
    steps = [s.model_copy(update={"text": _step_text(ctx, s, p.giver, p.language)}) for s in chosen.steps]
    problems = check_steps(w, p.giver, steps, chosen.reward_coins)
    title, objective = _words(ctx, chosen, steps, p, drafted_by)
    doc = Quest(world=w.key, language=p.language, title=title, text="", model=ctx.model, world_time=w.now(),
                giver=p.giver, objective=objective, steps=steps, reward_coins=chosen.reward_coins,
                valid=not problems, problems=problems, drafted_by=drafted_by, drafts=drafts,
                entities=sorted({f"character:{p.giver}"} | {_key(ctx, s.target) for s in steps}))
    doc.passed = doc.valid
    first_ok = bool(drafts) and not drafts[0].problems
    doc.scores = {"valid": float(doc.valid), "model_valid": float(drafted_by == "model" and doc.valid),
                  "first_draft_valid": float(first_ok), "drafts": float(len(drafts))}
    doc.notes = [f"draft {i}: {'; '.join(d.problems) or 'can be done'}" for i, d in enumerate(drafts, 1)]
    if drafted_by == "rules":
        doc.notes.append("no draft of the model could be done: a rule-built quest stands in")
    reward = f"{chosen.reward_coins}个铜币" if p.language == "zh" else f"{chosen.reward_coins} coins"
    giver = ctx.names.display(f"character:{p.giver}", p.language)
    head = f"{title}（{giver}）" if p.language == "zh" else f"{title} (from {giver})"
    label = "奖励" if p.language == "zh" else "Reward"
    doc.text = "\n".join([head, objective, *(f"{i}. {s.text}" for i, s in enumerate(steps, 1)), f"{label}: {reward}"]) + "\n"
    return doc


def quest_schema(ctx: Context) -> dict:
    """QuestDraft's JSON schema with every id field held to the world's ids (the grammar enforces it)."""
    w = ctx.world
    schema = QuestDraft.model_json_schema()
    step = schema.pop("$defs")["QuestStep"]  # inlined: grammar converters and test backends need no $ref
    step["properties"]["target"] = {"type": "string", "enum": sorted([*w.places, *w.things, *w.characters])}
    step["properties"]["to"] = {"anyOf": [{"type": "string", "enum": sorted(w.characters)}, {"type": "null"}]}
    step["properties"].pop("text", None)
    schema["properties"]["steps"]["items"] = step
    return schema


def _ask(ctx: Context, p: QuestParams, options: list[Idea], drafts: list[DraftRecord]) -> QuestDraft | None:
    w, me = ctx.world, ctx.world.characters[p.giver]
    places = ", ".join(f"{k} ({v.names.en})" for k, v in w.places.items())
    things = ", ".join(f"{k} ({v.names.en}, at {v.location}{f', {v.price:g} coins' if v.price is not None else ''})"
                       for k, v in w.things.items())
    people = ", ".join(f"{k} ({v.names.en}, found at {', '.join(sorted(found_at(w, k)))})" for k, v in w.characters.items())
    listed = "\n".join(f"{i}. {' / '.join(_plain(s) for s in o.steps)}; reward {o.reward} coins"
                       for i, o in enumerate(options, 1)) or "(none)"
    example = "{}"
    if options:  # the best idea as a whole answer: a small model follows an example better than a rule
        steps = [s.model_copy(update={"text": _step_text(ctx, s, p.giver, "en")}) for s in options[0].steps]
        title, objective = _compose_words(ctx, steps, p.giver, "en")
        example = json.dumps({"title": title, "objective": objective,
                              "steps": [s.model_dump(exclude={"text"}, exclude_none=True) for s in steps],
                              "reward_coins": options[0].reward})
    messages = [Message("user", PROMPT.format(name=me.names.en, role=me.role, world=w.file.name.en, persona=me.persona,
                                              places=places, things=things, people=people, ideas=listed,
                                              here=start_of(w, p.giver), example=example))]
    schema = quest_schema(ctx)
    for _ in range(p.attempts):
        try:
            reply = ctx.gateway.complete(messages, schema=schema, max_tokens=260)
        except BackendUnavailable as exc:
            drafts.append(DraftRecord(draft=None, problems=[f"the model failed: {str(exc).splitlines()[0][:160]}"]))
            return None
        try:
            draft = QuestDraft.model_validate_json(reply.text)
        except ValidationError as exc:
            drafts.append(DraftRecord(draft=None, problems=[f"not a quest: {exc.errors()[0]['msg']}"]))
            continue
        problems = check_steps(w, p.giver, draft.steps, draft.reward_coins)
        drafts.append(DraftRecord(draft=json.loads(reply.text), problems=problems))
        if not problems:
            return draft
        messages = [*messages, Message("assistant", reply.text), Message("user", RETRY.format(problems="; ".join(problems)))]
    return None


def _words(ctx: Context, draft: QuestDraft, steps: list[QuestStep], p: QuestParams, by: str) -> tuple[str, str]:
    """The model's title and objective when they hold (English, no invented names), else composed."""
    support = Support([], allowed={f"character:{p.giver}"} | {_key(ctx, s.target) for s in steps}
                      | {f"character:{s.to}" for s in steps if s.to}, text=" ".join(s.text for s in steps), actions=False)
    if by == "model" and p.language == "en" and ctx.writes("en"):
        checked = [ctx.grounder.check(x, support) for x in (draft.title, draft.objective)]
        if all(c.grounded for c in checked) and draft.title.strip() and draft.objective.strip():
            return draft.title.strip(), draft.objective.strip()
    return _compose_words(ctx, steps, p.giver, p.language)


def _compose_words(ctx: Context, steps: list[QuestStep], giver_id: str, lang: str) -> tuple[str, str]:
    """A title and objective made from the steps themselves."""
    giver = ctx.names.display(f"character:{giver_id}", lang)
    main = next((s for s in steps if s.action in ("buy", "see", "talk") and s.target != giver_id), steps[0])
    slots = {"t": ctx.names.display(_key(ctx, main.target), lang), "giver": giver,
             "to": ctx.names.display(f"character:{main.to or giver_id}", lang)}
    title = TITLES.get(main.action, ("A task for {giver}", "{giver}的委托"))[lang == "zh"].format(**slots)
    lead = f"{giver}请你：" if lang == "zh" else f"{giver} asks you to: "
    body = "".join(s.text for s in steps) if lang == "zh" else " ".join(s.text for s in steps)
    return title, lead + body


def _step_text(ctx: Context, s: QuestStep, giver: str, lang: str) -> str:
    key = _key(ctx, s.target)
    t = s.target if key.startswith("unknown:") else ctx.names.display(key, lang)
    to = ctx.names.display(f"character:{s.to or giver}", lang) if (s.to or giver) in ctx.world.characters else s.to
    thing = ctx.world.things.get(s.target)
    price = f"{thing.price:g}" if thing is not None and thing.price is not None else "?"
    return STEP_TEXT[s.action][lang == "zh"].format(t=t, to=to, price=price)


def _plain(s: QuestStep) -> str:
    return f"{s.action} {s.target}" + (f" to {s.to}" if s.to else "")


def _key(ctx: Context, ref: str) -> str:
    w = ctx.world
    for kind, items in (("place", w.places), ("thing", w.things), ("character", w.characters)):
        if ref in items:
            return f"{kind}:{ref}"
    return f"unknown:{ref}"


register(Generator("quest", QuestParams, quest, "a quest from a character, every step achievable in the world"))
