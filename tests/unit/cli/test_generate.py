"""`llmverse generate` on the scripted backend: the document is printed after a progress bar (issue 16: the
gazette took minutes with no sign of life), a haiku always holds its form, errors are one line."""

from __future__ import annotations

from datetime import datetime

import typer
from typer.testing import CliRunner

from llmverse.cli import generate as cli


def _app() -> typer.Typer:
    app = typer.Typer()
    app.command("news")(cli.generate_news)
    app.command("poem")(cli.generate_poem)
    return app


def test_news_shows_its_progress_story_by_story_then_the_edition(tmp_path, monkeypatch):
    import rich.progress

    seen = []

    class Watched(rich.progress.Progress):
        def update(self, task, **kw):
            seen.append(kw.get("description"))
            return super().update(task, **kw)

    monkeypatch.setattr(rich.progress, "Progress", Watched)
    db = f"sqlite:///{tmp_path / 'w.db'}"
    from llmverse.world.world import open_world

    w = open_world(None, db)
    w.store.append(w.key, datetime(2026, 5, 1, 12, 20), "buy", "bram", None, {"thing": "bread_loaf", "price": 1.0})
    w.store.append(w.key, datetime(2026, 5, 1, 14, 0), "alarm", "world", "forge", {"what": "fire"})
    w.store.engine.dispose()
    out = CliRunner().invoke(_app(), ["news", "--day", "1", "--model", "scripted", "--db", db, "--no-save"])
    assert out.exit_code == 0, out.output
    assert "by Otto" in out.output and "Alarm at the Forge" in out.output and "passed its checks" in out.output
    assert seen[-3:] == ["news: story 1 of 2: alarm", "news: story 2 of 2: buy", "news: edition written"], seen


def test_a_haiku_holds_its_form_even_when_the_model_writes_none(tmp_path):
    db = f"sqlite:///{tmp_path / 'w.db'}"
    out = CliRunner().invoke(_app(), ["poem", "--form", "haiku", "--topic", "harbour", "--model", "scripted",
                                      "--db", db, "--no-save"])
    assert out.exit_code == 0, out.output
    assert "passed its checks" in out.output and "FAILS" not in out.output
    lines = [x for x in out.output.splitlines() if x.strip()][:3]
    from llmverse.content.forms import FORMS

    assert FORMS["haiku"].check(lines).ok, lines


def test_an_unknown_form_is_one_line_naming_the_forms(tmp_path):
    out = CliRunner().invoke(_app(), ["poem", "--form", "sonnet", "--model", "scripted",
                                      "--db", f"sqlite:///{tmp_path / 'w.db'}"])
    assert out.exit_code == 1 and out.output.count("\n") <= 2 and "haiku" in out.output, out.output
