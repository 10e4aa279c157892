"""A detail asked of a real place is answered only by a fact that holds it (voice/asked.py; BM25 alone here).

A word of the question that the world uses in another sense (a guide: Mara's role at the Museum; shows:
exhibits "on show"; 铁匠 inside 铁匠铺) must not make an unrelated fact answer "does X have a Y?".
"""

import pytest

from llmverse.characters.facts import FactBook
from llmverse.voice.asked import inside, yes_no
from llmverse.world.world import open_world


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    return open_world(database_url=f"sqlite:///{tmp_path_factory.mktemp('w') / 'w.db'}")


def find(world, who, text):
    book = FactBook(world, world.characters[who], None)
    return book.find(book.question(text))


@pytest.mark.parametrize("who, text, subject, missing", [
    ("nell", "Does the Market have a guide?", "place:market", "guide"),  # the guide works at the Museum
    ("nell", "Is there a blacksmith at the Market?", "place:market", "blacksmith"),
    ("bram", "Are there shows at the Gull Inn in the evening?", "place:inn", "show"),  # not exhibits "on show"
    ("bram", "Are there shows at the Museum in the evening?", "place:museum", "show"),
    ("lin", "集市有导游吗？", "place:market", "导游"),
    ("lin", "铁匠铺有客服专员吗？", "place:forge", "客服专员"),
    ("otto", "灯笼公园周末人多吗？", "place:park", None),
    ("bram", "要预约吗？", "place:forge", None),  # asked of where the listener is
    ("mara", "Can I eat in here?", "place:museum", None),
    ("bram", "里面能吃东西吗？", "place:forge", None),
])
def test_a_detail_no_fact_holds_is_declined_about_the_place(world, who, text, subject, missing):
    found = find(world, who, text)
    assert (found.status, found.key, found.subject, found.missing) == ("unknown", None, subject, missing)


@pytest.mark.parametrize("who, text, key", [
    ("nell", "Does the Maritime Museum have a guide?", "who:mara"),  # she is the Museum's guide
    ("lin", "博物馆有导游吗？", "who:mara"),
    ("lin", "铁匠铺有铁匠吗？", "who:bram"),  # 铁匠 counts again after 铁匠铺
    ("lin", "Is the blacksmith at the Forge?", "who:bram"),
    ("otto", "Is the Forge close by?", "where:forge"),  # close by asks where, not when it closes
    ("bram", "海事博物馆是谁在管？", "who:mara"),
    ("mara", "Does the Library have books?", "about:library"),
    ("bram", "Can I eat at the Gull Inn?", "about:inn"),  # a need the place meets
    ("bram", "海鸥旅店里面能吃东西吗？", "about:inn"),
])
def test_a_detail_a_fact_holds_is_still_answered(world, who, text, key):
    found = find(world, who, text)
    assert found.status == "answered" and found.key is not None and found.key.id == key


def test_what_a_place_sells_is_answered_by_its_wares(world):
    found = find(world, "nell", "集市都卖些什么？")
    assert found.status == "answered" and found.key.id in {"price:fresh_fish", "price:bread_loaf", "price:paper_lantern"}


def test_a_guide_is_asked_of_the_place_not_a_second_subject(world):
    book = FactBook(world, world.characters["nell"], None)
    q = book.question("Does the Market have a guide?")
    assert q.entities == ["place:market"] and q.by_role == ["character:mara"] and q.said == ["guide"]
    assert book.question("Where is the guide?").entities == ["character:mara"]  # alone, the guide is the subject
    assert book.question("Is Mara at the Market?").by_role == []  # named by her name


@pytest.mark.parametrize("text, asks, within", [
    ("Can I eat in here?", True, True),
    ("要预约吗？", True, False),
    ("里面能吃东西吗？", True, True),
    ("博物馆有没有电梯？", True, False),
    ("Is there somewhere to eat around here?", True, False),
    ("Where can I eat?", False, False),
])
def test_yes_no_and_inside(text, asks, within):
    assert yes_no(text) is asks and inside(text) is within
