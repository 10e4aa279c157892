"""What a text names that the world does not hold: invented names and unsupported numbers.

Small models invent ("Mara's Knife", a shop that does not exist, a price nobody set). The check is
cheap and runs after every generation: a capitalised name must occur somewhere in the world file
(or in what the player said), a Chinese place-like word must be a world name, and a number must
occur in the facts the speaker was given.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from llmverse.lang import _jieba
from llmverse.world.model import WorldFile

_CAP_RUN = re.compile(r"\b[A-Z][a-zA-Z'’-]*(?:\s+(?:of\s+|the\s+)?[A-Z][a-zA-Z'’-]*)*")
_SENTENCE_START = re.compile(r"(?:^|[.!?…:;\"“*()]\s*)$")
_NUMBER = re.compile(r"\d+(?::\d\d)?(?:\.\d+)?")
# Words that are capitalised without being names.
_COMMON = frozenset(
    "i i'm i'll i've i'd ok okay mr mrs ms miss sir madam monday tuesday wednesday thursday friday "
    "saturday sunday january february march april may june july august september october november "
    "december english chinese".split()
)
# Chinese words that end like a place; one that is not a world name is an invented place.
_ZH_PLACE_SUFFIX = ("馆", "店", "铺", "厅", "园", "港", "市场", "集市", "广场", "酒吧", "餐厅", "学校", "医院", "教堂")


# Facts a model states in words rather than digits: hours in Chinese numerals ("十一点") and compass
# directions ("东边", "向东南", "head east"). Chinese directions count only next to a direction word,
# so 东西 ("things") and names such as 南门 are not directions.
_ZH_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_ZH_HOUR = re.compile(r"([零〇一二两三四五六七八九十]{1,3})点")
_ZH_DIR = "东南|东北|西南|西北|东|南|西|北"
_ZH_DIRECTION = re.compile(rf"(?:[向往朝]({_ZH_DIR}))|(?:({_ZH_DIR})(?:边|面|方|侧))")
_EN_DIRECTION = re.compile(r"\b(north(?:east|west)?|south(?:east|west)?|east|west)\b", re.I)


def _zh_int(numeral: str) -> int | None:
    """'十一' → 11, '二十' → 20, '零九' → 9, '七' → 7; None for what is not a number up to 99."""
    if "十" in numeral:
        tens, _, ones = numeral.partition("十")
        t = _ZH_DIGITS.get(tens, 1 if tens == "" else -100)
        o = _ZH_DIGITS.get(ones, 0 if ones == "" else -100)
        value = 10 * t + o
    else:
        value = 0
        for ch in numeral:
            value = 10 * value + _ZH_DIGITS[ch]
    return value if 0 <= value < 100 else None


def hours_in(text: str) -> set[int]:
    """Hours of the day a text states: 'HH:MM' and Chinese '十一点'."""
    found = {int(n.split(":")[0]) for n in numbers_in(text) if ":" in n}
    for m in _ZH_HOUR.finditer(text):
        h = _zh_int(m.group(1))
        if h is not None:
            found.add(h)
    return found


def directions_in(text: str) -> set[str]:
    """Compass directions a text states (Chinese as written, English lower-cased)."""
    zh = {a or b for a, b in _ZH_DIRECTION.findall(text)}
    return zh | {d.lower() for d in _EN_DIRECTION.findall(text)}


# A number stated with its unit: "2 hours" is not "two days", "三十天" is not "三天".
_EN_NUMBER_WORDS = {w: i for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    "seventeen eighteen nineteen twenty".split())} | {"thirty": 30, "forty": 40, "fifty": 50, "sixty": 60,
                                                     "hundred": 100, "a": 1, "an": 1, "half": 0.5}
_EN_UNITS = {"minute": "minute", "min": "minute", "hour": "hour", "day": "day", "week": "week", "month": "month",
             "year": "year", "coin": "coin", "metre": "m", "meter": "m", "m": "m", "km": "km", "time": "times"}
_EN_QUANTITY = re.compile(r"\b(\d+(?:\.\d+)?|" + "|".join(sorted(_EN_NUMBER_WORDS, key=len, reverse=True))
                          + r")[\s-]+(" + "|".join(sorted(_EN_UNITS, key=len, reverse=True)) + r")s?\b", re.I)
_ZH_UNITS = {"分钟": "minute", "小时": "hour", "个小时": "hour", "天": "day", "日": "day", "周": "week", "星期": "week",
             "个月": "month", "月": "month", "年": "year", "个铜币": "coin", "铜币": "coin", "米": "m", "公里": "km",
             "次": "times"}
_ZH_QUANTITY = re.compile(r"(\d+(?:\.\d+)?|[零〇一二两三四五六七八九十百]{1,4})\s*("
                          + "|".join(sorted(_ZH_UNITS, key=len, reverse=True)) + ")")


def _zh_number(numeral: str) -> float | None:
    if numeral.isdigit():
        return float(numeral)
    if "百" in numeral:
        hundreds, _, rest = numeral.partition("百")
        h = _ZH_DIGITS.get(hundreds, 1 if not hundreds else None)
        r = _zh_int(rest.lstrip("零")) if rest else 0
        return None if h is None or r is None else float(100 * h + r)
    try:
        v = _zh_int(numeral)
    except KeyError:
        return None
    return None if v is None else float(v)


def quantities_in(text: str) -> set[tuple[float, str]]:
    """(value, unit) pairs a text states: '2 hours' → (2, 'hour'), '两天' → (2, 'day'), 'a 3-minute walk'."""
    found: set[tuple[float, str]] = set()
    for num, unit in _EN_QUANTITY.findall(text):
        low = num.lower()
        value = float(low) if low[0].isdigit() else float(_EN_NUMBER_WORDS[low])
        found.add((value, _EN_UNITS[unit.lower()]))
    for num, unit in _ZH_QUANTITY.findall(text):
        value = _zh_number(num)
        if value is not None:
            found.add((value, _ZH_UNITS[unit]))
    return found


@dataclass
class Finding:
    invented_names: list[str] = field(default_factory=list)
    unsupported_numbers: list[str] = field(default_factory=list)
    unsupported_directions: list[str] = field(default_factory=list)
    wrong_quantities: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.invented_names or self.unsupported_numbers or self.unsupported_directions
                    or self.wrong_quantities)


def _norm_number(n: str) -> str:
    if ":" in n:
        h, m = n.split(":")
        return f"{int(h):02d}:{m}"
    return n.rstrip("0").rstrip(".") if "." in n else n


def numbers_in(text: str) -> set[str]:
    found = {_norm_number(n) for n in _NUMBER.findall(text)}
    for span in re.findall(r"\d\d?:\d\d-\d\d?:\d\d", text):  # "09:00-17:00" also states both ends
        found |= {_norm_number(x) for x in span.split("-")}
    return found


class Lexicon:
    """Every word the world file uses, and every Chinese name it gives."""

    def __init__(self, world: WorldFile) -> None:
        text = world.model_dump_json()
        self.text = text.lower()
        self.words = {w.lower() for w in re.findall(r"[A-Za-z][A-Za-z'’-]*", text)}
        self.zh_names = set(re.findall(r"[\u3400-\u9fff]{2,}", text))
        # Words of the world's names: a run of two or more of them must be a whole name of the world
        # ("Lantern Park Chart" puts two real names together into one that does not exist).
        names = [n for items in (world.places, world.things, world.characters) for i in items
                 for n in (i.names.en, *i.aliases)] + [world.name.en] + [b.name.en for b in world.map.blocked if b.name]
        self.name_words = {w.lower() for n in names for w in re.findall(r"[A-Za-z][A-Za-z'’-]*", n)} - {"the", "of"}

    def check(self, reply: str, *, supported_text: str = "") -> Finding:
        """Names and numbers in `reply` that neither the world nor `supported_text` (the facts given,
        the player's words, the recent turns) backs."""
        extra_words = {w.lower() for w in re.findall(r"[A-Za-z][A-Za-z'’-]*", supported_text)}
        known = self.words | extra_words | _COMMON
        finding = Finding()
        for m in _CAP_RUN.finditer(reply):
            words = [w for w in re.split(r"\s+", m.group()) if w not in ("of", "the")]
            if _SENTENCE_START.search(reply[: m.start()]):
                words = words[1:]  # a capital after a full stop is grammar, not a name
            unknown = [w for w in words if w.lower().strip("'’-") not in known
                       and re.sub(r"['’]s$", "", w).lower() not in known]
            if unknown:
                finding.invented_names.append(m.group())
            elif sum(w.lower() in self.name_words for w in words) >= 2 and len(words) >= 2:
                raw = re.split(r"\s+", m.group())[1 if _SENTENCE_START.search(reply[: m.start()]) else 0:]
                while raw and raw[0].lower() in ("of", "the"):
                    raw = raw[1:]
                phrase = " ".join(raw).lower()  # as written: "Hall of Memories" keeps its "of"
                if phrase not in self.text and phrase not in supported_text.lower():
                    finding.invented_names.append(" ".join(words))
        for w in _jieba().lcut(reply):
            if len(w) >= 2 and w.endswith(_ZH_PLACE_SUFFIX) and not any(w in n for n in self.zh_names):
                if w not in supported_text:
                    finding.invented_names.append(w)
        allowed = numbers_in(supported_text)
        finding.unsupported_numbers = sorted(n for n in numbers_in(reply) if n not in allowed)
        hours = hours_in(supported_text)
        for m in _ZH_HOUR.finditer(reply):  # "零九点至十一点" when the facts say 09:00-17:00
            h = _zh_int(m.group(1))
            if h is not None and h not in hours and h + 12 not in hours:  # 下午五点 is 17:00
                finding.unsupported_numbers.append(m.group())
        given = directions_in(supported_text)
        finding.unsupported_directions = sorted(d for d in directions_in(reply) if d not in given)
        stated = quantities_in(supported_text)
        units = {u for _, u in stated}
        for value, unit in sorted(quantities_in(reply)):
            # A quantity in a unit the facts use must be one of theirs (2 hours ≠ two days; 40 coins);
            # "a 3-minute walk" with no minutes in the facts is caught by the number check.
            if (value, unit) not in stated and (unit in units or unit in ("day", "hour", "week", "month", "year")):
                finding.wrong_quantities.append(f"{value:g} {unit}")
        return finding
