"""Claims taken out of sentences (en, zh) and checked against the world and the cited events."""

from llmverse.content.grounding import Grounder, Support, split_sentences
from llmverse.content.mentions import Names, entity_key


def bad(sentence):
    return [(c.kind, c.text) for c in sentence.claims if not c.ok]


def test_a_sentence_that_matches_its_events_is_grounded_and_cites_them(world, market_day):
    g = Grounder(world)
    s = g.check("At 12:20 Bram bought the loaf of bread for 1 coin at the Market.",
                Support([market_day["arrive"], market_day["buy"]]))
    assert s.grounded and s.factual
    assert {c.kind for c in s.claims} >= {"character", "thing", "place", "action", "time", "price"}
    assert s.sources == sorted([market_day["arrive"].id, market_day["buy"].id])


def test_a_real_name_in_a_false_relation_is_caught(world, market_day):
    """Bram exists and bought something, but not an anchor, and not at 12:03."""
    s = Grounder(world).check("Bram bought an iron anchor at 12:03.", Support([market_day["arrive"], market_day["buy"]]))
    assert ("action", "bought") in bad(s) and ("time", "12:03") in bad(s)


def test_someone_who_took_no_part_in_the_cited_events_is_unsupported(world, market_day):
    s = Grounder(world).check("Nell bought bread at the Market.", Support([market_day["arrive"], market_day["buy"]]))
    assert ("character", "Nell") in bad(s) and ("action", "bought") in bad(s)


def test_invented_names_are_caught_in_english_and_chinese(world, market_day):
    g, sup = Grounder(world), Support([market_day["arrive"], market_day["buy"]])
    assert ("name", "Smith") in bad(g.check("Mr Smith greeted Bram at the Market.", sup))
    assert ("name", "王小明") in bad(g.check("王小明在集市买了面包。", sup))
    assert ("name", "北京饭店") in bad(g.check("布拉姆去了北京饭店。", sup))


def test_chinese_facts_are_checked_like_english_ones(world, market_day):
    g, sup = Grounder(world), Support([market_day["arrive"], market_day["buy"]])
    assert g.check("12:20，布拉姆在集市花1个铜币买了面包。", sup).grounded
    assert ("price", "3个铜币") in bad(g.check("布拉姆在集市花3个铜币买了面包。", sup))
    assert ("time", "下午3点") in bad(g.check("下午3点，布拉姆买了面包。", sup))


def test_quotes_must_be_said_in_a_cited_event(world, market_day):
    g, sup = Grounder(world), Support([market_day["say1"], market_day["say2"], market_day["otto_arrives"]])
    assert g.check('Otto said: "The notices say the museum opens late today."', sup).grounded
    assert ("quote", "the museum is on fire.") in bad(g.check('Otto said: "The museum is on fire."', sup))


def test_hour_only_times_match_events_within_that_hour(world, market_day):
    g, sup = Grounder(world), Support([market_day["arrive"], market_day["buy"]])
    assert g.check("Bram bought bread at noon.", sup).grounded
    assert ("time", "3 pm") in bad(g.check("Bram bought bread at 3 pm.", sup))


def test_given_entities_and_numbers_in_the_facts_need_no_event(world):
    s = Grounder(world).check("The Forge is open 08:00-18:00.", Support([], allowed={"place:forge"},
                                                                       text="It is open 08:00-18:00."))
    assert s.grounded
    assert ("number", "7") in bad(Grounder(world).check("The Forge has 7 anvils.", Support([], allowed={"place:forge"})))


def test_mentions_by_alias_in_both_languages_longest_first(world):
    found = [(m.key, m.text) for m in Names(world).find("Bram的铁锚 at Lantern Park, not a paper lantern; hooks.")]
    assert found == [("character:bram", "Bram"), ("thing:anchor", "铁锚"), ("place:park", "Lantern Park"),
                     ("thing:paper_lantern", "paper lantern"), ("thing:fishing_hook", "hooks")]
    # a one-character Chinese alias (鱼 = fresh fish) is not found inside 鱼钩
    assert [m.key for m in Names(world).find("鱼钩")] == ["thing:fishing_hook"]
    assert entity_key(world, "smithy") == "place:forge" and entity_key(world, "nobody") is None


def test_a_role_word_in_a_capitalised_name_is_not_the_character(world):
    assert [m.key for m in Names(world).find("Mr Smith came")] == []
    assert [m.key for m in Names(world).find("the smith came")] == ["character:bram"]


def test_sentences_split_without_cutting_quotes_or_decimals():
    assert split_sentences('It cost 1.5 coins! Nell said: "Hi. Bye." Then 12:20.') == [
        "It cost 1.5 coins!", 'Nell said: "Hi. Bye."', "Then 12:20."]
    assert split_sentences("奥托说：“好。”然后走了。") == ["奥托说：“好。”", "然后走了。"]


def test_a_name_at_the_start_of_a_sentence_is_still_a_name(world):
    s = Grounder(world).check("Lena, the museum tour guide, loves the founding bell.",
                              Support([], allowed={"character:mara", "thing:founding_bell"}, actions=False))
    assert ("name", "Lena") in bad(s)
    ordinary = Grounder(world).check("Visitors love the founding bell.", Support([], allowed={"thing:founding_bell"}))
    assert ordinary.grounded


def test_a_time_must_be_that_of_the_event_that_did_what_the_sentence_says(world, market_day):
    """Bram arrived at 12:10 and bought bread at 12:20: "at 12:10 he bought" is false."""
    sup = Support([market_day["arrive"], market_day["buy"]])
    assert ("time", "12:10") in bad(Grounder(world).check("At 12:10 Bram bought the loaf of bread.", sup))
    assert Grounder(world).check("At 12:10 Bram arrived at the Market.", sup).grounded


def test_a_label_introducing_something_unknown_is_a_name_even_if_it_is_a_word(world):
    s = Grounder(world).check("Bristle: a small wooden boat.", Support([], actions=False))
    assert ("name", "Bristle") in bad(s)


def test_number_words_must_be_given_too(world):
    g = Grounder(world)
    assert ("number", "two") in bad(g.check("Bram lives with his two children.", Support([], allowed={"character:bram"})))
    given = Support([], allowed={"character:bram"}, text="A big anchor takes him two days.")
    assert g.check("An anchor takes Bram two days.", given).grounded
    assert g.check("No one knows.", Support([])).grounded  # "one" is idiom, not a count


def test_calling_a_character_something_they_are_not_is_caught(world):
    g, sup = Grounder(world), Support([], allowed={"character:bram", "character:nell", "character:mara", "place:museum"})
    assert ("role", "A baker") in bad(g.check("Bram: A baker who made bread.", sup))
    assert ("role", "a young girl") in bad(g.check("Nell is a young girl with magical powers.", sup))
    assert g.check("Bram, a gruff blacksmith, smiled.", sup).grounded
    assert g.check("Mara is the museum tour guide.", sup).grounded
