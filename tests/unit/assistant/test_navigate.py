"""navigate(): sides and turns from geometry, both languages, opening hours, and bad input."""

import re
from pathlib import Path

import pytest

from llmverse.assistant import NotFound, Route, navigate
from llmverse.lang import detect_language
from llmverse.world.loader import load_world
from llmverse.world.model import Names, Rect, WorldFile
from llmverse.world.store import Store
from llmverse.world.world import World

HARBOR = Path(__file__).parents[3] / "src/llmverse/worlds/harbor_town/world.yaml"
LATIN = re.compile(r"[A-Za-z]")
CJK = re.compile(r"[\u4e00-\u9fff]")


def build(tmp_path, *, places, blocked=(), width=30, height=15, tile_m=2.0, start="2026-05-01T08:00") -> World:
    wf = WorldFile.model_validate({"name": {"en": "Test", "zh": "测试"}, "start_time": start,
                                   "map": {"width": width, "height": height, "tile_m": tile_m,
                                           "blocked": list(blocked)}, "places": places})
    return World(wf, Store(f"sqlite:///{tmp_path / 'w.db'}"))


def place(pid, en, zh, x, y, w, h, *, doors=(), open_air=False, hours=None):
    p = {"id": pid, "names": {"en": en, "zh": zh}, "rect": {"x": x, "y": y, "w": w, "h": h},
         "open_air": open_air, "doors": [{"x": dx, "y": dy} for dx, dy in doors]}
    return p | ({"hours": hours} if hours else {})


# A street along row 7: the North House's door opens onto it from above, the South House's from below.
STREET = [
    place("west_end", "West End", "西口", 0, 6, 2, 3, open_air=True),
    place("east_end", "East End", "东口", 28, 6, 2, 3, open_air=True),
    place("north_house", "North House", "北屋", 10, 2, 5, 5, doors=[(12, 6)]),
    place("south_house", "South House", "南屋", 16, 8, 5, 5, doors=[(18, 8)]),
]


@pytest.fixture
def street(tmp_path) -> World:
    return build(tmp_path, places=STREET)


@pytest.fixture(scope="module")
def harbor(tmp_path_factory) -> World:
    return World(load_world(HARBOR), Store(f"sqlite:///{tmp_path_factory.mktemp('nav') / 'w.db'}"))


def sides(route: Route) -> dict[str, str]:
    return {lm.id: lm.side for s in route.steps[:-1] for lm in s.landmarks}


def test_left_and_right_follow_the_walkers_heading(street):
    east = navigate(street, "east_end", start="west_end")
    assert isinstance(east, Route) and {y for _, y in east.path} == {7}
    assert sides(east) == {"north_house": "left", "south_house": "right"}
    assert "the North House on your left" in east.text and "the South House on your right" in east.text
    west = navigate(street, "west_end", start="east_end")
    assert sides(west) == {"north_house": "right", "south_house": "left"}
    zh = navigate(street, "去西口", start="east_end")
    assert "经过右手边的北屋" in zh.text and "经过左手边的南屋" in zh.text


def test_the_destination_side_on_arrival(street):
    # Walking east along the street, the last step goes south through the South House's door; the
    # legs simplified, the walker still faces east, and the house lies to the right.
    r = navigate(street, "South House", start="west_end")
    assert r.path[-2:] == [(18, 7), (18, 8)] and [s.action for s in r.steps] == ["depart", "arrive"]
    assert r.steps[-1].landmarks[0].side == "right" and r.text.startswith(
        "From the West End, head east for 38 m, passing the North House on your left. "
        "The South House is on your right.")
    r = navigate(street, "North House", start=(2, 7))
    assert r.path[-2:] == [(12, 7), (12, 6)] and r.steps[-1].landmarks[0].side == "left"
    assert navigate(street, "北屋", start=(2, 7)).text.startswith("向东走22米。北屋就在你的左手边。")


# An L-shaped corridor: row 1 from x 1 to 8, then column 8 down to row 10; a walled-in pocket at (10, 5).
CORRIDOR = [{"x": 0, "y": 0, "w": 12, "h": 1}, {"x": 0, "y": 1, "w": 1, "h": 11}, {"x": 1, "y": 2, "w": 7, "h": 10},
            {"x": 9, "y": 1, "w": 3, "h": 4}, {"x": 9, "y": 6, "w": 3, "h": 6}, {"x": 9, "y": 5, "w": 1, "h": 1},
            {"x": 11, "y": 5, "w": 1, "h": 1}, {"x": 8, "y": 11, "w": 1, "h": 1}]
ENDS = [place("a", "Gate A", "甲门", 1, 1, 1, 1, open_air=True), place("b", "Gate B", "乙门", 8, 10, 1, 1, open_air=True)]


