"""`llmverse chat` (src/llmverse/cli/talk.py) as a newcomer types it: ids and names in any case,
/help, /who, /talk, an unknown command answered, not sent to the character."""

from __future__ import annotations

import pytest
import typer
from typer.testing import CliRunner

from llmverse.cli.talk import chat, character_id
from llmverse.errors import InvalidMessage
from llmverse.world.world import open_world


@pytest.fixture
def world(tmp_path):
    return open_world(None, f"sqlite:///{tmp_path / 'w.db'}")


@pytest.mark.parametrize("said, cid", [("Bram", "bram"), ("BRAM", "bram"), ("  mara ", "mara"), ("玛拉", "mara"),
                                       ("Lin Wei", "lin"), ("lin wei", "lin"), ("Lin", "lin"), ("oTTo", "otto")])
def test_characters_are_named_by_id_or_name_in_any_case(world, said, cid):
    assert character_id(world, said) == cid


def test_an_unknown_name_lists_who_is_there(world):
    with pytest.raises(InvalidMessage) as e:
        character_id(world, "Gandalf")
    assert "Gandalf" in e.value.reason and "Bram" in e.value.reason and "Mara" in e.value.reason


def _app() -> typer.Typer:
    app = typer.Typer()
    app.command()(chat)  # registered in llmverse.cli as `chat`
    return app


def test_chat_takes_a_name_in_any_case_and_answers_help_who_and_talk_itself(tmp_path):
    db = f"sqlite:///{tmp_path / 'w.db'}"
    lines = "/help\n/WHO\n/talk MARA\n/frobnicate\n/talk\n/quit\n"
    out = CliRunner().invoke(_app(), ["Bram", "--model", "scripted", "--db", db], input=lines)
    assert out.exit_code == 0, out.output
    text = " ".join(out.output.split())
    assert "You are talking with Bram" in text
    assert "/who who is in the world and where" in text  # the help
    assert "Mara / 玛拉 — museum tour guide, at the Maritime Museum" in text  # /who: places by name
    assert "(talking with you)" in text
    assert "You are talking with Mara" in text
    assert "unknown command /frobnicate: /help lists them" in text and "usage: /talk NAME" in text
    assert "Bram>" not in text and "Mara>" not in text  # no command went to a character


def test_chat_refuses_an_unknown_character_in_one_line(tmp_path):
    out = CliRunner().invoke(_app(), ["nobody", "--model", "scripted", "--db", f"sqlite:///{tmp_path / 'w.db'}"])
    assert out.exit_code == 1 and out.output.count("\n") <= 3 and "no one called 'nobody'" in out.output
