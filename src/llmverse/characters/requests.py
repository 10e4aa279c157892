"""A player's request to meet somewhere at some time ("meet me at the park at 3pm", "下午三点在公园见"),
read by rules, and the character's answer decided by its plan — not by the model.

The time and the place are the world's business (principle 1): a place must resolve to a real place,
a time must parse, and the character accepts only when its plan leaves it free then.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from llmverse.characters.plans import DayPlan
from llmverse.world.places import resolve
from llmverse.world.world import World

_ASK = re.compile(r"\b(meet|come|join|see you|visit|drop by)\b|见面|来|见|碰头|一起|等我", re.I)
_EN_TIME = re.compile(r"\bat\s+(\d{1,2})(?::(\d\d))?\s*(am|pm|a\.m\.|p\.m\.)?", re.I)
_ZH_DIGITS = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}
_ZH_TIME = re.compile(r"(上午|早上|中午|下午|傍晚|晚上)?\s*(\d{1,2}|[零一二两三四五六七八九十]{1,3})\s*点\s*(半|(\d{1,2})分)?")
MEETING_MINUTES = 60


@dataclass(frozen=True)
class Request:
    place: str
    at: datetime
    minutes: int = MEETING_MINUTES


@dataclass(frozen=True)
class Answer:
    accepted: bool
    request: Request
    reason_en: str
    reason_zh: str


def _zh_number(s: str) -> int:
    if s.isdigit():
        return int(s)
    if s.startswith("十"):
        return 10 + (_ZH_DIGITS[s[1]] if len(s) > 1 else 0)
    if "十" in s:
        tens, _, ones = s.partition("十")
        return _ZH_DIGITS[tens] * 10 + (_ZH_DIGITS[ones] if ones else 0)
    return _ZH_DIGITS[s]


def _time(text: str, now: datetime) -> datetime | None:
    """The next occurrence of the time named ("at 3pm", "at 15:30", "下午三点半")."""
    hour = minute = None
    m = _EN_TIME.search(text)
    if m:
        hour, minute = int(m.group(1)), int(m.group(2) or 0)
        mer = (m.group(3) or "").lower().replace(".", "")
        if mer == "pm" and hour < 12:
            hour += 12
        elif mer == "am" and hour == 12:
            hour = 0
        elif not mer and hour < 7:  # "at 3" in a town's day means the afternoon
            hour += 12
    else:
        z = _ZH_TIME.search(text)
        if z:
            hour = _zh_number(z.group(2))
            minute = 30 if z.group(3) == "半" else int(z.group(4) or 0)
            if z.group(1) in ("下午", "傍晚", "晚上") and hour < 12:
                hour += 12
            elif z.group(1) == "中午" and hour < 6:
                hour += 12
    if hour is None or not (0 <= hour < 24 and 0 <= minute < 60):
        return None
    at = now.replace(hour=hour, minute=minute, second=0, microsecond=0)
    if re.search(r"\btomorrow\b|明天", text, re.I):
        return at + timedelta(days=1)
    return at if at > now else at + timedelta(days=1)


def parse_request(world: World, text: str) -> Request | None:
    """A meeting request needs an asking word, a time and a place the world knows."""
    if not _ASK.search(text):
        return None
    at = _time(text, world.now())
    if at is None:
        return None
    found = resolve(world, text).best
    if found is None or found.kind not in ("place", "feature", "thing", "workplace", "home"):
        return None
    return Request(found.place, at)


def answer(world: World, character_id: str, player: str, request: Request) -> Answer:
    """Accept when the plan is free then (not working at an open workplace), and write it in the plan.
    Decided on the plan as stored, in the transaction that changes it: a simulation step re-planning
    the same character at the same moment is never overwritten, and never double-booked past work."""
    me = world.characters[character_id]
    plan = DayPlan(world, me)
    place = world.places[request.place].names
    when = f"{request.at:%H:%M}"
    _, add = plan.add_change(request.at, request.minutes, request.place, f"meeting {player}", f"asked by {player}")
    busy_at: list[str] = []

    def decide(current: dict) -> dict:
        busy_at.clear()
        busy = plan.step_in(current, request.at)
        if busy.place == me.workplace and world.is_open(busy.place, request.at) and busy.place != request.place:
            busy_at.append(busy.place)
            return current
        return add(current)

    world.update_state(plan.key, decide)
    if busy_at:
        work = world.places[busy_at[0]].names
        return Answer(False, request, f"At {when} I work at the {work.en}, so I cannot meet {player} then.",
                      f"{when}我要在{work.zh or work.en}工作，不能去见{player}。")
    return Answer(True, request, f"I will meet {player} at the {place.en} at {when}.",
                  f"我{when}会在{place.zh or place.en}见{player}。")
