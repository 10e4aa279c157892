"""The held-out grounding evaluation: how questions are split and how a reply is scored."""

from __future__ import annotations

import pytest

from llmverse.characters.character import Reply
from llmverse.evals import heldout as ev
from llmverse.world.world import DEFAULT_WORLD, open_world


@pytest.fixture(scope="module")
def worlds(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("heldout")
    out = {w: open_world(DEFAULT_WORLD.parent.parent / w / "world.yaml", f"sqlite:///{tmp / (w + '.db')}")
           for w in ("harbor_town", "pine_hollow", "willow_bend")}
    yield out
    for w in out.values():
        w.store.engine.dispose()


def test_parts_share_no_template_and_the_held_out_part_has_over_500_questions(worlds):
    held = [i for w in ev.HELD_OUT_WORLDS for i in ev.items(worlds[w], w, "held_out")]
    tuning = [i for w in ev.TUNING_WORLDS for i in ev.items(worlds[w], w, "tuning")]
    assert len(held) >= 500 and {i.world for i in held} == {"harbor_town", "pine_hollow"}
    assert not {i.template for i in held} & {i.template for i in tuning}
    assert {i.language for i in held} == {"en", "zh"} and any(i.unanswerable for i in held)
    assert all(not i.expected for i in held if i.unanswerable) and all(i.expected for i in held if not i.unanswerable)


def _item(**kw) -> ev.Item:
    base = dict(world="harbor_town", part="held_out", kind="price", template="price.en.0", language="en",
                character="bram", question="How much is the fishing hook?", expected=("2",))
    return ev.Item(**(base | kw))


def test_a_reply_is_scored_for_the_fact_who_stated_it_and_its_language(worlds):
    w = worlds["harbor_town"]
    s = ev.score(_item(), Reply(text="The fishing hook is 2 coins.", language="en", draft="The fishing hook is 2 coins."),
                 0.5, w, "p1", [])
    assert s.right and s.by_model and s.in_language and s.leak is None and not s.repeated
    composed = ev.score(_item(), Reply(text="The fishing hook costs 2 coins.", language="en", composed=True), 0.1, w, "p1", [])
    assert composed.right and not composed.by_model
    wrong = ev.score(_item(), Reply(text="It is 40 coins. It is 40 coins.", language="en"), 0.1, w, "p1", [])
    assert not wrong.right and wrong.repeated
    other = ev.score(_item(language="zh", question="鱼钩多少钱？"), Reply(text="The hook is 2 coins.", language="en"),
                     0.1, w, "p1", [])
    assert not other.in_language


def test_an_unanswerable_question_answered_with_a_real_price_is_a_substitution(worlds):
    w = worlds["harbor_town"]
    item = _item(kind="absent_thing", expected=(), unanswerable=True, question="How much is a violin?")
    honest = ev.score(item, Reply(text="I don't know of any violin in Harbor Town.", language="en", status="unknown"),
                      0.1, w, "p1", [])
    assert honest.declined and not honest.substituted
    swapped = ev.score(item, Reply(text="The iron anchor costs 40 coins.", language="en"), 0.1, w, "p1", [])
    assert not swapped.declined and swapped.substituted


def test_prompt_text_on_screen_is_a_leak(worlds):
    w = worlds["harbor_town"]
    for text in ("Facts: the hook is 2 coins.", "visitor9 says: hello", "I have talked with you 3 times before."):
        assert ev.score(_item(), Reply(text=text, language="en"), 0.1, w, "visitor9", []).leak, text


def test_distinct_n_falls_when_replies_repeat_themselves():
    varied, samey = ev.Figures(), ev.Figures()
    for i, text in enumerate(["The hook is two coins.", "Our bread sells out by noon.", "Mara guides the museum."]):
        varied.add(ev.Scored(_item(), Reply(text=text, language="en", draft=text), 0.1))
        samey.add(ev.Scored(_item(), Reply(text="The hook is two coins.", language="en", draft="The hook is two coins."), 0.1))
    assert varied.distinct() == 1.0 and samey.distinct() < 0.5


def test_a_role_several_characters_share_is_answered_by_any_of_them(worlds):
    """Willow Bend has two students: "who is the student?" is answered right by naming either."""
    w = worlds["willow_bend"]
    students = {n for c in w.file.characters if c.role == "student" for n in (c.names.en, c.names.zh)}
    asked = [i for p in ("tuning", "held_out") for i in ev.items(w, "willow_bend", p)
             if i.kind == "who" and i.language == "en" and "student" in i.question]
    assert len(students) == 4 and asked
    assert all(set(i.expected) == students for i in asked)
