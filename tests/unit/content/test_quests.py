"""Quests: schema JSON from the model, walked through the world, retried, else built by rules."""

import json

import pytest

from llmverse.content import UnknownChoice, generate
from llmverse.content.quest_rules import QuestStep, check_steps, ideas
from llmverse.content.quests import quest_schema
from llmverse.content.registry import Context

FETCH = {"title": "Hooks for Mara", "objective": "Buy a fishing hook at the Forge and bring it to Mara.",
         "steps": [{"action": "go", "target": "forge"}, {"action": "buy", "target": "fishing_hook"},
                   {"action": "go", "target": "museum"}, {"action": "give", "target": "fishing_hook", "to": "mara"}],
         "reward_coins": 6}


def draft(**change):
    return json.dumps({**FETCH, **change})


def test_a_valid_model_draft_becomes_the_quest(world, scripted):
    gw = scripted([(r"Give a visitor a quest", draft())])
    q = generate("quest", world, gw, giver="mara")
    assert q.valid and q.drafted_by == "model" and q.scores["first_draft_valid"] == 1.0
    assert q.title == "Hooks for Mara" and [s.action for s in q.steps] == ["go", "buy", "go", "give"]
    assert q.steps[1].text == "Buy the fishing hook (2 coins)."
    assert "place:forge" in q.entities and "thing:fishing_hook" in q.entities


def test_a_draft_that_cannot_be_done_is_sent_back_then_replaced_by_rules(world, scripted):
    skip_the_walk = draft(steps=[{"action": "buy", "target": "fishing_hook"},
                                 {"action": "give", "target": "fishing_hook", "to": "mara"}])
    gw = scripted([(r"Give a visitor a quest|cannot be done", skip_the_walk)])
    q = generate("quest", world, gw, giver="mara", attempts=2)
    assert q.drafted_by == "rules" and q.valid and q.scores["model_valid"] == 0.0
    assert len(q.drafts) == 2 and "add a step to go there first" in q.drafts[0].problems[0]
    assert "cannot be done" in gw.backend.calls[1][-1].content


def test_an_invented_name_in_the_title_is_replaced_by_a_composed_one(world, scripted):
    gw = scripted([(r"Give a visitor a quest", draft(title="Captain Zorbleton's hooks"))])
    q = generate("quest", world, gw, giver="mara")
    assert q.drafted_by == "model" and "Zorbleton" not in q.title and q.title == "A fishing hook for Mara"


def test_steps_are_walked_through_the_world(world):
    ok = [QuestStep(action="go", target="market"), QuestStep(action="buy", target="bread_loaf"),
          QuestStep(action="go", target="forge"), QuestStep(action="give", target="bread_loaf", to="bram")]
    assert check_steps(world, "bram", ok, 5) == []
    exhibit = [QuestStep(action="go", target="museum"), QuestStep(action="buy", target="founding_bell")]
    assert "not for sale" in check_steps(world, "bram", exhibit, 5)[0]
    wrong_person = [QuestStep(action="go", target="library"), QuestStep(action="talk", target="bram")]
    assert "Bram is not found at the Library" in check_steps(world, "lin", wrong_person, 5)[0]
    empty_handed = [QuestStep(action="give", target="anchor", to="lin")]
    assert "does not have" in check_steps(world, "lin", empty_handed, 5)[0]
    assert any("outside 0..50" in p for p in check_steps(world, "bram", ok, 99))
    assert "only walks about" in check_steps(world, "bram", [QuestStep(action="go", target="park")], 1)[0]


def test_rule_built_ideas_all_pass_and_the_schema_pins_ids_to_the_world(world, scripted):
    for giver in world.characters:
        found = ideas(world, giver)
        assert found and all(check_steps(world, giver, list(i.steps), i.reward) == [] for i in found)
    schema = quest_schema(Context(world, scripted()))
    target = schema["properties"]["steps"]["items"]["properties"]["target"]["enum"]
    assert "forge" in target and "anchor" in target and "bram" in target and "dragon" not in target


def test_chinese_quests_are_composed_from_the_steps(world, scripted):
    gw = scripted([(r"Give a visitor a quest", draft())])
    q = generate("quest", world, gw, giver="mara", language="zh")
    assert q.valid and q.title == "为玛拉买鱼钩" and "前往铁匠铺。" in q.text and "奖励" in q.text


def test_an_unknown_giver_lists_the_characters(world, scripted):
    with pytest.raises(UnknownChoice, match="quest giver 'zed'; choose one of: bram, lin, mara, nell, otto"):
        generate("quest", world, scripted(), giver="zed")
