"""How much a memory matters, 1 (mundane) to 10 (poignant): by the model, or by a cheap heuristic.

Park et al. (2023) ask the model for every memory; that is most of their model calls. Here the caller
chooses (DESIGN.md principle 4): a character near a player asks the model (schema-constrained JSON with
few-shot examples); one far away uses keyword rules that cost microseconds. A model that answers junk
or is down falls back to the heuristic, so scoring never fails.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass

from pydantic import BaseModel, Field, ValidationError

from llmverse.errors import BackendUnavailable
from llmverse.llm.base import Message
from llmverse.llm.gateway import Gateway

log = logging.getLogger(__name__)


class ImportanceRating(BaseModel):
    """The model's answer; the schema the backend is held to."""

    importance: int = Field(ge=1, le=10, description="1 = mundane, 10 = life-changing")


PROMPT = """On a scale of 1 to 10, where 1 is purely mundane (a greeting, brushing teeth, making the bed)
and 10 is extremely poignant (a fire, a death, a marriage proposal, a break-up), rate how important
this memory is{whose}.
Examples:
Memory: Nell said "Good morning!" -> {{"importance": 2}}
Memory: Bram bought a new hammer for 12 coins -> {{"importance": 4}}
Memory: 莉娜邀请大家今晚七点到旅馆参加她的生日聚会 -> {{"importance": 8}}
Memory: The forge is on fire and Bram is hurt! -> {{"importance": 10}}
Memory: {text}
Answer with JSON only."""

# Keyword rules. English entries are regexes anchored at a word start ("invit" finds invite, invited,
# invitation; "fire\\b" not fireplace); Chinese entries are substrings (no word boundaries to rely on).
# Weights add up from a base of 3.
_HIGH: dict[str, tuple[int, tuple[str, ...], tuple[str, ...]]] = {
    "danger": (5, (r"fires?\b", r"burn", r"help!", r"injur", r"hurt", r"thie", r"stol", r"attack", r"flood",
                   r"storm", r"died\b", r"dead\b", r"death", r"kill", r"emergenc"),
               ("着火", "火灾", "失火", "大火", "起火", "救命", "受伤", "小偷", "偷", "袭击", "洪水", "风暴",
                "死", "紧急")),
    "invitation": (4, (r"invit", r"part(y|ies)\b", r"celebrat", r"wedding", r"festival", r"join us",
                       r"come to\b", r"gathering"),
                   ("邀请", "聚会", "派对", "庆祝", "婚礼", "节日", "一起来", "参加")),
    "feeling": (3, (r"lov(e|ed|es|ing)\b", r"marr", r"friend", r"angry", r"sad\b", r"afraid", r"scared",
                    r"secret", r"promis", r"sorry", r"miss you"),
                ("爱", "结婚", "朋友", "生气", "难过", "害怕", "秘密", "答应", "对不起", "想你")),
    "trade": (2, (r"buy", r"bought", r"sell", r"sold\b", r"price", r"pa(y|id)\b", r"coins?\b", r"gold\b",
                  r"trad(e|ed|ing)\b", r"order", r"costs?\b"),
              ("买", "卖", "价格", "付钱", "钱", "金币", "订", "多少钱")),
    "plan": (2, (r"tomorrow", r"tonight", r"plan", r"need", r"request", r"please", r"remember", r"meet"),
             ("明天", "今晚", "计划", "需要", "帮", "记得", "见面")),
}
_LOW_EN = ("hello", "hi", "hey", "good morning", "good evening", "good afternoon", "goodbye", "bye",
           "thanks", "thank you", "how are you", "nice weather", "idle", "sleep", "walk", "yawn")
_LOW_ZH = ("你好", "您好", "早上好", "早安", "晚上好", "晚安", "再见", "谢谢", "天气不错", "睡觉", "散步", "发呆")
_KIND_BONUS = {"reflection": 2, "plan": 1}  # conclusions and intentions outlast what was merely seen


def _pattern(regexes: Iterable[str]) -> re.Pattern[str]:
    return re.compile(r"(?<![a-z])(?:" + "|".join(regexes) + ")", re.I)


_HIGH_RE = {k: (w, _pattern(en), zh) for k, (w, en, zh) in _HIGH.items()}
_LOW_RE = re.compile(r"(?<![a-z])(?:" + "|".join(re.escape(w) for w in _LOW_EN) + r")(?![a-z])", re.I)


class ImportanceRatings(BaseModel):
    """Several memories rated in one call, in the order they were listed."""

    importance: list[int] = Field(description="one rating 1..10 per memory, in order")


BATCH = """On a scale of 1 to 10, where 1 is purely mundane (a greeting, brushing teeth, making the bed)
and 10 is extremely poignant (a fire, a death, a marriage proposal, a break-up), rate how important
each numbered memory is{whose}.
Example: 1. Nell said "Good morning!"  2. The forge is on fire and Bram is hurt! -> {{"importance": [2, 10]}}
{memories}
Answer with JSON only: {{"importance": [...]}} with {n} numbers."""


@dataclass
class ScorerStats:
    heuristic: int = 0  # memories scored by the rules
    model: int = 0  # memories scored by the model
    fallbacks: int = 0  # model asked, answer unusable: the rules scored instead
    calls: int = 0  # model calls made (a batch is one)


