"""What happened on a day, grouped into stories and ranked by newsworthiness.

A story is one happening told as a few facts: a conversation (the says between two characters
within half an hour), a purchase, a gift, an invitation (with who passed it on and who came), an
alarm (with who hurried there), or a visit to a place that is not on the visitor's schedule.
Routine arrivals and walks are not news. Score = 0.5 importance (by kind) + 0.2 participants
(distinct characters, 4 or more count fully) + 0.3 novelty (1 for a first, 1/(1+n) when the same
kind of thing by the same people happened on n earlier days).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from llmverse.content.facts import EventFact, EventLog, Teller
from llmverse.world.store import Event

IMPORTANCE = {"alarm": 1.0, "invite": 0.8, "give": 0.6, "buy": 0.45, "visit": 0.35, "talk": 0.3}
TALK_GAP = timedelta(minutes=30)  # says further apart than this start a new conversation
WEIGHTS = (0.5, 0.2, 0.3)  # importance, participants, novelty


@dataclass
class Item:
    kind: str
    events: list[Event]  # every event the story's facts rest on
    facts: list[EventFact]
    participants: set[str]
    signature: tuple[str, ...]
    importance: float = 0.0
    participation: float = 0.0
    novelty: float = 1.0
    score: float = 0.0
    extra: dict[str, str] = field(default_factory=dict)  # what headlines need: place, thing, what

    @property
    def first(self) -> Event:
        """The event the story is about (the others say where, who passed it on, who came)."""
        return self.events[0]


def stories_of(log: EventLog, day: date) -> list[Item]:
    """The day's stories, most newsworthy first."""
    teller = Teller(log)
    items = _items(log, teller, log.on(day))
    before = Counter(sig for d in {e.world_time.date() for e in log.events if e.world_time.date() < day}
                     for sig in {i.signature for i in _items(log, teller, log.on(d), facts=False)})
    for it in items:
        it.importance = IMPORTANCE[it.kind] + (0.3 if it.kind == "talk" and len(it.facts) > 1 else 0.0)
        it.participation = min(1.0, len(it.participants) / 4)
        it.novelty = 1.0 / (1 + before[it.signature])
        wi, wp, wn = WEIGHTS
        it.score = round(wi * min(1.0, it.importance) + wp * it.participation + wn * it.novelty, 3)
    return sorted(items, key=lambda i: (-i.score, i.first.id))


def _items(log: EventLog, teller: Teller, events: list[Event], facts: bool = True) -> list[Item]:
    w = log.world
    items: list[Item] = []
    chats: dict[frozenset[str], list[list[Event]]] = {}
    for e in events:
        if e.kind == "say" and e.actor in w.characters and e.target in w.characters:
            runs = chats.setdefault(frozenset((e.actor, e.target)), [])
            if runs and e.world_time - runs[-1][-1].world_time <= TALK_GAP:
                runs[-1].append(e)
            else:
                runs.append([e])
    for pair, runs in chats.items():
        for says in runs:
            told = teller.conversation(says) if facts else []
            if any(i.signature == ("talk", *sorted(pair)) for i in items):
                continue  # the same two talking again the same day is not a second story
            items.append(Item("talk", _cited(log, told, says), told, set(pair), ("talk", *sorted(pair)),
                              extra={"place": next((k[6:] for f in told[:1] for k in f.entities if k.startswith("place:")), "")}))
    for e in events:
        fact = teller.fact(e) if facts else None
        if e.kind in ("buy", "give"):
            items.append(Item(e.kind, _cited(log, [fact] if fact else [], [e]), [fact] if fact else [],
                              {e.actor} | ({e.target} if e.kind == "give" and e.target in w.characters else set()),
                              (e.kind, e.actor, e.data.get("thing", "")), extra={"thing": e.data.get("thing", "")}))
        elif e.kind == "invite":
            items.append(_invitation(log, teller, e, fact, facts))
        elif e.kind == "alarm":
            items.append(_alarm(log, teller, e, fact, facts))
        elif e.kind == "arrive" and e.actor in w.characters and _off_schedule(log, e):
            items.append(Item("visit", [e], [fact] if fact else [], {e.actor}, ("visit", e.actor, e.target or ""),
                              extra={"place": e.target or ""}))
    return items


def _invitation(log: EventLog, teller: Teller, e: Event, fact: EventFact | None, facts: bool) -> Item:
    at = datetime.fromisoformat(e.data["at"])
    came = [a for a in log.arrivals_at(e.data["place"], at - timedelta(minutes=30), e.data.get("minutes", 120))
            if a.actor != e.actor]
    passed = log.sharing(e.id)
    told = [fact] if fact else []
    if facts and passed:
        n = len(passed)
        told.append(EventFact(f"Word of it passed on in {n} conversation{'s' if n > 1 else ''}.",
                              f"这个消息在{n}次交谈中传开了。", tuple(s.id for s in passed) + (e.id,)))
    if facts and came:
        told.append(_came(teller, came, e.data["place"], "came to"))
    people = {e.actor} | {a.actor for a in came} | {s.actor for s in passed} | {s.target for s in passed if s.target}
    return Item("invite", [e, *passed, *came], told, people, ("invite", e.actor, e.data["place"]),
                extra={"place": e.data["place"], "what": e.data.get("what", "a gathering")})


def _alarm(log: EventLog, teller: Teller, e: Event, fact: EventFact | None, facts: bool) -> Item:
    came = [a for a in log.arrivals_at(e.target or "", e.world_time, 60)]
    told = [fact] if fact else []
    if facts and came:
        told.append(_came(teller, came, e.target or "", "hurried to"))
    return Item("alarm", [e, *came], told, {a.actor for a in came}, ("alarm", e.target or ""),
                extra={"place": e.target or "", "what": e.data.get("what", "trouble")})


def _came(teller: Teller, came: list[Event], place: str, verb: str) -> EventFact:
    who = list(dict.fromkeys(a.actor for a in came))
    en = ", ".join(teller.name(c, "en") for c in who[:-1]) + (" and " if len(who) > 1 else "") + teller.name(who[-1], "en")
    zh = "、".join(teller.name(c, "zh") for c in who)
    verb_zh = "赶到了" if verb == "hurried to" else "来到了"
    return EventFact(f"{en} {verb} the {teller.name(place, 'en')}.", f"{zh}{verb_zh}{teller.name(place, 'zh')}。",
                     tuple(a.id for a in came), tuple(f"character:{c}" for c in who) + (f"place:{place}",))


def _cited(log: EventLog, facts: list[EventFact], events: list[Event]) -> list[Event]:
    ids = dict.fromkeys([e.id for e in events] + [i for f in facts for i in f.sources])
    return [log.by_id[i] for i in ids if i in log.by_id]


def _off_schedule(log: EventLog, e: Event) -> bool:
    """A visit is news when the place is none of the visitor's usual ones."""
    c = log.world.characters[e.actor]
    usual = {s.place for s in c.schedule} | {c.home, c.workplace}
    return e.target not in usual
