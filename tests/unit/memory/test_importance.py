import json

import pytest

from llmverse.llm.gateway import Gateway, GatewayConfig
from llmverse.llm.scripted import ScriptedBackend
from llmverse.memory import ImportanceScorer, MemoryStream

from memfakes import T0, HashEmbedder

FAST = GatewayConfig(retries=0, backoff=0.0, timeout=5.0)


@pytest.mark.parametrize("invitation, greeting", [
    ("Nell invited me to her birthday party at the inn tonight", "Hello, good morning!"),
    ("内尔邀请我今晚去旅馆参加她的生日聚会", "你好，早上好！"),
])
def test_heuristic_ranks_an_invitation_above_a_greeting(invitation, greeting):
    s = ImportanceScorer()
    assert s.heuristic(greeting) <= 2
    assert s.heuristic(invitation) >= 7
    assert s.stats.heuristic == 0  # heuristic() is the rule itself; score() counts


def test_heuristic_weighs_danger_trade_names_and_length():
    s = ImportanceScorer(names=["Bram", "布兰", "Tom"])
    mundane = s.heuristic("The weather is mild")
    assert s.heuristic("The bakery is on fire!") >= 8 > mundane
    assert s.heuristic("面包店着火了！") >= 8
    assert s.heuristic("Bought a loaf for 2 coins") > mundane
    assert s.heuristic("Bram walked past") > s.heuristic("Someone walked past")
    assert s.heuristic("布兰走过去了") > s.heuristic("有人走过去了")
    assert s.heuristic("Tom walked past") > s.heuristic("the tomcat walked past") == s.heuristic("x walked past")
    assert s.heuristic("a fireplace") == mundane  # 'fire' as a word, not a prefix
    long_one = " ".join(["the harbour was quiet and grey"] * 8)
    assert s.heuristic(long_one) > mundane
    assert s.heuristic("Nell likes bread", kind="reflection") > s.heuristic("Nell likes bread")
    worst = "Fire! Bram is hurt, the thief stole gold at the party; I love you, please come tonight " * 3
    assert s.heuristic(worst) == 10


def test_model_scores_through_the_gateway_with_a_schema():
    backend = ScriptedBackend(rules=[(r"anchor", json.dumps({"importance": 9}))])
    s = ImportanceScorer(Gateway(backend, FAST), character_name="Bram")
    assert s.score("Bram lost his best anchor", use_model=True) == 9
    assert s.stats.model == 1 and s.stats.fallbacks == 0
    prompt = backend.calls[0][-1].content
    assert "Bram lost his best anchor" in prompt and "to Bram" in prompt
    assert prompt.count("-> {\"importance\":") == 4  # the few-shot examples, English and Chinese
    assert "莉娜" in prompt
    # the heuristic alone would not say 9 for this: the number came from the model
    assert s.heuristic("Bram lost his best anchor") != 9


@pytest.mark.parametrize("junk", ["very important!!", json.dumps({"importance": 42}), '{"score": 5}'])
def test_junk_from_the_model_falls_back_to_the_heuristic(junk):
    backend = ScriptedBackend(default=junk)
    s = ImportanceScorer(Gateway(backend, FAST))
    text = "Nell invited me to a party tonight"
    assert s.score(text, use_model=True) == s.heuristic(text)
    assert s.stats.fallbacks == 1 and s.stats.model == 0 and len(backend.calls) == 1


def test_the_caller_chooses_model_or_heuristic(store):
    backend = ScriptedBackend(default=json.dumps({"importance": 1}))
    scorer = ImportanceScorer(Gateway(backend, FAST))
    stream = MemoryStream(store, "harbor", HashEmbedder(), scorer)
    far = stream.add("bram", "The forge is on fire!", world_time=T0)
    assert far.importance >= 8 and backend.calls == []
    near = stream.add("bram", "The forge is on fire again!", world_time=T0, model_scored=True)
    assert near.importance == 1 and len(backend.calls) == 1
