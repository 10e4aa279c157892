"""`llmverse world check` (src/llmverse/cli/world.py) prints every problem of a broken world file,
each with its line and field, not the first one and a count."""

from __future__ import annotations

import typer
from typer.testing import CliRunner

from llmverse.cli.world import world_check
from llmverse.world.world import DEFAULT_WORLD


def _app() -> typer.Typer:
    app = typer.Typer()
    app.command()(world_check)  # registered in llmverse.cli as `world check`
    return app


def test_every_problem_is_printed_with_its_line(tmp_path):
    text = DEFAULT_WORLD.read_text(encoding="utf-8")
    text = text.replace("tags: [shopping, food]", "tagz: [shopping, food]", 1)  # a typo
    text = text.replace('hours: "08:00-18:00"', 'hours: "8 to 6"', 1)  # the forge's hours
    text = text.replace("role: blacksmith,", "role: 42,", 1)
    bad = tmp_path / "bad.yaml"
    bad.write_text(text, encoding="utf-8")
    out = CliRunner().invoke(_app(), [str(bad)])
    assert out.exit_code == 1
    errors = [line for line in out.output.splitlines() if line.startswith("error")]
    assert len(errors) >= 3, out.output
    assert "more problem" not in out.output
    assert any("tagz" in e for e in errors) and any("hours" in e for e in errors) and any("role" in e for e in errors)
    assert all(f"{bad}:" in e for e in errors)  # each with the file (and its line)


def test_a_good_world_is_ok(tmp_path):
    out = CliRunner().invoke(_app(), [str(DEFAULT_WORLD)])
    assert out.exit_code == 0 and "ok" in out.output
