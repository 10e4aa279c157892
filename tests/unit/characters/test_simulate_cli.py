"""`llmverse simulate --stats` (src/llmverse/cli/simulate.py) on Willow Bend with the scripted model:
the cost tables are printed, and a second run resumes where the first stopped."""

from __future__ import annotations

from datetime import timedelta

import typer
from typer.testing import CliRunner

from llmverse.cli.simulate import simulate
from llmverse.world.world import DEFAULT_WORLD, open_world

WILLOW = str(DEFAULT_WORLD.parent.parent / "willow_bend" / "world.yaml")


def _app() -> typer.Typer:
    app = typer.Typer()
    app.command()(simulate)
    return app


def test_stats_print_cost_by_level_of_detail_and_step_times(tmp_path):
    db = f"sqlite:///{tmp_path / 'w.db'}"
    common = ["--world", WILLOW, "--model", "scripted", "--db", db, "--players", "maple_court", "--no-memory",
              "--no-timeline", "--max-near", "2"]
    args = [*common, "--hours", "0.5", "--stats"]
    out = CliRunner().invoke(_app(), args, env={"COLUMNS": "200"})
    assert out.exit_code == 0, out.output
    text = " ".join(out.output.split())
    assert "cost by level of detail (25 characters, 0.5 world hours)" in text
    assert "│ near │ 6 │" in text and "│ far │ 69 │" in text  # 2 near of 25, three steps
    assert "for 3 steps (step p50" in text and "0 character-steps out of time used rules" in text
    assert "model calls by purpose: importance" in text and "plan and decide" in text
    again = CliRunner().invoke(_app(), [*common, "--hours", "0.1666667"], env={"COLUMNS": "200"})
    assert again.exit_code == 0, again.output
    world = open_world(WILLOW, db)
    assert world.now() == world.file.start + timedelta(minutes=40)  # resumed at 07:30, one step more
