"""Poem forms: syllables (CMU dictionary, heuristic for unknown words), rhyme, Chinese characters per line."""

from llmverse.content.forms import FORMS, guess_syllables, line_syllables, rhyme_key, split_lines, syllables


def test_syllables_come_from_the_dictionary_and_unknown_words_from_the_heuristic():
    assert [syllables(w) for w in ("museum", "harbour", "lantern", "bell")] == [3, 2, 2, 1]
    assert syllables("Zorbleton") == guess_syllables("Zorbleton") == 3
    assert [guess_syllables(w) for w in ("stone", "little", "sea", "Bram")] == [1, 2, 1, 1]


def test_haiku_needs_three_lines_of_five_seven_five():
    check = FORMS["haiku"].check
    assert check(["Gulls over the pier", "nets drying in the warm wind", "the boats rest at noon"]).ok
    wrong = check(["Gulls over the long pier", "nets drying in the wind", "boats rest"])
    assert not wrong.ok and wrong.measures == ["6", "6", "2"]
    assert "line 1 has 6 syllables; it needs 5" in wrong.problems
    assert not check(["a", "b"]).ok


def test_quatrain_needs_abab_rhyme_with_two_different_rhymes():
    check = FORMS["quatrain"].check
    assert check(["The lamps are lit along the quay", "the boats come home before the night",
                  "the gulls fly low above the sea", "and windows glow with yellow light"]).ok
    aabb = check(["The lamps are lit along the quay", "the gulls fly low above the sea",
                  "the boats come home before the night", "and windows glow with yellow light"])
    assert not aabb.ok and any("do not rhyme" in p for p in aabb.problems)
    same = check(["I walk along the quay", "I see the night", "I walk along the quay", "I see the night"])
    assert any("same word" in p for p in same.problems)
    assert rhyme_key("sea") == rhyme_key("quay") != rhyme_key("night")


def test_jueju_counts_han_characters_per_line_punctuation_aside():
    assert FORMS["jueju5"].check(["港口渔歌长，", "灯塔映夕阳。", "集市人声沸，", "铜钟响四方。"]).ok
    bad = FORMS["jueju5"].check(["港口渔歌长长，", "灯塔映夕阳。", "集市人声沸，", "铜钟响4方。"])
    assert not bad.ok and len(bad.problems) == 2
    assert FORMS["jueju7"].check(["港口春来聚人家，", "集市清晨海风凉。", "公园风里听潮声，", "旅店灯前帆影忙。"]).ok
    assert not FORMS["jueju7"].check(["港口渔歌长，"] * 4).ok


def test_lines_are_taken_out_of_a_chatty_reply():
    assert split_lines("Title: Harbour\n1. Gulls over the pier\n- nets dry\n\n", FORMS["haiku"]) == [
        "Gulls over the pier", "nets dry"]
    assert split_lines("港口渔歌长，灯塔映夕阳。集市人声沸，铜钟响四方。", FORMS["jueju5"]) == [
        "港口渔歌长，", "灯塔映夕阳。", "集市人声沸，", "铜钟响四方。"]
    assert line_syllables("nets drying in the warm wind") == 7
