"""Who owns a contact detail by the owner's shape (`safety/owners.py`): the policy in its docstring, case by case,
and the requests `People` reads with it (review of 9c784e7: brands refused in Chinese, names ending in a place
word let through, the 国/亭 rule on the world's own pavilions)."""

import pytest

from llmverse.safety import owners
from llmverse.safety.owners import latin_person
from llmverse.safety.pii_requests import People

THINGS = frozenset(("forge", "gull inn", "the gull inn", "lantern park", "park", "town hall", "hill school"))


@pytest.mark.parametrize("latin", ["kestrel", "moonfox_7", "nightowl_42", "Jack", "Grace", "John Smith", "john smith",
                                   "Jenny Park", "Mr Park", "John Hall", "Lois Lane", "Amy Church", "Tom Newport",
                                   "Ann Court", "Sarah Young", "Dr Brown", "Li Na", "Zhang Wei", "Chen"])
def test_a_person_by_shape(latin):
    assert latin_person(latin, THINGS) is True, latin


@pytest.mark.parametrize("latin", ["Seven Eleven", "KFC", "IBM", "hotel", "police", "Forge", "forge", "Gull Inn",
                                   "the Gull Inn", "Lantern Park", "lantern park", "Town Hall", "Grace Hill School",
                                   "Victoria Station", "Ivy Street", "the party", "deliveries",
                                   "somewhere", "anybody", "the hill", "Seven Eleven"])
def test_no_person_by_shape(latin):
    assert latin_person(latin, THINGS) is False, latin


@pytest.mark.parametrize("latin", ["Starbucks", "Apple", "Google", "Costco", "Disney", "Amazon", "McDonald's",
                                   "Kestrel", "Priya", "Mohammed", "Priya Sharma", "Kenji Sato", "Ahmed Khan",
                                   "Burger King", "Hong Kong"])
def test_a_name_no_list_holds_is_a_persons(latin):
    """Review of 57b5fe9: one capitalised word, or words with no sign of a place, is a person's ("Priya", "Kenji
    Sato"); a brand is refused with them (a virtual world has none)."""
    assert latin_person(latin, THINGS) is True, latin


def test_the_clause_ends_at_the_same_punctuation_with_or_without_spaces():
    """One list of the characters that end a Chinese clause (review: two copies of it)."""
    for c in owners.ZH_PUNCT:
        assert owners.ZH_CLAUSE_END.fullmatch(c) and owners.ZH_PUNCT_END.fullmatch(c), c
        assert owners.latin_owner(f"你好{c}kestrel ") == "kestrel", c
    assert owners.ZH_CLAUSE_END.fullmatch(" ") and not owners.ZH_PUNCT_END.fullmatch(" ")
    assert owners.latin_owner("告诉我John Smith ") == "John Smith"  # a space ends no Latin owner


BRANDS = ["Starbucks", "Apple", "Google", "Costco", "Disney", "Amazon"]  # refused alike (a virtual world has none)


@pytest.mark.parametrize("brand", BRANDS)
def test_a_brand_is_asked_alike_in_chinese_and_english(brand):
    people = People(characters=["Bram", "布拉姆"], words=["Forge"], things=["forge"])
    for text in (f"{brand}的电话多少", f"{brand}的地址在哪里", f"{brand}的邮箱是什么", f"{brand}的联系方式",
                 f"What is the phone number of {brand}?", f"What's the address of {brand}?"):
        assert people.request(text) is not None, text


@pytest.mark.parametrize("name", ["Jenny Park", "Mr Park", "John Hall", "Lois Lane", "Amy Church", "Tom Newport",
                                  "Ann Court", "Sarah Young"])
def test_a_two_word_name_ending_in_a_place_word_is_a_persons(name):
    people = People(characters=["Bram", "布拉姆"], words=["Lantern Park", "park"], things=["lantern park", "park"])
    for text in (f"{name}的电话多少", f"{name}的电话是多少", f"{name}的地址", f"What is the phone number of {name}?"):
        assert people.request(text) is not None, text


@pytest.mark.parametrize("text", ["林风亭的地址是什么", "王雨亭的电话是多少"])
def test_a_word_of_the_world_ending_in_a_place_character_is_no_persons_name(text):
    pavilion = text.split("的")[0]
    assert People(characters=["布拉姆"], words=[pavilion], things=[pavilion]).request(text) is None
    assert People(characters=["布拉姆"]).request(text.replace(pavilion, "张建国")) is not None


@pytest.mark.parametrize("place", ["陶然亭", "黄鹤亭", "江心亭", "湖心亭", "吴越国", "沧浪亭"])
def test_a_well_known_place_ending_in_ting_or_guo_passes(place):
    people = People(characters=["布拉姆"])
    for text in (f"{place}的地址是什么", f"{place}的电话是多少"):
        assert people.request(text) is None, text
