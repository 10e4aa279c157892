"""Character.respond on the scripted backend: facts in, checks after, every turn recorded."""

import re

import pytest

from llmverse.characters.character import MAX_MESSAGE_CHARS, Character
from llmverse.errors import InvalidMessage
from llmverse.llm.gateway import Gateway, GatewayConfig
from llmverse.llm.scripted import ScriptedBackend
from llmverse.world.world import open_world

FAST = GatewayConfig(timeout=0.5, retries=1, backoff=0.01)


@pytest.fixture
def world(tmp_path):
    return open_world(database_url=f"sqlite:///{tmp_path / 'w.db'}")


def talk(world, backend, who="bram"):
    return Character(world, who, Gateway(backend, FAST))


def test_prompt_carries_persona_and_the_fact_that_answers(world):
    backend = ScriptedBackend(default="Forty coins, friend.")
    bram = talk(world, backend)
    bram.reply("p1", "How much is the iron anchor?")
    system, *_, turn = backend.calls[0]
    assert system.role == "system" and "Bram" in system.content and "blacksmith" in system.content
    first_fact = turn.content.split("Facts:\n- ")[1].splitlines()[0]
    assert "anchor" in first_fact and "40" in first_fact
    assert turn.content.rstrip().endswith("p1: How much is the iron anchor?")
    assert "Answer with" not in turn.content  # an instruction in the turn is what a small model repeats


def test_reply_streams_in_sentences_and_both_turns_are_recorded(world):
    bram = talk(world, ScriptedBackend(default="I am Bram. The anchor costs 40 coins. Good day!"))
    pieces = list(bram.respond("p1", "How much is the anchor?"))
    assert len(pieces) == 3 and "".join(pieces) == bram.last.text
    said = world.events(kind="say", between=("p1", "bram"))
    assert [(e.actor, e.data["text"]) for e in said] == [
        ("p1", "How much is the anchor?"), ("bram", bram.last.text)]


def test_invented_names_and_prices_are_dropped(world):
    bram = talk(world, ScriptedBackend(
        default="I work at the Golden Dragon Tavern. The anchor costs 99 coins. The anchor costs 40 coins."))
    reply = bram.reply("p1", "How much is the anchor?")
    assert reply.text == "The anchor costs 40 coins."
    assert len(reply.dropped) == 2 and any("Golden Dragon" in d for d in reply.dropped)


def test_missing_fact_is_stated_by_the_world(world):
    reply = talk(world, ScriptedBackend(default="Ah, a fine choice, friend.")).reply("p1", "How much is the anchor?")
    assert reply.completed and "40 coins" in reply.text and reply.text.startswith("Ah, a fine choice")


def test_all_invented_reply_is_replaced_by_facts(world):
    reply = talk(world, ScriptedBackend(default="Captain Zork sells it at Moonbay.")).reply("p1", "How much is the anchor?")
    assert reply.composed and "Zork" not in reply.text and "40" in reply.text


def test_recent_turns_are_in_the_next_prompt_even_after_a_restart(world, tmp_path):
    backend = ScriptedBackend(default="Welcome to the Forge.")
    talk(world, backend).reply("p1", "Hello there!")
    again = open_world(database_url=world.store.url)  # a new process on the same database
    backend2 = ScriptedBackend(default="Yes.")
    talk(again, backend2).reply("p1", "Do you remember me?")
    roles = [(m.role, m.content) for m in backend2.calls[0][1:-1]]
    assert roles == [("user", "Hello there!"), ("assistant", "Welcome to the Forge.")]


def test_chinese_question_with_an_english_only_model_gets_a_composed_chinese_reply(world):
    backend = ScriptedBackend(default="should not be used", languages=frozenset({"en"}))
    reply = talk(world, backend, "mara").reply("p1", "博物馆几点开门？")
    assert reply.composed and reply.language == "zh"
    assert "海事博物馆" in reply.text and "09:00-17:00" in reply.text and "玛拉" in reply.text
    assert backend.calls == []


@pytest.mark.parametrize("text, reason", [("   ", "empty"), ("x" * (MAX_MESSAGE_CHARS + 1), "limit")])
def test_bad_messages_are_refused_with_a_reason_before_any_model_call(world, text, reason):
    backend = ScriptedBackend()
    with pytest.raises(InvalidMessage, match=reason):
        talk(world, backend).reply("p1", text)
    assert backend.calls == [] and world.events(kind="say") == []


