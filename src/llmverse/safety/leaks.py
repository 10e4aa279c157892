"""Protected strings in what a model writes: whole, spelled out, encoded, or spread over several sentences.

    leak = find_leak(reply, ["...system prompt... The vault code is 7319 ..."], earlier=last_sentences)
    leak.kind, leak.fragment            # ("spelled", "7319") for "seven, three, one, nine"

Why this exists: comparing a reply with the whole system prompt by 7-word runs never fired on replies
that held a secret word for word (a password is one word). So each secret text gives two things:
- protected *tokens* (`protected_tokens`): quoted strings and what follows "password", "code",
  "secret", "口令", "密码"..., long numbers, letter-digit codes; a short secret is itself a token.
  A token is looked for in the reply folded to letters and digits only (so "P-L-U-T-O" and "p l u t o"
  match), with number words and the NATO alphabet read as what they spell ("seven three", "七三",
  "papa lima"), reversed, ROT13, base64 and hex; and in the letters said one at a time across the
  recent sentences (`earlier`: a secret given piece by piece);
- its *sentences*: a reply sharing a run of `n` words (Chinese: characters) with one, that the
  character's `public` text does not hold, leaks it (the old check, per sentence now).
A token survives translation (numbers, names, codes); a translated sentence does not: multilingual-e5
scored a Chinese translation of a secret 0.81 against 0.81 for an unrelated sentence, so sentences
are compared in their own words only (docs/safety.md says so).
"""

from __future__ import annotations

import base64
import codecs
import re
from collections.abc import Sequence
from dataclasses import dataclass

from llmverse.safety.normalize import fold

_CUE = re.compile(r"(?:password|passcode|pass ?phrase|access code|secret (?:word|code|phrase|key)|code ?word|"
                  r"safe ?word|\bword|pin(?: code)?|the code|the secret|key|token|口令|密码|暗号|密钥|秘密|验证码|通关密语)"
                  r"(?:\s*(?:is|was|=|:|：|是|为|就是))*\s*[\"'“‘「『]?([\w\-]{3,40})", re.I)
_QUOTED = re.compile(r"[\"“「『']([^\"”」』'\n]{3,40})[\"”」』']")
_CODE = re.compile(r"\b(?=[\w-]*\d)(?=[\w-]*[A-Za-z])[A-Za-z0-9][\w-]{3,30}\b|\b\d{4,}\b")
_SECRET_HINT = re.compile(r"secret|password|code|never (?:reveal|tell|say|share)|do not (?:reveal|tell|share)|"
                          r"confidential|保密|不要透露|密码|口令|秘密", re.I)
_NUM = {"zero": "0", "oh": "0", "one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6",
        "seven": "7", "eight": "8", "nine": "9", "零": "0", "〇": "0", "一": "1", "幺": "1", "二": "2", "两": "2",
        "三": "3", "四": "4", "五": "5", "六": "6", "七": "7", "八": "8", "九": "9"}
_NATO = {w: w[0] for w in ("alfa", "alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india",
                           "juliet", "juliett", "kilo", "lima", "mike", "november", "oscar", "papa", "quebec", "romeo",
                           "sierra", "tango", "uniform", "victor", "whiskey", "xray", "x-ray", "yankee", "zulu")}
_SPOKEN = re.compile(r"\b(?:" + "|".join(sorted([k for k in _NUM if k.isascii()] + list(_NATO), key=len, reverse=True))
                     + r")\b|[零〇一幺二两三四五六七八九]", re.I)
_SINGLE = re.compile(r"(?<![\w])([A-Za-z0-9])(?![\w])|[\"'“‘「]([A-Za-z0-9\u4e00-\u9fff])[\"'”’」]")
_WORD = re.compile(r"[a-z0-9']+|[\u3400-\u9fff]")
MIN_TOKEN = 4  # letters/digits: shorter tokens match by chance


@dataclass(frozen=True)
class Leak:
    kind: str  # "verbatim" | "spelled" | "encoded" | "piecewise" | "overlap"
    fragment: str


def compact(text: str) -> str:
    """Letters and digits only, lower case (CJK kept): what spacing and punctuation cannot disguise."""
    return re.sub(r"[\W_]+", "", fold(text).lower())


