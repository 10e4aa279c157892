"""The daily gazette: the day's most newsworthy stories, in the reporter's voice, every fact cited.

One edition, in the order it is made:
  the day's events -> stories ranked by newsworthiness (newsworthy.py) -> per story, the facts in
  front of the reporter (the model, in the edition's language) -> the article through the grounded
  voice (writing.py: every sentence checked against the story's events, unsupported ones dropped)
  -> the facts themselves when too little grounded is left, or when the model cannot write the
  language (Chinese on SmolLM2). The headline is the world's, from the story's first event: the
  model's own headlines were doubled, ungrounded or English in the Chinese edition. A day with no
  story is a short "quiet day" edition, never invented news.
"""

from __future__ import annotations

import re
from datetime import date

from pydantic import BaseModel, Field

from llmverse.content.documents import Document, Language, Sentence, grounding_scores, register_document
from llmverse.content.errors import UnknownChoice
from llmverse.content.facts import zh_words
from llmverse.content.grounding import Support
from llmverse.content.newsworthy import Item, stories_of
from llmverse.content.registry import Context, Generator, register
from llmverse.content.writing import write_spoken
from llmverse.llm.base import Message
from llmverse.world.world import World

SYSTEM = "You are {name}, the {role} of {world}. {persona} You write the {paper}."
ARTICLE = {
    "en": """Facts:
{facts}

Write a short news article of two or three sentences about these facts, in your own voice as {name}.
Use only these facts: invent no names, places, times or numbers. Only the article, no headline.""",
    "zh": """事实：
{facts}

以{name}的口吻，用中文就这些事实写一篇两三句话的短新闻。只用这些事实，不要编造人名、地点、时间或数字。
只写正文，不要标题。""",
}
FOREIGN_QUOTE = re.compile(r"“[^”]*[A-Za-z]{2,}[^”]*”")  # a quotation in Latin letters
HEADLINES = {  # when the model's headline is missing or not grounded; {x} names come from the story
    "alarm": ("Alarm at the {place}: {what}", "{place}发出警报：{what}"),
    "invite": ("{a} invites the town to {what}", "{a}邀请全镇参加{what}"),
    "give": ("{a} gives the {thing} to {b}", "{a}把{thing}送给了{b}"),
    "buy": ("{a} buys the {thing}", "{a}买下{thing}"),
    "talk": ("{a} and {b} meet", "{a}与{b}相见"),
    "visit": ("{a} visits the {place}", "{a}到访{place}"),
}


class NewsParams(BaseModel):
    day: int | None = Field(default=None, ge=1, description="world day, 1 = the first; default: today")
    language: Language = "en"
    reporter: str | None = Field(default=None, description="character id; default: the world's reporter")
    stories: int = Field(default=4, ge=1, le=12, description="most stories in the edition")


class NewsStory(BaseModel):
    kind: str
    headline: Sentence
    sentences: list[Sentence]
    events: list[int] = Field(description="the events this story rests on")
    importance: float
    participants: float
    novelty: float
    score: float
    composed: bool = Field(description="written from the facts, not by the model")
    dropped: list[str] = []


@register_document
class NewsEdition(Document):
    kind: str = "news"
    day: int
    date: date
    reporter: str
    paper: str
    quiet: bool
    stories: list[NewsStory] = []


def reporter_of(world: World, wanted: str | None) -> str:
    """The reporter asked for, else the character whose role says reporter (or journalist, 记者)."""
    if wanted is not None:
        if wanted not in world.characters:
            raise UnknownChoice("reporter", wanted, world.characters)
        return wanted
    for c in world.characters.values():
        if re.search(r"report|journalist|gazette|记者", f"{c.role} {c.role_zh or ''}", re.I):
            return c.id
    return next(iter(world.characters))


def paper_of(world: World, reporter: str) -> str:
    """The newspaper the reporter's sketch names ("the Harbor Gazette"), else "<world> Gazette"."""
    c = world.characters[reporter]
    for line in (c.persona, *c.knowledge):
        m = re.search(r"\b((?:[A-Z][a-z]+ )+(?:Gazette|Times|News|Herald|Post|Courier|Chronicle))\b", line)
        if m:
            return m.group(1)
    return f"{world.file.name.en} Gazette"


def news(ctx: Context, p: NewsParams) -> NewsEdition:
    world = ctx.world
    reporter = reporter_of(world, p.reporter)
    paper = paper_of(world, reporter)
    ctx.add_world_names(paper)
    day = p.day or ctx.log.day_of(world.now().date())
    when = ctx.log.date_of_day(day)
    items = stories_of(ctx.log, when)[:p.stories]
    written = []
    for i, it in enumerate(items):
        ctx.report(f"story {i + 1} of {len(items)}: {it.kind}", i, len(items))
        written.append(_story(ctx, it, reporter, paper, p.language))
    ctx.report("edition written", len(items), len(items))
    stories = [story for story, _ in written]
    me = world.characters[reporter]
    edition = NewsEdition(world=world.key, language=p.language, title="", text="", model=ctx.model,
                          world_time=world.now(), day=day, date=when, reporter=reporter, paper=paper,
                          quiet=not stories, stories=stories,
                          entities=sorted({f"character:{c}" for it in items for c in it.participants}
                                          | {f"character:{reporter}"}))
    edition.sources = sorted({i for s in stories for i in s.events})
    kept = [x for s in stories for x in [s.headline, *s.sentences]]
    edition.scores = grounding_scores(kept, [x for _, raw in written for x in raw])
    edition.scores |= {"stories": float(len(stories)), "dropped": float(sum(len(s.dropped) for s in stories))}
    edition.passed = all(x.grounded for x in kept)
    edition.notes = [f"{s.kind}: dropped {d!r}" for s in stories for d in s.dropped]
    edition.notes += [f"{s.kind}: written from the facts" for s in stories if s.composed]
    name = me.names.zh or me.names.en if p.language == "zh" else me.names.en
    edition.title = _title(paper, when, p.language, world)
    edition.text = _render(edition, name, p.language, world)
    return edition


