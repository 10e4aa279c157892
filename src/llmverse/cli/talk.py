"""Talking: chat with a character, ask the assistant, list the models."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.table import Table

from llmverse.cli.common import DbOpt, ModelOpt, ThreadsOpt, WorldOpt, _fail, _open, console
from llmverse.errors import InvalidMessage, LlmverseError


def models() -> None:
    """The bundled models (installed or not) and the other ways to name a model."""
    from llmverse.llm.registry import BUNDLED, DEFAULT_MODEL, is_installed

    t = Table(title="models for --model / LLMVERSE_MODEL")
    for col in ("name", "installed", "chat languages", "what", "package"):
        t.add_column(col)
    for name, m in BUNDLED.items():
        t.add_row(name + (" (default)" if name == DEFAULT_MODEL else ""),
                  "[green]yes[/green]" if is_installed(name) else "[red]no[/red]",
                  ", ".join(sorted(m.chat_languages)) or "none (base model)", m.about, m.package)
    t.add_row("scripted", "yes", "en", "no model: replies recite the world's facts", "")
    t.add_row("PATH.gguf", "", "en, zh", "any GGUF file, through llama.cpp", "")
    t.add_row("http(s)://HOST/v1", "", "en, zh", "an OpenAI-compatible server (vLLM, llama.cpp, Ollama)", "")
    console.print(t)


HELP = """/who         who is in the world and where
/talk NAME   talk with someone else (an id or a name, any case: /talk mara, /talk 玛拉)
/help        this list
/quit        leave (or Ctrl-D)"""


def character_id(w, text: str) -> str:
    """A character named by id or name (English or Chinese), in any case; InvalidMessage names the choices."""
    wanted = text.strip().casefold()
    for c in w.characters.values():
        if wanted in (c.id.casefold(), c.names.en.casefold(), (c.names.zh or "").casefold()):
            return c.id
    firsts = [c.id for c in w.characters.values() if c.names.en.casefold().split()[0] == wanted]
    if len(firsts) == 1:  # "lin" for Lin Wei
        return firsts[0]
    raise InvalidMessage(f"no one called '{text.strip()}' here; try one of: "
                         + ", ".join(c.names.en for c in w.characters.values()))


def _where(w, cid: str) -> str:
    place = w.position(cid)
    if place is not None:
        return f"at the {w.places[place].names.en}"
    heading = w.heading(cid)
    return f"walking to the {w.places[heading].names.en}" if heading in w.places else "walking"


def chat(
    character: Annotated[str | None, typer.Argument(help="character id or name, any case (default: the first)")] = None,
    world: WorldOpt = None, model: ModelOpt = None, db: DbOpt = None, threads: ThreadsOpt = None,
    player: Annotated[str, typer.Option(help="your name in the world")] = "visitor",
) -> None:
    """Talk with a character in the terminal; replies stream. /who lists characters, /talk NAME switches, /help."""
    from llmverse.characters.character import Character, check_message

    try:
        w, gateway = _open(world, model, db, threads)
        current = Character(w, character_id(w, character) if character else next(iter(w.characters)), gateway)
    except (LlmverseError, InvalidMessage) as exc:
        raise _fail(exc) from exc
    interactive = sys.stdin.isatty()
    console.print(f"[bold]{w.file.name.en} / {w.file.name.zh or ''}[/bold] — {w.now():%H:%M}, "
                  f"model [cyan]{gateway.backend.name}[/cyan]. /who, /talk NAME, /help, /quit")
    console.print(f"You are talking with [bold]{current.name}[/bold] ({current.me.role}).")
    while True:
        try:
            line = input("you> ") if interactive else sys.stdin.readline()
        except (EOFError, KeyboardInterrupt):
            break
        if not interactive:
            if not line:
                break
            line = line.rstrip("\n")
            console.print(f"you> {line}")
        command, _, rest = line.strip().partition(" ")
        command = command.lower()
        if command in ("/quit", "/exit"):
            break
        if command in ("/help", "/?"):
            console.print(HELP, highlight=False)
            continue
        if command == "/who":
            for c in w.characters.values():
                console.print(f"  {c.names.en} / {c.names.zh or ''} — {c.role}, {_where(w, c.id)}"
                              f"{'  (talking with you)' if c.id == current.me.id else ''}", highlight=False)
            continue
        if command == "/talk":
            if not rest.strip():
                console.print("[yellow]usage: /talk NAME (/who lists them)[/yellow]")
                continue
            try:
                current = Character(w, character_id(w, rest), gateway)
                console.print(f"You are talking with [bold]{current.name}[/bold] ({current.me.role}).")
            except (LlmverseError, InvalidMessage) as exc:
                console.print(f"[yellow]{getattr(exc, 'reason', 'usage: /talk NAME')}[/yellow]")
            continue
        if command.startswith("/"):
            console.print(f"[yellow]unknown command {command}: /help lists them[/yellow]")
            continue
        try:
            check_message(line)
            console.print(f"[bold]{current.name}>[/bold] ", end="")
            for piece in current.respond(player, line):
                console.print(piece, end="", highlight=False)
            console.print()
        except InvalidMessage as exc:
            console.print(f"[yellow]not sent: {exc.reason}[/yellow]")


def ask(
    text: Annotated[str, typer.Argument(help="the request, in English or Chinese")],
    start: Annotated[str | None, typer.Option("--from", help="place id, place name, or X,Y tile")] = None,
    lang: Annotated[str | None, typer.Option("--lang", help="en or zh (default: the request's)")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="the whole reply, with route waypoints")] = False,
    player: Annotated[str, typer.Option(help="your name in the world (keeps the conversation)")] = "visitor",
    world: WorldOpt = None, model: ModelOpt = None, db: DbOpt = None, threads: ThreadsOpt = None,
) -> None:
    """Ask the assistant: directions, recommendations, answers with sources, small talk. llmverse ask "how do I get to the museum?" --from market"""
    import json
    import re

    from llmverse.assistant import Assistant

    try:
        w, gateway = _open(world, model, db, threads)
    except LlmverseError as exc:
        raise _fail(exc) from exc
    where: str | tuple[int, int] | None = start
    if start and re.fullmatch(r"\d+,\d+", start):
        x, y = (int(v) for v in start.split(","))
        where = (x, y)
    assistant = Assistant(w, gateway)
    for piece in assistant.ask(player, text, start=where, language=lang):
        if not as_json:
            console.print(piece, end="", highlight=False)
    r = assistant.last
    if as_json:
        console.print_json(json.dumps({"tool": r.tool, "text": r.text, "citations": r.citations,
                                       "route": r.route.model_dump(mode="json") if r.route else None,
                                       "recommendations": [
                                           {"id": x.item.id, "kind": x.item.kind, "name": x.item.names.en,
                                            "place": x.item.place, "reason": x.reason, "score": x.score,
                                            "minutes": x.minutes} for x in r.recommendations]}))
    else:
        console.print()
