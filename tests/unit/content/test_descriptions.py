"""Descriptions from the world file, in its tone; invented prices and names are dropped."""

import pytest

from llmverse.content import UnknownChoice, generate


def test_a_wrong_price_is_dropped_and_the_rest_kept(world, scripted):
    gw = scripted([(r"Facts about iron anchor", "A sturdy anchor from the Forge. It costs 75 coins.")])
    d = generate("description", world, gw, of="anchor")
    assert d.of == "thing:anchor" and "75 coins" not in d.text and "A sturdy anchor from the Forge." in d.text
    assert d.dropped == ["It costs 75 coins."] and d.passed


def test_the_worlds_own_descriptions_set_the_tone(world, scripted):
    gw = scripted([(r"Facts about", "The Forge rings with hammers.")])
    generate("description", world, gw, of="forge")
    prompt = gw.backend.calls[0][-1].content
    assert "- Market: Stalls of fish" in prompt and "open 08:00-18:00" in prompt


@pytest.mark.parametrize("of, expect", [("forge", "铁匠铺"), ("mara", "玛拉"), ("铁锚", "40个铜币")])
def test_chinese_descriptions_are_composed_from_the_world_file(world, of, expect, scripted):
    d = generate("description", world, scripted(), of=of, language="zh")
    assert expect in d.text and d.passed and d.composed >= 1


def test_an_unknown_entity_lists_the_choices(world, scripted):
    with pytest.raises(UnknownChoice, match="place, thing or character 'dragon'"):
        generate("description", world, scripted(), of="dragon")


def test_talk_about_the_writing_is_not_part_of_it(world, scripted):
    gw = scripted([(r"Facts about", "The Forge rings with hammers. Your description should be concise.")])
    d = generate("description", world, gw, of="forge")
    assert "concise" not in d.text and "Your description should be concise." in d.dropped
