"""The content store: documents saved with sources and scores, read back as their own type, listed newest first."""

import pytest

from llmverse.content import ContentError, ContentStore, DocumentNotFound, generate
from llmverse.content.news import NewsEdition
from llmverse.world.world import open_world


def test_saved_documents_come_back_whole_and_typed(world, market_day, scripted):
    store = ContentStore(world)
    ed = generate("news", world, scripted(), day=1)
    poem = generate("poem", world, scripted(), form="jueju5", topic="harbour")
    ed_id, poem_id = store.save(ed), store.save(poem)
    back = store.get(ed_id)
    assert isinstance(back, NewsEdition) and back.id == ed_id
    assert back.sources == ed.sources and back.scores == ed.scores and back.stories[0].headline == ed.stories[0].headline
    assert [s.id for s in store.list()] == [poem_id, ed_id]
    assert [s.kind for s in store.list(kind="poem")] == ["poem"]
    assert store.latest("news").id == ed_id and store.latest("quest") is None
    assert [s.id for s in store.list(before_id=poem_id)] == [ed_id]


def test_documents_survive_a_restart(tmp_path, market_day, world, scripted):
    doc_id = ContentStore(world).save(generate("description", world, scripted(), of="forge"))
    again = open_world(database_url=world.store.url)
    assert ContentStore(again).get(doc_id).title == "Forge"
    again.store.engine.dispose()


def test_unknown_ids_and_foreign_documents_are_refused(world, scripted):
    store = ContentStore(world)
    with pytest.raises(DocumentNotFound, match="no content document 99"):
        store.get(99)
    doc = generate("description", world, scripted(), of="forge")
    doc.world = "elsewhere"
    with pytest.raises(ContentError):
        store.save(doc)