class Dead:
    name, enforces_timeout, languages = "dead", False, frozenset({"en", "zh"})

    def stream(self, messages, *, max_tokens=256, schema=None, timeout=30.0):
        raise ConnectionError("connection refused")
        yield  # pragma: no cover


def test_dead_backend_gets_an_in_character_line_and_the_turn_is_recorded(world, caplog):
    reply = talk(world, Dead()).reply("p1", "How much is the anchor?")
    assert reply.fallback and "Bram" in reply.text
    assert any("connection refused" in r.getMessage() for r in caplog.records if r.levelname == "ERROR")
    said = world.events(kind="say", between=("p1", "bram"))
    assert [e.actor for e in said] == ["p1", "bram"] and said[1].data["fallback"] is True


def test_unknown_character_is_refused(world):
    with pytest.raises(InvalidMessage, match="bram"):
        Character(world, "zorro", Gateway(ScriptedBackend(), FAST))


def test_name_question_with_a_model_that_forgets_gets_the_persona_name(world):
    reply = talk(world, ScriptedBackend(default="I am a humble smith."), "bram").reply("p1", "What is your name?")
    assert "Bram" in reply.text



def test_a_returning_player_is_greeted_by_name_and_the_last_talk_is_recalled(world):
    backend = ScriptedBackend(default="Anchors are my trade.")
    bram = talk(world, backend)
    first = bram.reply("Ada", "How much is the iron anchor?")
    assert "Ada" not in first.text  # a stranger gets no "again"
    later = open_world(database_url=world.store.url)  # after a restart, an hour later
    later.advance(60)
    again = talk(later, backend)
    pieces = list(again.respond("Ada", "Hello again!"))
    assert pieces[0] in ("Good to see you again, Ada.", "Welcome back, Ada.", "Hello again, Ada.")
    assert "".join(pieces) == again.last.text
    assert ("user", "How much is the iron anchor?") in [(m.role, m.content) for m in backend.calls[-1]]
    again.reply("Ada", "What do you sell?")  # the same conversation: no second greeting
    assert "Ada" not in again.last.text


def test_relationship_warms_with_kind_words_and_cools_with_rude_ones(world):
    from llmverse.characters.relations import relationship

    bram = talk(world, ScriptedBackend(default="Hm."))
    bram.reply("Ada", "Thanks, you are very kind!")
    bram.reply("Rex", "You are a liar and rude.")
    ada, rex = relationship(world, "bram", "Ada"), relationship(world, "bram", "Rex")
    assert ada.familiarity == rex.familiarity == 1
    assert ada.affinity > 0 > rex.affinity


def test_a_looping_sentence_is_dropped(world):
    loop = "I went to the Library of the Library of the Library of the Library of the Library"
    reply = talk(world, ScriptedBackend(default=f"Welcome to the Forge. {loop}")).reply("p1", "Hello!")
    assert reply.text == "Welcome to the Forge." and reply.dropped == [loop]


def test_a_meeting_request_is_answered_by_the_plan(world):
    from llmverse.characters.plans import DayPlan

    nell = talk(world, ScriptedBackend(default="Oh, lovely!"), "nell")
    reply = nell.reply("Ada", "Can you meet me at the fountain at 12:30?")
    assert "I will meet Ada at the Market at 12:30" in reply.text and reply.completed
    step = DayPlan(world, world.characters["nell"]).step_at(world.now().replace(hour=12, minute=45))
    assert step.place == "market" and step.why == "asked by Ada"
    bram = talk(world, ScriptedBackend(default="Hm."), "bram")
    refused = bram.reply("Ada", "下午三点在公园见面好吗？")
    assert "不能" in refused.text and "铁匠铺" in refused.text  # he works at the forge at 15:00
    assert DayPlan(world, world.characters["bram"]).step_at(world.now().replace(hour=15)).place == "forge"