def test_turns_left_and_right(tmp_path):
    w = build(tmp_path, places=ENDS, blocked=CORRIDOR, width=12, height=12)
    down = navigate(w, "Gate B", start="a")
    assert [s.action for s in down.steps] == ["depart", "right", "arrive"]
    assert [s.heading for s in down.steps[:2]] == ["east", "south"]
    assert [s.distance_m for s in down.steps[:2]] == [14.0, 18.0] and down.distance_m == 32.0
    assert down.waypoints == [(1, 1), (8, 1), (8, 10)]
    assert "Turn right and walk 18 m" in down.text
    up = navigate(w, "乙门到甲门怎么走", start="b", language=None)  # "from B to A": start and goal both named
    assert up.destination == "a" and [s.action for s in up.steps] == ["depart", "left", "arrive"]
    assert "向左转，走14米" in up.text and "从乙门出发，向北走18米" in up.text


def test_unreachable_start_gets_no_route(tmp_path):
    w = build(tmp_path, places=ENDS, blocked=CORRIDOR, width=12, height=12)
    r = navigate(w, "Gate B", start=(10, 5))  # walkable, but walled in
    assert isinstance(r, NotFound) and r.reason == "unreachable" and r.destination == "b"
    assert "no walkable way" in r.text and not hasattr(r, "path")
    assert navigate(w, "乙门", start=(10, 5)).text == "我知道乙门，但从你所在的地方走不到那里。"


def test_buildings_are_not_thoroughfares(tmp_path):
    # A hall with doors on its west and east walls straddles the only short way from west to east.
    hall = place("hall", "Hall", "大厅", 10, 3, 6, 5, doors=[(10, 5), (15, 5)], hours="08:00-09:00")
    west = place("west", "West", "西", 0, 5, 1, 1, open_air=True)
    east = place("east", "East", "东", 25, 5, 1, 1, open_air=True)
    fence = [{"x": 5, "y": 0, "w": 1, "h": 3}, {"x": 5, "y": 8, "w": 1, "h": 4}]  # channel x 5: rows 3..7 only
    w = build(tmp_path, places=[west, east, hall], blocked=fence, width=30, height=12)
    assert (12, 5) in w.grid.path((0, 5), (25, 5))  # the raw grid would walk through the hall
    r = navigate(w, "East", start="west")
    inside = {(x, y) for x in range(10, 16) for y in range(3, 8)}
    assert not set(r.path) & inside
    into = navigate(w, "Hall", start="west")
    assert into.path[-1] == (10, 5)
    out = navigate(w, "East", start=(13, 5))  # standing in the hall: leave by the nearer door
    assert out.path[:3] == [(13, 5), (14, 5), (15, 5)] and not set(out.path[3:]) & inside
    back = navigate(w, "West", start=(14, 5))  # ... the other way: leave by the west door
    assert back.path[:5] == [(14, 5), (13, 5), (12, 5), (11, 5), (10, 5)] and not set(back.path[5:]) & inside


def test_closed_place_still_gets_a_route_and_says_when_it_opens(harbor):
    r = navigate(harbor, "how do I get to the museum?", start="market")  # 08:00; open 09:00-17:00
    assert r.found and not r.opening.open_now and not r.opening.open_on_arrival
    assert r.opening.opens_at.strftime("%Y-%m-%d %H:%M") == "2026-05-01 09:00"
    assert "closed now; it opens at 09:00" in r.text
    assert "现在关着，09:00开门" in navigate(harbor, "博物馆怎么走", start="market").text
    assert "open until 18:00" in navigate(harbor, "the forge", start="market").text


def test_hours_on_a_long_walk(tmp_path):
    # 1 km to the shop at 10 m a tile: 13 minutes, so the clock moves on while one walks.
    home = place("home", "Home", "家", 0, 0, 2, 5, open_air=True)
    shop = place("shop", "Shop", "小店", 110, 1, 5, 3, doors=[(110, 2)], hours="08:00-09:00")
    w = build(tmp_path, places=[home, shop], width=120, height=5, tile_m=10.0, start="2026-05-01T07:50")
    r = navigate(w, "shop", start="home")
    assert r.minutes > 12 and (r.opening.open_now, r.opening.open_on_arrival) == (False, True)
    assert "closed now but opens at 08:00, before you get there" in r.text
    w.advance(65)  # 08:55: open, but shut by the time one gets there
    r = navigate(w, "shop", start="home")
    assert (r.opening.open_now, r.opening.open_on_arrival) == (True, False)
    assert "closes at 09:00, before you get there; it opens again tomorrow at 08:00" in r.text
    assert "小店09:00关门，你到之前就关了；明天08:00再开门。" in navigate(w, "小店", start="home").text
    w.advance(10)  # 09:05
    assert "closed now; it opens tomorrow at 08:00" in navigate(w, "shop", start="home").text