class ImportanceScorer:
    """`score(text, kind, use_model=...)`; the model path needs a gateway (without one, use_model is
    ignored and the heuristic scores), the heuristic nothing.

    `names`: people of the world (characters, players, in both languages); a memory that mentions one
    is about someone, which matters more than weather.
    """

    def __init__(self, gateway: Gateway | None = None, *, names: Iterable[str] = (),
                 character_name: str | None = None, max_tokens: int = 16) -> None:
        self.gateway, self.character_name, self.max_tokens = gateway, character_name, max_tokens
        self.names = tuple(n for n in names if n)
        # whole words for Latin names ("Tom" is not in "tomorrow"); substrings for Chinese ones
        self._names = re.compile("|".join(rf"(?<![a-z]){re.escape(n.lower())}(?![a-z])" for n in self.names)
                                 ) if self.names else None
        self.stats = ScorerStats()

    def score(self, text: str, *, kind: str = "observation", use_model: bool = False) -> int:
        if use_model and self.gateway is not None:
            return self.by_model(text, kind=kind)
        self.stats.heuristic += 1
        return self.heuristic(text, kind=kind)

    def heuristic(self, text: str, *, kind: str = "observation") -> int:
        """Base 3; + each category of weighty words found; + a name; + length; greetings alone: <= 2."""
        low = text.lower()
        score = 3 + _KIND_BONUS.get(kind, 0)
        hits = 0
        for weight, en, zh in _HIGH_RE.values():
            if en.search(low) or any(w in text for w in zh):
                score += weight
                hits += 1
        if self._names is not None and self._names.search(low):
            score += 2
            hits += 1
        cjk = sum("\u3400" <= ch <= "\u9fff" for ch in text)
        size = cjk + len(low.split()) if cjk else len(low.split())  # words, or CJK characters
        score += (size > 15) + (size > 40)  # a long account carries more than a remark
        if not hits and (_LOW_RE.search(low) or any(w in text for w in _LOW_ZH)):
            score = min(score, 2)
        return max(1, min(10, score))

    def by_model(self, text: str, *, kind: str = "observation") -> int:
        """Ask the model (JSON schema of ImportanceRating); the heuristic answers when it cannot."""
        assert self.gateway is not None
        whose = f" to {self.character_name}" if self.character_name else ""
        messages = [Message("user", PROMPT.format(whose=whose, text=text.replace("\n", " ")))]
        try:
            out = self.gateway.complete(messages, max_tokens=self.max_tokens,
                                        schema=ImportanceRating.model_json_schema())
            self.stats.calls += 1
            rating = ImportanceRating.model_validate_json(out.text).importance
        except (BackendUnavailable, ValidationError) as exc:
            self.stats.fallbacks += 1
            # A backend failure was logged by the gateway already (one line per failed call); a bad rating is news.
            level = logging.INFO if isinstance(exc, BackendUnavailable) else logging.WARNING
            log.log(level, "importance by model failed, using the heuristic: %s", exc)
            return self.heuristic(text, kind=kind)
        self.stats.model += 1
        return rating

    def score_many(self, items: list[tuple[str, str]], *, use_model: bool = False, batch: int = 8) -> list[int]:
        """Ratings for (text, kind) pairs; by the model, `batch` memories to one call (importance
        scoring was most of Generative Agents' calls: one call per memory). A batch whose answer is
        not one valid rating per memory falls back to the rules for that batch."""
        if not (use_model and self.gateway is not None):
            return [self.score(t, kind=k) for t, k in items]
        out: list[int] = []
        for i in range(0, len(items), batch):
            part = items[i:i + batch]
            if len(part) == 1:
                out.append(self.by_model(part[0][0], kind=part[0][1]))
                continue
            out += self._batch(part)
        return out

    def _batch(self, part: list[tuple[str, str]]) -> list[int]:
        assert self.gateway is not None
        whose = f" to {self.character_name}" if self.character_name else ""
        listing = "\n".join(f"{j}. {t.replace(chr(10), ' ')}" for j, (t, _) in enumerate(part, 1))
        schema = {"type": "object", "required": ["importance"], "properties": {"importance": {
            "type": "array", "minItems": len(part), "maxItems": len(part),
            "items": {"type": "integer", "minimum": 1, "maximum": 10}}}}
        try:
            reply = self.gateway.complete([Message("user", BATCH.format(whose=whose, memories=listing, n=len(part)))],
                                          max_tokens=8 + 4 * len(part), schema=schema)
            self.stats.calls += 1
            ratings = ImportanceRatings.model_validate_json(reply.text).importance
            if len(ratings) != len(part) or not all(1 <= r <= 10 for r in ratings):
                raise ValueError(f"{len(ratings)} ratings for {len(part)} memories: {ratings}")
        except (BackendUnavailable, ValidationError, ValueError) as exc:
            self.stats.fallbacks += len(part)
            level = logging.INFO if isinstance(exc, BackendUnavailable) else logging.WARNING  # as in by_model
            log.log(level, "batched importance failed, using the heuristic: %s", exc)
            return [self.heuristic(t, kind=k) for t, k in part]
        self.stats.model += len(part)
        return ratings
