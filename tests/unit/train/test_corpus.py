from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from llmverse.train.corpus import (Document, event_documents, file_documents, hold_out, sentences,
                                   world_documents, world_key)
from llmverse.train.errors import TrainingDataError
from llmverse.world.loader import load_world
from llmverse.world.store import Store
from llmverse.world.world import DEFAULT_WORLD


@pytest.fixture(scope="module")
def harbor():
    return load_world(DEFAULT_WORLD)


def test_world_documents_hold_descriptions_personas_knowledge_in_english(harbor) -> None:
    docs = {d.source: d.sentences for d in world_documents(harbor)}
    assert "Ship models, old charts and the town's founding bell." in docs["place:museum"]
    assert "It is open from 09:00 to 17:00." in docs["place:museum"]
    assert "Bram sharpens knives for free on Sundays." in docs["character:bram"]
    assert "Gruff, kind blacksmith who sells anchors and hooks." in docs["character:bram"]
    assert "It costs 40 coins." in docs["thing:anchor"] and "Bram sells it." in docs["thing:anchor"]
    assert len(docs) == len(harbor.places) + len(harbor.things) + len(harbor.characters)
    every = [s for ss in docs.values() for s in ss]
    assert not any("铁" in s or "博物馆" in s for s in every)  # Chinese stays out (MiniLM: [UNK])


def test_event_log_says_are_read_without_seeding_state(tmp_path: Path, harbor) -> None:
    url = f"sqlite:///{tmp_path / 'w.db'}"
    store = Store(url)
    key = world_key(harbor)
    said = {"text": "The tide is late today. Hooks sold out."}
    store.append(key, datetime(2026, 5, 1, 9), "say", "bram", "mara", said)
    store.append(key, datetime(2026, 5, 1, 9), "move", "bram", "forge", {})
    store.append("other-world", datetime(2026, 5, 1, 9), "say", "x", None, {"text": "Not from this world at all."})
    docs = event_documents(url, harbor)
    assert [d.sentences for d in docs] == [["The tide is late today.", "Hooks sold out."]]
    assert store.state(key) == {}  # reading the log did not open a World (which would seed state)
    store.engine.dispose()
    with pytest.raises(TrainingDataError, match="no such database"):
        event_documents(f"sqlite:///{tmp_path / 'missing.db'}", harbor)


def test_markdown_files_become_prose_paragraphs(tmp_path: Path) -> None:
    md = tmp_path / "lore.md"
    md.write_text("# The bell\n\nThe bell was cast in the first winter. See [the museum](x.md).\n\n"
                  "```\ncode = not prose\n```\n\n| a | b |\n|---|---|\n\n- Sailors ring it for luck.\n",
                  encoding="utf-8")
    docs = file_documents([md])
    assert [d.sentences for d in docs] == [["The bell was cast in the first winter.", "See the museum."],
                                           ["Sailors ring it for luck."]]
    with pytest.raises(TrainingDataError, match="no such file"):
        file_documents([tmp_path / "none.md"])
    (tmp_path / "x.pdf").write_text("x", encoding="utf-8")
    with pytest.raises(TrainingDataError, match="not a text file"):
        file_documents([tmp_path / "x.pdf"])
    (tmp_path / "e.txt").write_text("   \n", encoding="utf-8")
    with pytest.raises(TrainingDataError, match="no English sentences"):
        file_documents([tmp_path / "e.txt"])


def test_hold_out_removes_every_verbatim_copy() -> None:
    docs = [Document("a", ["It is open all day.", "Fish are sold here."]),
            Document("b", ["It is open all day.", "Bread is sold here."]),
            Document("c", ["Tea is hot here.", "Lanterns glow at dusk."])]
    for seed in range(20):
        train, held = hold_out(docs, 0.3, seed)
        assert held and not {s for d in train for s in d.sentences} & set(held)
        assert {s for d in train for s in d.sentences} | set(held) == {s for d in docs for s in d.sentences}


def test_hold_out_needs_two_sentences() -> None:
    with pytest.raises(TrainingDataError, match="too little text"):
        hold_out([Document("a", ["Only one sentence here."])], 0.5, 0)


def test_sentences_split_and_drop_fragments() -> None:
    assert sentences("Open now!  Come in. Ok. Where is it? ") == ["Open now!", "Come in.", "Where is it?"]
