"""Generated defamation and piracy requests: both languages, labelled, with harmless look-alikes, reproducible."""

from collections import Counter

from llmverse.safety.datagen_taxonomy import generate


def test_rows_cover_both_hazards_and_look_alikes_in_both_languages_and_repeat_by_seed():
    rows = generate(0, 40)
    got = Counter((r["label"], r["language"]) for r in rows)
    assert set(got) == {(lab, lang) for lab in ("hate", "illegal", "safe") for lang in ("en", "zh")}
    assert all(n <= 40 for n in got.values()) and len({r["text"] for r in rows}) == len(rows)
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in r["text"]) == (r["language"] == "zh") for r in rows)
    assert rows == generate(0, 40) and rows != generate(1, 40)
