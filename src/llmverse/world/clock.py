"""World time: a clock that runs faster than real time (or only when told), opening hours, parts of day.

The world has one time zone, its own, so world times are naive datetimes. A running clock maps real
seconds to world seconds at `rate` (60: a world minute per real second, a world day in 24 real
minutes); a manual clock moves only by `advance`, which makes simulations and tests reproducible.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from llmverse.world.model import Place, WorldFile

START_FORMAT = "%Y-%m-%dT%H:%M"


def parse_start(text: str) -> datetime:
    """A world time 'YYYY-MM-DDTHH:MM' as a datetime; ValueError that shows the format otherwise."""
    try:
        return datetime.strptime(text, START_FORMAT)
    except ValueError:
        raise ValueError(f"'{text}' is not a world time: write 'YYYY-MM-DDTHH:MM', "
                         'e.g. "2026-05-01T08:00" (quoted in YAML)') from None


class WorldClock:
    """World time now; `rate` world seconds pass per real second unless the clock is manual."""

    def __init__(self, start: datetime, rate: float = 60.0, *, manual: bool = False,
                 real_time: Callable[[], float] = time.monotonic) -> None:
        if rate <= 0:
            raise ValueError("rate (world seconds per real second) must be positive")
        self.start, self.rate, self.manual = start, rate, manual
        self._real_time = real_time  # injectable so a running clock can be tested without sleeping
        self._real_start = real_time()
        self._skipped = timedelta()  # world time added by advance()

    @classmethod
    def for_world(cls, world: WorldFile, rate: float = 60.0, *, manual: bool = False) -> WorldClock:
        """A clock that starts at the world file's `start_time`."""
        return cls(world.start, rate, manual=manual)

    def now(self) -> datetime:
        """Current world time (to the microsecond; round it for display)."""
        now = self.start + self._skipped
        if not self.manual:
            now += timedelta(seconds=(self._real_time() - self._real_start) * self.rate)
        return now

    def advance(self, minutes: float) -> datetime:
        """Move world time forward by `minutes` (either mode) and return the new time."""
        if minutes < 0:
            raise ValueError("world time does not run backwards")
        self._skipped += timedelta(minutes=minutes)
        return self.now()


def _minutes(hhmm: str) -> int:
    h, m = hhmm.split(":")
    return int(h) * 60 + int(m)


def parse_hours(hours: str) -> tuple[int, int]:
    """'HH:MM-HH:MM' as (opening, closing) minutes after midnight; closing may be 1440 ('24:00')
    or smaller than opening (open past midnight)."""
    try:
        opening, closing = hours.split("-")
        start, end = _minutes(opening), _minutes(closing)
    except ValueError:
        raise ValueError(f"'{hours}' is not opening hours: write 'HH:MM-HH:MM', e.g. 08:00-18:00") from None
    if not (0 <= start < 1440 and 0 <= end <= 1440) or start == end:
        raise ValueError(f"'{hours}' is not opening hours: times run 00:00-24:00 and must differ")
    return start, end


def is_open(place: Place | str | None, at: datetime) -> bool:
    """Whether a place (or an 'HH:MM-HH:MM' string) is open at a world time. Opening time is
    inclusive, closing time exclusive; no hours means always open; '18:00-02:00' is open from
    18:00 until 02:00 the next morning (so also at 01:00 on any day)."""
    hours = place if isinstance(place, str) or place is None else place.hours
    if hours is None:
        return True
    start, end = parse_hours(hours)
    t = at.hour * 60 + at.minute
    return start <= t < end if start < end else (t >= start or t < end)


class PartOfDay(StrEnum):
    """Morning 05:00-12:00, afternoon 12:00-17:00, evening 17:00-21:00, night 21:00-05:00."""

    MORNING = "morning"
    AFTERNOON = "afternoon"
    EVENING = "evening"
    NIGHT = "night"

    @property
    def en(self) -> str:
        return self.value

    @property
    def zh(self) -> str:
        return _ZH[self]

    def label(self, language: str) -> str:
        """The word for this part of the day in 'en' or 'zh' (English for anything else)."""
        return self.zh if language == "zh" else self.en


_ZH = {PartOfDay.MORNING: "上午", PartOfDay.AFTERNOON: "下午", PartOfDay.EVENING: "晚上", PartOfDay.NIGHT: "夜里"}


def part_of_day(at: datetime) -> PartOfDay:
    """Which part of the day a world time falls in (boundaries belong to the later part)."""
    h = at.hour
    if 5 <= h < 12:
        return PartOfDay.MORNING
    if 12 <= h < 17:
        return PartOfDay.AFTERNOON
    if 17 <= h < 21:
        return PartOfDay.EVENING
    return PartOfDay.NIGHT
