"""Poem forms with rules a program can check: syllables, rhyme, characters per line.

English syllables come from the CMU Pronouncing Dictionary (`pronouncing`, which ships the
dictionary in its wheel: nothing is downloaded); words it does not know (names such as "Bram")
are counted by a vowel-group heuristic. Rhyme is the CMU "rhyming part" (last stressed vowel to
the end), with a spelling heuristic for unknown words. Chinese quatrains (绝句) count Han
characters per line, punctuation aside. Forms are a registry like the generators.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache

_HAN = re.compile(r"[\u3400-\u9fff]")
_ZH_PUNCT = re.compile(r"[，。！？、；：,.!?;:\s“”\"'‘’（）()《》·…—-]")


@dataclass(frozen=True)
class FormCheck:
    ok: bool
    problems: list[str] = field(default_factory=list)  # fed back to the model when it retries
    measures: list[str] = field(default_factory=list)  # per line: "5", "7", "A:IY1", "5字"


@dataclass(frozen=True)
class PoemForm:
    name: str
    language: str
    lines: int
    instructions: str  # for the model
    example: str  # one poem of the form, on another topic
    check: Callable[[list[str]], FormCheck]


FORMS: dict[str, PoemForm] = {}


def register_form(form: PoemForm) -> None:
    FORMS[form.name] = form


# --- English -----------------------------------------------------------------------------------
@lru_cache(maxsize=1)
def _cmu():
    import pronouncing  # loads the CMU dictionary (~0.7 s): on first use, not at import

    return pronouncing


def pronounceable(word: str) -> bool:
    """Whether the CMU dictionary knows the word."""
    return bool(_cmu().phones_for_word(word.lower().replace("’", "'")))


def words_of(line: str) -> list[str]:
    return re.findall(r"[A-Za-z]+(?:['’][A-Za-z]+)?", line)


@lru_cache(maxsize=4096)
def syllables(word: str) -> int:
    """Syllables of an English word: the CMU dictionary's first pronunciation, else the heuristic."""
    phones = _cmu().phones_for_word(word.lower().replace("’", "'"))
    return _cmu().syllable_count(phones[0]) if phones else guess_syllables(word)


def guess_syllables(word: str) -> int:
    """Vowel groups, less a silent final e ("stone"), plus "-le" after a consonant ("little")."""
    w = re.sub(r"[^a-z]", "", word.lower())
    if not w:
        return 0
    groups = len(re.findall(r"[aeiouy]+", w))
    if w.endswith("e") and not w.endswith(("le", "ee", "ye")) and groups > 1:
        groups -= 1
    if re.search(r"[^aeiouy]le$", w) and groups == 1 and len(w) > 3:
        groups += 1
    return max(1, groups)


def line_syllables(line: str) -> int:
    return sum(syllables(w) for w in words_of(line))


@lru_cache(maxsize=4096)
def rhyme_key(word: str) -> str:
    """What must match for two words to rhyme: CMU rhyming part, else the last vowel group onward."""
    phones = _cmu().phones_for_word(word.lower())
    if phones:
        return re.sub(r"\d", "", _cmu().rhyming_part(phones[0]))
    m = re.search(r"[aeiouy]+[^aeiouy]*$", word.lower())
    return m.group() if m else word.lower()


def _last_word(line: str) -> str:
    ws = words_of(line)
    return ws[-1].lower() if ws else ""


def check_haiku(lines: list[str]) -> FormCheck:
    counts = [line_syllables(x) for x in lines]
    problems = [] if len(lines) == 3 else [f"it has {len(lines)} line{'s' * (len(lines) != 1)}; a haiku has 3"]
    for i, (n, want) in enumerate(zip(counts, (5, 7, 5)), 1):
        if n != want:
            problems.append(f"line {i} has {n} syllables; it needs {want}")
    return FormCheck(not problems, problems, [str(n) for n in counts])


