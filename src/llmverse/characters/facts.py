"""The facts a character can state, computed from world state and picked by relevance to a question.

Principle 1 of DESIGN.md: the world is the source of truth, the model is the voice. A small model is
handed the few facts that answer the question, in both languages, each with the value a correct
reply must contain (a price, opening hours, a place's name), so the reply can be checked after.
"""

from __future__ import annotations

import math

from llmverse.characters.plans import DayPlan
from llmverse.lang import Language
from llmverse.voice.fact import Fact, make_fact
from llmverse.voice.question import Question, parse
from llmverse.voice.retrieve import Found, Retriever, TextEmbedder
from llmverse.voice.vocabulary import vocabulary
from llmverse.world.model import Character, Place, Thing
from llmverse.world.world import World

__all__ = ["Fact", "FactBook", "fact_text"]
_PLAN_WORDS = "plan plans will going today tomorrow later next schedule 计划 打算 今天 明天 待会 接下来"
# A part of the day a player asks about ("What are you doing this afternoon?"): its hours and words.
_PERIODS = (("morning", "上午", "05:00", "12:00", "morning 上午 早上"),
            ("afternoon", "下午", "12:00", "18:00", "afternoon 下午"),
            ("evening", "晚上", "18:00", "24:00", "evening tonight 晚上 今晚 傍晚"))
