"""The gazette on the scripted backend: ranking, cited sentences, invented names caught, quiet days, Chinese,
the one grounded-voice loop (Voice.speak) writing every article, progress reported story by story."""

import re

import pytest

from llmverse.voice import Voice

from llmverse.content import UnknownChoice, generate
from llmverse.content.newsworthy import stories_of
from llmverse.content.facts import EventLog


def article(headline, text):
    """What a small model writes when asked for an article: often a headline line first."""
    return f"**{headline}**\n{text}"


def test_stories_are_ranked_alarm_first_and_routine_arrivals_are_not_news(world, market_day, log):
    log("arrive", "mara", "museum", 9, 10)  # on her schedule: not news
    items = stories_of(EventLog(world), market_day["buy"].world_time.date())
    kinds = [i.kind for i in items]
    assert kinds[0] == "alarm" and set(kinds) == {"alarm", "talk", "buy"}
    assert all(0 < i.score <= 1 for i in items)


def test_novelty_falls_when_the_same_thing_happened_on_earlier_days(world, log):
    log("buy", "bram", None, 12, 20, day=1, thing="bread_loaf", price=1.0)
    log("buy", "bram", None, 12, 20, day=2, thing="bread_loaf", price=1.0)
    log("buy", "nell", None, 11, 40, day=2, thing="fresh_fish", price=3.0)
    items = {i.signature[1]: i for i in stories_of(EventLog(world), EventLog(world).date_of_day(2))}
    assert items["bram"].novelty == 0.5 and items["nell"].novelty == 1.0
    assert items["nell"].score > items["bram"].score


def test_the_model_invents_a_name_and_the_check_drops_that_sentence(world, market_day, scripted):
    invented = article("Bread at the Market",
                       "At 12:20 Bram bought the loaf of bread for 1 coin at the Market. "
                       "Captain Hook watched from the pier.")
    gw = scripted([(r"bought the loaf of bread", invented)])
    ed = generate("news", world, gw, day=1, language="en")
    buy = next(s for s in ed.stories if s.kind == "buy")
    kept = " ".join(s.text for s in buy.sentences)
    assert "Captain Hook" not in kept and "Captain Hook watched from the pier." in buy.dropped
    assert "Bram bought the loaf of bread" in kept and not buy.composed
    assert ed.passed and ed.scores["grounding"] == 1.0
    assert ed.scores["grounding_before"] < 1.0  # the model's own text had an unsupported claim
    assert any("Captain Hook" in n for n in ed.notes)


def test_every_fact_stating_sentence_cites_events_that_exist(world, market_day, scripted):
    ed = generate("news", world, scripted(), day=1)
    ids = {e.id for e in world.events()}
    sentences = [x for s in ed.stories for x in [s.headline, *s.sentences]]
    assert sentences and all(x.sources for x in sentences if x.factual)
    assert all(set(x.sources) <= ids for x in sentences)
    assert set(ed.sources) <= ids and market_day["buy"].id in ed.sources


def test_a_wrong_time_from_the_model_is_dropped_and_the_facts_fill_in(world, market_day, scripted):
    gw = scripted([(r"bought the loaf of bread", article("Bram shops", "At 12:03 Bram bought a loaf of bread."))])
    buy = next(s for s in generate("news", world, gw, day=1).stories if s.kind == "buy")
    assert buy.composed and "At 12:03 Bram bought a loaf of bread." in buy.dropped
    assert buy.sentences[0].text.startswith("At 12:20 Bram bought")


def test_every_article_is_written_through_the_one_voice_loop_once(world, market_day, scripted, monkeypatch):
    spoken = []
    speak = Voice.speak

    def spy(self, messages, **kw):
        spoken.append(messages[-1].content)
        return (yield from speak(self, messages, **kw))

    monkeypatch.setattr(Voice, "speak", spy)
    gw = scripted([(r"bought the loaf of bread", article("x", "Mr Smith bought a boat."))])
    ed = generate("news", world, gw, day=1)
    assert len(spoken) == len(ed.stories) == len(gw.backend.calls) == 3  # one call per story: no retry loop
    buy = next(s for s in ed.stories if s.kind == "buy")
    assert "Mr Smith bought a boat." in buy.dropped and buy.composed


def test_the_stream_is_closed_once_the_article_has_its_sentences(world, market_day, scripted):
    endless = "At 12:20 Bram bought the loaf of bread. " * 3 + "Captain Zorbleton sank the pier. " * 40
    gw = scripted([(r"bought the loaf of bread", endless)])
    buy = next(s for s in generate("news", world, gw, day=1).stories if s.kind == "buy")
    assert [s.text for s in buy.sentences] == ["At 12:20 Bram bought the loaf of bread."]
    assert len(buy.dropped) <= 6  # the voice stopped reading after a few dropped sentences, not 42


