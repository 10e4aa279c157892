"""The word lists a question is read with (`voice/intents.yaml`): which words ask which kind of fact,
which ask or connect rather than name a thing, greetings, requests and needs; and how one word of a
list is matched (a Chinese word as a substring, an English word as a stemmed token, a phrase as words).
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib.resources import files

import yaml

from llmverse.lang import tokens


@lru_cache(maxsize=1)
def _data() -> dict:
    return yaml.safe_load(files("llmverse.voice").joinpath("intents.yaml").read_text(encoding="utf-8"))


def INTENTS() -> dict[str, dict]:  # noqa: N802 - a constant loaded lazily (jieba and yaml are slow to import)
    return _data()["intents"]


Matcher = tuple[str, str | re.Pattern]  # ("tok", token) | ("zh", text) | ("re", pattern)


def matcher(word: str) -> Matcher:
    """A Chinese word matches as a substring, one English word as a token (stemmed), a phrase as words."""
    if re.search(r"[\u3400-\u9fff]", word):
        return ("zh", word) if len(word) > 1 else ("zh1", word)  # 卖 in 卖些, not the 钱 of 钱包
    if " " in word.strip():
        return ("re", re.compile(rf"\b{re.escape(word.strip())}\b", re.I))
    toks = tokens(word)
    return ("tok", toks[0] if toks else word.lower())


def matches(m: Matcher, toks: set[str], text: str) -> bool:
    kind, what = m
    if kind == "zh":
        return what in text
    if kind == "zh1":  # one character: anywhere but inside a noun (钱 of 钱包 is a wallet, not money)
        return what in text and any(what in w and not (flag.startswith("n") and w != what)
                                    for w, flag in pos_tags(text))
    if kind == "re":
        return what.search(text) is not None
    return what in toks


@lru_cache(maxsize=1)
def intent_matchers() -> dict[str, list[Matcher]]:
    return {name: [matcher(w) for lang in ("en", "zh") for w in spec.get(lang, [])]
            for name, spec in INTENTS().items()}


@lru_cache(maxsize=None)
def except_pattern(name: str) -> re.Pattern | None:
    words = INTENTS()[name].get("except", [])
    return re.compile("|".join(re.escape(w) for w in words), re.I) if words else None


@lru_cache(maxsize=1)
def _intent_words() -> frozenset[str]:
    return frozenset(t for spec in INTENTS().values() for lang in ("en", "zh") for w in spec.get(lang, [])
                     for t in tokens(w))


def asking_words() -> frozenset[str]:
    """Words that ask or connect rather than say what is asked about."""
    return _asking()


def intent_words() -> frozenset[str]:
    """Every token of every intent's words (what kind of fact is asked, not about what)."""
    return _intent_words()


@lru_cache(maxsize=1)
def _asking() -> frozenset[str]:
    words = [w for lang in ("en", "zh") for w in _data()["asking"][lang]]
    return frozenset(words) | frozenset(t for w in words for t in tokens(w))


@lru_cache(maxsize=1)
def _lists() -> tuple[frozenset[str], tuple[tuple[Matcher, tuple[str, ...]], ...]]:
    """Every word list's one-word entries (their tokens), and its phrases (a matcher and their tokens)."""
    d = _data()
    entries = [w for spec in (*d["intents"].values(), *d["needs"].values()) for lang in ("en", "zh")
               for w in spec.get(lang, [])]
    entries += [w for key in ("smalltalk", "requests") for lang in ("en", "zh") for w in d[key][lang]]
    single = frozenset(t for w in entries if " " not in w.strip() for t in [w, *tokens(w)])
    return single, tuple((matcher(w), tuple(tokens(w))) for w in entries if " " in w.strip())


@lru_cache(maxsize=1)
def _listed() -> frozenset[str]:
    """The word lists' one-word entries as written (多少人, not its 人)."""
    d = _data()
    entries = [w for spec in (*d["intents"].values(), *d["needs"].values()) for lang in ("en", "zh")
               for w in spec.get(lang, [])]
    entries += [w for key in ("smalltalk", "requests", "asking") for lang in ("en", "zh") for w in d[key][lang]]
    return frozenset(w for w in entries if " " not in w.strip())


def of_listed_words(token: str) -> bool:
    """卖些 is 卖 + 些, two listed words: it asks. 人多 is no listed pair (人 is only a part of 多少人)."""
    return any(token[:k] in _listed() and token[k:] in _listed() for k in range(1, len(token)))


def asks(text: str, have: set[str]) -> frozenset[str]:
    """The words of a line that ask rather than say about what: asking words, one-word entries of the
    word lists, and the words of a phrase of them the line holds ("how much", not "show" of "show me")."""
    single, phrases = _lists()
    return _asking() | single | frozenset(t for m, p in phrases if matches(m, have, text) for t in p)


@lru_cache(maxsize=1)
def smalltalk_words() -> frozenset[str]:
    return frozenset(t for lang in ("en", "zh") for w in _data()["smalltalk"][lang] for t in tokens(w))


@lru_cache(maxsize=1)
def need_words() -> frozenset[str]:
    """过夜, hungry: a need that a place's tag meets, not a thing the world lacks."""
    return frozenset(t for spec in _data()["needs"].values() for lang in ("en", "zh") for w in spec.get(lang, [])
                     for t in [w, *tokens(w)])


@lru_cache(maxsize=1)
def need_matchers() -> dict[str, list[Matcher]]:
    return {tag: [matcher(w) for lang in ("en", "zh") for w in spec.get(lang, [])]
            for tag, spec in _data()["needs"].items()}


@lru_cache(maxsize=1)
def request_matchers() -> list[Matcher]:
    return [matcher(w) for lang in ("en", "zh") for w in _data()["requests"][lang]]


def smalltalk_matchers() -> list[Matcher]:
    return [matcher(w) for lang in ("en", "zh") for w in _data()["smalltalk"][lang]]


@lru_cache(maxsize=256)
def pos_tags(text: str) -> tuple[tuple[str, str], ...]:
    """jieba's words and part-of-speech tags for the Chinese in `text`."""
    if not re.search(r"[\u3400-\u9fff]", text):
        return ()
    from llmverse.lang import _jieba
    from jieba import posseg

    _jieba()  # quiet logging, loaded once
    return tuple((p.word, p.flag) for p in posseg.cut(text))
