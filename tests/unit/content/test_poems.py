"""Poems: retries with feedback until the form holds, assembly from attempts, failure reported, Chinese composed."""

import pytest

from llmverse.content import UnknownChoice, generate

GOOD = "Lanterns in the park\nthe warm wind moves through the trees\nquiet nets at dawn"
LONG = "Lanterns glow in the old park\nthe warm wind moves through the trees\nquiet nets at dawn"


def replies(*texts):
    """A backend reply that is the next text each time it is called."""
    it = iter(texts)
    return lambda messages: next(it, texts[-1])


def test_a_haiku_off_its_form_is_retried_with_feedback_until_it_holds(world, scripted):
    gw = scripted([(r"haiku|breaks the form", replies(LONG, GOOD))])
    poem = generate("poem", world, gw, form="haiku", topic="harbour")
    assert poem.form_ok and poem.method == "model" and poem.lines == GOOD.splitlines()
    assert [a.ok for a in poem.attempts] == [False, True]
    feedback = gw.backend.calls[1][-1].content
    assert "line 1 has 7 syllables; it needs 5" in feedback
    assert poem.entities == ["place:harbour"]


def test_after_the_budget_the_best_attempt_is_returned_marked_as_failing(world, scripted):
    gw = scripted([(r"haiku|breaks the form", "The harbour is calm\nand blue")])
    poem = generate("poem", world, gw, form="haiku", topic="harbour", attempts=3)
    assert not poem.form_ok and not poem.passed and len(poem.attempts) == 3
    assert poem.lines == ["The harbour is calm", "and blue"]
    assert "it has 2 lines; a haiku has 3" in poem.problems
    assert any("FAILS THE FORM" in n for n in poem.notes)


def test_lines_from_failed_attempts_are_assembled_when_they_fit(world, scripted):
    first = "Lanterns in the park\nthe sea\nboats"  # a 5-syllable line
    second = "the warm wind moves through the trees\nquiet nets at dawn"  # a 7 and another 5
    gw = scripted([(r"haiku|breaks the form", replies(first, second))])
    poem = generate("poem", world, gw, form="haiku", topic="harbour", attempts=2)
    assert poem.form_ok and poem.method == "assembled"
    assert sorted(poem.lines) == sorted(GOOD.splitlines())


def test_an_invented_name_breaks_the_poem(world, scripted):
    gw = scripted([(r"haiku|breaks the form", "Captain Zorbleton\nthe warm wind moves through the trees\nquiet nets at dawn")])
    poem = generate("poem", world, gw, form="haiku", topic="harbour", attempts=1)
    assert not poem.form_ok and any("Zorbleton" in p for p in poem.problems)


def test_chinese_poems_are_composed_from_world_words_and_verified(world, scripted):
    gw = scripted()
    for form, n in (("jueju5", 5), ("jueju7", 7)):
        poem = generate("poem", world, gw, form=form, topic="harbour")
        assert poem.method == "composed" and poem.form_ok and poem.language == "zh"
        assert len(poem.lines) == 4 and all(len(line) - 1 == n for line in poem.lines)  # one punctuation mark
        assert "港口" in poem.text
    assert gw.backend.calls == []


def test_a_model_that_writes_chinese_is_asked_and_checked(world, scripted):
    good = "港口渔歌长，\n灯塔映夕阳。\n集市人声沸，\n铜钟响四方。"
    gw = scripted([(r"五言绝句|breaks the form", replies("港口的渔歌很长很长，", good))], languages=frozenset({"en", "zh"}))
    poem = generate("poem", world, gw, form="jueju5", topic="harbour")
    assert poem.method == "model" and poem.form_ok and len(poem.attempts) == 2


def test_an_unknown_form_lists_the_forms(world, scripted):
    with pytest.raises(UnknownChoice, match="haiku, jueju5, jueju7, quatrain"):
        generate("poem", world, scripted(), form="sonnet")


def test_a_comment_after_the_poem_is_not_part_of_it_and_copying_the_example_fails(world, scripted):
    chatty = GOOD + "\nIn this haiku I tried to capture the harbour."
    poem = generate("poem", world, scripted([(r"haiku", chatty)]), form="haiku", topic="harbour")
    assert poem.form_ok and poem.lines == GOOD.splitlines()
    copied = "The lamps are lit along the quay\nthe boats come home before the night\n" \
             "the gulls fly low above the sea\nand windows glow with yellow light"
    poem = generate("poem", world, scripted([(r"quatrain|breaks", copied)]), form="quatrain", topic="harbour", attempts=1)
    assert not poem.form_ok and "it copies the example poem" in poem.problems[0]


def test_a_made_up_word_breaks_an_english_poem(world, scripted):
    gw = scripted([(r"haiku", "Lanterns in the park\nand the lilacinets bloom now\nquiet nets at dawn")])
    poem = generate("poem", world, gw, form="haiku", topic="park", attempts=1)
    assert not poem.form_ok and "'lilacinets' is not an English word" in poem.problems
