"""Router: the model's choice as JSON, narrowed by rules; keywords when the model fails; follow-ups."""

import json
from pathlib import Path

import pytest

from llmverse.assistant.router import Router, ToolChoice, keyword_tool
from llmverse.llm.gateway import Gateway, GatewayConfig
from llmverse.llm.scripted import ScriptedBackend
from llmverse.world.world import open_world

HARBOR = Path(__file__).parents[3] / "src/llmverse/worlds/harbor_town/world.yaml"


@pytest.fixture
def world(tmp_path):
    return open_world(HARBOR, f"sqlite:///{tmp_path / 'w.db'}")


def choose(tool, target="x"):
    return Gateway(ScriptedBackend(default=json.dumps({"tool": tool, "target": target})),
                   GatewayConfig(retries=0))


def test_the_model_decides_when_no_rule_does(world):
    d = Router(choose("smalltalk")).route(world, "nice weather in the harbour today")
    assert (d.tool, d.model_tool, d.rule) == ("smalltalk", "smalltalk", None)


def test_a_route_to_a_known_place_is_navigation_whatever_the_model_says(world):
    for text in ("How do I get to the museum?", "怎么去博物馆？", "where is the founding bell"):
        d = Router(choose("answer"), consult="always").route(world, text)
        assert d.tool == "navigate" and d.place == "museum" and d.model_tool == "answer"


def test_unsure_consults_no_model_when_a_rule_decides(world):
    backend = ScriptedBackend(default=json.dumps({"tool": "answer", "target": "x"}))
    d = Router(Gateway(backend)).route(world, "铁匠铺怎么走？")
    assert d.tool == "navigate" and d.place == "forge" and d.model_tool is None and backend.calls == []


def test_the_model_may_not_navigate_to_a_place_that_does_not_exist(world):
    d = Router(choose("navigate", "moon base")).route(world, "tell me about the moon base")
    assert d.tool == "answer" and d.place is None


def test_keywords_decide_when_the_model_gives_nothing_valid(world):
    broken = Gateway(ScriptedBackend(default="not json at all"), GatewayConfig(retries=0))
    d = Router(broken).route(world, "When does the library close?")
    assert (d.tool, d.model_tool, d.rule) == ("answer", "invalid", "keywords")
    assert Router(None).route(world, "博物馆几点开门？").tool == "answer"


def test_follow_up_refers_to_the_last_destination(world):
    router = Router(None)
    d = router.route(world, "and how long will it take?", {"place": "museum"})
    assert d.tool == "navigate" and d.place == "museum" and d.followup
    assert router.route(world, "要走多久？", {"place": "forge"}).place == "forge"
    assert router.route(world, "and how long will it take?", {}).tool != "navigate"  # nothing to refer to


@pytest.mark.parametrize("text,tool", [
    ("What should I do tonight?", "recommend"), ("有什么好玩的推荐吗？", "recommend"),
    ("Hello!", "smalltalk"), ("谢谢", "smalltalk"), ("Who runs the forge?", "answer"),
])
def test_rules_and_keywords_in_both_languages(world, text, tool):
    assert Router(None).route(world, text).tool == tool
    assert keyword_tool(text) == tool or tool == "answer"


def test_the_schema_is_small_and_closed():
    schema = ToolChoice.model_json_schema()
    assert set(schema["properties"]) == {"tool", "target"}
    assert schema["properties"]["tool"]["enum"] == ["navigate", "recommend", "answer", "smalltalk"]


def test_the_model_is_narrowed_to_what_the_request_can_mean(world):
    d = Router(choose("smalltalk")).route(world, "Who runs the forge?")
    assert d.tool == "answer" and d.model_tool == "smalltalk" and d.rule == "a question, not small talk"
    d = Router(choose("navigate", "图书馆")).route(world, "图书馆几点关门？")
    assert d.tool == "answer" and d.rule == "no way asked"


def test_how_long_about_something_else_is_not_a_travel_follow_up(tmp_path):
    from llmverse.assistant import Assistant
    from llmverse.config import open_gateway, settings
    from llmverse.world.world import open_world

    world = open_world(database_url=f"sqlite:///{tmp_path / 'w.db'}")
    assistant = Assistant(world, open_gateway(settings(model="scripted")))
    assistant.reply("ada", "How do I get to the library?", start="market")
    assert assistant.reply("ada", "And how long will it take?").tool == "navigate"
    assert assistant.reply("ada", "How long do they keep lost items?").tool == "answer"


@pytest.mark.parametrize("text,tool", [
    ("I'm hungry", "recommend"), ("我饿了", "recommend"), ("any events today", "recommend"),
    ("鱼汤多少钱", "answer"), ("have a nice day", "smalltalk"), ("what is the founding bell", "answer"),
])
def test_no_keyword_the_nearest_example_decides_when_the_model_cannot(world, text, tool):
    broken = Gateway(ScriptedBackend(default="not json at all"), GatewayConfig(retries=0))
    d = Router(broken).route(world, text)
    assert d.model_tool == "invalid" and d.tool == tool


def test_nearest_example_reads_meaning_with_an_embedder_and_stays_silent_on_noise():
    from memfakes import HashEmbedder

    from llmverse.assistant.router import NearestExample

    nearest = NearestExample(HashEmbedder(), min_cosine=0.5)
    assert nearest("somewhere nice to eat tonight") == "recommend"
    assert nearest("zzz qqq") is None and nearest("???") is None


@pytest.mark.parametrize("text", ["I love history", "我喜欢历史", "I'm into fishing."])
def test_a_stated_interest_asks_for_recommendations_whatever_the_model_says(world, text):
    d = Router(choose("answer")).route(world, text)
    assert (d.tool, d.rule) == ("recommend", "states an interest")
    assert Router(None).route(world, "Do you like history?").tool != "recommend"  # a question to answer


@pytest.mark.parametrize("text", ["And how long will it take to walk there?", "走过去要多久？", "走路要多久？"])
def test_a_follow_up_with_walking_words_still_refers_back(world, text):
    d = Router(choose("answer")).route(world, text, {"place": "forge"})
    assert (d.tool, d.place, d.followup) == ("navigate", "forge", True)
