import os
import uuid
from datetime import timedelta

import numpy as np
import pytest
from sqlalchemy import delete

from llmverse.memory import MemoryStream, NewMemory, Retriever
from llmverse.memory.stream import _MemoryRow
from llmverse.world.store import Store

from memfakes import T0, HashEmbedder


def test_add_embeds_scores_and_stores_float32_bytes(stream):
    m = stream.add("bram", "Nell invited everyone to a party at the inn tonight", world_time=T0)
    assert m.id > 0 and m.kind == "observation" and m.last_access == T0
    assert m.importance >= 7  # scored by the heuristic: an invitation
    assert len(m.embedding) == 384 * 4
    np.testing.assert_allclose(m.vector(), stream.embedder.embed([m.text])[0])
    again = stream.for_character("bram", with_embeddings=True)
    assert again == [m]
    assert stream.for_character("bram")[0].embedding is None  # vectors only when asked for


def test_add_many_embeds_distinct_texts_in_one_call(stream):
    emb = stream.embedder
    items = [NewMemory(c, "The bell rang at noon", T0) for c in ("bram", "nell", "mara")]
    items.append(NewMemory("bram", "Bram sold an anchor for 40 coins", T0, kind="action", importance=6))
    out = stream.add_many(items)
    assert emb.calls == 1
    assert [m.character for m in out] == ["bram", "nell", "mara", "bram"]
    assert [m.id for m in out] == sorted(m.id for m in out)  # ids in the order given
    assert out[3].importance == 6  # given importance is kept, not re-scored
    assert [m.text for m in stream.for_character("bram")] == ["The bell rang at noon",
                                                              "Bram sold an anchor for 40 coins"]


def test_bad_input_is_refused_before_anything_is_written(stream):
    with pytest.raises(ValueError, match="kind"):
        stream.add("bram", "x", world_time=T0, kind="dream")
    with pytest.raises(ValueError, match="importance"):
        stream.add("bram", "x", world_time=T0, importance=11)
    with pytest.raises(ValueError, match="text"):
        stream.add("bram", "   ", world_time=T0)
    assert stream.count("bram") == 0


def test_reflections_cite_only_their_own_memories(stream):
    a = stream.add("bram", "Nell bought bread", world_time=T0)
    b = stream.add("nell", "Nell bought bread", world_time=T0)
    r = stream.add("bram", "Nell likes bread", world_time=T0, kind="reflection", cites=[a.id])
    assert r.cites == (a.id,) and stream.get([r.id])[0].cites == (a.id,)
    with pytest.raises(ValueError, match="cannot cite"):
        stream.add("bram", "Nell likes bread a lot", world_time=T0, kind="reflection", cites=[b.id])
    with pytest.raises(ValueError, match="cannot cite"):
        stream.add("bram", "x", world_time=T0, kind="reflection", cites=[999_999])


def test_conversation_is_remembered_by_every_hearer_once(stream, store):
    ev = store.append("harbor", T0, "say", "nell", "bram", {"text": "Come to my party at the inn tonight!"})
    names = {"nell": "Nell", "bram": "Bram"}
    out = stream.remember_conversation(ev, ["nell", "bram", "mara", "bram"], names=names)
    assert sorted(m.character for m in out) == ["bram", "mara", "nell"]
    for m in out:
        assert m.kind == "utterance" and m.source_event == ev.id and m.world_time == T0
        assert m.text == 'Nell said to Bram: "Come to my party at the inn tonight!"'
        assert m.importance >= 7
    assert stream.embedder.calls == 1  # one text for all hearers
    # replayed after a restart: nobody remembers it twice; a new hearer still can
    assert stream.remember_conversation(ev, ["nell", "bram", "mara"]) == []
    assert [m.character for m in stream.remember_conversation(ev, ["bram", "tom"])] == ["tom"]
    assert stream.count("bram") == 1


