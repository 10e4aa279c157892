"""Generators by name: a plain dict filled by `register(...)` (STYLE.md), and the one way to run them.

A generator is a name, a pydantic model of its parameters (validated at the boundary: CLI, HTTP,
batch files) and a function from (context, parameters) to a Document. `generate()` validates the
parameters, times the run and stamps the document with them, so every generator reports alike.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ValidationError

from llmverse.content.documents import Document
from llmverse.content.errors import ContentError, UnknownChoice
from llmverse.content.facts import EventLog
from llmverse.content.grounding import Grounder
from llmverse.content.mentions import Names
from llmverse.llm.gateway import Gateway
from llmverse.world.world import World

if TYPE_CHECKING:  # memory is optional (it needs an embedder)
    from llmverse.characters.recall import MemorySystem


@dataclass
class Context:
    """What every generator works with: the world, the gateway and what is derived from them once."""

    world: World
    gateway: Gateway
    memory: MemorySystem | None = None  # stories draw on memories (reflections) when given
    extra_names: tuple[str, ...] = field(default=())  # names of the world that are no entity (a newspaper)
    # Told how far a long generator has got: (what it is doing, steps done, steps in all); the CLI
    # draws a progress bar with it (a gazette of four stories takes minutes on a busy machine).
    progress: Callable[[str, int, int], None] | None = None

    @property
    def model(self) -> str:
        return self.gateway.backend.name

    def writes(self, language: str) -> bool:
        """Whether the model writes usable text in this language (SmolLM2: English only)."""
        return language in getattr(self.gateway.backend, "languages", frozenset({"en", "zh"}))

    def report(self, what: str, done: int, total: int) -> None:
        if self.progress is not None:
            self.progress(what, done, total)

    def add_world_names(self, *names: str) -> None:
        """Names that belong to the world but to no entity (a newspaper): allowed, never "invented"."""
        self.extra_names = (*self.extra_names, *names)
        for cached in ("names", "grounder"):
            self.__dict__.pop(cached, None)

    @cached_property
    def log(self) -> EventLog:
        return EventLog(self.world)

    @cached_property
    def names(self) -> Names:
        return Names(self.world, self.extra_names)

    @cached_property
    def grounder(self) -> Grounder:
        return Grounder(self.world, self.names, self.log)


@dataclass(frozen=True)
class Generator:
    name: str
    params: type[BaseModel]
    run: Callable[[Context, Any], Document]
    about: str  # one line for `--help` and the server's listing


GENERATORS: dict[str, Generator] = {}


def register(generator: Generator) -> Generator:
    GENERATORS[generator.name] = generator
    return generator


def get_generator(name: str) -> Generator:
    if name not in GENERATORS:
        raise UnknownChoice("content kind", name, GENERATORS)
    return GENERATORS[name]


def generate(kind: str, world: World, gateway: Gateway, *, memory: MemorySystem | None = None,
             progress: Callable[[str, int, int], None] | None = None, **params: Any) -> Document:
    """Run the generator `kind` with `params` (validated by its pydantic model) and time it;
    `progress` is told how far it has got, by the generators that take long (news)."""
    gen = get_generator(kind)
    try:
        p = gen.params.model_validate({k: v for k, v in params.items() if v is not None})
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or kind}: {e['msg']}" for e in exc.errors())
        raise ContentError(f"bad parameters for {kind}: {problems}") from exc
    start = time.perf_counter()
    doc = gen.run(Context(world, gateway, memory, progress=progress), p)
    doc.seconds = round(time.perf_counter() - start, 3)
    doc.params = p.model_dump(mode="json")
    return doc
