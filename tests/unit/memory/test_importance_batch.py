"""Importance scored for several memories in one model call, with the rules as the fallback."""

from llmverse.llm.gateway import Gateway, GatewayConfig
from llmverse.llm.scripted import ScriptedBackend
from llmverse.memory.importance import ImportanceScorer

ITEMS = [("Nell said hello.", "observation"), ("The forge is on fire!", "observation"),
         ("Bram bought a hammer.", "observation")]


def gateway(reply: str) -> Gateway:
    return Gateway(ScriptedBackend(rules=[(r"each numbered memory", reply)]), GatewayConfig(timeout=2, retries=0))


def test_one_call_rates_a_batch_in_order():
    gw = gateway('{"importance": [2, 10, 4]}')
    scorer = ImportanceScorer(gw)
    assert scorer.score_many(ITEMS, use_model=True) == [2, 10, 4]
    assert len(gw.history) == 1 and scorer.stats.model == 3 and scorer.stats.calls == 1


def test_a_batch_split_by_size_and_rules_without_the_model():
    gw = gateway('{"importance": [5, 6]}')
    scorer = ImportanceScorer(gw)
    assert scorer.score_many(ITEMS[:2] * 2, use_model=True, batch=2) == [5, 6, 5, 6]
    assert len(gw.history) == 2
    rules = scorer.score_many(ITEMS, use_model=False)
    assert rules == [scorer.heuristic(t, kind=k) for t, k in ITEMS] and len(gw.history) == 2


def test_a_wrong_count_falls_back_to_the_rules_for_that_batch():
    scorer = ImportanceScorer(gateway('{"importance": [7]}'))
    got = scorer.score_many(ITEMS, use_model=True)
    assert got == [scorer.heuristic(t, kind=k) for t, k in ITEMS]
    assert scorer.stats.fallbacks == 3 and scorer.stats.model == 0
