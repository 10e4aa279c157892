"""The one check: invented whole names, numbers with their units, English inside Chinese."""

import pytest

from llmverse.voice.check import Checker, states
from llmverse.voice.fact import make_fact
from llmverse.world.grounding import Lexicon, quantities_in
from llmverse.world.loader import load_world
from llmverse.world.world import DEFAULT_WORLD


@pytest.fixture(scope="module")
def checker():
    world = load_world(DEFAULT_WORLD)
    return Checker(Lexicon(world))


def test_two_real_names_put_together_are_an_invented_name(checker):
    v = checker.check('It\'s called the "Lantern Park Chart".', "en", "The old sea chart is on show.")
    assert not v.ok and "Park Chart" in v.why
    assert checker.check("Lantern Park is east of here.", "en", "Lantern Park is east of the Market.").ok



def test_a_real_name_with_of_in_it_passes_and_its_words_reordered_do_not(tmp_path):
    from llmverse.train.worldgen import generate_world, write_worlds

    seed = next(s for s in range(40) if any(p["names"]["en"] == "Hall of Memories" for p in generate_world(s)["places"]))
    lexicon = Lexicon(load_world(write_worlds(tmp_path, range(seed, seed + 1))[0]))
    assert not lexicon.check("You can visit the Hall of Memories.").invented_names
    assert lexicon.check("The Memories Hall is here.").invented_names == ["Memories Hall"]


@pytest.mark.parametrize("text, value", [
    ("It takes me 2 hours to make a big anchor.", (2, "hour")),
    ("a big one takes him two days", (2, "day")),
    ("一个大锚要花他两天。", (2, "day")),
    ("丢失的物品保管三十天。", (30, "day")),
    ("a 3-minute walk", (3, "minute")),
])
def test_quantities_are_read_with_their_unit(text, value):
    assert value in quantities_in(text)


def test_a_number_with_the_wrong_unit_is_caught(checker):
    fact = "Bram forges every anchor by hand; a big one takes him two days."
    assert not checker.check("It takes me 2 hours to make a big anchor.", "en", fact).ok
    assert checker.check("A big anchor takes me two days.", "en", fact).ok


def test_english_inside_a_chinese_reply_is_caught(checker):
    assert not checker.check("12:00我会去集市buying bread。", "zh", "12:00 集市").ok
    assert checker.check("布拉姆在铁匠铺。", "zh", "布拉姆在铁匠铺").ok
    assert checker.check("Bram在铁匠铺。", "zh", "布拉姆在铁匠铺").ok  # a name in Latin letters is allowed


def test_a_reply_in_the_other_language_is_caught(checker):
    assert not checker.check("The anchor costs 40 coins.", "zh", "40").ok


def test_states_reads_hours_by_both_ends_and_prices_on_number_bounds():
    hours = make_fact("hours:museum", "hours", "open 09:00-17:00", "", ("09:00-17:00",))
    assert states("It opens at 09:00 and closes at 17:00.", hours)
    assert not states("It opens at 09:00.", hours)
    price = make_fact("price:anchor", "price", "40 coins", "", ("40",))
    assert states("Forty? No: 40 coins.", price)
    assert not states("Open at 09:40.", price)