def test_markdown_headline_lines_and_list_markers_are_no_part_of_the_article(world, market_day, scripted):
    gw = scripted([(r"bought the loaf of bread",
                    "**Bread at the Market**\n- At 12:20 Bram bought the loaf of bread for 1 coin at the Market.")])
    buy = next(s for s in generate("news", world, gw, day=1).stories if s.kind == "buy")
    assert [s.text for s in buy.sentences] == ["At 12:20 Bram bought the loaf of bread for 1 coin at the Market."]
    assert not buy.composed


def test_a_chinese_edition_from_a_model_that_writes_english_keeps_no_english(world, market_day, scripted):
    gw = scripted([(r"事实", "At 12:20 Bram bought the loaf of bread. 布拉姆12:20在集市买了面包。")],
                  languages=frozenset({"en", "zh"}))
    ed = generate("news", world, gw, day=1, language="zh")
    asked = next(c[-1].content for c in gw.backend.calls if "面包" in c[-1].content)
    assert "用中文" in asked and "布拉姆" in asked  # asked in Chinese, with the facts in Chinese
    buy = next(s for s in ed.stories if s.kind == "buy")
    assert "At 12:20 Bram bought the loaf of bread." in buy.dropped
    body = ed.text.split("\n", 2)[2]  # after the title and the byline
    assert not re.search(r"[A-Za-z]{2,}", body), ed.text


def test_progress_is_reported_story_by_story(world, market_day, scripted):
    seen = []
    generate("news", world, scripted(), day=1, progress=lambda what, done, total: seen.append((done, total)))
    assert seen == [(0, 3), (1, 3), (2, 3), (3, 3)]


def test_an_empty_day_is_a_quiet_edition(world, scripted):
    ed = generate("news", world, scripted(), day=1)
    assert ed.quiet and ed.stories == [] and ed.sources == []
    assert "quiet day" in ed.text.lower()


def test_chinese_news_is_composed_from_facts_when_the_model_writes_only_english(world, market_day, scripted):
    gw = scripted()
    ed = generate("news", world, gw, day=1, language="zh")
    assert gw.backend.calls == []  # the model was not asked to write Chinese
    assert all(s.composed for s in ed.stories) and ed.passed
    assert "布拉姆" in ed.text and "12:20" in ed.text and "铁匠铺" in ed.text


def test_the_reporter_is_configurable_and_an_unknown_one_lists_the_choices(world, market_day, scripted):
    assert generate("news", world, scripted(), day=1).reporter == "otto"
    assert generate("news", world, scripted(), day=1, reporter="nell").reporter == "nell"
    with pytest.raises(UnknownChoice, match="bram, lin, mara, nell, otto"):
        generate("news", world, scripted(), day=1, reporter="zed")


def test_the_morning_edition_is_due_for_the_day_before_once(world):
    from llmverse.content.news import MORNING_HOUR, edition_due

    assert world.now().date() == world.file.start.date()
    assert edition_due(world, 0) is None  # day 1: no day before
    world.advance((24 - world.now().hour) * 60 + MORNING_HOUR * 60 - 1)  # day 2, a minute before the morning
    assert edition_due(world, 0) is None
    world.advance(1)
    assert edition_due(world, 0) == 1 and edition_due(world, 1) is None


def test_a_sentence_that_repeats_the_headline_is_printed_once(world, market_day, scripted):
    gw = scripted([(r"bought the loaf of bread", article("Bram buys bread",
                                                          "Bram buys bread. At 12:20 Bram bought the loaf of bread "
                                                          "for 1 coin at the Market."))])
    ed = generate("news", world, gw, day=1, language="en")
    buy = next(s for s in ed.stories if s.kind == "buy")
    assert ed.text.count(buy.headline.text) == 1, ed.text


@pytest.mark.parametrize("said", ["That's all.", "That's all I can do.", "就这样吧。", "It was a day."])
def test_a_reply_that_states_no_fact_is_no_article_the_facts_stand_alone(world, market_day, scripted, said):
    gw = scripted([(r"bought the loaf of bread|面包", said)], languages=frozenset({"en", "zh"}))
    for lang in ("en", "zh"):
        buy = next(s for s in generate("news", world, gw, day=1, language=lang).stories if s.kind == "buy")
        assert buy.composed and all(s.sources for s in buy.sentences), buy.sentences
        assert said not in [s.text for s in buy.sentences]


def test_sentences_run_together_are_told_apart_and_a_last_one_cut_short_is_not_kept(world, market_day, scripted):
    gw = scripted([(r"bought the loaf of bread", "At 12:20 Bram bought the loaf of bread.Captain Zorbleton sank. "
                                                 "Bram went to the Market at 12:10.As the day drew to a")])
    buy = next(s for s in generate("news", world, gw, day=1).stories if s.kind == "buy")
    kept = [s.text for s in buy.sentences]
    assert kept[0] == "At 12:20 Bram bought the loaf of bread." and "Captain Zorbleton sank." in buy.dropped
    assert not any("drew to a" in x for x in kept + buy.dropped)
