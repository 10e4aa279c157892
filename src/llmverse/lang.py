"""Language detection and keyword tokens for English and Chinese (principle 5: two languages everywhere).

Chinese has no spaces, so keyword matching segments it with jieba; English is lower-cased words.
Used by every layer for keyword search, so it sits at the bottom and imports nothing of llmverse.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Iterator
from functools import lru_cache
from typing import Literal

Language = Literal["en", "zh"]
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_WORD = re.compile(r"[a-z0-9\u00e0-\u00ff]+(?:'[a-z]+)?")  # café, naïve: accented letters are letters
_STOP_EN = frozenset(
    "a an the is are was were be been am do does did to of in on at for and or but with by from as it its "
    "this that these those i you he she we they me my your our their his her what which whom "
    "can could would should will shall may might there here please tell me about "
    "any some".split()
)
_STOP_ZH = frozenset("的 了 吗 呢 吧 啊 是 在 有 我 你 他 她 们 这 那 个 和 与 请 问 一下 什么 么".split())


def cjk_ratio(text: str) -> float:
    letters = [ch for ch in text if ch.isalpha()]
    return sum(bool(_CJK.match(ch)) for ch in letters) / len(letters) if letters else 0.0


def detect_language(text: str) -> Language:
    """'zh' when at least a fifth of the letters are CJK (mixed "Bram的铁锚多少钱" is Chinese)."""
    return "zh" if cjk_ratio(text) >= 0.2 else "en"


@lru_cache(maxsize=1)
def _jieba():
    import jieba

    jieba.setLogLevel(logging.WARNING)  # its start-up chatter is not our log
    return jieba


# Scripts and function words of languages other than English and Chinese: a question in one of them
# gets an English reply saying which languages are spoken (no model writes them reliably here).
_SCRIPTS = {"ja": r"[\u3040-\u30ff]", "ko": r"[\uac00-\ud7af]", "ru": r"[\u0400-\u04ff]",
            "ar": r"[\u0600-\u06ff]", "el": r"[\u0370-\u03ff]", "he": r"[\u0590-\u05ff]",
            "th": r"[\u0e00-\u0e7f]", "hi": r"[\u0900-\u097f]"}
_FUNCTION_WORDS = {
    "de": "der die das und ist nicht wie was wo wann ich sie ein eine einen mit für auf zu kann können viel kostet gibt es bitte wir",
    "fr": "le la les et est une un des du où quand comment combien je vous pour avec est-ce qui que pas ce sont c'est",
    "es": "el la los las y es una un dónde donde cuándo cuando cómo como cuánto cuesta yo usted para con qué que por está hay",
    "it": "il lo la gli le e è una uno dove quando come quanto costa io lei per con che non sono c'è",
    "pt": "o a os as e é uma um onde quando como quanto custa eu você para com que não está há",
    "nl": "de het een en is niet waar wanneer hoe hoeveel kost ik u jij voor met wat er zijn",
}
_EN_WORDS = frozenset(("the a an and is are was not where when how much many what who does do can i you "
                       "for with it to of in on at my your this that there have has please").split())


def other_language(text: str) -> str | None:
    """The language a line is written in when it is neither English nor Chinese ('de', 'ja', ...), else None."""
    letters = [ch for ch in text if ch.isalpha()]
    if not letters:
        return None
    for lang, script in _SCRIPTS.items():
        if len(re.findall(script, text)) >= max(2, len(letters) // 4):
            return lang
    if cjk_ratio(text) >= 0.2:
        return None
    words = re.findall(r"[a-zà-ÿ'-]+", text.lower())
    if len(words) < 2:
        return None
    english = sum(w in _EN_WORDS for w in words)
    best, hits = None, 0
    for lang, vocab in _FUNCTION_WORDS.items():
        n = sum(w in vocab.split() for w in words)
        if n > hits:
            best, hits = lang, n
    accented = bool(re.search(r"[à-ÿß¿¡]", text.lower()))
    if best and hits >= 2 and hits > english or (accented and hits > english):
        return best
    return None


def tokens(text: str) -> list[str]:
    """Keyword tokens without stop words: English words lower-cased, Chinese words by jieba.

    Cached by text: a character's facts are re-read on every reply, and cutting Chinese is most of
    that cost (a fresh list each call, so callers may change theirs)."""
    return list(_tokens(text))


_TAUGHT: set[str] = set()
_NAME_FREQ = 50  # of jieba's 60 M words: 记忆馆里 needs more than 记忆 1,574 × 馆里 63 / 里 77,054 ≈ 1.3
MEASURE_WORDS = "个份杯碗只件条本张双瓶把块斤盒包支袋壶盘束串罐碟锅套"  # 一杯, 两壶: what follows is counted
COUNTED = re.compile(rf"[一两二三四五六七八九十几半每整][{MEASURE_WORDS}]")  # a count: 一杯 names nothing
_generation = 0


def add_words(words: Iterable[tuple[str, str]]) -> int:
    """Teach jieba a world's Chinese names, each with a part-of-speech tag ('ns' a place, 'nr' a person,
    'n' a thing or a role), so that a question cuts them whole: jieba does not know 记忆馆 or 薄荷膏 and
    cuts "草药铺卖的薄荷膏贵吗" into 草药|铺|卖|薄荷|膏贵, so the name matches no fact and 膏贵 reads as a
    thing the world lacks. Only names written wholly in Chinese, two characters or more. Returns how many
    were new; cached cuts are dropped when any was (`generation()` tells other caches)."""
    global _generation
    # Not a name that begins with a count (一杯咖啡, 一壶绿茶): taught, it would cut every world's 一杯咖啡 whole.
    new = [(w, tag) for w, tag in words
           if w and len(w) > 1 and w not in _TAUGHT and all(_CJK.match(ch) for ch in w) and not COUNTED.match(w)]
    if not new:
        return 0
    jb = _jieba()
    for w, tag in new:
        # jieba's suggested frequency only just beats the name's own parts (1 for 记忆馆), and a word
        # beside it then wins the cut (记忆|馆里 in 记忆馆里): a place or a thing gets a floor. A person's
        # name does not: a strong 孙丽 would cut 孙丽华 as 孙丽|华.
        jb.add_word(w, jb.suggest_freq(w, False) if tag == "nr" else max(jb.suggest_freq(w, False), _NAME_FREQ), tag=tag)
        _TAUGHT.add(w)
    _tokens.cache_clear()
    _generation += 1
    return len(new)


def generation() -> int:
    """How many times `add_words` taught jieba new words: a cache of cuts keys on it."""
    return _generation


@lru_cache(maxsize=1 << 16)
def _tokens(text: str) -> tuple[str, ...]:
    out: list[str] = []
    for run in re.split(r"([\u3400-\u9fff\uf900-\ufaff]+)", text.lower()):
        if not run:
            continue
        if _CJK.match(run):
            out += [w for w in _jieba().lcut_for_search(run) if w not in _STOP_ZH]
        else:
            out += [_stem(w) for w in _WORD.findall(run) if w not in _STOP_EN]
    return tuple(out)


def _stem(word: str) -> str:
    """Just enough folding that 'hooks' finds 'hook' and 'opens' finds 'open'."""
    if word.endswith("'s"):
        word = word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        word = word[:-1]
    return word


def split_sentences(text: str) -> list[str]:
    """Sentences of a whole English or Chinese text; a quotation is never cut in two, nor is "3.5".
    (`sentences` below regroups a stream as it arrives; this one reads a text already complete.)"""
    out, buf, quote = [], "", None
    closing = {'"': '"', "“": "”", "「": "」"}
    for i, ch in enumerate(text):
        buf += ch
        if quote is not None:
            if ch == quote:
                quote = None
                if buf[-2:-1] in ("。", "！", "？", ".", "!", "?"):  # 他说：“好。” ends the sentence
                    out.append(buf.strip())
                    buf = ""
            continue
        if ch in closing:
            quote = closing[ch]
        elif ch in "。！？\n" or (ch in ".!?" and not text[i + 1:i + 2].isdigit()):
            if buf.strip():
                out.append(buf.strip())
            buf = ""
    if buf.strip():
        out.append(buf.strip())
    return [s for s in out if re.search(r"\w", s)]


_SENTENCE_END = re.compile(r"(?<=[.!?。！？…])\s+|(?<=[。！？])")


def sentences(pieces: Iterable[str]) -> Iterator[str]:
    """Regroup streamed pieces into whole sentences (English or Chinese), so each can be checked
    before it is shown; the last may be cut short by a token limit, the caller decides."""
    buf = ""
    for piece in pieces:
        buf += piece
        parts = _SENTENCE_END.split(buf)
        for done in parts[:-1]:
            if done.strip():
                yield done.strip()
        buf = parts[-1]
    if buf.strip():
        yield buf.strip()
