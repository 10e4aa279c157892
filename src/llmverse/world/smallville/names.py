"""A town's own language: names in Chinese (or any script) kept in the field of their language.

A Smallville map may name its sectors and objects in Chinese ("市民广场"). The world format wants an
English name on everything and takes the Chinese one in `names.zh`; ids are ASCII. So a Chinese name
goes to `zh` as written; its English name is a stand-in made of the kind of place the name says it is
("广场" → "Square"; two squares → "Square", "Square 2") and the import warns that it stands in. Ids of
names without Latin letters are the kind's slug or, failing that, a stable hash of the name: distinct
and the same on every import.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

# Any script without spaces between words: CJK ideographs, kana, hangul.
NON_LATIN = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")

# Chinese words for kinds of places and objects, longest first when matched, with their English
# (the stand-in English name) and the tags they carry (same tags as layout._TAGS' English words).
KINDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "咖啡馆": ("Cafe", ("food",)), "咖啡店": ("Cafe", ("food",)), "咖啡": ("Cafe", ("food",)),
    "餐厅": ("Restaurant", ("food",)), "饭店": ("Restaurant", ("food",)), "食堂": ("Canteen", ("food",)),
    "面包店": ("Bakery", ("food", "shopping")), "面馆": ("Noodle Shop", ("food",)),
    "茶馆": ("Teahouse", ("food",)), "酒吧": ("Bar", ("food", "nightlife")), "酒馆": ("Tavern", ("food", "nightlife")),
    "公园": ("Park", ("nature",)), "花园": ("Garden", ("nature",)), "广场": ("Square", ("nature",)),
    "湖": ("Lake", ("nature",)), "林": ("Woods", ("nature",)),
    "超市": ("Supermarket", ("shopping",)), "市场": ("Market", ("shopping",)), "集市": ("Market", ("shopping",)),
    "药店": ("Pharmacy", ("shopping",)), "药房": ("Pharmacy", ("shopping",)), "书店": ("Bookshop", ("shopping", "learning")),
    "商店": ("Shop", ("shopping",)), "杂货": ("General Store", ("shopping",)), "店": ("Shop", ("shopping",)),
    "大学": ("College", ("learning",)), "学院": ("College", ("learning",)), "学校": ("School", ("learning",)),
    "图书馆": ("Library", ("learning",)), "教室": ("Classroom", ("learning",)),
    "宿舍": ("Dorm", ("home",)), "公寓": ("Apartment", ("home",)), "住宅": ("House", ("home",)),
    "之家": ("House", ("home",)), "家": ("House", ("home",)), "房子": ("House", ("home",)),
    "诊所": ("Clinic", ()), "医院": ("Hospital", ()), "邮局": ("Post Office", ()), "码头": ("Pier", ()),
    "床": ("Bed", ()), "书桌": ("Desk", ()), "桌": ("Table", ()), "椅": ("Chair", ()), "沙发": ("Sofa", ()),
    "书架": ("Bookshelf", ()), "钢琴": ("Piano", ()), "冰箱": ("Refrigerator", ()), "炉": ("Stove", ()),
    "柜台": ("Counter", ()), "货架": ("Shelf", ()), "电脑": ("Computer", ()), "长椅": ("Bench", ()),
}
_BY_LENGTH = sorted(KINDS, key=len, reverse=True)


def non_latin(text: str) -> bool:
    return bool(NON_LATIN.search(text))


def kind_of(text: str) -> tuple[str, tuple[str, ...]] | None:
    """The kind a Chinese name says (its longest glossary word), or None."""
    return next((KINDS[w] for w in _BY_LENGTH if w in text), None)


def tags_in(text: str) -> list[str]:
    """Tags from every glossary word in a Chinese text (a '咖啡馆' is food; '书店' shopping and learning)."""
    return list(dict.fromkeys(t for w in _BY_LENGTH if w in text for t in KINDS[w][1]))


class Namer:
    """Names in the right field: `names("Hobbs Cafe")` → {"en": ...}; `names("星光咖啡馆")` →
    {"en": "Cafe", "zh": "星光咖啡馆"}, English stand-ins numbered apart within one kind of entity."""

    def __init__(self, fallback: str) -> None:
        self.fallback = fallback  # "Place", "Thing", "Resident": the English word when no kind is known
        self.used: dict[str, int] = {}
        self.given: dict[str, str] = {}  # the same Chinese name gets the same stand-in every time

    def names(self, text: str, latin: str | None = None) -> dict[str, str]:
        """`latin`: an English name given elsewhere (a persona's first and last name) to use instead."""
        if not non_latin(text):
            return {"en": text}
        return {"en": latin or self.stand_in(text), "zh": text}

    def stand_in(self, text: str) -> str:
        if text not in self.given:
            kind = kind_of(text)
            base = kind[0] if kind else self.fallback
            n = self.used[base] = self.used.get(base, 0) + 1
            self.given[text] = base if n == 1 and kind else f"{base} {n}"
        return self.given[text]


def slug(text: str, prefix: str, taken: set[str], english: str | None = None) -> str:
    """An ASCII id: the name's Latin letters; for a name without any, its English stand-in's, else
    `prefix_` + 6 hex digits of its hash. Numbered apart when taken."""
    def ascii_slug(t: str) -> str:
        s = unicodedata.normalize("NFKD", t).encode("ascii", "ignore").decode().lower()
        return re.sub(r"[^a-z0-9]+", "_", s.replace("'", "")).strip("_")

    s = ascii_slug(text) or ascii_slug(english or "") or f"{prefix}_{hashlib.sha1(text.encode('utf-8')).hexdigest()[:6]}"
    s = s if s[:1].isalpha() else f"{prefix}_{s}".rstrip("_")
    out, n = s, 2
    while out in taken:
        out, n = f"{s}_{n}", n + 1
    taken.add(out)
    return out
