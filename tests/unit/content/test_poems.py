"""Poems: retries with feedback until the form holds, assembly from attempts (the world's lines filling in),
never a poem off its form, the model's stream cut once the poem is written, Chinese composed."""

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


def test_after_the_budget_the_models_lines_that_fit_are_kept_and_the_world_fills_the_rest(world, scripted):
    gw = scripted([(r"haiku|breaks the form", "The harbour is calm\nand blue")])
    poem = generate("poem", world, gw, form="haiku", topic="harbour", attempts=3)
    assert poem.form_ok and poem.passed and len(poem.attempts) == 3 and poem.method == "assembled"
    assert poem.lines[0] == "The harbour is calm" and len(poem.lines) == 3  # the model's 5, the world's 7 and 5
    assert all("it has 2 lines; a haiku has 3" in a.problems for a in poem.attempts)
    assert any("1 of 3 lines from the model" in n for n in poem.notes)


def test_when_no_line_of_the_model_fits_the_poem_is_the_worlds(world, scripted):
    gw = scripted([(r"haiku|breaks the form", "and blue\nso blue")])
    poem = generate("poem", world, gw, form="haiku", topic="harbour", attempts=2)
    assert poem.form_ok and poem.method == "composed" and len(poem.attempts) == 2
    assert "blue" not in poem.text


def test_the_model_is_cut_off_once_it_has_written_the_poem(world, scripted):
    rambling = GOOD + "\n" + "\n".join(f"and then the gulls came back again {i}" for i in range(50))
    gw = scripted([(r"haiku", rambling)])
    poem = generate("poem", world, gw, form="haiku", topic="harbour")
    assert poem.form_ok and poem.lines == GOOD.splitlines()
    assert len(gw.history) == 1 and gw.history[0].completion_tokens < 30  # a line past the poem, not 50 lines


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
    assert any("Zorbleton" in p for p in poem.attempts[0].problems)
    assert poem.form_ok and "Zorbleton" not in poem.text and poem.method == "assembled"


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
    assert "it copies the example poem" in poem.attempts[0].problems[0]
    assert poem.method == "composed" and poem.form_ok and poem.lines != copied.splitlines()


def test_a_made_up_word_breaks_an_english_poem(world, scripted):
    gw = scripted([(r"haiku", "Lanterns in the park\nand the lilacinets bloom now\nquiet nets at dawn")])
    poem = generate("poem", world, gw, form="haiku", topic="park", attempts=1)
    assert "'lilacinets' is not an English word" in poem.attempts[0].problems
    assert poem.form_ok and "lilacinets" not in poem.text
