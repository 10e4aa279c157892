"""Events told as facts, in English and Chinese, each with the ids of the events it rests on.

These sentences are the world's side of every generator (principle 1): the model is handed them and
its text is checked against them; when the model cannot write the language (SmolLM2 and Chinese) or
everything it wrote was unsupported, they are the text. Where an event does not say where it
happened (a purchase, a conversation), the place comes from the actor's last arrival, and that
arrival is cited too, so "at the Market" rests on an event like everything else.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta

from llmverse.world.store import Event
from llmverse.world.world import World

# Words of the event data (written in English by minds and worlds) in Chinese, for composed text.
_ZH_WORDS = {"party": "聚会", "lunch": "午餐", "supper": "晚餐", "dinner": "晚餐", "walk": "漫步", "lantern": "灯笼",
             "fire": "火灾", "smoke": "冒烟", "storm": "风暴", "ship": "船", "distress": "遇险", "tea": "茶会"}
_GREETING = re.compile(r"^(good (day|morning|evening|to see you)|hello|hi|i will be there)\b", re.I)
QUOTE_MAX = 120  # characters of a line worth quoting


@dataclass(frozen=True)
class EventFact:
    en: str
    zh: str
    sources: tuple[int, ...]
    entities: tuple[str, ...] = ()  # entity keys, e.g. ("character:bram", "thing:bread_loaf")
    at: str | None = field(default=None, compare=False)  # HH:MM, for ordering a story's facts

    def text(self, language: str) -> str:
        return self.zh if language == "zh" else self.en


def zh_words(what: str) -> str:
    """Event data written in English ('a lunch party'), said in Chinese where the words are known."""
    if re.search(r"[\u3400-\u9fff]", what):
        return what
    words = [_ZH_WORDS.get(w) for w in re.findall(r"[a-z]+", what.lower()) if w not in ("a", "an", "the", "at", "in")]
    known = [w for w in words if w]
    return "".join(known) if known and len(known) == len(words) else f"“{what}”"


class EventLog:
    """A world's event log, read once, with what can be derived from it (where someone was)."""

    def __init__(self, world: World, events: list[Event] | None = None) -> None:
        self.world = world
        self.events = events if events is not None else world.events()
        self.by_id = {e.id: e for e in self.events}
        self._moves: dict[str, list[Event]] = {}
        for e in self.events:
            if e.kind in ("arrive", "move") and e.actor in world.characters:
                self._moves.setdefault(e.actor, []).append(e)

    def first_date(self) -> date:
        return self.world.file.start.date()

    def date_of_day(self, day: int) -> date:
        """Day 1 is the world's first day (its start date)."""
        return self.first_date() + timedelta(days=day - 1)

    def day_of(self, d: date) -> int:
        return (d - self.first_date()).days + 1

    def on(self, d: date) -> list[Event]:
        return [e for e in self.events if e.world_time.date() == d]

    def place_of(self, actor: str, before: Event) -> tuple[str | None, int | None]:
        """Where the actor stood when `before` happened, and the arrival that says so; (None, None)
        when the log does not say (they were walking, or had not moved since the world began)."""
        last = None
        for e in self._moves.get(actor, []):
            if e.id >= before.id:
                break
            last = e
        if last is None or last.kind != "arrive":
            return None, None
        return last.target, last.id

    def arrivals_at(self, place: str, start, minutes: float) -> list[Event]:
        end = start + timedelta(minutes=minutes)
        return [e for e in self.events if e.kind == "arrive" and e.target == place and start <= e.world_time <= end]

    def sharing(self, invite_id: int) -> list[Event]:
        return [e for e in self.events if e.kind == "say" and e.data.get("shares") == invite_id]


