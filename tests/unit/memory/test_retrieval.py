import math
from datetime import timedelta

import numpy as np
import pytest
from memfakes import T0, HashEmbedder

from llmverse.memory import MemoryStream, NewMemory, RetrievalConfig, Retriever, approx_tokens
from llmverse.memory.index import IndexConfig
from llmverse.memory.vectors import blas_threads

ONLY_RECENCY = dict(importance=0.0, relevance=0.0)
ONLY_RELEVANCE = dict(recency=0.0, importance=0.0)


def texts(hits):
    return [h.memory.text for h in hits]


def test_recency_decays_exponentially_by_world_time(stream):
    for i, text in enumerate(["at eight", "at nine", "at ten"]):
        stream.add("bram", text, world_time=T0 + timedelta(hours=i), importance=5)
    now = T0 + timedelta(hours=2)
    hits = Retriever(stream, RetrievalConfig(**ONLY_RECENCY)).retrieve("bram", "anything", now=now, k=3)
    assert texts(hits) == ["at ten", "at nine", "at eight"]
    # 0.995 per world minute: raw recency 1, 0.995^60, 0.995^120, min-max normalised
    mid = (0.995 ** 60 - 0.995 ** 120) / (1 - 0.995 ** 120)
    assert [h.recency for h in hits] == pytest.approx([1.0, mid, 0.0], abs=1e-6)
    # a gentler factor (Park et al.: 0.995 per hour) changes the shape, not the order
    slow = Retriever(stream, RetrievalConfig(**ONLY_RECENCY, decay_minutes=60.0))
    assert slow.retrieve("bram", "x", now=now, k=3, touch=False)[1].recency == pytest.approx(
        (0.995 ** 1 - 0.995 ** 2) / (1 - 0.995 ** 2), abs=1e-6)


def test_recalling_a_memory_makes_it_recent_unless_recency_counts_from_creation(stream):
    stream.add("bram", "old news about the anchor", world_time=T0, importance=5)
    stream.add("bram", "fresh bread", world_time=T0 + timedelta(hours=3), importance=5)
    by_access = Retriever(stream, RetrievalConfig(**ONLY_RECENCY))
    by_access.retrieve("bram", "anchor", now=T0 + timedelta(hours=4), k=2)  # recalls both at 12:00...
    by_access.retrieve("bram", "anchor", now=T0 + timedelta(hours=5), k=1)  # ...then only the old one
    assert texts(by_access.retrieve("bram", "x", now=T0 + timedelta(hours=5), k=2)) == [
        "old news about the anchor", "fresh bread"]
    by_creation = Retriever(stream, RetrievalConfig(**ONLY_RECENCY, recency_from="created"))
    assert texts(by_creation.retrieve("bram", "x", now=T0 + timedelta(hours=5), k=2)) == [
        "fresh bread", "old news about the anchor"]


def test_importance_and_the_sum_of_components(stream):
    stream.add("bram", "swept the floor", world_time=T0, importance=2)
    stream.add("bram", "the inn burned down", world_time=T0, importance=10)
    stream.add("bram", "sold a nail", world_time=T0, importance=4)
    hits = Retriever(stream).retrieve("bram", "the floor", now=T0, k=3, touch=False)
    assert hits[0].memory.text in ("the inn burned down", "swept the floor")
    for h in hits:
        assert h.score == pytest.approx(h.recency + h.importance + h.relevance)
    imp = {h.memory.text: h.importance for h in hits}
    assert imp == pytest.approx({"swept the floor": 0.0, "the inn burned down": 1.0, "sold a nail": 0.25})


def test_relevance_blends_cosine_and_bm25(stream):
    stream.add("bram", "Nell bakes bread at the bakery", world_time=T0, importance=5)
    stream.add("bram", "Mara walks in the park", world_time=T0, importance=5)
    hits = Retriever(stream, RetrievalConfig(**ONLY_RELEVANCE)).retrieve("bram", "bakery bread", now=T0, k=2)
    assert texts(hits) == ["Nell bakes bread at the bakery", "Mara walks in the park"]
    assert [h.relevance for h in hits] == [1.0, 0.0]


