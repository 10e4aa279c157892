"""Events told as bilingual facts, each citing the events it rests on (the place from the last arrival)."""

from llmverse.content.facts import EventLog, Teller, zh_words


def test_a_purchase_is_told_with_the_place_from_the_buyers_last_arrival(world, market_day):
    log = EventLog(world)
    fact = Teller(log).fact(market_day["buy"])
    assert fact.en == "At 12:20 Bram bought the loaf of bread for 1 coin at the Market."
    assert fact.zh == "12:20，布拉姆在集市花1个铜币买了面包。"
    assert set(fact.sources) == {market_day["buy"].id, market_day["arrive"].id}


def test_someone_who_set_off_again_is_nowhere_until_they_arrive(world, log):
    log("arrive", "bram", "market", 12, 10)
    log("move", "bram", "forge", 12, 30)
    buy = log("buy", "bram", None, 12, 35, thing="fishing_hook", price=2.0)
    assert EventLog(world).place_of("bram", buy) == (None, None)
    assert " at the " not in Teller(EventLog(world)).fact(buy).en


def test_a_conversation_is_told_once_with_a_quotable_line_not_a_greeting(world, market_day):
    facts = Teller(EventLog(world)).conversation([market_day["say1"], market_day["say2"]])
    assert facts[0].en == "At 11:10 Lin Wei and Otto talked at the Town Hall."
    assert facts[1].en == 'Otto said: "The notices say the museum opens late today."'
    assert len(facts) == 2  # "Good day, Otto." is not worth quoting


def test_event_words_are_said_in_chinese_where_known():
    assert zh_words("a lunch party") == "午餐聚会" and zh_words("fire") == "火灾"
    assert zh_words("a regatta") == "“a regatta”"


def test_a_summarised_talk_is_not_quoted_and_ones_own_party_is_not_in_the_third_person(world, log):
    party = log("invite", "nell", None, 10, 0, what="a lunch party", place="inn", at="2026-05-01T12:00")
    said = log("say", "lin", "otto", 11, 10, text="(Lin Wei and Otto chatted for a while.)", summary=True)
    assert [f.en for f in Teller(EventLog(world)).conversation([said])] == ["At 11:10 Lin Wei and Otto talked."]
    told = log("say", "nell", "lin", 12, 40, text="Come to my lunch party!", shares=party.id)
    facts = Teller(EventLog(world)).conversation([told])
    assert facts[1].en == "Nell told Lin Wei about the lunch party." and facts[1].zh == "内尔把午餐聚会消息告诉了林薇。"
