"""`llmverse simulate` prints what happened in words a newcomer reads (issue 16: "buy" with no item)."""

from __future__ import annotations

from datetime import datetime
from types import SimpleNamespace

from llmverse.cli import simulate as cli_simulate
from llmverse.cli.common import console
from llmverse.world.tables import Event
from llmverse.world.world import open_world


def test_a_purchase_and_a_gift_name_the_thing_and_the_people(tmp_path):
    w = open_world(None, f"sqlite:///{tmp_path / 'w.db'}")
    at = datetime(2026, 5, 1, 12, 20)
    report = SimpleNamespace(start=at, end=at, events=[
        Event(1, w.key, at, "buy", "nell", "bram", {"thing": "anchor", "price": 40.0}),
        Event(2, w.key, at, "give", "nell", "otto", {"thing": "anchor"})])
    with console.capture() as out:
        cli_simulate._print_timeline(report, w)
    text = " ".join(out.get().split())
    assert "buys the iron anchor from Bram for 40 coins" in text, text
    assert "gives the iron anchor to Otto" in text, text