def check_quatrain(lines: list[str]) -> FormCheck:
    """Four lines rhyming ABAB: 1 with 3, 2 with 4, and the two rhymes different."""
    problems = [] if len(lines) == 4 else [f"it has {len(lines)} line{'s' * (len(lines) != 1)}; a quatrain has 4"]
    ends = [_last_word(x) for x in lines]
    keys = [rhyme_key(w) if w else "" for w in ends]
    for i, line in enumerate(lines, 1):
        n = line_syllables(line)
        if not 4 <= n <= 16:
            problems.append(f"line {i} has {n} syllables; write 4 to 16")
    if len(lines) == 4:
        for a, b in ((0, 2), (1, 3)):
            if ends[a] == ends[b]:
                problems.append(f"lines {a + 1} and {b + 1} end with the same word '{ends[a]}'; use two words that rhyme")
            elif keys[a] != keys[b]:
                problems.append(f"line {a + 1} ends with '{ends[a]}' and line {b + 1} with '{ends[b]}': they do not rhyme")
        if keys[0] and keys[0] == keys[1]:
            problems.append("lines 1 and 2 rhyme too; the scheme is ABAB, two different rhymes")
    return FormCheck(not problems, problems, [f"{w}:{k}" for w, k in zip(ends, keys)])


# --- Chinese -----------------------------------------------------------------------------------
def han_chars(line: str) -> int:
    return len(_HAN.findall(line))


def _jueju(n: int) -> Callable[[list[str]], FormCheck]:
    def check(lines: list[str]) -> FormCheck:
        problems = [] if len(lines) == 4 else [f"共{len(lines)}句；绝句应为4句 (it has {len(lines)} lines; it needs 4)"]
        for i, line in enumerate(lines, 1):
            body = _ZH_PUNCT.sub("", line)
            count, other = han_chars(body), len(body) - han_chars(body)
            if count != n or other:
                problems.append(f"第{i}句有{count}个汉字{'和其他字符' if other else ''}；应为{n}个 "
                                f"(line {i} has {count} Chinese characters{' and other characters' if other else ''}; it needs {n})")
        return FormCheck(not problems, problems, [f"{han_chars(x)}字" for x in lines])
    return check


def split_lines(text: str, form: PoemForm) -> list[str]:
    """The poem's lines out of a model's reply: no titles, numbering, quotes or blank lines; a
    Chinese poem written on one line is split at its punctuation, an English one at slashes."""
    lines = []
    for raw in text.replace(" / ", "\n").splitlines():
        line = re.sub(r"^\s*(?:\d+[.)]|[-*•>]|line \d+:)\s*", "", raw, flags=re.I).strip().strip("\"“”*_ ")
        if not line or re.match(r"^(title|haiku|quatrain|poem|绝句|题目|标题)\b.*", line, re.I) or line.endswith(":"):
            continue
        lines.append(line)
    if form.language == "zh" and len(lines) < form.lines:
        parts = [p for x in lines for p in re.split(r"(?<=[，。！？；])", x) if _HAN.search(p)]
        if len(parts) == form.lines:
            lines = [p.strip() for p in parts]
    return lines


register_form(PoemForm("haiku", "en", 3, "a haiku: three lines of 5, 7 and 5 syllables",
                       "Gulls over the pier\nnets drying in the warm wind\nthe boats rest at noon", check_haiku))
register_form(PoemForm("quatrain", "en", 4, "a quatrain: four lines; line 1 rhymes with line 3, line 2 with line 4 (ABAB)",
                       "The lamps are lit along the quay\nthe boats come home before the night\n"
                       "the gulls fly low above the sea\nand windows glow with yellow light", check_quatrain))
register_form(PoemForm("jueju5", "zh", 4, "a 五言绝句: four lines of exactly five Chinese characters each",
                       "山中春雨后，\n花落满溪香。\n牧童横笛去，\n斜阳下小冈。", _jueju(5)))
register_form(PoemForm("jueju7", "zh", 4, "a 七言绝句: four lines of exactly seven Chinese characters each",
                       "山中春雨洗新竹，\n溪上晴云映小楼。\n牧笛一声归路远，\n斜阳半落水东流。", _jueju(7)))