@pytest.fixture(scope="module")
def minilm():
    pytest.importorskip("sentence_transformers")
    from llmverse.errors import LlmverseError
    from llmverse.llm import embed as embed_module

    try:
        embed_module.model_dir()
    except LlmverseError as exc:
        pytest.skip(str(exc))
    return embed_module.Embedder()


ZH_MEMORIES = ["布兰在铁匠铺打造了一个新铁锚", "内尔在面包店烤了三十个面包", "博物馆今天下午关门了",
               "港口来了一艘很大的商船", "玛拉在公园里散步", "旅馆老板说今晚有音乐会", "钟楼的钟坏了，需要修理",
               "渔夫们今天捕到很多鱼", "内尔邀请布兰明天去旅馆吃饭", "玛拉在博物馆看了一幅古画", "布兰的猫不见了",
               "灯塔的灯昨晚没有亮", "港务长说明天有暴风雨", "奥托在市场卖了三条鱼", "苔丝给了内尔一封信",
               "艾薇在北码头修补渔网"]
ZH_QUESTIONS = ["谁打造了铁锚？", "面包店今天烤了什么？", "博物馆开着吗？", "港口来了什么船？", "玛拉去哪里散步了？",
                "今晚有什么活动？", "钟楼怎么了？", "渔夫捕到了什么？", "内尔邀请了谁？", "古画在哪里？",
                "谁的猫丢了？", "灯塔为什么黑了？", "明天天气怎么样？", "奥托卖了什么？", "谁收到了信？",
                "谁在修渔网？"]  # the i-th asks about the i-th memory


def test_hybrid_relevance_finds_chinese_memories_that_cosine_alone_misses(store, minilm):
    stream = MemoryStream(store, "harbor", minilm)
    stream.add_many([NewMemory("bram", t, T0, importance=5) for t in ZH_MEMORIES])
    cosine_only = Retriever(stream, RetrievalConfig(**ONLY_RELEVANCE, bm25_en=0.0, bm25_zh=0.0))
    hybrid = Retriever(stream, RetrievalConfig(**ONLY_RELEVANCE))

    def first(r: Retriever, q: str) -> str:
        return r.retrieve("bram", q, now=T0, k=1, touch=False)[0].memory.text

    assert first(cosine_only, ZH_QUESTIONS[0]) != ZH_MEMORIES[0]  # MiniLM reads mostly [UNK] here
    assert first(hybrid, ZH_QUESTIONS[0]) == ZH_MEMORIES[0]
    by_cosine = sum(first(cosine_only, q) == m for q, m in zip(ZH_QUESTIONS, ZH_MEMORIES))
    by_hybrid = sum(first(hybrid, q) == m for q, m in zip(ZH_QUESTIONS, ZH_MEMORIES))
    assert by_cosine <= 10 and by_hybrid >= 15  # measured: 9 and 16 of 16
    from llmverse.memory.retrieval import bm25_share

    assert bm25_share("who forged the anchor?", hybrid.config) == pytest.approx(0.3)
    assert bm25_share(ZH_QUESTIONS[0], hybrid.config) == pytest.approx(0.5)


def test_approx_tokens_counts_english_by_four_and_cjk_by_one():
    assert approx_tokens("abcd" * 10) == 10
    assert approx_tokens("abcde") == 2  # rounded up: a budget is a ceiling
    assert approx_tokens("铁匠铺") == 3
    assert approx_tokens("Bram的铁锚") == 3 + 1
    assert approx_tokens("") == 1


