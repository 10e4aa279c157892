"""Usage errors (a missing option, a bad value, an unknown command) as one line that says what to do.

Typer shows click's usage errors as a Rich box of five lines or more; issue 16 asks every CLI error to
be one line ("Error: Missing option '--hours'. Try 'llmverse simulate --help'."), like the errors the
commands themselves print (cli/common.py `_fail`). The top group catches them where click raises them
(parsing its own arguments or a sub-command's), prints the line on stderr and exits with click's code.
"""

from __future__ import annotations

from typing import Any

import typer
from typer._click.core import Context  # typer vendors its own click: the `click` package's classes are others
from typer._click.exceptions import UsageError
from typer.core import TyperGroup


def one_line(exc: UsageError) -> str:
    """The error and the help command of the command it is about, on one line."""
    said = " ".join(exc.format_message().split())
    if said and said[-1] not in ".?!":
        said += "."
    ctx = exc.ctx
    hint = f" Try '{ctx.command_path} {ctx.help_option_names[0]}'." if ctx is not None and ctx.help_option_names else ""
    return f"Error: {said}{hint}"


class OneLineUsage(TyperGroup):
    """The llmverse app's group: its usage errors and its sub-commands' are one line on stderr."""

    def make_context(self, info_name: str | None, args: list[str], parent: Context | None = None,
                     **extra: Any) -> Context:
        try:
            return super().make_context(info_name, args, parent=parent, **extra)
        except UsageError as exc:
            raise _said(exc) from exc

    def invoke(self, ctx: Context) -> Any:
        try:
            return super().invoke(ctx)
        except UsageError as exc:
            raise _said(exc) from exc


def _said(exc: UsageError) -> UsageError | typer.Exit:
    """Print the one line and end with the error's exit code; `llmverse` alone (help, not an error)
    goes on to typer as it is."""
    if type(exc).__name__ == "NoArgsIsHelpError":
        return exc
    typer.echo(one_line(exc), err=True)
    return typer.Exit(exc.exit_code)
