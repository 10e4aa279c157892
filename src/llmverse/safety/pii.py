"""Personal data by pattern: what rules do better than any classifier (checksums, exact formats).

Found: e-mail addresses, phone numbers (North American, Chinese mobiles, international), payment
cards (Luhn-checked), US social security numbers, Chinese resident ID numbers (checksum-verified),
passport-like numbers after a keyword, IPv4 addresses, street addresses (English "42 Maple Street",
Chinese "…路88号") and messaging handles after a keyword (WeChat/QQ). `redact` replaces each with a
typed placeholder, so what is stored and what the model sees never holds the raw value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Span:
    kind: str  # "email", "phone", "card", ...
    start: int
    end: int


_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("email", re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")),
    ("cn_id", re.compile(r"(?<!\d)\d{17}[\dXx](?!\d)", re.ASCII)),
    ("card", re.compile(r"(?<!\d)(?:\d[ -]?){12,18}\d(?!\d)", re.ASCII)),
    ("ssn", re.compile(r"(?<!\d)\d{3}-\d{2}-\d{4}(?!\d)", re.ASCII)),
    ("phone", re.compile(r"(?<![\d-])(?:\+?\d{1,3}[ .-]?)?(?:\(\d{3}\)|\d{3})[ .-]?\d{3}[ .-]?\d{4}(?![\d-])", re.ASCII)),
    ("phone", re.compile(r"(?<!\d)1[3-9]\d[ -]?\d{4}[ -]?\d{4}(?!\d)", re.ASCII)),
    ("ip", re.compile(r"(?<![\d.])(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)(?![\d.])", re.ASCII)),
    ("passport", re.compile(r"(?i)(?:passport|护照)\D{0,16}?(?<![A-Za-z0-9])([A-Z]{1,2}\d{7,8})(?![A-Za-z0-9])", re.ASCII)),
    ("handle", re.compile(r"(?i)(?<![A-Za-z])(?:wechat|weixin|微信|qq|telegram|whatsapp)\s*(?:号|id)?\s*[:：]?\s*([A-Za-z0-9_-]{5,})")),
    ("address", re.compile(r"\b\d{1,5}\s+(?:[A-Z][a-z]+\s+){1,3}(?:Street|St|Avenue|Ave|Road|Rd|Lane|Ln|Drive|Dr|"
                           r"Boulevard|Blvd|Court|Ct|Way)\b\.?")),
    ("address", re.compile(r"[\u3400-\u9fff]{2,12}(?:路|街|大道|巷|胡同)\d{1,5}号(?:[\u3400-\u9fff\d]{0,10}室)?")),
]


def _luhn(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def _cn_id_ok(s: str) -> bool:
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    total = sum(int(c) * w for c, w in zip(s[:17], weights))
    return "10X98765432"[total % 11] == s[17].upper()


def find(text: str) -> list[Span]:
    """Personal data in `text`, longest first where patterns overlap (a card is not also a phone)."""
    spans: list[Span] = []
    for kind, pat in _PATTERNS:
        for m in pat.finditer(text):
            start, end = (m.start(1), m.end(1)) if pat.groups else (m.start(), m.end())
            value = text[start:end]
            digits = re.sub(r"\D", "", value)
            if kind == "card" and not (13 <= len(digits) <= 19 and _luhn(digits)):
                continue
            if kind == "cn_id" and not _cn_id_ok(value):
                continue
            if any(s.start < end and start < s.end for s in spans):
                continue  # an earlier, more specific pattern holds this text already
            spans.append(Span(kind, start, end))
    return sorted(spans, key=lambda s: s.start)


def redact(text: str, spans: list[Span] | None = None) -> str:
    """Each personal value replaced by `[email]`, `[phone]`, ... (the kind, never the value)."""
    out, last = [], 0
    for s in spans if spans is not None else find(text):
        out += [text[last:s.start], f"[{s.kind}]"]
        last = s.end
    return "".join(out) + text[last:]