_DID_WORDS = "did done today met talk talked saw earlier morning happened remember 做了 今天 见了 聊 早上 发生 记得"
_DIRS = {"north": "北", "north-east": "东北", "east": "东", "south-east": "东南", "south": "南",
         "south-west": "西南", "west": "西", "north-west": "西北"}


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
    """Every fact one character could state right now, found by hybrid retrieval (voice/retrieve.py)."""

    def __init__(self, world: World, character: Character, embedder: TextEmbedder | None = None) -> None:
        self.world, self.me = world, character
        self.facts = list(self._all())
        self.vocabulary = vocabulary(world.file)
        from llmverse.lang import tokens

        world_name = frozenset(tokens(f"{world.file.name.en} {world.file.name.zh or ''}"))
        self.retriever = Retriever(self.facts, embedder, ignore=world_name)

    def question(self, text: str, language: Language | None = None) -> Question:
        return parse(text, self.vocabulary, language)

    def find(self, question: Question, k: int = 4) -> Found:
        """The facts for a question and whether the world answers it; a question about "you" is about me,
        where I work and where I am."""
        me = self.me
        implied = tuple(x for x in (f"character:{me.id}", f"place:{me.workplace}" if me.workplace else None,
                                    f"place:{self.world.position(me.id) or me.workplace}") if x)
        return self.retriever.find(question, k=k, implied=implied,
                                   work=f"place:{me.workplace}" if me.workplace else None, here=implied[-1])

    def relevant(self, question: str, k: int = 4) -> list[tuple[Fact, float]]:
        """The k facts that best match the question, best first, with their scores (> 0 only)."""
        return self.lookup(question, k)[0]

    def lookup(self, question: str, k: int = 4) -> tuple[list[tuple[Fact, float]], Fact | None]:
        """The k best facts, and the one the question asks for (None when the world holds no answer)."""
        if not question.strip():
            return [], None
        found = self.find(self.question(question), k)
        return found.facts, found.key

    def get(self, fact_id: str) -> Fact:
        return next(f for f in self.facts if f.id == fact_id)

    # --- the facts ------------------------------------------------------------------------
    def _all(self):
        w, me = self.world, self.me
        walking_to = w.heading(me.id)
        here = w.places[w.position(me.id) or walking_to]  # on the street: facts as seen from where I go
        now = w.now()
        who_me = f"character:{me.id}"
        # Where I work is part of who I am: "Who runs the Forge?" put to Bram is answered "I am Bram ...".
        work = w.places[me.workplace].names if me.workplace in w.places else None
        yield _fact("self", "self",
                    f"I am {me.names.en}, the {me.role} " + (f"at the {work.en} in" if work else "of")
                    + f" {w.file.name.en}.",
                    f"我是{_zh(me.names)}，{_zh(w.file.name)}" + (f"{_zh(work)}" if work else "")
                    + f"的{me.role_zh or me.role}。",
                    (me.names.en, _zh(me.names)), who_me, "who name you yourself 你 谁 名字 叫", me.role,
                    *((work.en, _zh(work)) if work else ()))
        others = [] if walking_to else [c for c in w.characters_at(here.id) if c.id != me.id]
        near_en = f" {', '.join(c.names.en for c in others)} is here too." if others else ""
        near_zh = f"{'、'.join(_zh(c.names) for c in others)}也在这里。" if others else ""
        at_en, at_zh = (f"on my way to the {here.names.en}", f"正在去{_zh(here.names)}的路上") if walking_to \
            else (f"at the {here.names.en}", f"在{_zh(here.names)}")
        yield _fact("here", "here", f"I am {at_en}; it is {now:%H:%M}.{near_en}",
                    f"我现在{at_zh}，现在是{now:%H:%M}。{near_zh}",
                    (here.names.en, _zh(here.names)), who_me, "here now around 这里 现在 附近")
        for p in w.places.values():
            yield from self._place_facts(p, here)
        for t in w.things.values():
            yield self._thing_fact(t)
        for c in w.characters.values():
            if c.id != me.id:
                work = w.places[c.workplace].names if c.workplace else None
                yield _fact(f"who:{c.id}", "who",
                            f"{c.names.en} is the {c.role}" + (f" at the {work.en}." if work else "."),
                            f"{_zh(c.names)}是{c.role_zh or c.role}" + (f"，在{_zh(work)}。" if work else "。"),
                            (c.names.en, _zh(c.names)), f"character:{c.id}", c.role, "work",
                            c.role_zh or "", *c.aliases)
        wares = w.things_owned_by(me.id)
        if wares:
            listed = ", ".join(f"{t.names.en} ({t.price:g} coins)" if t.price is not None else t.names.en
                               for t in wares)
            listed_zh = "、".join(f"{_zh(t.names)}（{t.price:g}个铜币）" if t.price is not None else _zh(t.names)
                                  for t in wares)
            yield _fact("sells", "sells", f"I sell {listed}.", f"我卖{listed_zh}。",
                        tuple(t.names.en for t in wares) + tuple(_zh(t.names) for t in wares), who_me,
                        *(a for t in wares for a in t.aliases))
        for i, (line, line_zh) in enumerate(me.knowledge_pairs()):
            about = self._about(line)
            yield _fact(f"knows:{i}", "knows", line, line_zh or "", (), about)
        yield from self._plan_facts(now)
        yield from self._did_facts(now)

    def _about(self, text: str) -> str | None:
        """The first world entity a line of knowledge names (its subject), if any."""
        from llmverse.lang import tokens

        found = vocabulary(self.world.file).entities_in(text, tokens(text))
        return found[0] if found else None

    def _plan_facts(self, now):
        """What I mean to do: the next change of plan, and the day (from the schedule and overrides)."""
        plan = DayPlan(self.world, self.me)
        day = [(hhmm, st) for hhmm, st in plan.today() if st.place]
        changes = [(h, st) for i, (h, st) in enumerate(day)
                   if i == 0 or (st.place, st.activity) != (day[i - 1][1].place, day[i - 1][1].activity)]
        p = self.world.places
        who_me = f"character:{self.me.id}"
        line = "; ".join(f"{h} {st.activity} at the {p[st.place].names.en}" for h, st in changes)
        line_zh = "；".join(f"{h}{self._doing_zh(st)}" for h, st in changes)
        yield _fact("plan:today", "plan", f"My plan today: {line}.", f"我今天的计划：{line_zh}。",
                    tuple(n for _, st in changes for n in (p[st.place].names.en, _zh(p[st.place].names))),
                    who_me, _PLAN_WORDS)
        for name, name_zh, start, end, words in _PERIODS:
            # What I do in that part of the day: the activity under way when it starts, then each change.
            under_way = [(start, st) for h, st in changes if h <= start][-1:]
            part = [x for x in under_way if not any(h == start for h, _ in changes)] + \
                [(h, st) for h, st in changes if start <= h < end]
            if part:
                yield _fact(f"plan:{name}", "plan",
                            f"My plan this {name}: " + "; ".join(
                                f"{h} {st.activity} at the {p[st.place].names.en}" for h, st in part) + ".",
                            f"我{name_zh}的安排：" + "；".join(
                                f"{h}{self._doing_zh(st)}" for h, st in part) + "。",
                            # stated by a time of it: "I'm the cafe owner at the Willow Cafe" names a place, no plan
                            tuple(h for h, _ in part), who_me, _PLAN_WORDS, words)
        later = [(h, st) for h, st in changes if h > f"{now:%H:%M}"]
        if later:
            h, st = later[0]
            yield _fact("plan:next", "plan", f"Next, at {h}, I will go to the {p[st.place].names.en} for {st.activity}.",
                        f"接下来，{h}我会去{_zh(p[st.place].names)}{self._activity_zh(st)}。",
                        (p[st.place].names.en, _zh(p[st.place].names)), who_me, _PLAN_WORDS, "next later")

    def _doing_zh(self, st) -> str:
        """在海鸥旅店打杂: where and what, said once when the activity already says where (在旅店帮忙)."""
        activity = self._activity_zh(st)
        return activity if activity.startswith("在") else f"在{_zh(self.world.places[st.place].names)}{activity}"

    def _activity_zh(self, st) -> str:
        """The activity in Chinese from the schedule entry it came from; never English inside Chinese."""
        for entry in self.me.schedule:
            if entry.place == st.place and entry.activity == st.activity and entry.activity_zh:
                return entry.activity_zh
        return getattr(st, "activity_zh", None) or ""

    def _did_facts(self, now):
        """What I did today, from the event log: the world's memory of me, so I cannot misremember it."""
        w, me = self.world, self.me
        names = {c: w.characters[c].names for c in w.characters}
        who_me = f"character:{me.id}"
        today = [e for e in w.events(actor=me.id, last=200) if e.world_time.date() == now.date()]
        talked: set[str] = set()
        for e in today[-40:]:
            t = f"{e.world_time:%H:%M}"
            if e.kind == "arrive" and e.target in w.places:
                place = w.places[e.target].names
                yield _fact(f"did:{e.id}", "did", f"At {t} I arrived at the {place.en}.", f"{t}我到了{_zh(place)}。",
                            (place.en, _zh(place)), who_me, _DID_WORDS)
            elif e.kind == "say" and e.target in names and e.target not in talked:
                talked.add(e.target)
                other = names[e.target]
                yield _fact(f"did:{e.id}", "did", f"At {t} I talked with {other.en}.",
                            f"{t}我和{_zh(other)}聊了天。", (other.en, _zh(other)), who_me, _DID_WORDS,
                            "talk talked spoke speak chat conversation 聊 聊天 说话 谈", e.data.get("text", ""))
            elif e.kind in ("buy", "give") and e.data.get("thing") in w.things:
                thing = w.things[e.data["thing"]].names
                verb = "bought" if e.kind == "buy" else "gave away"
                yield _fact(f"did:{e.id}", "did", f"At {t} I {verb} the {thing.en}.",
                            f"{t}我{'买了' if e.kind == 'buy' else '送出了'}{_zh(thing)}。",
                            (thing.en, _zh(thing)), who_me, _DID_WORDS)

    def _place_facts(self, p: Place, here: Place):
        subject = f"place:{p.id}"
        names = (p.names.en, _zh(p.names), *p.aliases)
        hours_en = f"open {p.hours}" if p.hours else "open at all hours"
        hours_zh = f"开放时间是{p.hours}" if p.hours else "全天开放"
        yield _fact(f"hours:{p.id}", "hours", f"The {p.names.en} is {hours_en}.", f"{_zh(p.names)}{hours_zh}。",
                    (p.hours,) if p.hours else ("all hours", "全天"), subject, *names)
        if p.id == here.id:
            yield _fact(f"where:{p.id}", "where", f"The {p.names.en} is right here.", f"{_zh(p.names)}就在这里。",
                        ("here", "这里"), subject, *names)
        else:
            d, crow = _direction(here, p)
            walk = self.world.walk(here.id, p.id)
            metres, minutes = walk if walk else (crow, crow / 80)
            metres = max(10, round(metres / 10) * 10)
            mins = max(1, round(minutes))
            yield _fact(f"where:{p.id}", "where",
                        f"The {p.names.en} is {d} of the {here.names.en}, a {mins}-minute walk ({metres} m).",
                        f"{_zh(p.names)}在{_zh(here.names)}的{_DIRS[d]}边，步行约{mins}分钟（{metres}米）。",
                        (d, _DIRS[d]), subject, *names)
        if p.description or p.description_zh:
            zh = f"{_zh(p.names)}——{p.description_zh}" if p.description_zh else ""
            yield _fact(f"about:{p.id}", "about", f"The {p.names.en} — {p.description}", zh,
                        (p.names.en, _zh(p.names)), subject, *names, *p.tags)

    def _thing_fact(self, t: Thing) -> Fact:
        st = self.world.thing_state(t.id)
        owner = self.world.characters.get(st.owner) if st.owner else None
        subject = f"thing:{t.id}"
        names = (t.names.en, _zh(t.names), *t.aliases)
        desc_en, desc_zh = (f" {t.description}" if t.description else ""), (t.description_zh or "")
        if st.location is None:  # carried: it is wherever its owner is
            who = owner.names if owner else None
            return _fact(f"has:{t.id}", "has", f"{who.en if who else st.owner} has the {t.names.en} now.",
                         f"{_zh(who) if who else st.owner}现在拿着{_zh(t.names)}。",
                         (who.en if who else str(st.owner),), subject, *names)
        place = self.world.places[st.location].names
        if t.price is not None:
            seller = f", sold by {owner.names.en}" if owner else ""
            return _fact(f"price:{t.id}", "price",
                         f"The {t.names.en} costs {t.price:g} coins at the {place.en}{seller}.{desc_en}",
                         f"{_zh(t.names)}在{_zh(place)}卖{t.price:g}个铜币。{desc_zh}", (f"{t.price:g}",),
                         subject, *names)
        verb_en, verb_zh = ("on show", "陈列在") if t.kind == "exhibit" else ("kept", "存放在")
        return _fact(f"show:{t.id}", "show", f"The {t.names.en} is {verb_en} at the {place.en}.{desc_en}",
                     f"{_zh(t.names)}{verb_zh}{_zh(place)}。{desc_zh}", (place.en, _zh(place)), subject, *names)


def _fact(fid: str, kind: str, en: str, zh: str, answers: tuple[str, ...], subject: str | None,
          *key_texts: str) -> Fact:
    sources = (subject,) if subject else ()
    return make_fact(fid, kind, en, zh, answers, *key_texts, sources=sources, subject=subject)


def fact_text(fact: Fact, language: Language) -> str:
    return fact.text(language)
