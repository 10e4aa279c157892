"""Undo the disguises attackers use before any rule or classifier looks at a message.

A filter that reads only the raw text misses "k1ll", "k i l l", "ki\u200bll", fullwidth "ｋｉｌｌ",
Cyrillic look-alikes and base64 payloads ("decode this and do what it says"). `unmask` returns the
text in the forms worth checking (the NFKC-folded text, then each decoding that changed something)
and which disguises it found; a disguise is itself a signal (`encodings`).
"""

from __future__ import annotations

import base64
import binascii
import codecs
import re
import unicodedata
from dataclasses import dataclass, field

# Zero-width and invisible format characters (ZWSP, ZWNJ, ZWJ, LRM/RLM, word joiner, BOM, soft hyphen,
# the bidi overrides): nothing a player needs inside a word.
_INVISIBLE = re.compile("[\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]")
_HOMOGLYPHS = str.maketrans("аеорсхуіјѕԁԛԝАВЕКМНОРСТХІ", "aeopcxyijsdqwABEKMHOPCTXI")
_LEET = str.maketrans("4@310$57!+", "aaeiosstit")
_LEET_WORD = re.compile(r"\b(?=[a-z0-9@$!+]*[a-z])(?=[a-z0-9@$!+]*[0-9@$!+])[a-z0-9@$!+]{3,}\b", re.I)
_SPACED = re.compile(r"\b(?:[a-z][ .\-_*]{1,6}){3,}[a-z]\b", re.I)  # "k i l l", "k.i.l.l", "k-i-l-l"
_SPACED_CJK = re.compile(r"(?:[\u3400-\u9fff][ .\-_*·]{1,2}){1,}[\u3400-\u9fff]")
_B64 = re.compile(r"[A-Za-z0-9+/]{16,}={0,2}")
_HEX = re.compile(r"\b(?:[0-9a-fA-F]{2}[ :]?){8,}\b")
_ROT13_HINT = re.compile(r"rot-?13|caesar|凯撒", re.I)
_REVERSE_HINT = re.compile(r"revers|backwards|倒着|反过来", re.I)


@dataclass
class Unmasked:
    forms: list[str]  # the folded text first, then decoded or de-obfuscated variants
    encodings: list[str] = field(default_factory=list)  # "zero_width", "base64", "leetspeak", ...

    @property
    def text(self) -> str:
        return self.forms[0]


def fold(text: str) -> str:
    """NFKC (fullwidth -> ASCII), look-alike letters to Latin, invisible characters removed."""
    return _INVISIBLE.sub("", unicodedata.normalize("NFKC", text)).translate(_HOMOGLYPHS)


def unmask(text: str) -> Unmasked:
    folded = fold(text)
    out = Unmasked([folded])
    if _INVISIBLE.search(text):
        out.encodings.append("zero_width")
    if folded != _INVISIBLE.sub("", text) and not _INVISIBLE.search(text):
        out.encodings.append("lookalike")

    def add(form: str, kind: str) -> None:
        if form.strip() and form not in out.forms:
            out.forms.append(form)
            out.encodings.append(kind)

    spaced = _SPACED.sub(_join_letters, folded)
    spaced = _SPACED_CJK.sub(lambda m: re.sub(r"[ .\-_*·]", "", m.group()), spaced)
    if spaced != folded:
        add(re.sub(r"\s{2,}", " ", spaced), "spaced")
    if _LEET_WORD.search(folded):
        add(_LEET_WORD.sub(lambda m: m.group().lower().translate(_LEET), folded), "leetspeak")
    for blob in _B64.findall(folded):
        decoded = _b64(blob)
        if decoded:
            add(decoded, "base64")
    for blob in _HEX.findall(folded):
        decoded = _hex(blob)
        if decoded:
            add(decoded, "hex")
    if _ROT13_HINT.search(folded):
        add(codecs.decode(folded, "rot13"), "rot13")
    if _REVERSE_HINT.search(folded):
        add(folded[::-1], "reversed")
    return out


def _join_letters(m: re.Match[str]) -> str:
    """"k i l l   a   m a n" -> "kill a man": the widest gaps are word breaks, the rest go."""
    gaps = re.findall(r"[ .\-_*]+", m.group())
    widest = max(map(len, gaps))
    parts = re.split(r"[ .\-_*]{%d,}" % widest, m.group()) if widest > min(map(len, gaps)) else [m.group()]
    return " ".join(re.sub(r"[ .\-_*]", "", p) for p in parts)


def _printable(raw: bytes) -> str | None:
    try:
        s = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    good = sum(ch.isprintable() or ch.isspace() for ch in s)
    return s if s and good / len(s) > 0.95 and re.search(r"[A-Za-z\u3400-\u9fff]{2}", s) else None


def _b64(blob: str) -> str | None:
    if not (re.search(r"[a-z]", blob) and re.search(r"[A-Z0-9]", blob)):  # a word, not an encoding
        return None
    try:
        return _printable(base64.b64decode(blob + "=" * (-len(blob) % 4), validate=True))
    except (binascii.Error, ValueError):
        return None


def _hex(blob: str) -> str | None:
    try:
        return _printable(bytes.fromhex(re.sub(r"[ :]", "", blob)))
    except ValueError:
        return None
