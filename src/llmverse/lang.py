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
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
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


def tokens(text: str) -> list[str]:
    """Keyword tokens without stop words: English words lower-cased, Chinese words by jieba."""
    out: list[str] = []
    for run in re.split(r"([\u3400-\u9fff\uf900-\ufaff]+)", text.lower()):
        if not run:
            continue
        if _CJK.match(run):
            out += [w for w in _jieba().lcut_for_search(run) if w not in _STOP_ZH]
        else:
            out += [_stem(w) for w in _WORD.findall(run) if w not in _STOP_EN]
    return out


def _stem(word: str) -> str:
    """Just enough folding that 'hooks' finds 'hook' and 'opens' finds 'open'."""
    if word.endswith("'s"):
        word = word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        word = word[:-1]
    return word


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