def test_chinese_conversation_is_framed_in_chinese(stream, store):
    ev = store.append("harbor", T0, "say", "nell", None, {"text": "今晚来旅馆参加聚会吧"})
    (m,) = stream.remember_conversation(ev, ["bram"], names={"nell": "内尔"})
    assert m.text == "内尔说：“今晚来旅馆参加聚会吧”"


def test_reading_back_last_kinds_since_and_importance_sum(stream):
    for i in range(6):
        stream.add("bram", f"step {i}", world_time=T0 + timedelta(minutes=i), importance=i + 1,
                   kind="plan" if i % 2 else "action")
    ms = stream.for_character("bram")
    assert [m.text for m in stream.for_character("bram", last=2)] == ["step 4", "step 5"]
    assert [m.text for m in stream.for_character("bram", kinds=["plan"])] == ["step 1", "step 3", "step 5"]
    assert [m.text for m in stream.for_character("bram", since=T0 + timedelta(minutes=4))] == ["step 4", "step 5"]
    assert stream.importance_since("bram", ms[2].id) == 4 + 5 + 6
    assert [m.id for m in stream.get([ms[3].id, 424242, ms[0].id])] == [ms[3].id, ms[0].id]


def test_memories_and_access_times_survive_a_restart(tmp_path):
    url = f"sqlite:///{tmp_path / 'w.db'}"
    first = MemoryStream(Store(url), "harbor", HashEmbedder())
    kept = first.add("bram", "The forge is on fire", world_time=T0, kind="observation")
    first.add("bram", "Nell sells bread", world_time=T0 + timedelta(hours=1))
    r = Retriever(first)
    r.retrieve("bram", "fire at the forge", now=T0 + timedelta(hours=5), k=1)
    r.flush()
    first.store.engine.dispose()

    emb = HashEmbedder()
    again = MemoryStream(Store(url), "harbor", emb)  # as a new process would
    ms = again.for_character("bram", with_embeddings=True)
    assert [m.text for m in ms] == ["The forge is on fire", "Nell sells bread"]
    assert ms[0].embedding == kept.embedding and ms[0].importance == kept.importance
    assert ms[0].last_access == T0 + timedelta(hours=5)  # recalled before the restart
    hits = Retriever(again).retrieve("bram", "fire at the forge", now=T0 + timedelta(hours=6), k=1)
    assert hits[0].memory.id == kept.id
    assert emb.calls == 1  # only the query was embedded: the index came from stored vectors


def test_postgresql_when_available():
    pytest.importorskip("psycopg")
    url = os.environ.get("LLMVERSE_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
    try:
        store = Store(url)
        with store.engine.connect():
            pass
    except Exception as exc:  # no server here
        pytest.skip(f"PostgreSQL not reachable: {exc}")
    world = f"test-{uuid.uuid4().hex[:8]}"
    stream = MemoryStream(store, world, HashEmbedder())
    try:
        ev = store.append(world, T0, "say", "nell", "bram", {"text": "欢迎来到铁匠铺"})
        stream.remember_conversation(ev, ["bram", "nell"])
        m = stream.add("bram", "Bram forged an anchor", world_time=T0, importance=5)
        r = stream.add("bram", "Bram is proud of his work", world_time=T0, kind="reflection", cites=[m.id])
        got = MemoryStream(store, world, HashEmbedder()).for_character("bram", with_embeddings=True)
        assert [x.kind for x in got] == ["utterance", "observation", "reflection"]
        assert got[2].cites == (m.id,) and got[1].embedding == m.embedding and got[0].text.endswith("铁匠铺”")
        hits = Retriever(stream).retrieve("bram", "铁匠铺", now=T0, k=1)
        assert hits[0].memory.kind == "utterance" and r.id > m.id
    finally:
        from sqlalchemy.orm import Session

        with Session(store.engine) as s, s.begin():
            s.execute(delete(_MemoryRow).where(_MemoryRow.world == world))
        store.engine.dispose()
