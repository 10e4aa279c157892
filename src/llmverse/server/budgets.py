"""Per-player request and token budgets (the safety rails' `Budget`) kept in Redis, so they hold for
every server process behind one address: a player who alternates between two processes spends one
budget, not two.

The windows are the ones `safety/budget.py` keeps in a process (requests in the last minute, tokens in
the last hour), as two sorted sets per player scored by Redis's own clock (TIME), so processes whose
clocks differ still agree; a request is admitted and counted inside Redis (a Lua script), so two
processes cannot both take the last one. Should Redis fail, this process's own windows answer for
`PAUSE` seconds (logged), as the rate limits do (`limits.RedisRateLimiter`).
"""

from __future__ import annotations

import logging
import time
import uuid
from typing import Any

from llmverse.safety.budget import HOUR, MINUTE, Budget
from llmverse.safety.errors import BudgetExceeded
from llmverse.safety.policy import Limits

log = logging.getLogger(__name__)

# KEYS: requests, tokens (sorted sets; a token entry is "<count>:<unique>"). ARGV: requests per
# minute, tokens per hour, a unique member for this request. Returns {what refused or '', wait}.
# Numbers travel as strings: a Lua number returned as such is truncated to an integer.
_ADMIT = f"""
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - {MINUTE})
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[1]) then
  local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  return {{'request', tostring(tonumber(first[2]) + {MINUTE} - now)}}
end
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - {HOUR})
local toks = redis.call('ZRANGE', KEYS[2], 0, -1, 'WITHSCORES')
local used = 0
for i = 1, #toks, 2 do used = used + tonumber(string.match(toks[i], '^(%d+):')) end
if #toks > 0 and used >= tonumber(ARGV[2]) then
  return {{'token', tostring(tonumber(toks[2]) + {HOUR} - now)}}
end
redis.call('ZADD', KEYS[1], now, ARGV[3])
redis.call('PEXPIRE', KEYS[1], {int(MINUTE * 1000) + 1000})
return {{'', '0'}}
"""
_CHARGE = f"""
local t = redis.call('TIME')
redis.call('ZADD', KEYS[1], tonumber(t[1]) + tonumber(t[2]) / 1000000, ARGV[1])
redis.call('PEXPIRE', KEYS[1], {int(HOUR * 1000) + 1000})
return 1
"""
_USED = f"""
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local reqs = redis.call('ZCOUNT', KEYS[1], '(' .. (now - {MINUTE}), '+inf')
local toks = redis.call('ZRANGEBYSCORE', KEYS[2], '(' .. (now - {HOUR}), '+inf')
local used = 0
for i = 1, #toks do used = used + tonumber(string.match(toks[i], '^(%d+):')) end
return {{reqs, used}}
"""


class RedisBudget(Budget):
    """`Budget` with its windows in Redis (`<prefix>:req:<player>`, `<prefix>:tok:<player>`)."""

    PAUSE = 5.0

    def __init__(self, limits: Limits | None, redis: Any, prefix: str) -> None:
        super().__init__(limits)  # its own windows answer while Redis is unreachable
        self.prefix = prefix
        self._admit = redis.register_script(_ADMIT)
        self._charge = redis.register_script(_CHARGE)
        self._used = redis.register_script(_USED)
        self._down_until = 0.0

    def _keys(self, player: str) -> list[str]:
        return [f"{self.prefix}:req:{player}", f"{self.prefix}:tok:{player}"]

    def admit(self, player: str) -> None:
        if self._up():
            try:
                what, wait = self._admit(keys=self._keys(player), args=[
                    str(self.limits.requests_per_minute), str(self.limits.tokens_per_hour), uuid.uuid4().hex])
            except Exception as exc:  # Redis down: this process's windows rather than no budget at all
                self._failed(exc)
            else:
                if what:
                    raise BudgetExceeded(what.decode() if isinstance(what, bytes) else what, float(wait))
                return
        super().admit(player)

    def charge(self, player: str, tokens: int) -> None:
        if tokens <= 0:
            return
        if self._up():
            try:
                self._charge(keys=[self._keys(player)[1]], args=[f"{int(tokens)}:{uuid.uuid4().hex}"])
                return
            except Exception as exc:
                self._failed(exc)
        super().charge(player, tokens)

    def used(self, player: str) -> tuple[int, int]:
        if self._up():
            try:
                reqs, toks = self._used(keys=self._keys(player))
                return int(reqs), int(toks)
            except Exception as exc:
                self._failed(exc)
        return super().used(player)

    def _up(self) -> bool:
        return time.monotonic() >= self._down_until

    def _failed(self, exc: Exception) -> None:
        self._down_until = time.monotonic() + self.PAUSE
        log.error("budgets: Redis failed (%s); this process counts for itself for %.0f s", exc, self.PAUSE)
