"""Stories about a character or place: built on its events, checked sentence by sentence, genres as a registry."""

import pytest

from llmverse.content import ContentError, UnknownChoice, generate


def test_a_story_keeps_what_happened_and_drops_what_did_not(world, market_day, scripted):
    tale = ("Bram woke early and went to work. At 12:20 Bram bought the loaf of bread for 1 coin at the Market. "
            "Then Bram bought an iron anchor from Captain Zorbleton. He smiled.")
    gw = scripted([(r"mystery story", tale)])
    s = generate("story", world, gw, about="bram", genre="mystery")
    text = " ".join(x.text for x in s.sentences)
    assert "bought the loaf of bread" in text and "Zorbleton" not in text
    assert any("Zorbleton" in d for d in s.dropped)
    assert s.passed and s.about == "character:bram" and market_day["buy"].id in s.sources
    assert s.scores["grounding"] == 1.0 and s.scores["grounding_before"] < 1.0


def test_the_prompt_carries_the_subjects_events_and_the_genre(world, market_day, scripted):
    gw = scripted([(r"story", "He smiled.")])
    generate("story", world, gw, about="Bram", genre="fable", length="medium")
    prompt = gw.backend.calls[0][-1].content
    assert "bought the loaf of bread" in prompt and "fable story of about 7 sentences" in prompt
    assert "fables" in gw.backend.calls[0][0].content


def test_a_story_with_no_grounded_fact_gets_the_facts(world, market_day, scripted):
    gw = scripted([(r"story", "Once upon a time Princess Zelda flew to the moon.")])
    s = generate("story", world, gw, about="bram")
    assert s.composed >= 1 and all(x.grounded for x in s.sentences)
    assert any("12:20" in x.text for x in s.sentences)


def test_a_place_story_in_chinese_is_composed(world, market_day, scripted):
    s = generate("story", world, scripted(), about="集市", genre="comedy", language="zh")
    assert s.about == "place:market" and s.language == "zh" and s.passed
    assert "布拉姆" in s.text and "面包" in s.text and s.text.startswith("集市趣事")


def test_unknown_subject_and_genre_list_the_choices(world, scripted):
    with pytest.raises(UnknownChoice, match="genre 'horror'.*mystery"):
        generate("story", world, scripted(), about="bram", genre="horror")
    with pytest.raises(UnknownChoice, match="character or place 'zed'.*bram.*forge"):
        generate("story", world, scripted(), about="zed")
    with pytest.raises(ContentError, match="length"):
        generate("story", world, scripted(), about="bram", length="epic")


def test_naming_the_subject_is_not_enough_a_story_must_rest_on_its_events(world, market_day, scripted):
    gw = scripted([(r"story", "The story of Bram, a blacksmith who built his own reality.")])
    s = generate("story", world, gw, about="bram")
    assert s.composed >= 1 and any(x.sources for x in s.sentences)
