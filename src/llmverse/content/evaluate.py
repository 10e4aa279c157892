"""`llmverse eval content`: a simulated Harbor Town day, then every generator, with checkable figures.

The day: a fresh world, Nell invites the town to a lunch party, the forge has a fire at 14:00, a
player stands at the market, and the simulation runs 08:00-20:00. It is simulated on the scripted
backend unless another gateway is given, so the figures measure content generation, not the
simulation. Then: the gazette in English and Chinese (grounding precision of the claims kept, and of
the claims the model wrote before checking), poems per form (compliance), a quest per character
(validity: every quest walked through the world), stories and descriptions (grounding), and the
generation time of every item.
"""

from __future__ import annotations

import tempfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from statistics import mean

from rich.table import Table

from llmverse.content.documents import Document
from llmverse.content.forms import FORMS
from llmverse.content.registry import generate
from llmverse.llm.gateway import Gateway, GatewayConfig
from llmverse.world.world import World, open_world

TOPICS = ("harbour", "Lantern Park", "founding bell")
STORIES = (("bram", "mystery"), ("market", "slice_of_life"))
DESCRIBE = ("forge", "anchor", "mara")


@dataclass
class Item:
    kind: str
    label: str
    seconds: float
    passed: bool
    detail: str
    scores: dict[str, float] = field(default_factory=dict)


@dataclass
class ContentEval:
    model: str
    events: int
    items: list[Item] = field(default_factory=list)

    def of(self, kind: str) -> list[Item]:
        return [i for i in self.items if i.kind == kind]

    def news_precision(self, language: str, key: str = "grounding") -> float:
        items = [i for i in self.of("news") if i.label == language]
        return items[0].scores.get(key, float("nan")) if items else float("nan")

    def form_rate(self, form: str) -> float:
        items = [i for i in self.of("poem") if i.label.startswith(form + ":")]
        return sum(i.passed for i in items) / len(items) if items else float("nan")

    def model_form_rate(self, form: str) -> float:
        """Poems of the form the model wrote whole (the rest were assembled or composed by the world)."""
        items = [i for i in self.of("poem") if i.label.startswith(form + ":")]
        return sum(i.scores.get("model_form_ok", 0.0) for i in items) / len(items) if items else float("nan")

    def quest_rate(self, key: str = "valid") -> float:
        items = self.of("quest")
        return sum(i.scores.get(key, 0.0) for i in items) / len(items) if items else float("nan")


def simulate_day(world: World, gateway: Gateway | None = None, hours: float = 12.0) -> int:
    """The evaluation day on `world` (fresh): an invitation, a fire, a player at the market."""
    from llmverse.characters.mind import invite
    from llmverse.characters.simulation import Simulation
    from llmverse.config import open_backend

    gateway = gateway or Gateway(open_backend("scripted"), GatewayConfig(timeout=5, retries=0))
    invite(world, "nell", "inn", world.now().replace(hour=12, minute=0), "a lunch party")
    sim = Simulation(world, gateway, players={"p1": "market"})
    sim.run(6)  # to 14:00
    world.alarm("forge", "fire")
    sim.run(max(0.0, hours - 6))
    return len(world.events())


def evaluate_content(gateway: Gateway, *, world_path: str | Path | None = None, hours: float = 12.0,
                     simulate_with: Gateway | None = None, topics: tuple[str, ...] = TOPICS,
                     progress: Callable[[str], None] | None = None) -> ContentEval:
    """Run the evaluation on a fresh world in a temporary database."""
    with tempfile.TemporaryDirectory() as tmp:
        world = open_world(world_path, f"sqlite:///{Path(tmp) / 'content.db'}")
        try:
            n = simulate_day(world, simulate_with, hours)
            result = ContentEval(gateway.backend.name, n)
            for kind, label, params in jobs(world, topics):
                doc = generate(kind, world, gateway, **params)
                result.items.append(_item(kind, label, doc))
                if progress is not None:
                    progress(f"{kind} {label}")
        finally:
            world.store.engine.dispose()
    return result