@pytest.mark.parametrize("text", ["从集市到图书馆怎么走？", "博物馆在哪里", "带我去铁匠铺", "布拉姆在哪工作",
                                  "建镇铜钟在哪", "我想去灯笼公园"])
def test_chinese_directions_are_chinese(harbor, text):
    r = navigate(harbor, text, start="inn")
    assert r.found and r.language == "zh" and detect_language(r.text) == "zh"
    assert not LATIN.search(r.text), r.text  # no English name or word slipped through
    assert all(not LATIN.search(s.text) for s in r.steps) and "米" in r.text


@pytest.mark.parametrize("text", ["how do I get to the museum?", "where Bram works", "the library", "harbour"])
def test_english_directions_are_english(harbor, text):
    r = navigate(harbor, text, start="inn")
    assert r.found and r.language == "en" and not CJK.search(r.text)
    assert re.search(r"\d+ m in all, (under a|about (a|\d+)) minute", r.text)


def test_language_can_be_forced(harbor):
    r = navigate(harbor, "museum", start="market", language="zh")
    assert r.language == "zh" and r.destination_name == "海事博物馆" and not LATIN.search(r.text)
    assert navigate(harbor, "博物馆", start="market", language="fr").language == "zh"  # unknown: detected


def test_things_and_people_say_why_this_place(harbor):
    r = navigate(harbor, "where is the founding bell", start="inn")
    assert r.destination == "museum" and r.text.startswith("The founding bell is at the Maritime Museum.")
    r = navigate(harbor, "where Bram works", start="inn")
    assert r.text.startswith("Bram works at the Forge.")
    assert navigate(harbor, "布拉姆在哪工作", start="inn").text.startswith("布拉姆在铁匠铺工作。")


def test_unknown_place_offers_the_nearest_matches(harbor):
    r = navigate(harbor, "how do I get to the parc?", start="market")
    assert isinstance(r, NotFound) and r.reason == "unknown"
    assert r.suggestions[0].place == "park" and "Did you mean the Lantern Park?" in r.text
    r = navigate(harbor, "how do I get to the moon?", start="market")
    assert r.reason == "unknown" and "'moon'" in r.text and "the Maritime Museum" in r.text  # lists what exists
    zh = navigate(harbor, "月亮怎么走", start="market")
    assert zh.reason == "unknown" and "月亮" in zh.text and "海事博物馆" in zh.text and not LATIN.search(zh.text)


@pytest.mark.parametrize("text, reason", [("", "empty"), ("   ", "empty"), ("x" * 2000, "too_long"),
                                          ("what is the capital of France?", "unknown")])
def test_bad_input_gets_a_short_reply_not_an_exception(harbor, text, reason):
    r = navigate(harbor, text, start="market")
    assert isinstance(r, NotFound) and r.reason == reason and 0 < len(r.text) < 300


@pytest.mark.parametrize("start", ["the moon", (3, 45), (100, 100), (16, 3)])  # no such place; sea; off map; wall
def test_bad_start(harbor, start):
    r = navigate(harbor, "museum", start=start)
    assert isinstance(r, NotFound) and r.reason == "unknown_start"


def test_start_named_in_words_and_already_there(harbor):
    assert navigate(harbor, "museum", start="the smithy").path[0] == (15, 11)  # the forge's door
    here = navigate(harbor, "market", start="market")
    assert here.path == [here.start] and here.distance_m == 0 and "already at the Market" in here.text


def test_deterministic(harbor):
    a = navigate(harbor, "去海鸥旅店", start="park").model_dump()
    assert a == navigate(harbor, "去海鸥旅店", start="park").model_dump()


class NamedRect(Rect):
    """A blocked rectangle with the `name` the world format does not have yet."""

    name: Names | None = None


def test_named_blocked_areas_are_landmarks_and_destinations(tmp_path):
    plaza = place("plaza", "Plaza", "广场", 4, 2, 12, 9, open_air=True)
    w = build(tmp_path, places=[plaza, *STREET[:2]], blocked=[{"x": 9, "y": 4, "w": 2, "h": 2}], height=12)
    w.file.map.blocked[0] = NamedRect(x=9, y=4, w=2, h=2, name=Names(en="fountain", zh="喷泉"))
    r = navigate(w, "east_end", start=(9, 7))  # just south of the fountain, walking east: it is on the left
    assert {lm.id: lm.side for s in r.steps for lm in s.landmarks}["blocked:0"] == "left"
    assert "passing the fountain on your left" in r.text
    where = navigate(w, "where is the fountain?", start="east_end")
    assert where.destination == "plaza" and where.match.kind == "feature"
    assert where.text.startswith("The fountain is in the Plaza.")
    assert navigate(w, "喷泉在哪", start="east_end").text.startswith("喷泉在广场里。")