def test_mood_toward_a_player_colours_the_prompt(world):
    backend = ScriptedBackend(default="Hm.")
    bram = talk(world, backend)
    bram.reply("Rex", "You are a liar, rude and stupid.")
    bram.reply("Rex", "What do you sell?")
    assert "Speak coolly to this visitor." in backend.calls[-1][0].content
    bram.reply("Ada", "Thanks, you are wonderful and kind!")
    bram.reply("Ada", "What do you sell?")
    assert "Speak warmly to this visitor." in backend.calls[-1][0].content


def test_a_player_who_gives_a_name_is_called_by_it_later(world):
    bram = talk(world, ScriptedBackend(default="Hm."), "bram")
    bram.reply("visitor6", "My name is Ana.")
    assert bram.last.status == "smalltalk"  # a meeting, not an unknown thing called Ana
    reply = bram.reply("visitor6", "What's my name?")
    assert "Ana" in reply.text and "visitor6" not in reply.text


def test_asking_ones_name_in_chinese_gives_no_name(world):
    bram = talk(world, ScriptedBackend(default="嗯。"), "bram")
    bram.reply("visitor6", "我叫小明。")
    reply = bram.reply("visitor6", "我叫什么名字？")  # once read as the player telling their name: 什么名字
    assert "小明" in reply.text and "什么名字" not in reply.text


def test_the_fact_the_model_already_said_word_for_word_is_not_added_again(world):
    # The model's sentence holds the fact after a filler; the fact's answers (a place name in English) did
    # not show in the Chinese, so the world appended the same fact: "我下午的安排：…。我下午的安排：…。"
    from llmverse.characters.facts import FactBook

    plan = next(f for f in FactBook(world, world.characters["bram"], None).facts if f.id == "plan:afternoon")
    bram = talk(world, ScriptedBackend(default="是这样的，" + plan.zh), "bram")
    reply = bram.reply("visitor6", "你下午打算做什么？")
    assert reply.key == "plan:afternoon" and reply.text.count("下午的安排") == 1, reply.text


def test_asked_a_name_never_given_the_character_says_so(world):
    reply = talk(world, ScriptedBackend(default="Hm."), "bram").reply("visitor6", "What's my name?")
    assert reply.status == "unknown" and "haven't told me" in reply.text


def test_a_thing_the_world_lacks_is_declined_with_what_the_seller_has(world):
    backend = ScriptedBackend(default="Yes, I sell fine swords for 30 coins.")
    reply = talk(world, backend, "bram").reply("p1", "Do you sell swords?")
    assert reply.status == "unknown" and "sword" in reply.text and "anchor" in reply.text
    assert "30" not in reply.text and backend.calls == []  # the model is not asked to make it up


def test_a_seller_asked_at_its_own_workplace_declines_with_what_it_sells(world):
    reply = talk(world, ScriptedBackend(default="Hm."), "bram").reply("p1", "Do you sell swords at the Forge?")
    assert reply.status == "unknown" and "swords" in reply.text and "anchor" in reply.text


def test_a_declined_thing_is_named_as_the_player_named_it(world):
    reply = talk(world, ScriptedBackend(default="Hm."), "lin").reply("p1", "Does the Maritime Museum have a gift shop?")
    assert reply.status == "unknown" and "gift shop" in reply.text


@pytest.mark.parametrize("question, named, not_named", [
    ("Do you have any rope left?", "rope", "rope left"),
    ("Do you sell swords cheaply?", "swords", "cheaply"),
    ("Where is the nearest bowling alley?", "bowling alley", "nearest"),
])
def test_a_declined_thing_is_named_without_the_words_around_it(world, question, named, not_named):
    reply = talk(world, ScriptedBackend(default="Hm."), "bram").reply("p1", question)
    assert reply.status == "unknown" and named in reply.text and not_named not in reply.text


def test_a_question_about_how_a_place_came_to_be_is_declined_about_the_place(world):
    backend = ScriptedBackend(default="Bram built it in 1820.")
    reply = talk(world, backend, "lin").reply("p1", "Who built the Forge?")
    assert reply.status == "unknown" and "Forge" in reply.text and "Bram" not in reply.text
    assert backend.calls == []


def test_an_attribute_the_place_lacks_is_declined_not_answered_with_its_hours(world):
    reply = talk(world, ScriptedBackend(default="Hm."), "mara").reply("p1", "How much is a ticket to the museum?")
    assert reply.status == "unknown" and "09:00" not in reply.text and "ticket" in reply.text