def jobs(world: World, topics: tuple[str, ...] = TOPICS) -> list[tuple[str, str, dict]]:
    out: list[tuple[str, str, dict]] = [("news", lang, {"day": 1, "language": lang}) for lang in ("en", "zh")]
    out += [("poem", f"{form}: {t}", {"form": form, "topic": t}) for form in FORMS for t in topics]
    out += [("quest", giver, {"giver": giver}) for giver in world.characters]
    out += [("story", f"{about} ({genre})", {"about": about, "genre": genre}) for about, genre in STORIES]
    out += [("description", of, {"of": of}) for of in DESCRIBE]
    return out


def _item(kind: str, label: str, doc: Document) -> Item:
    detail = {"news": lambda d: f"{len(d.stories)} stories, {int(d.scores.get('claims', 0))} claims",
              "poem": lambda d: f"{d.method}, {len(d.attempts)} attempt(s): " + " / ".join(d.lines),
              "quest": lambda d: f"{d.drafted_by}: " + "; ".join(s.text for s in d.steps),
              "story": lambda d: d.text.split("\n\n", 1)[-1].strip(),
              "description": lambda d: d.text.split("\n\n", 1)[-1].strip()}[kind](doc)
    return Item(kind, label, doc.seconds, doc.passed, detail, dict(doc.scores))


def tables(result: ContentEval) -> list[Table]:
    """The figures as rich tables: a summary, then every item."""
    s = Table(title=f"content eval, model {result.model} ({result.events} events in the day)")
    for col in ("figure", "value", "what it means"):
        s.add_column(col, overflow="fold")
    for lang in ("en", "zh"):
        s.add_row(f"news grounding precision ({lang})", f"{result.news_precision(lang):.2f}",
                  "supported claims / claims, after checking (bar: 1.00)")
        before = result.news_precision(lang, "grounding_before")
        claims = [i.scores.get("claims_before", 0) for i in result.of("news") if i.label == lang]
        s.add_row(f"  model text before checking ({lang})", f"{before:.2f}" if claims and claims[0] else "n/a",
                  f"{int(claims[0]) if claims else 0} claims the model wrote" if claims and claims[0] else "composed from facts")
    for form in FORMS:
        items = [i for i in result.of("poem") if i.label.startswith(form + ":")]
        how = Counter(i.detail.split(",")[0] for i in items if i.passed)
        by = ", ".join(f"{k} {v}" for k, v in sorted(how.items()))
        s.add_row(f"form compliance: {form}", f"{result.form_rate(form):.2f}",
                  f"{sum(i.passed for i in items)}/{len(items)} hold the form" + (f" ({by})" if by else ""))
        s.add_row(f"  written whole by the model: {form}", f"{result.model_form_rate(form):.2f}",
                  "the model's own poem held the form, no line of the world's")
    s.add_row("quest validity", f"{result.quest_rate():.2f}", "every step walked through the world")
    s.add_row("  drafted by the model and valid", f"{result.quest_rate('model_valid'):.2f}", "the rest: rule-built quests")
    for kind in ("story", "description"):
        items = result.of(kind)
        if items:
            s.add_row(f"{kind} grounding precision", f"{mean(i.scores.get('grounding', 1.0) for i in items):.2f}",
                      f"{len(items)} items")
    for kind in ("news", "poem", "quest", "story", "description"):
        items = result.of(kind)
        if items:
            s.add_row(f"seconds per {kind}", f"{mean(i.seconds for i in items):.2f}", f"max {max(i.seconds for i in items):.2f}")
    t = Table(title="items")
    for col in ("kind", "item", "ok", "s", "detail"):
        t.add_column(col, overflow="fold")
    for i in result.items:
        t.add_row(i.kind, i.label, "[green]yes[/green]" if i.passed else "[red]no[/red]", f"{i.seconds:.2f}", i.detail[:300])
    return [s, t]
