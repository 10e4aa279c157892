"""Every CLI error a newcomer meets is one line that says what to do, never a traceback (issue 16:
`--model` naming a file that is no GGUF printed 70 lines). Each mistake is tried on each command a
newcomer types first, through the real `llmverse` app."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from llmverse.cli import app

COMMANDS = (["chat"], ["ask", "hello"], ["simulate", "--hours", "1"], ["generate", "news"], ["serve"])


def _one_line(args: list[str], tmp_path) -> str:
    """The error, after checking it is all the output, on one line."""
    r = CliRunner().invoke(app, [*args, "--db", f"sqlite:///{tmp_path / 'w.db'}"], input="/quit\n")
    assert r.exit_code == 1, r.output
    assert r.exception is None or isinstance(r.exception, SystemExit), repr(r.exception)
    assert "Traceback" not in r.output and r.output.startswith("error "), r.output
    assert len(r.output.splitlines()) == 1, r.output
    return r.output.strip()


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c[0])
def test_a_missing_world_file(command, tmp_path):
    said = _one_line([*command, "--world", str(tmp_path / "nope.yaml"), "--model", "scripted"], tmp_path)
    assert f"no world file at {tmp_path / 'nope.yaml'}" in said
    assert "leave out --world for the bundled Harbor Town" in said and "Errno" not in said


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c[0])
def test_a_model_file_that_is_no_gguf(command, tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text("not a model\n" * 100)
    said = _one_line([*command, "--model", str(notes)], tmp_path)
    assert "is not a GGUF model file" in said and "give a .gguf file, a bundled model name" in said


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c[0])
def test_a_gguf_path_that_is_not_there(command, tmp_path):
    said = _one_line([*command, "--model", str(tmp_path / "missing.gguf")], tmp_path)
    assert "no GGUF model at" in said and "`llmverse models` lists them" in said


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c[0])
def test_an_unknown_model_name(command, tmp_path):
    said = _one_line([*command, "--model", "gpt-7"], tmp_path)
    assert "unknown model 'gpt-7': give a bundled name" in said and "gemma3-npc" in said


def test_an_unknown_character(tmp_path):
    said = _one_line(["chat", "Gandalf", "--model", "scripted"], tmp_path)
    assert "no one called 'Gandalf' here; try one of: Lin Wei, Mara, Bram, Nell, Otto" in said


def test_world_check_of_a_missing_file(tmp_path):
    r = CliRunner().invoke(app, ["world", "check", str(tmp_path / "nope.yaml")])
    assert r.exit_code == 1 and r.output.startswith("error ") and len(r.output.splitlines()) == 1, r.output
    said = r.output.strip()
    assert f"no world file at {tmp_path / 'nope.yaml'}" in said and "llmverse world schema" in said
    assert "--world" not in said  # world check takes the file itself


BAD_DATABASES = [
    ("nosuchdriver://x", "nosuchdriver://x", "give a database URL such as sqlite:///FILE.db"),
    ("notaurl", "notaurl", "give a database URL such as sqlite:///FILE.db"),
    ("postgresql+psycopg//ann:s3cret@127.0.0.1/w", "postgresql+psycopg***@127.0.0.1/w",  # no ':' : not a URL
     "give a database URL such as sqlite:///FILE.db"),
    ("mysql://ann:s3cret@127.0.0.1:1/w", "mysql://ann:***@127.0.0.1:1/w", "its driver is not installed"),
    ("postgresql+psycopg://ann:s3cret@127.0.0.1:1/w", "postgresql+psycopg://ann:***@127.0.0.1:1/w",
     "check that the database server runs"),
]


@pytest.mark.parametrize("command", [*COMMANDS, ["world", "verify"]], ids=lambda c: c[0])
@pytest.mark.parametrize("url, shown, advice", BAD_DATABASES, ids=lambda v: v.split(":")[0] if ":" in v else v)
def test_a_database_url_that_cannot_be_opened(command, url, shown, advice, tmp_path):
    """The URL shown with its password hidden, and what to do (a missing driver was a 40-line traceback)."""
    model = ["--model", "scripted"] if command[0] != "world" else []
    r = CliRunner().invoke(app, [*command, *model, "--db", url], input="/quit\n")
    assert r.exit_code == 1 and not isinstance(r.exception, ImportError), (r.output, repr(r.exception))
    assert r.output.startswith("error ") and len(r.output.splitlines()) == 1, r.output
    assert f"cannot open the world database {shown}: " in r.output and advice in r.output
    assert "s3cret" not in r.output and "--db or DATABASE_URL" in r.output


@pytest.mark.parametrize("args, said, command", [
    (["simulate", "--hours", "abc"], "Error: Invalid value for '--hours': ", "llmverse simulate"),
    (["chat", "--frob"], "Error: No such option: --frob", "llmverse chat"),
    (["world", "check"], "Error: Missing argument 'file'.", "llmverse world check"),
    (["data", "export"], "Error: Missing argument 'kind'. Choose from: dialogues, lore, events.", "llmverse data export"),
    (["frobnicate"], "Error: No such command 'frobnicate'.", "llmverse"),
    (["generate"], "Error: Missing command.", "llmverse generate"),
    (["serve", "--login-rate", "0"], "Error: Invalid value for '--login-rate': ", "llmverse serve"),
    (["serve", "--login-burst", "0"], "Error: Invalid value for '--login-burst': ", "llmverse serve"),
], ids=lambda v: " ".join(v) if isinstance(v, list) else None)
def test_a_usage_error_is_one_line_naming_the_help_to_read(args, said, command):
    """Typer drew a five-line Rich box for these; now one line on stderr, click's exit status 2."""
    r = CliRunner().invoke(app, args, prog_name="llmverse")
    assert r.exit_code == 2, r.output
    assert len(r.output.splitlines()) == 1 and "╭" not in r.output, r.output
    line = r.output.strip()
    assert line.startswith(said) and line.endswith(f"Try '{command} --help'."), line


def test_llmverse_alone_still_shows_its_help_not_an_error():
    r = CliRunner().invoke(app, [], prog_name="llmverse")
    assert "Usage: llmverse" in r.output and "Commands" in r.output and "Error" not in r.output, r.output