def test_a_question_in_another_language_gets_english_naming_the_languages(world):
    backend = ScriptedBackend(default="Hm.")
    reply = talk(world, backend, "mara").reply("p1", "Wie viel kostet der Eintritt ins Museum?")
    assert reply.language == "en" and "English and Chinese" in reply.text and backend.calls == []


def test_the_models_labels_and_asides_never_reach_the_player(world):
    backend = ScriptedBackend(default="Visitor6: I'm not sure. (In this scenario, the newbie is asking Bram.) "
                                      "Bram: The iron anchor costs 40 coins.")
    reply = talk(world, backend, "bram").reply("visitor6", "How much is the iron anchor?")
    assert reply.text == "The iron anchor costs 40 coins."
    assert reply.dropped and reply.dropped[0].startswith("Visitor6:")


def test_a_chinese_reply_carries_no_english_from_the_world(world):
    backend = ScriptedBackend(default="unused", languages=frozenset({"en"}))
    for who, q in (("bram", "你今天有什么计划？"), ("nell", "集市是什么样的？"), ("lin", "丢了东西怎么办？")):
        reply = talk(world, backend, who).reply("p1", q)
        assert reply.language == "zh"
        assert not re.search(r"[A-Za-z]{3,}", reply.text), reply.text


def test_quantities_with_the_wrong_unit_are_dropped(world):
    backend = ScriptedBackend(default="It takes me 2 hours to make a big anchor. A big one takes me two days.")
    reply = talk(world, backend, "bram").reply("p1", "How long does it take you to make a big anchor?")
    assert "2 hours" not in reply.text and "two days" in reply.text


def test_a_world_text_missing_in_chinese_falls_back_to_english_and_says_so_in_the_log(tmp_path, caplog):
    import logging

    import yaml

    from llmverse.world.loader import load_world
    from llmverse.world.world import DEFAULT_WORLD

    data = load_world(DEFAULT_WORLD).model_dump(exclude_none=True)
    for place in data["places"]:
        place.pop("description_zh", None)
    path = tmp_path / "world.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    w = open_world(path, f"sqlite:///{tmp_path / 'w.db'}")
    assert w.places["market"].description_zh is None
    backend = ScriptedBackend(default="unused", languages=frozenset({"en"}))
    with caplog.at_level(logging.INFO, logger="llmverse.voice.fact"):
        reply = Character(w, "nell", Gateway(backend, FAST)).reply("p1", "集市是什么样的？")
    assert "Stalls of fish" in reply.text  # the English stands in; nothing crashes
    assert any("no Chinese text" in r.getMessage() for r in caplog.records)


def test_a_sentence_from_an_earlier_reply_is_not_said_again(world):
    backend = ScriptedBackend(default="I am Bram, the blacksmith of Harbor Town. I am at the Forge.")
    bram = talk(world, backend, "bram")
    first = bram.reply("ana", "Lovely morning, isn't it")
    second = bram.reply("ana", "Busy day at the forge")
    assert "I am at the Forge." in first.text
    assert "I am at the Forge." not in second.text and second.reasons.count("said before") == 2


@pytest.mark.parametrize("question, language, name", [
    ("How old is the lighthouse?", "en", "lighthouse"),
    ("灯塔有多高？", "zh", "灯塔"),
])
def test_a_detail_nobody_told_is_declined_naming_what_was_asked_about(world, question, language, name):
    backend = ScriptedBackend(default="The lighthouse is 300 years old.")
    reply = talk(world, backend, "mara").reply("p1", question)
    assert reply.status == "unknown" and reply.language == language and name in reply.text
    assert "300" not in reply.text and backend.calls == []


@pytest.mark.parametrize("question, said, language", [
    ("When does the Library open?", "I don't know that. The Library is open 09:00-20:00.", "en"),
    ("图书馆的营业时间是什么？", "这个我不知道。图书馆开放时间是09:00-20:00。", "zh"),
])
def test_a_reply_never_claims_not_to_know_what_the_world_holds(world, question, said, language):
    backend = ScriptedBackend(default=said, languages=frozenset({"en", "zh"}))
    reply = talk(world, backend, "otto").reply("p1", question)
    assert reply.status == "answered" and "09:00" in reply.text
    assert "know" not in reply.text and "不知道" not in reply.text and reply.dropped
