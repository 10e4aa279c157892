"""The facts a character can state, computed from world state and picked by relevance to a question.

Principle 1 of DESIGN.md: the world is the source of truth, the model is the voice. A small model is
handed the few facts that answer the question, in both languages, each with the value a correct
reply must contain (a price, opening hours, a place's name), so the reply can be checked after.
"""

from __future__ import annotations

import math
from functools import lru_cache
from dataclasses import dataclass, field

from rank_bm25 import BM25Okapi

from llmverse.characters.plans import DayPlan
from llmverse.lang import Language, tokens
from llmverse.world.model import Character, Place, Thing
from llmverse.world.world import World

_PLAN_WORDS = "plan plans will going today tomorrow later next schedule afternoon evening 计划 打算 今天 明天 待会 接下来 下午 晚上"
_DID_WORDS = "did done today met talk talked saw earlier morning happened remember 做了 今天 见了 聊 早上 发生 记得"

# Question words that point at a kind of fact, in both languages (after tokens() folding); a fact
# whose kind (the prefix of its id) answers a detected intent ranks higher.
INTENT = {
    "hours": "open hour close when time 开门 营业 关门 几点 时间 开放 营业时间",
    "where": "where way get go direction find far walk 哪里 哪儿 在哪 怎么 怎么走 走 路 位置 远",
    "price": "price cost much buy coin sell 多少 多少钱 价格 钱 买 卖 价钱",
    "who": "who name 谁 名字 叫 姓名",
    "sells": "sell buy ware offer 卖 买 商品 东西",
    "here": "here now around 这里 现在 附近",
    "plan": _PLAN_WORDS,
    "did": _DID_WORDS,
}
_ANSWERED_BY = {"hours": {"hours"}, "where": {"where", "show"}, "price": {"price", "sells"},
               "who": {"who", "self"}, "sells": {"sells", "price"}, "here": {"here"},
               "plan": {"plan"}, "did": {"did"}}
_INTENT_BOOST = 2.0
_DIRS = {"north": "北", "north-east": "东北", "east": "东", "south-east": "东南", "south": "南",
         "south-west": "西南", "west": "西", "north-west": "西北"}


@dataclass(frozen=True)
class Fact:
    id: str  # "price:anchor", "hours:museum", ...
    en: str
    zh: str
    answers: tuple[str, ...]  # values a reply stating this fact contains (any one of them, per language)
    keys: list[str] = field(default_factory=list, compare=False)  # keyword tokens it is found by


def _zh(names) -> str:
    return names.zh or names.en


