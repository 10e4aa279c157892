"""The llmverse command line: thin; parse, call the library, print with rich.

This module makes `app` and its sub-apps and registers the commands, which live in modules by theme.
"""

from __future__ import annotations

import logging
import os
import sys
from typing import Annotated

import typer

from llmverse.cli.usage import OneLineUsage
from llmverse.train.cli import predict_command, train_app  # imports only typer and rich

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # nothing is ever fetched from a model hub

from llmverse.cli import data, evals, generate, router, safety, serve, simulate, talk, verify, world  # noqa: E402  (after HF_HUB_OFFLINE is set)

app = typer.Typer(help="llmverse: LLM-driven inhabitants for virtual worlds.", no_args_is_help=True,
                  cls=OneLineUsage)  # usage errors are one line, not a Rich box
world_app = typer.Typer(help="World files.")
eval_app = typer.Typer(help="Evaluations that print a figure.")
app.add_typer(world_app, name="world")
app.add_typer(eval_app, name="eval")
app.add_typer(train_app, name="train")
app.command("predict")(predict_command)
import_app = typer.Typer(help="Bring characters and worlds in from other formats.")
export_app = typer.Typer(help="Write world characters out in other formats.")
app.add_typer(import_app, name="import")
app.add_typer(export_app, name="export")


@app.callback()
def _main(verbose: Annotated[bool, typer.Option("--verbose", "-v", help="log what the checks do")] = False) -> None:
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)


world_app.command("check")(world.world_check)
world_app.command("schema")(world.world_schema)
world_app.command("verify")(verify.world_verify)
import_app.command("card")(world.import_card)
import_app.command("smallville")(world.import_smallville_cmd)
export_app.command("card")(world.export_card)
app.command()(talk.models)
app.command()(talk.chat)
app.command()(talk.ask)
app.command()(simulate.simulate)
app.command()(serve.serve)
eval_app.command("interview")(evals.eval_interview)
eval_app.command("assistant")(evals.eval_assistant)
eval_app.command("grounding")(evals.eval_grounding)
eval_app.command("content")(evals.eval_content)
eval_app.command("recommend")(evals.eval_recommend)
eval_app.command("safety")(safety.eval_safety)
eval_app.command("router")(router.eval_router)
router_app = typer.Typer(help="The assistant router's intent classifier.")
app.add_typer(router_app, name="router")
router_app.command("train")(router.router_train)
safety_app = typer.Typer(help="Safety rails: the classifier and the audit log.")
app.add_typer(safety_app, name="safety")
safety_app.command("train")(safety.safety_train)
safety_app.command("audit")(safety.safety_audit)
data_app = typer.Typer(help="Training sets from a world's store.")
app.add_typer(data_app, name="data")
data_app.command("export")(data.data_export)
generate_app = typer.Typer(help="Content written from what happened in the world: news, stories, poems, quests.")
app.add_typer(generate_app, name="generate")
generate_app.command("news")(generate.generate_news)
generate_app.command("story")(generate.generate_story)
generate_app.command("poem")(generate.generate_poem)
generate_app.command("quest")(generate.generate_quest)
generate_app.command("description")(generate.generate_description)
generate_app.command("batch")(generate.generate_batch)
