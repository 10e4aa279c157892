"""Gateway overhead and persona-prefix reuse on the bundled model, side by side in one run.

    .venv/bin/python bench/llm.py [--model smollm2-135m] [--threads 2] [--runs 5]
"""

from __future__ import annotations

import argparse
import statistics
import time

from rich.console import Console
from rich.table import Table

from llmverse.llm.base import Message
from llmverse.llm.gateway import Gateway
from llmverse.llm.llamacpp import LlamaCppBackend

PERSONA = ("You are Bram, the blacksmith of Harbor Town. You sell iron anchors (40 coins) and fishing "
           "hooks (2 coins) at the Forge, open 08:00-18:00. You are gruff but kind. ") * 4
OTHER = ("You are Mara, guide at the Maritime Museum of Harbor Town. The founding bell is the "
         "museum's treasure. ") * 4


def timed(pieces) -> tuple[float, float, int]:
    start, first, n = time.perf_counter(), None, 0
    for _ in pieces:
        first = first or time.perf_counter() - start
        n += 1
    return first or 0.0, time.perf_counter() - start, n


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default="smollm2-135m")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    backend = LlamaCppBackend(args.model, threads=args.threads)  # with the RAM prefix cache
    no_cache = LlamaCppBackend(args.model, threads=args.threads, prefix_cache_mb=0)
    gw, gw_plain = Gateway(backend), Gateway(no_cache)
    llm = backend.llm
    msgs = [Message("system", PERSONA), Message("user", "What do you sell?")]
    again = [msgs[0], Message("user", "And hooks?")]
    other = [Message("system", OTHER), Message("user", "Hi")]
    raw = [{"role": m.role, "content": m.content} for m in msgs]

    def direct():
        # Same sampling settings as the backend, so the only difference is the gateway's path.
        for c in llm.create_chat_completion(messages=raw, max_tokens=64, stream=True,
                                            temperature=backend.temperature,
                                            repeat_penalty=backend.repeat_penalty):
            if c["choices"][0]["delta"].get("content"):
                yield 1

    keys = ("direct", "gateway", "reused", "restored", "cold")
    rows: dict[str, list[tuple[float, float, int]]] = {k: [] for k in keys}
    for run in range(args.runs):  # interleaved so machine noise hits every row alike
        first, second = ("direct", "gateway") if run % 2 == 0 else ("gateway", "direct")
        for key in (first, second):  # alternating order; each starts from the same cache state
            list(gw.stream(other, max_tokens=4))
            rows[key].append(timed(direct() if key == "direct" else gw.stream(msgs, max_tokens=64)))
        rows["reused"].append(timed(gw.stream(again, max_tokens=8)))  # same character next: prefix in KV
        list(gw.stream(other, max_tokens=4))  # another character speaks in between ...
        rows["restored"].append(timed(gw.stream(again, max_tokens=8)))  # ... state back from the RAM cache
        list(gw_plain.stream(msgs, max_tokens=4))
        list(gw_plain.stream(other, max_tokens=4))
        rows["cold"].append(timed(gw_plain.stream(again, max_tokens=8)))  # no cache: persona re-read

    def tps(key):
        # Generation speed after the first token, so prompt-cache state does not skew the comparison.
        return statistics.median((n - 1) / (t - f) for f, t, n in rows[key] if n > 1)

    def ttft(key):
        return statistics.median(f for f, _, _ in rows[key]) * 1e3

    t = Table(title=f"{args.model}, {args.threads} threads, median of {args.runs}")
    for col in ("path", "tokens/s", "first token (ms)"):
        t.add_column(col)
    t.add_row("llama_cpp direct", f"{tps('direct'):.0f}", f"{ttft('direct'):.0f}")
    t.add_row("gateway", f"{tps('gateway'):.0f}", f"{ttft('gateway'):.0f}")
    t.add_row("ratio gateway/direct", f"{tps('gateway') / tps('direct'):.2f}", "")
    t.add_row("2nd reply, same character next (prefix in KV)", "", f"{ttft('reused'):.0f}")
    t.add_row("2nd reply after another character (RAM prefix cache)", "", f"{ttft('restored'):.0f}")
    t.add_row("2nd reply after another character, no cache (cold)", "", f"{ttft('cold'):.0f}")
    t.add_row("speed-up: prefix in KV / RAM cache vs cold", "",
              f"{ttft('cold') / ttft('reused'):.1f}x / {ttft('cold') / ttft('restored'):.1f}x")
    Console().print(t)


if __name__ == "__main__":
    main()