def test_token_budget_is_respected_and_a_smaller_memory_fills_the_gap(stream):
    big = "anchor " * 40  # 70 tokens
    stream.add("bram", big, world_time=T0 + timedelta(minutes=3), importance=9)
    stream.add("bram", "anchor chain for Nell", world_time=T0 + timedelta(minutes=2), importance=8)  # 6
    stream.add("bram", "an anchor sold at the harbour market", world_time=T0 + timedelta(minutes=1),
               importance=7)  # 9
    r = Retriever(stream)
    free = r.retrieve("bram", "anchor", now=T0 + timedelta(minutes=3), k=3, touch=False)
    assert texts(free)[0] == big and sum(h.tokens for h in free) == 70 + 6 + 9
    capped = r.retrieve("bram", "anchor", now=T0 + timedelta(minutes=3), k=3, token_budget=20, touch=False)
    assert texts(capped) == ["anchor chain for Nell", "an anchor sold at the harbour market"]
    assert sum(h.tokens for h in capped) <= 20
    assert r.retrieve("bram", "anchor", now=T0, k=3, token_budget=5, touch=False) == []


def _corpus(stream: MemoryStream, n: int) -> None:
    rng = np.random.default_rng(7)
    people = ["Bram", "Nell", "Mara", "Tom", "Ivy", "Otto"]
    things = ["anchor", "bread", "bell", "boat", "lamp", "net", "coin", "fish", "rope", "map"]
    places = ["forge", "bakery", "museum", "harbour", "inn", "park", "market", "tower"]
    # a few words from a large made-up vocabulary each, so that similarities rarely tie
    extra = [" ".join(f"w{j}" for j in rng.integers(0, 3000, size=int(rng.integers(1, 5)))) for _ in range(n)]
    stream.add_many([NewMemory("bram", f"{rng.choice(people)} took the {rng.choice(things)} to the "
                               f"{rng.choice(places)}, {extra[i]}",
                               T0 + timedelta(minutes=int(i)), importance=int(rng.integers(1, 11)))
                     for i in range(n)])


def test_ann_agrees_with_exact_on_a_small_set(stream):
    pytest.importorskip("hnswlib")
    _corpus(stream, 3000)
    exact = Retriever(stream, RetrievalConfig(index=IndexConfig(vector_index="exact")))
    ann = Retriever(stream, RetrievalConfig(index=IndexConfig(vector_index="hnsw")))
    assert exact.index("bram").graph is None and ann.index("bram").graph is not None
    queries = ["Nell took the bread", "the lamp at the tower", "Otto harbour fish", "coin market",
               "Tom map museum", "Bram anchor forge"]
    for v in HashEmbedder().embed(queries):  # the vector search: the same ten best (ties may swap members)
        best = np.sort(exact.index("bram").matrix.rows @ v)[::-1][:10]
        _, found = ann.index("bram").graph.search(v, 10)
        np.testing.assert_allclose(found, best, atol=1e-5)
    # the whole retrieval (recency, importance, hybrid relevance) over candidates: the full scan's top 10
    now = T0 + timedelta(minutes=3000)
    for text in queries:
        a = [h.memory.id for h in exact.retrieve("bram", text, now=now, k=10, touch=False)]
        b = [h.memory.id for h in ann.retrieve("bram", text, now=now, k=10, touch=False)]
        assert a == b


def test_candidates_include_what_recency_and_importance_alone_rank_high(stream):
    pytest.importorskip("hnswlib")
    stream.add_many([NewMemory("bram", f"Nell took the bread to the bakery, loaf {i}", T0 + timedelta(minutes=i),
                               importance=2) for i in range(1000)])
    news = stream.add("bram", "the mayor resigned", world_time=T0 + timedelta(minutes=1000), importance=10)
    stream.add_many([NewMemory("bram", f"Nell took the bread to the bakery, roll {i}",
                               T0 + timedelta(minutes=1001 + i), importance=2) for i in range(200)])
    now = T0 + timedelta(minutes=1200)

    def top10(**cfg) -> list[int]:  # Park et al.'s gentle decay (per hour), relevance at half weight
        r = Retriever(stream, RetrievalConfig(decay_minutes=60.0, relevance=0.5, **cfg))
        return [h.memory.id for h in r.retrieve("bram", "bread at the bakery", now=now, k=10, touch=False)]

    full = top10(index=IndexConfig(vector_index="exact"))
    assert full[0] == news.id  # unrelated to the query, but important and fairly recent
    assert top10(index=IndexConfig(vector_index="hnsw")) == full
    # not among the 50 newest nor similar nor sharing a keyword: only the per-importance candidates catch it
    assert news.id not in top10(recent_per_importance=0, index=IndexConfig(vector_index="hnsw"))


