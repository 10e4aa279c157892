"""Memory retrieval at 10^3, 10^4, 10^5 memories of one character: exact numpy vs HNSW, in one run.

    HF_HUB_OFFLINE=1 .venv/bin/python bench/retrieval.py [--sizes 1000,10000,100000] [--queries 200]
                                                          [--real 10000,100000] [--bm25-baseline 100000]

Memories are synthetic but shaped like a character's day (bilingual: about a third Chinese; one per
world minute; importance from the heuristic), written through MemoryStream.add_many into a temporary
SQLite file, then loaded by two Retrievers: vector_index="exact" (every memory scored) and "hnsw"
(candidates from HNSW ∪ BM25 ∪ recent, re-scored exactly). Embeddings:
  - "random": random unit vectors (dim 384); a query is a memory's vector plus as much noise, so it has
    true neighbours. The hard case for HNSW (no cluster structure): recall is a lower bound.
  - "MiniLM" (--real N,...): the real bundled model's vectors of such texts and of the query texts
    (about 300 texts/s on 2 cores: 10^5 memories take several minutes to embed, outside the timings).
Query embedding is done before timing (MiniLM costs ~8 ms per new query; see bench/embed.py):
the times are retrieve() given the query vector — BM25, vector search, scoring, top-k — with
touch=False so both retrievers see the same state. Exact and ANN queries alternate, so load on the
shared machine hits both alike; ratios are the figure to trust.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from collections.abc import Sequence
from datetime import datetime, timedelta

import numpy as np
from rich.console import Console
from rich.table import Table

from llmverse.lang import tokens
from llmverse.memory import Memory, MemoryStream, NewMemory, RetrievalConfig, Retriever
from llmverse.memory.index import IndexConfig
from llmverse.world.store import Store

T0 = datetime(2026, 5, 1, 6, 0)
DIM = 384
PEOPLE = [("Bram", "布兰"), ("Nell", "内尔"), ("Mara", "玛拉"), ("Tess", "苔丝"), ("Otto", "奥托"),
          ("Ivy", "艾薇"), ("the harbour master", "港务长"), ("a sailor", "一个水手")]
PLACES = [("forge", "铁匠铺"), ("bakery", "面包店"), ("museum", "博物馆"), ("inn", "旅馆"), ("market", "市场"),
          ("lighthouse", "灯塔"), ("park", "公园"), ("north quay", "北码头")]
THINGS = [("anchor", "铁锚"), ("bread", "面包"), ("lamp", "灯"), ("fishing net", "渔网"), ("map", "地图"),
          ("bell", "钟"), ("rope", "绳子"), ("hook", "鱼钩"), ("letter", "信"), ("cat", "猫")]
EN = ["{p} bought a {t} at the {l} on day {d} at {hm}", "{p} said the {l} opens late on day {d}",
      "{p} invited everyone to a party at the {l}, {hm}", "saw {p} carrying a {t} past the {l} at {hm}",
      "{p} lost a {t} near the {l} on day {d}", "{p} asked me the price of a {t} at {hm}",
      "the {l} was quiet at {hm}; {p} was reading", "{p} repaired the {t} of the {l} on day {d}"]
ZH = ["第{d}天{hm}，{p}在{l}买了{t}", "{p}说{l}第{d}天晚开门", "{p}邀请大家{hm}去{l}参加聚会",
      "{hm}看见{p}拿着{t}经过{l}", "第{d}天{p}在{l}附近丢了{t}", "{hm}{p}问我{t}多少钱"]
Q_EN = ["Where did {p} buy the {t}?", "What happened at the {l}?", "Who has a {t}?", "When does the {l} open?"]
Q_ZH = ["{p}在{l}做了什么？", "谁买了{t}？", "{l}发生了什么事？", "{p}丢了什么？"]


def memory_texts(n: int, rng: np.random.Generator) -> list[str]:
    out = []
    for i in range(n):
        d, hm = i // 1440 + 1, f"{(6 + i // 60) % 24:02d}:{i % 60:02d}"
        p, l, t = PEOPLE[rng.integers(len(PEOPLE))], PLACES[rng.integers(len(PLACES))], THINGS[rng.integers(len(THINGS))]
        if rng.random() < 0.33:
            out.append(ZH[rng.integers(len(ZH))].format(p=p[1], l=l[1], t=t[1], d=d, hm=hm))
        else:
            out.append(EN[rng.integers(len(EN))].format(p=p[0], l=l[0], t=t[0], d=d, hm=hm))
    return out


def query_texts(q: int, rng: np.random.Generator) -> list[str]:
    out = []
    for _ in range(q):
        p, l, t = PEOPLE[rng.integers(len(PEOPLE))], PLACES[rng.integers(len(PLACES))], THINGS[rng.integers(len(THINGS))]
        zh = rng.random() < 0.33
        out.append((Q_ZH if zh else Q_EN)[rng.integers(4)].format(p=p[int(zh)], l=l[int(zh)], t=t[int(zh)]))
    return out


def unit(x: np.ndarray) -> np.ndarray:
    return (x / np.linalg.norm(x, axis=-1, keepdims=True)).astype(np.float32)


class Lookup:
    """An embedder that answers from precomputed vectors (so inserts measure the store, not a model)."""

    dim = DIM

    def __init__(self, vectors: dict[str, np.ndarray]) -> None:
        self.vectors = vectors

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        return np.stack([self.vectors[t] for t in texts])


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def pct(xs: list[float], p: float) -> float:
    return float(np.percentile(np.array(xs) * 1e3, p))


def run_size(n: int, kind: str, queries: int, rng: np.random.Generator, workdir: str) -> list[dict]:
    texts = memory_texts(n, rng)
    qtexts = query_texts(queries, rng)
    if kind == "MiniLM":
        from llmverse.llm.embed import Embedder

        emb = Embedder(threads=1)
        vecs = np.concatenate([emb.embed(texts[i:i + 256]) for i in range(0, n, 256)])
        qvecs = emb.embed(qtexts)
    else:
        vecs = unit(rng.standard_normal((n, DIM)))
        picks = rng.integers(n, size=queries)
        qvecs = unit(vecs[picks] + unit(rng.standard_normal((queries, DIM))))
    store = Store(f"sqlite:///{workdir}/bench-{kind}-{n}.db")
    stream = MemoryStream(store, "bench", Lookup(dict(zip(texts, vecs))))
    start = time.perf_counter()
    for i in range(0, n, 5000):
        stream.add_many([NewMemory("bram", t, T0 + timedelta(minutes=i + j))
                         for j, t in enumerate(texts[i:i + 5000])])
    store_rate = n / (time.perf_counter() - start)
    now = T0 + timedelta(minutes=n + 30)

    rows, rets = [], {}
    for mode in ("exact", "hnsw"):
        before = rss_mb()
        start = time.perf_counter()
        r = Retriever(stream, RetrievalConfig(index=IndexConfig(vector_index=mode)))
        r.index("bram")
        rets[mode] = (r, time.perf_counter() - start, rss_mb() - before)

    times: dict[str, list[float]] = {"exact": [], "hnsw": []}
    vec_times: dict[str, list[float]] = {"exact": [], "hnsw": []}
    vec_recall, ret_recall = [], []
    ex_idx, an_idx = rets["exact"][0].index("bram"), rets["hnsw"][0].index("bram")
    for i, (qt, qv) in enumerate(zip(qtexts, qvecs)):
        got = {}
        for mode in (("exact", "hnsw") if i % 2 else ("hnsw", "exact")):
            start = time.perf_counter()
            got[mode] = rets[mode][0].retrieve("bram", qt, now=now, k=10, touch=False, query_vector=qv)
            times[mode].append(time.perf_counter() - start)
        ids = [{h.memory.id for h in got[m]} for m in ("exact", "hnsw")]
        ret_recall.append(len(ids[0] & ids[1]) / max(1, len(ids[0])))
        start = time.perf_counter()
        sims = ex_idx.matrix.similarity(qv)
        top = np.argpartition(-sims, 9)[:10]
        vec_times["exact"].append(time.perf_counter() - start)
        start = time.perf_counter()
        found, _ = an_idx.graph.search(qv, 10)
        vec_times["hnsw"].append(time.perf_counter() - start)
        vec_recall.append(len(set(top.tolist()) & set(found.tolist())) / 10)

    for mode in ("exact", "hnsw"):  # incremental inserts, one memory at a time, into a loaded index
        idx = ex_idx if mode == "exact" else an_idx
        mems = [Memory(10**9 + j, "bench", "bram", now, "observation", f"late note {j}: {texts[j]}", 5,
                       embedding=vecs[j].astype("<f4").tobytes(), last_access=now) for j in range(200)]
        start = time.perf_counter()
        for m in mems:
            idx.add([m])
        insert_us = (time.perf_counter() - start) / len(mems) * 1e6
        r, load_s, rss = rets[mode]
        p50 = pct(times[mode], 50)
        rows.append(dict(n=n, kind=kind, mode=mode, p50=p50, p99=pct(times[mode], 99),
                         vec_p50=pct(vec_times[mode], 50), vec_recall=statistics.mean(vec_recall),
                         ret_recall=statistics.mean(ret_recall), load_s=load_s, insert_us=insert_us,
                         rss=rss, nbytes=idx.nbytes / 2**20, store_rate=store_rate))
    rows[1]["speedup"] = rows[0]["p50"] / rows[1]["p50"]
    store.engine.dispose()
    return rows


def bm25_baseline(n: int, rng: np.random.Generator) -> dict[str, float]:
    """rank-bm25 (rebuilt from the corpus, scores every document) vs the incremental inverted index."""
    from rank_bm25 import BM25Okapi

    from llmverse.memory.bm25 import IncrementalBM25

    docs = [tokens(t) for t in memory_texts(n, rng)]
    qs = [tokens(q) for q in query_texts(20, rng)]
    start = time.perf_counter()
    ref = BM25Okapi(docs)
    ref_build = time.perf_counter() - start
    start = time.perf_counter()
    for q in qs:
        ref.get_scores(q)
    ref_q = (time.perf_counter() - start) / len(qs)
    ours = IncrementalBM25()
    start = time.perf_counter()
    for d in docs:
        ours.add([d])
    our_build = time.perf_counter() - start
    start = time.perf_counter()
    for q in qs:
        ours.scores(q)
    our_q = (time.perf_counter() - start) / len(qs)
    return dict(n=n, ref_build=ref_build, ref_q=ref_q * 1e3, our_build=our_build, our_q=our_q * 1e3)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="1000,10000,100000")
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--real", default="", help="sizes (comma-separated) to run again with MiniLM vectors")
    ap.add_argument("--bm25-baseline", type=int, default=0, help="compare with rank-bm25 at N documents")
    args = ap.parse_args()
    rng = np.random.default_rng(2026)
    console = Console(width=max(150, Console().width))
    tokens("预热 warm-up")  # jieba loads its dictionary once (~70 MB): not part of any index
    load = os.getloadavg()[0]
    rows = []
    with tempfile.TemporaryDirectory() as workdir:
        for n in (int(s) for s in args.sizes.split(",")):
            with console.status(f"{n:,} memories, random unit vectors"):
                rows += run_size(n, "random", args.queries, rng, workdir)
        for n in (int(s) for s in args.real.split(",") if s):
            with console.status(f"{n:,} memories, MiniLM vectors (embedding them takes minutes at 10^5)"):
                rows += run_size(n, "MiniLM", args.queries, rng, workdir)
    t = Table(title=f"retrieve(): one character, k=10, {args.queries} queries, 1 BLAS thread "
                    f"(load average {load:.1f} → {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")
    for col in ("memories", "vectors", "index", "p50 ms", "p99 ms", "p50 speed-up", "vector top-10 p50 ms",
                "recall@10 vector", "recall@10 retrieve"):
        t.add_column(col, justify="right")
    b = Table(title="building: load from SQLite (+ HNSW graph), one-at-a-time inserts, memory")
    for col in ("memories", "vectors", "index", "load+build s", "insert µs/memory", "RSS Δ MB",
                "index MB (vectors, graph, columns)", "store writes/s (add_many)"):
        b.add_column(col, justify="right")
    for r in rows:
        ann = r["mode"] == "hnsw"
        head = (f"{r['n']:,}", r["kind"], r["mode"])
        t.add_row(*head, f"{r['p50']:.2f}", f"{r['p99']:.2f}", f"{r['speedup']:.1f}×" if ann else "1×",
                  f"{r['vec_p50']:.2f}", f"{r['vec_recall']:.3f}" if ann else "1",
                  f"{r['ret_recall']:.3f}" if ann else "1")
        b.add_row(*head, f"{r['load_s']:.1f}", f"{r['insert_us']:.0f}", f"{r['rss']:.0f}", f"{r['nbytes']:.0f}",
                  f"{r['store_rate']:,.0f}")
    console.print(t)
    console.print(b)
    if args.bm25_baseline:
        b = bm25_baseline(args.bm25_baseline, rng)
        bt = Table(title=f"keyword index alone at {b['n']:,} documents (jieba/English tokens, 20 queries)")
        for col in ("implementation", "build s", "query ms"):
            bt.add_column(col, justify="right")
        bt.add_row("rank-bm25 BM25Okapi (rebuild per add)", f"{b['ref_build']:.2f}", f"{b['ref_q']:.1f}")
        bt.add_row("IncrementalBM25 (one add at a time)", f"{b['our_build']:.2f}", f"{b['our_q']:.2f}")
        console.print(bt)


if __name__ == "__main__":
    main()
