"""Phrases are data: one function, variants in turn, English standing in for a missing phrase."""

import pytest

from llmverse.errors import LlmverseError
from llmverse.lang import other_language
from llmverse.voice.locale import languages, phrase, prompt, section, table


def test_every_language_has_every_english_phrase_with_the_same_slots():
    import string

    def flat(tab: dict, prefix: str = "") -> dict[str, object]:  # sections (directions, ...) key by key
        out: dict[str, object] = {}
        for k, v in tab.items():
            if isinstance(v, dict):
                out.update(flat(v, f"{prefix}{k}."))
            else:
                out[prefix + k] = v
        return out

    def slots(v) -> set[str]:
        texts = v if isinstance(v, list) else [v]
        return {f for t in texts if isinstance(t, str) for _, f, _, _ in string.Formatter().parse(t) if f}

    assert {"en", "zh"} <= set(languages())
    en, zh_table = flat(table("en")), flat(table("zh"))
    for key, value in en.items():
        zh = zh_table.get(key)
        assert zh is not None, key
        assert slots(zh) <= slots(value) | {"player", "name", "role", "world", "what", "subject", "wares"}, key


def test_a_section_takes_a_missing_key_from_english():
    assert section("directions", "fr")["left"] == section("directions", "en")["left"]
    assert section("directions", "zh")["compass"]["east"] == "东"
    with pytest.raises(LlmverseError):
        section("no_such_section", "en")


def test_variants_take_turns_and_slots_are_filled():
    a, b = phrase("greet_again", "en", 0, player="Ana"), phrase("greet_again", "en", 1, player="Ana")
    assert a != b and "Ana" in a and "Ana" in b


def test_a_language_without_a_file_falls_back_to_english():
    assert phrase("decline_general", "fr") == phrase("decline_general", "en")


def test_unknown_names_are_errors():
    with pytest.raises(LlmverseError):
        phrase("no_such_phrase", "en")
    with pytest.raises(LlmverseError):
        prompt("no_such_prompt")


@pytest.mark.parametrize("text, lang", [
    ("Wie viel kostet der Eintritt ins Museum?", "de"), ("Où est le musée, s'il vous plaît?", "fr"),
    ("¿Dónde está el museo?", "es"), ("博物館はどこですか？", "ja"), ("Где музей?", "ru"),
    ("Where is the museum?", None), ("博物馆在哪里？", None), ("Bram的铁锚多少钱", None),
])
def test_other_languages_are_recognised(text, lang):
    assert other_language(text) == lang