def _direction(frm: Place, to: Place) -> tuple[str, float]:
    """Compass direction (y grows southward on the map) and straight-line distance in tiles."""
    dx = (to.rect.x + to.rect.w / 2) - (frm.rect.x + frm.rect.w / 2)
    dy = (to.rect.y + to.rect.h / 2) - (frm.rect.y + frm.rect.h / 2)
    angle = math.degrees(math.atan2(dx, -dy)) % 360  # 0 = north, clockwise
    name = list(_DIRS)[int((angle + 22.5) // 45) % 8]
    return name, math.hypot(dx, dy)  # in tiles


class FactBook:
    """Every fact one character could state right now, searchable by keywords (BM25, jieba for Chinese)."""

    def __init__(self, world: World, character: Character) -> None:
        self.world, self.me = world, character
        self.facts = list(self._all())
        self._bm25 = BM25Okapi([f.keys or ["_"] for f in self.facts])

    def relevant(self, question: str, k: int = 4) -> list[tuple[Fact, float]]:
        """The k facts that best match the question, best first, with their BM25 scores (> 0 only)."""
        return self.lookup(question, k)[0]

    def lookup(self, question: str, k: int = 4) -> tuple[list[tuple[Fact, float]], Fact | None]:
        """The k best facts, and the one the question asks for: the best, when the question asks a
        kind of fact (hours, where, price, who, wares) and the best is of that kind."""
        q = tokens(question)
        if not q:
            return [], None
        wanted = {kind for kind, words in _intent_tokens().items() if words & set(q)}
        kinds = set().union(*(_ANSWERED_BY[k] for k in wanted)) if wanted else set()
        scores = [s * (_INTENT_BOOST if f.id.split(":")[0] in kinds else 1.0)
                  for f, s in zip(self.facts, self._bm25.get_scores(q), strict=True)]
        ranked = sorted(zip(self.facts, scores, strict=True), key=lambda fs: -fs[1])
        found = [(f, float(s)) for f, s in ranked[:k] if s > 0]
        key = found[0][0] if found and found[0][0].id.split(":")[0] in kinds else None
        return found, key

    def get(self, fact_id: str) -> Fact:
        return next(f for f in self.facts if f.id == fact_id)

    # --- the facts ------------------------------------------------------------------------
    def _all(self):
        w, me = self.world, self.me
        walking_to = w.heading(me.id)
        here = w.places[w.position(me.id) or walking_to]  # on the street: facts as seen from where I go
        now = w.now()
        yield _fact("self", f"I am {me.names.en}, the {me.role} of {w.file.name.en}.",
                    f"我是{_zh(me.names)}，{_zh(w.file.name)}的{me.role_zh or me.role}。",
                    (me.names.en, _zh(me.names)), "who name you yourself 你 谁 名字 叫", me.role)
        others = [] if walking_to else [c for c in w.characters_at(here.id) if c.id != me.id]
        near_en = f" {', '.join(c.names.en for c in others)} is here too." if others else ""
        near_zh = f"{'、'.join(_zh(c.names) for c in others)}也在这里。" if others else ""
        at_en, at_zh = (f"on my way to the {here.names.en}", f"正在去{_zh(here.names)}的路上") if walking_to \
            else (f"at the {here.names.en}", f"在{_zh(here.names)}")
        yield _fact("here", f"I am {at_en}; it is {now:%H:%M}.{near_en}",
                    f"我现在{at_zh}，现在是{now:%H:%M}。{near_zh}",
                    (here.names.en, _zh(here.names)), INTENT["here"], here.names.en, _zh(here.names))
        for p in w.places.values():
            yield from self._place_facts(p, here)
        for t in w.things.values():
            yield self._thing_fact(t)
        for c in w.characters.values():
            if c.id != me.id:
                work = w.places[c.workplace].names if c.workplace else None
                yield _fact(f"who:{c.id}",
                            f"{c.names.en} is the {c.role}" + (f" at the {work.en}." if work else "."),
                            f"{_zh(c.names)}是{c.role_zh or c.role}" + (f"，在{_zh(work)}。" if work else "。"),
                            (c.names.en, _zh(c.names)), INTENT["who"], c.names.en, _zh(c.names), c.role,
                            "work", c.role_zh or "", *((work.en, _zh(work)) if work else ()),
                            *(getattr(c, "aliases", None) or []))
        wares = w.things_owned_by(me.id)
        if wares:
            listed = ", ".join(f"{t.names.en} ({t.price:g} coins)" for t in wares if t.price is not None)
            yield _fact("sells", f"I sell {listed}.",
                        "我卖" + "、".join(f"{_zh(t.names)}（{t.price:g}个铜币）" for t in wares) + "。",
                        tuple(t.names.en for t in wares) + tuple(_zh(t.names) for t in wares),
                        INTENT["sells"], *(t.names.en for t in wares))
        for i, line in enumerate(me.knowledge):
            yield _fact(f"knows:{i}", line, line, (), line)
        yield from self._plan_facts(now)
        yield from self._did_facts(now)

    def _plan_facts(self, now):
        """What I mean to do: the next change of plan, and the day (from the schedule and overrides)."""
        plan = DayPlan(self.world, self.me)
        day = [(hhmm, st) for hhmm, st in plan.today() if st.place]
        changes = [(h, st) for i, (h, st) in enumerate(day) if i == 0 or (st.place, st.activity) != (day[i - 1][1].place, day[i - 1][1].activity)]
        p = self.world.places
        line = "; ".join(f"{h} {st.activity} at the {p[st.place].names.en}" for h, st in changes)
        line_zh = "；".join(f"{h}在{_zh(p[st.place].names)}{st.activity}" for h, st in changes)
        yield _fact("plan:today", f"My plan today: {line}.", f"我今天的计划：{line_zh}。",
                    tuple(p[st.place].names.en for _, st in changes), _PLAN_WORDS, line)
        later = [(h, st) for h, st in changes if h > f"{now:%H:%M}"]
        if later:
            h, st = later[0]
            yield _fact("plan:next", f"Next, at {h}, I will go to the {p[st.place].names.en} for {st.activity}.",
                        f"接下来，{h}我会去{_zh(p[st.place].names)}{st.activity}。",
                        (p[st.place].names.en, _zh(p[st.place].names)), _PLAN_WORDS, "next later", st.activity)

    def _did_facts(self, now):
        """What I did today, from the event log: the world's memory of me, so I cannot misremember it."""
        w, me = self.world, self.me
        names = {c: w.characters[c].names for c in w.characters}
        today = [e for e in w.events(actor=me.id, last=200) if e.world_time.date() == now.date()]
        talked: set[str] = set()
        for e in today[-40:]:
            t = f"{e.world_time:%H:%M}"
            if e.kind == "arrive":
                place = w.places[e.target].names
                yield _fact(f"did:{e.id}", f"At {t} I arrived at the {place.en}.", f"{t}我到了{_zh(place)}。",
                            (place.en, _zh(place)), _DID_WORDS, place.en, _zh(place), t)
            elif e.kind == "say" and e.target in names and e.target not in talked:
                talked.add(e.target)
                other = names[e.target]
                yield _fact(f"did:{e.id}", f"At {t} I talked with {other.en}: \"{e.data.get('text', '')[:120]}\"",
                            f"{t}我和{_zh(other)}聊了天。", (other.en, _zh(other)), _DID_WORDS,
                            "talk talked spoke speak chat conversation 聊 聊天 说话 谈", other.en,
                            _zh(other), e.data.get("text", ""))
            elif e.kind in ("buy", "give"):
                thing = w.things[e.data["thing"]].names
                verb = "bought" if e.kind == "buy" else "gave away"
                yield _fact(f"did:{e.id}", f"At {t} I {verb} the {thing.en}.",
                            f"{t}我{'买了' if e.kind == 'buy' else '送出了'}{_zh(thing)}。",
                            (thing.en, _zh(thing)), _DID_WORDS, thing.en, _zh(thing))

    def _place_facts(self, p: Place, here: Place):
        names = (p.names.en, _zh(p.names), *(getattr(p, "aliases", None) or []))
        hours_en = f"open {p.hours}" if p.hours else "open at all hours"
        hours_zh = f"开放时间是{p.hours}" if p.hours else "全天开放"
        yield _fact(f"hours:{p.id}", f"The {p.names.en} is {hours_en}.", f"{_zh(p.names)}{hours_zh}。",
                    (p.hours,) if p.hours else ("all hours", "全天"), INTENT["hours"], *names)
        if p.id == here.id:
            yield _fact(f"where:{p.id}", f"The {p.names.en} is right here.", f"{_zh(p.names)}就在这里。",
                        ("here", "这里"), INTENT["where"], *names)
        else:
            d, crow = _direction(here, p)
            walk = self.world.walk(here.id, p.id)
            metres, minutes = walk if walk else (crow, crow / 80)
            metres = max(10, round(metres / 10) * 10)
            mins = max(1, round(minutes))
            yield _fact(f"where:{p.id}",
                        f"The {p.names.en} is {d} of the {here.names.en}, a {mins}-minute walk ({metres} m).",
                        f"{_zh(p.names)}在{_zh(here.names)}的{_DIRS[d]}边，步行约{mins}分钟（{metres}米）。",
                        (d, _DIRS[d]), INTENT["where"], *names)
        if p.description:
            yield _fact(f"about:{p.id}", f"The {p.names.en}: {p.description}", f"{_zh(p.names)}：{p.description}",
                        (p.names.en, _zh(p.names)), *names, *p.tags, p.description)

    def _thing_fact(self, t: Thing) -> Fact:
        st = self.world.thing_state(t.id)
        owner = self.world.characters.get(st.owner) if st.owner else None
        names = (t.names.en, _zh(t.names), *(getattr(t, "aliases", None) or []))
        if st.location is None:  # carried: it is wherever its owner is
            who = owner.names if owner else None
            return _fact(f"has:{t.id}", f"{who.en if who else st.owner} has the {t.names.en} now.",
                         f"{_zh(who) if who else st.owner}现在拿着{_zh(t.names)}。",
                         (who.en if who else str(st.owner),), "who has where 谁 在哪", *names)
        place = self.world.places[st.location].names
        if t.price is not None:
            seller = f", sold by {owner.names.en}" if owner else ""
            return _fact(f"price:{t.id}", f"The {t.names.en} costs {t.price:g} coins at the {place.en}{seller}.",
                         f"{_zh(t.names)}在{_zh(place)}卖{t.price:g}个铜币。", (f"{t.price:g}",),
                         INTENT["price"], *names)
        return _fact(f"show:{t.id}", f"The {t.names.en} is on show at the {place.en}.",
                     f"{_zh(t.names)}陈列在{_zh(place)}。", (place.en, _zh(place)), "see show where 看 在哪",
                     *names)




@lru_cache(maxsize=1)
def _intent_tokens() -> dict[str, set[str]]:
    return {kind: set(tokens(words)) for kind, words in INTENT.items()}  # loads jieba: not at import


def _fact(fid: str, en: str, zh: str, answers: tuple[str, ...], *key_texts: str) -> Fact:
    keys = [k for text in key_texts for k in tokens(text)]
    return Fact(fid, en, zh, answers, keys)


def fact_text(fact: Fact, language: Language) -> str:
    return fact.zh if language == "zh" else fact.en
