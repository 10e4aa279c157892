from datetime import datetime
from pathlib import Path

import pytest

from llmverse.world.clock import PartOfDay, WorldClock, is_open, parse_hours, parse_start, part_of_day
from llmverse.world.loader import load_world

HARBOR = Path(__file__).parents[3] / "src/llmverse/worlds/harbor_town/world.yaml"
START = datetime(2026, 5, 1, 8, 0)


class FakeRealTime:
    """Real seconds that pass only when the test says so."""

    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def at(hhmm: str, day: int = 1) -> datetime:
    h, m = map(int, hhmm.split(":"))
    return datetime(2026, 5, day, h, m)


def test_running_clock_maps_real_seconds_to_world_time():
    real = FakeRealTime()
    clock = WorldClock(START, rate=60, real_time=real)
    assert clock.now() == START
    real.t += 10  # ten real seconds = ten world minutes at rate 60
    assert clock.now() == at("08:10")
    assert clock.advance(30) == at("08:40")  # a jump adds to the running time
    real.t += 1.5
    assert clock.now() == datetime(2026, 5, 1, 8, 41, 30)


def test_manual_clock_moves_only_by_advance():
    real = FakeRealTime()
    clock = WorldClock(START, manual=True, real_time=real)
    real.t += 3600
    assert clock.now() == START
    assert clock.advance(90) == at("09:30")
    assert clock.advance(16 * 60) == at("01:30", day=2)
    assert clock.now() == at("01:30", day=2)


def test_clock_refuses_nonsense():
    with pytest.raises(ValueError):
        WorldClock(START, rate=0)
    with pytest.raises(ValueError, match="backwards"):
        WorldClock(START, manual=True).advance(-5)


def test_clock_for_world_starts_at_the_files_start_time():
    clock = WorldClock.for_world(load_world(HARBOR), manual=True)
    assert clock.now() == datetime(2026, 5, 1, 8, 0)


def test_parse_start_says_what_to_write():
    assert parse_start("2026-05-01T08:00") == START
    with pytest.raises(ValueError, match="YYYY-MM-DDTHH:MM"):
        parse_start("May 1st, 8am")


@pytest.mark.parametrize("hhmm, open_", [
    ("07:59", False), ("08:00", True), ("12:00", True), ("17:59", True), ("18:00", False), ("23:00", False),
])
def test_day_hours(hhmm, open_):
    assert is_open("08:00-18:00", at(hhmm)) is open_


@pytest.mark.parametrize("hhmm, open_", [
    ("17:59", False), ("18:00", True), ("23:59", True), ("00:00", True), ("01:59", True), ("02:00", False),
    ("12:00", False),
])
def test_hours_past_midnight(hhmm, open_):
    assert is_open("18:00-02:00", at(hhmm)) is open_


def test_hours_to_midnight_and_always_open():
    assert is_open("20:00-24:00", at("23:59")) and not is_open("20:00-24:00", at("00:00"))
    assert parse_hours("20:00-24:00") == (1200, 1440)
    assert is_open(None, at("03:00"))
    with pytest.raises(ValueError):
        parse_hours("09:00-09:00")


def test_is_open_takes_places_from_the_world():
    w = load_world(HARBOR)
    museum, harbour = w.place("museum"), w.place("harbour")  # museum 09:00-17:00; the harbour never closes
    assert not is_open(museum, at("08:30")) and is_open(museum, at("16:59")) and not is_open(museum, at("17:00"))
    assert harbour.hours is None and is_open(harbour, at("03:00"))


@pytest.mark.parametrize("hhmm, part, zh", [
    ("05:00", PartOfDay.MORNING, "上午"), ("11:59", PartOfDay.MORNING, "上午"),
    ("12:00", PartOfDay.AFTERNOON, "下午"), ("16:59", PartOfDay.AFTERNOON, "下午"),
    ("17:00", PartOfDay.EVENING, "晚上"), ("20:59", PartOfDay.EVENING, "晚上"),
    ("21:00", PartOfDay.NIGHT, "夜里"), ("00:00", PartOfDay.NIGHT, "夜里"), ("04:59", PartOfDay.NIGHT, "夜里"),
])
def test_part_of_day(hhmm, part, zh):
    p = part_of_day(at(hhmm))
    assert p is part and p.zh == zh and p.label("zh") == zh and p.label("en") == p.en == part.value
