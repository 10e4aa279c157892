"""Generated in-world questions: bilingual, repeatable, and never one of the questions that bound the head."""

from llmverse.safety import datagen_world, world_bound


def test_generated_world_questions_are_bilingual_distinct_and_repeatable():
    rows = datagen_world.generate(seed=0, n=300)
    texts = [r["text"] for r in rows]
    assert len(texts) == len(set(texts)) == 300
    langs = {r["language"] for r in rows}
    assert langs == {"en", "zh"}
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in r["text"]) == (r["language"] == "zh") for r in rows)
    assert rows == datagen_world.generate(seed=0, n=300) and rows != datagen_world.generate(seed=1, n=300)


def test_no_generated_question_is_one_the_thresholds_are_bounded_on():
    questions = world_bound.world_questions()
    bound = {t.casefold() for t in questions}
    plain = [r["text"] for r in datagen_world.generate(seed=0, n=600) if r["text"].casefold() in bound]
    assert plain  # common questions ("怎么去剧院？") come out of the frames too ...
    rows = datagen_world.generate(seed=0, n=600, exclude=questions)
    assert len(rows) == 600 and not [r for r in rows if r["text"].casefold() in bound]  # ... and are dropped
