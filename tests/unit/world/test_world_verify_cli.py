"""`llmverse world verify` (src/llmverse/cli/verify.py): exit 0 and "ok" when the stored state equals
the replay of the log, exit 1 with each difference when a row was changed behind the world's back."""

from __future__ import annotations

import typer
from typer.testing import CliRunner

from enginekit import put_state_unjournaled
from llmverse.cli.verify import world_verify
from llmverse.world.actions import Buy
from llmverse.world.world import open_world


def _app() -> typer.Typer:
    app = typer.Typer()
    app.command()(world_verify)  # registered in llmverse.cli as `world verify`
    return app


def test_verify_passes_on_a_world_in_step_with_its_log_and_names_a_row_changed_behind_its_back(tmp_path):
    db = f"sqlite:///{tmp_path / 'w.db'}"
    world = open_world(None, db)
    world.apply("player1", Buy(thing="anchor"))
    ok = CliRunner().invoke(_app(), ["--db", db])
    assert ok.exit_code == 0, ok.output
    assert "ok" in ok.output and "match the stored state" in " ".join(ok.output.split())  # rich wraps lines

    put_state_unjournaled(world.store, world.key, "thing:anchor", {"location": "forge", "owner": "bram"})  # no event
    world.store.dispose()
    bad = CliRunner().invoke(_app(), ["--db", db])
    assert bad.exit_code == 1
    said = " ".join(bad.output.split())
    assert "thing:anchor.owner: stored 'bram', the log says 'player1'" in said
    assert "2 difference(s)" in said


def test_verify_of_a_database_that_cannot_be_opened_fails_with_a_message(tmp_path):
    r = CliRunner().invoke(_app(), ["--db", f"sqlite:///{tmp_path / 'no-such-dir' / 'w.db'}"])
    assert r.exit_code == 1
    assert "error" in r.output


def test_help_says_what_is_checked_beyond_places_and_owners():
    from llmverse.cli import app

    r = CliRunner().invoke(app, ["world", "verify", "--help"], env={"COLUMNS": "200"})
    assert r.exit_code == 0, r.output
    said = " ".join(r.output.split())
    for what in ("the clock", "plans", "relationships", "minds' notes", "profiles", "sessions"):
        assert what in said, what