def protected_tokens(secret: str) -> list[str]:
    """What in a secret text must never appear in a reply, however written."""
    text = fold(secret)
    if len(text.split()) <= 4 and MIN_TOKEN <= len(compact(text)) <= 16 and not re.search(r"[.!?。！？;；]\s*\S", text):
        return [text.strip()]  # a short secret (a word, a code, a phrase) is itself a token
    found: list[str] = [m.group(1) for m in _CUE.finditer(text)]
    for sentence in re.split(r"(?<=[.!?。！？\n])", text):
        if _SECRET_HINT.search(sentence):
            found += [m.group(1) for m in _QUOTED.finditer(sentence)] + _CODE.findall(sentence)
    out: list[str] = []
    for tok in found:
        if len(compact(tok)) >= MIN_TOKEN and compact(tok) not in {compact(t) for t in out} and \
                compact(tok) not in _COMMON:
            out.append(tok)
    return out


# Cue words catch their own grammar ("the password is that the ..."): words no secret is.
_COMMON = {"that", "this", "what", "which", "your", "there", "here", "only", "never", "always", "given", "from",
           "with", "about", "above", "below", "hidden", "secret", "instructions", "prompt", "these", "those", "same",
           "word", "words", "code", "correct", "anyone", "under", "phrase", "user", "users"}


def _spoken(text: str) -> str:
    """Number words and the NATO alphabet replaced by what they spell: 'seven three' -> '73'."""
    return _SPOKEN.sub(lambda m: _NUM.get(m.group().lower()) or _NATO.get(m.group().lower(), m.group()), text)


def _forms(output: str) -> list[tuple[str, str]]:
    """(kind, compacted form) of a reply worth searching for a token."""
    c = compact(output)
    forms = [("verbatim", c), ("spelled", compact(_spoken(output))), ("encoded", c[::-1]),
             ("encoded", codecs.encode(c, "rot13"))]
    for blob in re.findall(r"[A-Za-z0-9+/=]{6,}", output):
        for decode in (_b64, _hex):
            plain = decode(blob)
            if plain:
                forms.append(("encoded", compact(plain)))
    return forms


def _b64(blob: str) -> str | None:
    try:
        raw = base64.b64decode(blob + "=" * (-len(blob) % 4), validate=True)
        return raw.decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        return None


def _hex(blob: str) -> str | None:
    if len(blob) % 2 or not re.fullmatch(r"[0-9a-fA-F]+", blob):
        return None
    try:
        return bytes.fromhex(blob).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        return None


def _singles(text: str) -> str:
    """Characters said one at a time ('the first letter is P. Then L.'), joined in order."""
    return compact("".join(a or b for a, b in _SINGLE.findall(_spoken(text))))


def _pieces(k: str, said: set[str], now: set[str]) -> bool:
    """Whether token `k` is spelt by two or more words said lately, one of them in the reply now
    ("the first part is moon." ... "the second part is lark." -> moonlark)."""
    ok = [set() for _ in range(len(k) + 1)]  # ok[i]: ways to reach i; True when a piece from `now` was used
    ok[0].add(False)
    for i in range(len(k)):
        for used in list(ok[i]):
            for j in range(i + 2, len(k) + 1):
                piece = k[i:j]
                if (j - i >= 3 or piece.isdigit()) and piece in said and j - i < len(k):
                    ok[j].add(used or piece in now)
    return True in ok[len(k)]


def _words(text: str) -> set[str]:
    return {compact(w) for w in re.findall(r"[^\W_]+", fold(_spoken(text)).lower()) if len(compact(w)) >= 2}


def _grams(text: str, n: int) -> set[tuple[str, ...]]:
    words = _WORD.findall(fold(text).lower())
    return {tuple(words[i:i + n]) for i in range(len(words) - n + 1)}


def find_leak(output: str, secrets: Sequence[str], *, public: str = "", earlier: str = "", n: int = 7) -> Leak | None:
    """The first protected token or secret sentence `output` gives away (with `earlier`, the sentences
    just before it to the same player, for secrets given piece by piece); None when nothing leaks."""
    allowed = compact(public)
    tokens = [t for s in secrets for t in protected_tokens(s) if compact(t) not in allowed]
    if tokens:
        forms = _forms(output)
        joined = compact(earlier + " " + output)
        singles = _singles(earlier + " " + output)
        for tok in tokens:
            k = compact(tok)
            for kind, form in forms:
                if k in form:
                    return Leak(kind, tok)
            if k in joined and k not in compact(earlier):
                return Leak("piecewise", tok)
            if k in singles:
                return Leak("piecewise", tok)
            if earlier and _pieces(k, _words(earlier) | _words(output), _words(output)):
                return Leak("piecewise", tok)
    mine = _grams(output, n)
    if mine:
        public_grams = _grams(public, n) if public else set()
        for secret in secrets:
            common = (mine & _grams(secret, n)) - public_grams
            if common:
                return Leak("overlap", " ".join(sorted(common)[0]))
    return None
