"""Nothing of the prompt on screen: labels, stage directions, meta talk, echoes, repeats."""

import pytest

from llmverse.voice.clean import Cleaner


def cleaner(**kw):
    base = dict(speaker_names=("Bram", "布拉姆"), other_names=("visitor6", "Ana"),
                question="How long do you keep lost things?",
                instructions=("Speak as Bram, in the first person, in one to three short sentences of English.",
                              "Use only the facts you are given; if they do not answer the question, say you do not know."))
    base.update(kw)
    return Cleaner(**base)


def test_own_label_is_removed_and_the_sentence_kept():
    assert cleaner().clean("Bram: The anchor costs 40 coins.") == ("The anchor costs 40 coins.", None)
    assert cleaner().clean("布拉姆：铁锚四十个铜币。")[0] == "铁锚四十个铜币。"


@pytest.mark.parametrize("sentence", [
    "Visitor6: I'm not sure, but I'll tell you what happens next.",
    "Ana says: thank you!",
    "User: what else?",
])
def test_a_line_written_for_someone_else_is_dropped(sentence):
    kept, why = cleaner().clean(sentence)
    assert kept is None and why == "speaks for someone else"


@pytest.mark.parametrize("sentence", [
    "(In this scenario, the newbie is asking Mara about her plans.)",
    "*smiles*",
])
def test_stage_directions_are_cut(sentence):
    assert cleaner().clean(sentence)[0] is None


def test_a_stage_direction_inside_a_sentence_is_cut_but_prices_in_brackets_stay():
    assert cleaner().clean("*wipes hands* I sell hooks (2 coins).")[0] == "I sell hooks (2 coins)."


@pytest.mark.parametrize("sentence", [
    "In this scenario, I am the blacksmith.",
    "As an AI language model, I cannot know that.",
    "Facts: the anchor costs 40 coins.",
    "I have been instructed to use only the facts.",
])
def test_meta_talk_is_dropped(sentence):
    kept, why = cleaner().clean(sentence)
    assert kept is None and why == "talks about the conversation"


def test_restating_an_instruction_is_a_leak():
    kept, why = cleaner().clean("I will speak in the first person, in one to three short sentences.")
    assert kept is None


def test_an_echo_of_the_player_is_dropped():
    kept, why = cleaner().clean("How long do you keep lost things?")
    assert kept is None and why == "echoes the player"


def test_a_sentence_said_before_is_not_said_again():
    c = cleaner(earlier=("Good to see you again, Ana.",))
    assert c.clean("Good to see you again, Ana.")[0] is None
    assert c.clean("The hook costs 2 coins.")[0] is not None
    assert c.clean("The hook costs 2 coins.")[1] == "said before"


@pytest.mark.parametrize("sentence", ["Um, my name is Ana.", "I'm Ana.", "我叫安娜。", "我是Ana。", "Call me Ana.",
                                      "叫我安娜就好，我是这里的向导伙伴。"])
def test_a_speaker_claiming_the_players_or_anothers_name_is_dropped(sentence):
    # Asked "What's my name?", the model took the player's name for its own.
    c = Cleaner(speaker_names=("Chen Mei", "陈梅"), other_names=("visitor", "Ana"))
    assert c.clean(sentence) == (None, "claims another's name")


@pytest.mark.parametrize("sentence", ["My name is Chen Mei.", "I'm Mei, the cafe owner.", "我叫陈梅。", "我是咖啡馆老板。",
                                      "I'm Willow Bend's cafe owner.", "I am sure it is open.", "Your name is Ana.",
                                      "我叫人帮你拿过来。", "我叫他明天来取。", "我叫了医生。", "我是Ana的朋友。",
                                      "Call me Monday if you need more."])
def test_the_speakers_own_name_and_other_first_person_lines_stay(sentence):
    c = Cleaner(speaker_names=("Chen Mei", "陈梅"), other_names=("visitor", "Ana"))
    assert c.clean(sentence) == (sentence, None)


def test_a_story_may_quote_a_character_naming_itself():
    c = Cleaner(speaker_names=("Gazette",), other_names=(), first_person=False)
    assert c.clean('"My name is Bram," the smith said.')[0] is not None
