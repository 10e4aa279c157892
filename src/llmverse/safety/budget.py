"""Unbounded consumption (OWASP LLM10): per-player request and token budgets over sliding windows.

This `Budget` keeps its windows in the process: right for one process (the CLI, the embedded default).
Several server processes behind one address share one budget per player with `llmverse serve --redis`
(`server/budgets.py: RedisBudget`, the same windows kept in Redis; while Redis is down, each process's
own windows answer). Sizes (input characters, output tokens) and the model timeout live in
`policy.Limits` and are applied by the rails and the gateway's config.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable

from llmverse.safety.errors import BudgetExceeded
from llmverse.safety.policy import Limits

MINUTE, HOUR = 60.0, 3600.0


class Budget:
    def __init__(self, limits: Limits | None = None, clock: Callable[[], float] = time.monotonic) -> None:
        self.limits, self.clock = limits or Limits(), clock
        self._requests: dict[str, deque[float]] = {}
        self._tokens: dict[str, deque[tuple[float, int]]] = {}
        self._lock = threading.Lock()

    def admit(self, player: str) -> None:
        """Count one request, or raise BudgetExceeded (with when to retry) and count nothing."""
        now = self.clock()
        with self._lock:
            reqs = self._requests.setdefault(player, deque())
            while reqs and reqs[0] <= now - MINUTE:
                reqs.popleft()
            if len(reqs) >= self.limits.requests_per_minute:
                raise BudgetExceeded("request", reqs[0] + MINUTE - now)
            toks = self._tokens.setdefault(player, deque())
            while toks and toks[0][0] <= now - HOUR:
                toks.popleft()
            if sum(n for _, n in toks) >= self.limits.tokens_per_hour:
                raise BudgetExceeded("token", toks[0][0] + HOUR - now)
            reqs.append(now)

    def charge(self, player: str, tokens: int) -> None:
        """Tokens a reply used (prompt + completion), counted after the call."""
        if tokens > 0:
            with self._lock:
                self._tokens.setdefault(player, deque()).append((self.clock(), tokens))

    def used(self, player: str) -> tuple[int, int]:
        """(requests in the last minute, tokens in the last hour)."""
        now = self.clock()
        with self._lock:
            reqs = sum(1 for t in self._requests.get(player, ()) if t > now - MINUTE)
            toks = sum(n for t, n in self._tokens.get(player, ()) if t > now - HOUR)
        return reqs, toks
