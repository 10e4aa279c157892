"""`llmverse serve`: its options, and a clear error for a bad world file."""

from __future__ import annotations

import typer
from typer.testing import CliRunner

from llmverse.cli.serve import serve


def _app() -> typer.Typer:
    app = typer.Typer()
    app.command()(serve)
    return app


def test_serve_has_the_documented_options():
    out = CliRunner().invoke(_app(), ["--help"]).output
    for option in ("--world", "--host", "--port", "--model", "--db", "--tick", "--concurrency", "--redis", "--closed"):
        assert option in out


def test_a_bad_world_file_is_an_error_not_a_traceback(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("version: 1\nname: {en: X}\nmap: {width: 4, height: 4}\nplaces: []\n")
    r = CliRunner().invoke(_app(), ["--world", str(bad), "--model", "scripted", "--db", f"sqlite:///{tmp_path}/x.db"])
    assert r.exit_code == 1 and "error" in r.output and "places" in r.output


def test_a_model_path_that_is_not_gguf_is_one_line_not_a_traceback(tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text("not a model\n" * 100)
    r = CliRunner().invoke(_app(), ["--model", str(notes), "--db", f"sqlite:///{tmp_path}/x.db"])
    assert r.exit_code == 1
    lines = [line for line in r.output.splitlines() if line.strip()]
    assert "is not a GGUF model file" in " ".join(r.output.split()) and "Traceback" not in r.output
    assert len(lines) <= 3, r.output  # one message (rich may wrap it), not 70 lines
