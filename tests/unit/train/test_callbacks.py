from __future__ import annotations

from collections import Counter
from typing import Any

import torch

from llmverse.train import callbacks
from llmverse.train.callbacks import AdaptiveThreads


def run_steps(cb: AdaptiveThreads, n: int, seconds: dict[int, float], monkeypatch: Any) -> list[int]:
    """Drive the callback as Trainer would, with a clock where a step at k threads takes seconds[k]."""
    now = [0.0]
    monkeypatch.setattr(callbacks.time, "perf_counter", lambda: now[0])
    used = []
    for _ in range(n):
        cb.on_step_begin(None, None, None)  # type: ignore[arg-type]
        k = torch.get_num_threads()
        used.append(k)
        now[0] += seconds[k]
        cb.on_step_end(None, None, None)  # type: ignore[arg-type]
    return used


def test_adaptive_threads_follow_the_faster_count(monkeypatch: Any) -> None:
    before = torch.get_num_threads()
    try:
        cb = AdaptiveThreads((1, 2), probe=3, hold=10)
        first = run_steps(cb, 1 + 6 + 10, {1: 0.3, 2: 0.9}, monkeypatch)  # 2 threads slow: a busy machine
        assert first[1:7] == [1, 2, 1, 2, 1, 2]  # probing interleaves the choices (step 0 is warm-up)
        assert first[7:] == [1] * 10 and cb.best == 1
        second = run_steps(cb, 6 + 10, {1: 0.3, 2: 0.1}, monkeypatch)  # the other work has stopped
        assert second[:6] == [1, 2, 1, 2, 1, 2] and second[6:] == [2] * 10 and cb.best == 2
        assert cb.steps == dict(Counter(first + second))
    finally:
        torch.set_num_threads(before)