def test_indexes_grow_incrementally_and_switch_to_ann_at_the_threshold(stream):
    pytest.importorskip("hnswlib")
    _corpus(stream, 50)
    r = Retriever(stream, RetrievalConfig(index=IndexConfig(ann_from=60)))
    assert len(r.index("bram")) == 50 and r.index("bram").graph is None
    _corpus(stream, 20)  # arrives through the subscription, no reload
    idx = r.index("bram")
    assert len(idx) == 70 and idx.graph is not None and len(idx.graph) == 70
    new = stream.add("bram", "a dragon landed on the museum roof", world_time=T0 + timedelta(days=1))
    hit = r.retrieve("bram", "dragon on the museum roof", now=T0 + timedelta(days=1), k=1)[0]
    assert hit.memory.id == new.id and len(idx.graph) == 71


def test_refresh_reads_what_another_process_wrote(store):
    mine = MemoryStream(store, "harbor", HashEmbedder())
    theirs = MemoryStream(store, "harbor", HashEmbedder())  # same table, no shared subscription
    mine.add("bram", "first", world_time=T0)
    r = Retriever(mine)
    assert len(r.index("bram")) == 1
    theirs.add("bram", "second from elsewhere", world_time=T0)
    assert len(r.index("bram")) == 1 and r.refresh("bram") == 1 and r.refresh("bram") == 0
    assert r.retrieve("bram", "second from elsewhere", now=T0, k=1)[0].memory.text == "second from elsewhere"


def test_access_times_are_buffered_then_written(stream):
    m = stream.add("bram", "the lighthouse", world_time=T0)
    r = Retriever(stream, RetrievalConfig(flush_every=2))
    later = T0 + timedelta(hours=1)
    r.retrieve("bram", "lighthouse", now=later, k=1)
    assert stream.get([m.id])[0].last_access == T0  # buffered
    stream.add("bram", "the harbour", world_time=T0)
    r.retrieve("bram", "harbour", now=later, k=2)  # two pending: written
    assert stream.get([m.id])[0].last_access == later


def test_close_writes_access_times_and_stops_following_the_stream(stream):
    m = stream.add("bram", "the lighthouse", world_time=T0)
    r = Retriever(stream)
    r.retrieve("bram", "lighthouse", now=T0 + timedelta(hours=2), k=1)
    r.close()
    assert stream.get([m.id])[0].last_access == T0 + timedelta(hours=2)
    assert stream._subscribers == []


def test_numpys_blas_is_pinned_to_one_thread_inside_queries():
    threadpoolctl = pytest.importorskip("threadpoolctl")

    def numpy_blas() -> list[dict]:
        return [i for i in threadpoolctl.threadpool_info()
                if i["user_api"] == "blas" and "numpy" in i["filepath"]]

    if not numpy_blas():
        pytest.skip("numpy is not linked to a BLAS threadpoolctl can see")
    with threadpoolctl.threadpool_limits(2, user_api="blas"):
        with blas_threads(1):
            assert [i["num_threads"] for i in numpy_blas()] == [1]
        assert [i["num_threads"] for i in numpy_blas()] == [2]  # restored after the query


def test_empty_and_unknown_characters_retrieve_nothing(stream):
    r = Retriever(stream)
    assert r.retrieve("nobody", "anything", now=T0) == []
    stream.add("bram", "x", world_time=T0)
    assert r.retrieve("bram", "x", now=T0, k=0) == []
    assert not math.isnan(r.retrieve("bram", "x", now=T0)[0].score)
