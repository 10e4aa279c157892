"""`llmverse router train` and `llmverse eval router`: the assistant router's intent classifier."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from llmverse.cli.common import WorldOpt, _fail, console
from llmverse.errors import LlmverseError


def router_train(
    world: WorldOpt = None,
    out: Annotated[Path | None, typer.Option(help="model directory (default: $LLMVERSE_ROUTER_MODEL or the user cache)")] = None,
    epochs: Annotated[float, typer.Option(help="passes over the generated requests")] = 3.0,
    threads: Annotated[int | None, typer.Option(help="torch threads")] = None,
) -> None:
    """Generate the world's router requests and fine-tune MiniLM on them with `train classify` (about a minute)."""
    from llmverse.assistant.intents import train_intents
    from llmverse.world.loader import load_world

    try:
        result = train_intents(_file(world, load_world), out, epochs=epochs, threads=threads, console=console)
    except LlmverseError as exc:
        raise _fail(exc) from exc
    console.print(f"saved to {result.out}; validation accuracy {result.card.metrics['accuracy']:.3f} in "
                  f"{result.card.time.wall_seconds:.0f} s "
                  "(same templates as training: the held-out figure is `llmverse eval router`)")


def eval_router(
    world: WorldOpt = None,
    model: Annotated[Path | None, typer.Option(help="the trained classifier (default: the one `router train` made)")] = None,
) -> None:
    """Tool choice with the model down, on held-out request templates: keywords alone, then the
    nearest stored example, then the trained classifier before it."""
    from llmverse.assistant.intents import IntentClassifier, evaluate
    from llmverse.world.loader import load_world

    try:
        classifier = IntentClassifier(model)
        if not classifier.available:
            raise LlmverseError(f"no trained router classifier at {classifier.model_dir}: run `llmverse router train`")
        f = evaluate(_file(world, load_world), classifier)
    except LlmverseError as exc:
        raise _fail(exc) from exc
    console.print(f"{f.n} held-out requests (English): keywords alone {f.keywords:.3f}; + nearest example "
                  f"{f.nearest:.3f}; + trained classifier [bold]{f.classifier:.3f}[/bold] "
                  f"(the classifier alone {f.alone:.3f})")


def _file(world: Path | None, load):
    from llmverse.world.world import DEFAULT_WORLD

    return load(world or DEFAULT_WORLD)