def _story(ctx: Context, it: Item, reporter: str, paper: str, language: str) -> tuple[NewsStory, list[Sentence]]:
    """The story, and every sentence the model wrote for it (checked), for the before-check figure."""
    support = Support(it.events, allowed={f"character:{reporter}"},
                      text="\n".join(x for f in it.facts for x in (f.en, f.zh) if x))
    facts = [ctx.grounder.check(f.text(language), support) for f in it.facts]
    for s, f in zip(facts, it.facts):  # a fact cites its events even where no claim needed them
        s.sources = sorted(set(s.sources) | set(f.sources))
    if language == "zh":  # words said in English are not quoted in the Chinese edition
        facts = [s for s in facts if not FOREIGN_QUOTE.search(s.text)]
    headline = _template_headline(ctx, it, language, support)
    common = dict(kind=it.kind, events=[e.id for e in it.events], importance=it.importance,
                  participants=it.participation, novelty=it.novelty, score=it.score)
    if not ctx.writes(language):  # Chinese on SmolLM2: the world's facts are the article
        return NewsStory(headline=headline, sentences=facts, composed=True, **common), []
    me = ctx.world.characters[reporter]
    system = SYSTEM.format(name=me.names.en, role=me.role, world=ctx.world.file.name.en, persona=me.persona, paper=paper)
    name = me.names.zh or me.names.en if language == "zh" else me.names.en
    listed = "\n".join(f"- {s.text}" for s in facts)
    messages = [Message("system", system), Message("user", ARTICLE[language].format(facts=listed, name=name))]
    out = write_spoken(ctx, messages, support, language, compose=lambda: facts, min_facts=1, max_sentences=4,
                       max_tokens=160, speaker=(me.names.en, me.names.zh or me.names.en, paper),
                       counts=lambda s: bool(s.sources))
    out.kept = [s for s in out.kept if not _same(s.text, headline.text)]
    story = NewsStory(headline=headline, sentences=out.kept, composed=out.composed == len(out.kept),
                      dropped=out.dropped, **common)
    return story, out.raw


def _template_headline(ctx: Context, it: Item, language: str, support: Support) -> Sentence:
    n = ctx.names.display
    people = sorted(it.participants, key=lambda c: min((e.id for e in it.events if e.actor == c), default=10**9))
    first = it.first
    a = first.actor if first.actor in ctx.world.characters else (people[0] if people else "")
    b = first.target if first.target in ctx.world.characters else next((c for c in people if c != a), a)
    slots = {"a": n(f"character:{a}", language) if a else "",
             "b": n(f"character:{b}", language) if b else "",
             "place": n(f"place:{it.extra['place']}", language) if it.extra.get("place") in ctx.world.places else "",
             "thing": n(f"thing:{it.extra['thing']}", language) if it.extra.get("thing") in ctx.world.things else "",
             "what": zh_words(it.extra.get("what", "")) if language == "zh" else it.extra.get("what", "")}
    en, zh = HEADLINES[it.kind]
    text = (zh if language == "zh" else en).format(**slots)
    s = ctx.grounder.check(text, support)
    s.sources = sorted(set(s.sources) | {first.id})
    return s


def _title(paper: str, when: date, language: str, world: World) -> str:
    if language == "zh":
        return f"{world.file.name.zh or world.file.name.en}日报 · {when.year}年{when.month}月{when.day}日"
    return f"The {paper}, {when.day} {when:%B %Y}"


def _same(a: str, b: str) -> bool:
    """Whether a sentence only repeats the headline (the model often opens its article with it)."""
    norm = lambda t: re.sub(r"[\W_]+", "", t.lower())  # noqa: E731
    return norm(a) == norm(b)


def _render(ed: NewsEdition, reporter: str, language: str, world: World) -> str:
    lines = [ed.title, f"本报记者：{reporter}" if language == "zh" else f"by {reporter}", ""]
    if ed.quiet:
        town = world.file.name.zh or world.file.name.en if language == "zh" else world.file.name.en
        lines.append(f"{ed.date.year}年{ed.date.month}月{ed.date.day}日，{town}风平浪静，没有值得报道的新闻。"
                     if language == "zh" else f"A quiet day in {town}: nothing of note was recorded on "
                     f"{ed.date.day} {ed.date:%B}.")
    sep = "" if language == "zh" else " "
    for s in ed.stories:
        body = [x.text for x in s.sentences if not _same(x.text, s.headline.text)]
        lines += [s.headline.text, sep.join(body), ""]
    return "\n".join(lines).strip() + "\n"


MORNING_HOUR = 6  # world time from which the day before's gazette is due


def edition_due(world: World, done: int) -> int | None:
    """The day whose gazette the reporter writes now: the day before today once the world's morning
    has come (the day before that until then), if later than `done`, the last day already written."""
    now = world.now()
    today = (now.date() - world.file.start.date()).days + 1
    due = today - 1 if now.hour >= MORNING_HOUR else today - 2
    return due if due >= 1 and due > done else None


register(Generator("news", NewsParams, news, "the daily gazette from the event log, every fact cited"))
