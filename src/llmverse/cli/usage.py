"""Usage errors (a missing option, a bad value, an unknown command) as one line that says what to do.

Typer shows click's usage errors as a Rich box of five lines or more; issue 16 asks every CLI error to
be one line ("Error: Missing option '--hours'. Try 'llmverse simulate --help'."), like the errors the
commands themselves print (cli/common.py `_fail`). The top group catches them where click raises them
(parsing its own arguments or a sub-command's), prints the line on stderr and exits with click's code.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import typer
from typer.core import TyperGroup

try:  # typer 0.2x vendors its own click: there the `click` package's classes are other classes
    from typer._click.core import Context
    from typer._click.exceptions import UsageError
except ImportError:  # an older typer (pyproject allows >= 0.12) runs on click itself
    from click import Context, UsageError  # type: ignore[assignment]


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
        with _one_line():
            return super().make_context(info_name, args, parent=parent, **extra)

    def invoke(self, ctx: Context) -> Any:
        with _one_line():
            return super().invoke(ctx)


@contextmanager
def _one_line() -> Iterator[None]:
    """A usage error raised inside becomes its one line and click's exit code; the help typer shows for a
    group called alone passes through."""
    try:
        yield
    except UsageError as exc:
        if _is_help(exc):
            raise
        raise _said(exc) from exc


def _is_help(exc: UsageError) -> bool:
    """`llmverse` or a group alone: typer shows the help (not an error), left to it as it is."""
    return type(exc).__name__ == "NoArgsIsHelpError"


def _said(exc: UsageError) -> typer.Exit:
    """Print the one line; the exit it returns ends with the error's exit code (2)."""
    typer.echo(one_line(exc), err=True)
    return typer.Exit(exc.exit_code)