class Teller:
    """Turns events into EventFacts in both languages."""

    def __init__(self, log: EventLog) -> None:
        self.log, self.world = log, log.world

    def name(self, ref: str | None, language: str) -> str:
        w = self.world
        for items in (w.characters, w.places, w.things):
            if ref in items:
                n = items[ref].names
                return (n.zh or n.en) if language == "zh" else n.en
        return ref or ""

    def fact(self, e: Event) -> EventFact | None:
        """One event as a fact; None for kinds that are told in groups (say) or not at all."""
        t, n = f"{e.world_time:%H:%M}", self.name
        a_en, a_zh, who = n(e.actor, "en"), n(e.actor, "zh"), f"character:{e.actor}"
        if e.kind in ("arrive", "move") and e.target in self.world.places:
            p_en, p_zh, where = n(e.target, "en"), n(e.target, "zh"), f"place:{e.target}"
            if e.kind == "arrive":
                return EventFact(f"At {t} {a_en} arrived at the {p_en}.", f"{t}，{a_zh}来到了{p_zh}。",
                                 (e.id,), (who, where), t)
            return EventFact(f"At {t} {a_en} set off for the {p_en}.", f"{t}，{a_zh}动身前往{p_zh}。",
                             (e.id,), (who, where), t)
        if e.kind == "buy" and e.data.get("thing") in self.world.things:
            thing = e.data["thing"]
            price = f"{float(e.data.get('price', 0)):g}"
            place, arrived = self.log.place_of(e.actor, e)
            coins = "coin" if price == "1" else "coins"
            at_en = f" at the {n(place, 'en')}" if place else ""
            at_zh = f"在{n(place, 'zh')}" if place else ""
            return EventFact(f"At {t} {a_en} bought the {n(thing, 'en')} for {price} {coins}{at_en}.",
                             f"{t}，{a_zh}{at_zh}花{price}个铜币买了{n(thing, 'zh')}。",
                             (e.id,) + ((arrived,) if arrived else ()),
                             (who, f"thing:{thing}") + ((f"place:{place}",) if place else ()), t)
        if e.kind == "give" and e.data.get("thing") in self.world.things:
            thing = e.data["thing"]
            return EventFact(f"At {t} {a_en} gave the {n(thing, 'en')} to {n(e.target, 'en')}.",
                             f"{t}，{a_zh}把{n(thing, 'zh')}送给了{n(e.target, 'zh')}。", (e.id,),
                             (who, f"thing:{thing}", f"character:{e.target}"), t)
        if e.kind == "invite" and e.data.get("place") in self.world.places:
            what, at, place = e.data.get("what", "a gathering"), e.data["at"][11:16], e.data["place"]
            return EventFact(f"{a_en} invited everyone to {what} at the {n(place, 'en')} at {at}.",
                             f"{a_zh}邀请大家{at}到{n(place, 'zh')}参加{zh_words(what)}。", (e.id,),
                             (who, f"place:{place}"), t)
        if e.kind == "alarm" and e.target in self.world.places:
            what = e.data.get("what", "trouble")
            return EventFact(f"At {t} the alarm was raised at the {n(e.target, 'en')}: {what}.",
                             f"{t}，{n(e.target, 'zh')}发出警报：{zh_words(what)}。", (e.id,),
                             (f"place:{e.target}",), t)
        return None

    def conversation(self, says: list[Event]) -> list[EventFact]:
        """A conversation between two characters: that they talked (and where), what news passed,
        and one line worth quoting."""
        first = says[0]
        a, b = first.actor, first.target or ""
        t, n = f"{first.world_time:%H:%M}", self.name
        place, arrived = self.log.place_of(a, first)
        if place is None:
            place, arrived = self.log.place_of(b, first)
        ids = tuple(e.id for e in says)
        keys = (f"character:{a}", f"character:{b}")
        at_en = f" at the {n(place, 'en')}" if place else ""
        at_zh = f"在{n(place, 'zh')}" if place else ""
        out = [EventFact(f"At {t} {n(a, 'en')} and {n(b, 'en')} talked{at_en}.",
                         f"{t}，{n(a, 'zh')}和{n(b, 'zh')}{at_zh}聊了天。",
                         ids + ((arrived,) if arrived else ()), keys + ((f"place:{place}",) if place else ()), t)]
        for e in says:
            news = self.log.by_id.get(e.data.get("shares", -1))
            if news is not None and news.kind == "invite":
                what = news.data.get("what", "a gathering")
                own = news.actor == e.actor  # "Nell told Lin Wei about the lunch party", not "about Nell's"
                whose_en, whose_zh = ("the", "") if own else (f"{n(news.actor, 'en')}'s", f"{n(news.actor, 'zh')}的")
                out.append(EventFact(f"{n(e.actor, 'en')} told {n(e.target, 'en')} about {whose_en} {_bare(what)}.",
                                     f"{n(e.actor, 'zh')}把{whose_zh}{zh_words(_bare(what))}消息告诉了{n(e.target, 'zh')}。",
                                     (e.id, news.id), (f"character:{e.actor}", f"character:{e.target}",
                                                       f"character:{news.actor}"), t))
                break
        quotable = [e for e in says if not _GREETING.match(e.data.get("text", "")) and not e.data.get("shares")
                    and 0 < len(e.data.get("text", "")) <= QUOTE_MAX and not e.data.get("fallback")
                    and not e.data.get("summary")]  # "(Lin Wei and Otto chatted for a while.)" was said by no one
        if quotable:
            q = quotable[0]
            out.append(EventFact(f"{n(q.actor, 'en')} said: \"{q.data['text']}\"", f"{n(q.actor, 'zh')}说：“{q.data['text']}”",
                                 (q.id,), (f"character:{q.actor}",), t))
        return out


def _bare(what: str) -> str:
    return re.sub(r"^(a|an|the)\s+", "", what.strip(), flags=re.I)
