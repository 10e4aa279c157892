"""Personas: places named in their free text, their home address, and a day from their plan.

GA's personas describe themselves in prose ("opens Hobbs Cafe at 8am"); this turns that prose into
an llmverse character entry with a home, a workplace and a timed schedule.
"""

from __future__ import annotations

import re
from typing import Any

from llmverse.world.smallville.files import _Persona, _Scratch
from llmverse.world.smallville.layout import _Place, _tags
from llmverse.world.smallville.names import NON_LATIN

_TIME = r"\b(\d{1,2})(?::([0-5]\d))?\s*([ap])m\b|\b([01]?\d|2[0-3]):([0-5]\d)\b|\b(noon|midnight)\b"
_TIME_RE = re.compile(_TIME, re.I)
_TIME_PHRASE = re.compile(rf"(?:\bif it(?:'s| is)\s+)?(?:\b(?:at|around|from|until|till|to|by|before|after)"
                          rf"\s+)?(?:{_TIME})", re.I)
_ENDS = {"until", "till", "to", "before"}  # a time after these words ends an activity
_AT_HOME = re.compile(r"\b(home|bed|sleep\w*|wakes?|awakes?|waking)\b", re.I)
_WAKE = re.compile(r"\b(wakes?|awakes?|get up|gets up|rises?)\b", re.I)
_BED = re.compile(r"\b(bed|sleep\w*)\b", re.I)
_MEAL = re.compile(r"\b(eats?|eating|lunch|dinner|breakfast|meals?)\b|吃饭|早饭|午饭|晚饭|早餐|午餐|晚餐", re.I)
_DINNER = re.compile(r"\bdinner\b", re.I)
_WORK = re.compile(r"\b(work\w*|owner|owns|runs|opens?|manag\w*|job|shift|employee|serves?|keep\w*|clerk|"
                   r"cashier|barista|bartender|staff)\b|工作|上班|经营|老板|店主|营业|值班", re.I)
_HOME = "\0home"  # a slot at home, until the home is resolved (or stood in for)
Slots = dict[int, tuple[int, str, str]]  # minute of the day -> (priority, place id or _HOME, activity)


def _norm(text: str) -> str:
    """Words as GA's authors vary them: 'the Willow Market' names 'The Willows Market', 'Hobbs cafe'
    names 'Hobbs Cafe' (case, 'the', possessive and plural s dropped). Letters of every script are
    kept: '市民广场' is a name, not nothing (keeping only a-z once made it '', which matched every
    sentence and sent a whole town's schedules to one place)."""
    words = re.findall(r"[^\W_]+", text.casefold().replace("\u2019", "'").replace("'s", ""))
    return " ".join(w[:-1] if len(w) > 3 and w.isascii() and w[-1] == "s" and w[-2] != "s" else w
                    for w in words if w != "the")


def _clauses(text: str | None) -> list[str]:
    text = re.sub(r"\b([ap])\.m\.", r"\1m", text or "", flags=re.I)
    return [c.strip() for c in re.split(r"[;,]|\.(?=\s|$)|\bthen\b", text) if c.strip()]


def _times(clause: str) -> tuple[list[int], list[int]]:
    """Minutes after midnight at which a clause starts and ends something ('from 5pm to 7pm')."""
    starts, ends = [], []
    for m in _TIME_RE.finditer(clause):
        if m.group(6):
            t = 720 if m.group(6).lower() == "noon" else 0
        elif m.group(4):
            t = int(m.group(4)) * 60 + int(m.group(5))
        elif int(m.group(1)) <= 12:
            t = (int(m.group(1)) % 12 + (12 if m.group(3).lower() == "p" else 0)) * 60 + int(m.group(2) or 0)
        else:
            continue
        before = re.findall(r"\w+", clause[:m.start()].lower())
        (ends if before and before[-1] in _ENDS else starts).append(t)
    return starts, ends


def _clock(text: str | None, keyword: re.Pattern[str], default: int) -> int:
    """The first time in a clause with the keyword ('goes to bed around midnight' -> 0), else default."""
    return next((_times(c)[0][0] for c in _clauses(text) if _times(c)[0] and keyword.search(c)), default)


def _activity(clause: str, s: _Scratch) -> str:
    text = " ".join(_TIME_PHRASE.sub("", clause).split())
    for who in (s.name, s.first_name or "", "she", "he", "they"):
        if who and text.lower().startswith(who.lower() + " "):
            text = text[len(who) + 1:]
            break
    text = re.sub(r"^(and|then|at which point)\s+|\b(everyday|every day|each day)\b", "", text, flags=re.I)
    return " ".join(text.split()).strip(" .") or "going about the day"


class _Town:
    """Finds places named in free text and resolves Smallville addresses ('the Ville:Hobbs Cafe:cafe')."""

    def __init__(self, world: str, places: list[_Place], aliases: dict[str, list[str]],
                 known: set[str]) -> None:
        self.world, self.places = world, places
        self.by_sector = {_norm(p.sector): p for p in places if _norm(p.sector)}
        self.words = {_norm(p.sector): p.id for p in places if _norm(p.sector)} | {
            _norm(a): pid for pid, words in aliases.items() for a in words if _norm(a)}
        self.off_map = {_norm(k): k for k in known if _norm(k) and _norm(k) not in self.by_sector}
        self.pattern, self.off_pattern = self._alternation(self.words), self._alternation(self.off_map)
        self.public = [p.id for p in places if "home" not in _tags(p.sector)]  # not somebody's house

    @staticmethod
    def _alternation(words: dict[str, str]) -> re.Pattern[str] | None:
        """Longest first; a Latin name is a whole word, a Chinese one is found inside a sentence
        (Chinese writes no spaces: '每天去市民广场散步'). An empty name is never a pattern."""
        longest = sorted((w for w in words if w), key=len, reverse=True)
        return re.compile(r"(?<![a-z0-9])(" + "|".join(map(re.escape, longest)) + r")(?![a-z0-9])") \
            if longest else None

    def place_in(self, text: str) -> str | None:
        m = self.pattern.search(_norm(text)) if self.pattern else None
        return self.words[m.group(1)] if m else None

    def off_map_in(self, text: str) -> set[str]:
        return {self.off_map[m] for m in self.off_pattern.findall(_norm(text))} if self.off_pattern else set()

    def home(self, s: _Scratch) -> tuple[_Place | None, list[str], str | None]:
        """(place, address parts, warning); a sector bearing the persona's name stands for a home
        named differently on this map ("Isabella Rodriguez's apartment" -> "... house")."""
        parts = [p.strip() for p in (s.living_area or "").split(":") if p.strip()]
        if len(parts) < 2:
            return None, parts, f"{s.name}: living_area '{s.living_area or ''}' names no sector: no home"
        same_world = _norm(parts[0]) == _norm(self.world)
        if same_world and _norm(parts[1]) in self.by_sector:
            return self.by_sector[_norm(parts[1])], parts, None
        theirs = [p for p in self.places if s.name.casefold() in p.sector.casefold()]
        if same_world and len(theirs) == 1:
            return theirs[0], parts, (f"{s.name}: home '{parts[1]}' is not on this map; '{theirs[0].sector}', "
                                      "which bears their name, is used")
        return None, parts, f"{s.name}: home '{s.living_area}' is not on this map"

    def plan(self, s: _Scratch) -> tuple[Slots, list[str], str | None]:
        """The day's slots, the places named (in order) and a workplace, from daily_req,
        daily_plan_req and lifestyle; defaults (up at 7, dinner at 6, bed at 11) fill the rest."""
        wake, bed = _clock(s.lifestyle, _WAKE, 7 * 60), _clock(s.lifestyle, _BED, 23 * 60)
        meals = {"breakfast": wake + 30, "lunch": 12 * 60, "dinner": _clock(s.lifestyle, _DINNER, 18 * 60)}
        slots: Slots = {}

        def put(t: int, priority: int, place: str, act: str) -> None:  # timed words beat defaults
            if slots.get(t % 1440, (0,))[0] < priority:
                slots[t % 1440] = (priority, place, act)
        put(wake, 1, _HOME, "waking up")
        put(bed, 1, _HOME, "sleeping")
        named: list[str] = []
        day: dict[str, str] = {}  # places they talk of without a time -> what they do there
        for text in [*(s.daily_req or []), s.daily_plan_req, s.lifestyle]:
            last = None
            for clause in _clauses(text):
                place, (starts, ends), act = self.place_in(clause), _times(clause), _activity(clause, s)
                if place and (starts or ends):  # "opens Hobbs Cafe at 8am", "hangs out there before 6pm"
                    put(starts[0] if starts else wake + 60, 3, place, act)
                    if ends:
                        put(ends[0], 2, _HOME, "at home")
                elif place and _MEAL.search(clause):  # "eats at Hobbs Cafe": at the meal's time
                    t = next((v for k, v in meals.items() if k in clause.lower()), meals["dinner"])
                    put(t, 3, place, act)
                    put(t + 60, 2, _HOME, "at home")
                elif place:
                    day.setdefault(place, act)
                elif starts and _AT_HOME.search(clause):  # "wake up at 7:00 am"
                    put(starts[0], 2, _HOME, act)
                elif ends and last:  # "..., and works at the counter until 8pm"
                    put(ends[0], 2, _HOME, "at home")
                named += [place] if place else []
                last = place or last
        work = None
        for text in (s.learned, s.daily_plan_req, *(s.daily_req or []), s.currently):
            for clause in _clauses(text):
                if place := self.place_in(clause):
                    named.append(place)
                    work = work or (place if _WORK.search(clause) else None)
                    if text in (s.learned, s.currently):
                        day.setdefault(place, _activity(clause, s))
        if day and not any(p == 3 and wake < t < bed for t, (p, _, _) in slots.items()):
            span = (meals["dinner"] - wake - 60) % 1440  # no timed outing: up to three places they talk of
            outings = list(day.items())[:3]
            for i, (place, act) in enumerate(outings):
                put(wake + 60 + i * span // len(outings), 2, place, act)
            put(meals["dinner"], 1, _HOME, "at home")
        return slots, list(dict.fromkeys(named)), work


def _schedule(slots: Slots, home: str, away: str) -> list[dict[str, str]]:
    """Slots in time order; home slots at `home` (a stand-in with an 'away: ...' activity if `away`)."""
    out: list[dict[str, str]] = []
    for t in sorted(slots):
        _, place, act = slots[t]
        if place == _HOME:
            place, act = home, f"away: {act} at {away} (not on this map)" if away else act
        if not out or (out[-1]["place"], out[-1]["activity"]) != (place, act):
            out.append({"at": f"{t // 60:02d}:{t % 60:02d}", "place": place, "activity": act})
    return out


def _language(texts: list[str | None]) -> str:
    """'zh' when Chinese dominates the persona's own words (one hanzi carries about a word)."""
    text = " ".join(t for t in texts if t)
    cjk, latin = len(NON_LATIN.findall(text)), len(re.findall(r"[A-Za-z]", text))
    return "zh" if cjk * 4 > latin else "en"


def _character(p: _Persona, cid: str, town: _Town, alias_ok: bool, warnings: list[str],
               names: dict[str, str] | None = None) -> tuple[dict[str, Any], _Place | None, bool]:
    """The world-file entry, the home place, and whether anything about the persona is on this map."""
    s = p.scratch
    home, address, problem = town.home(s)
    slots, named, work = town.plan(s)
    stand_in = home.id if home else (work or (named + town.public + [town.places[0].id])[0])
    if problem:
        sub = next(pl.sector for pl in town.places if pl.id == stand_in)
        warnings.append(problem if home else f"{problem}; '{sub}' stands in for it in the schedule")
    texts = [s.living_area, s.learned, s.currently, s.lifestyle, s.daily_plan_req, *(s.daily_req or [])]
    sectors = {k for world in p.spatial.values() for k in world}
    missing = town.off_map_in(" ".join(filter(None, texts)).replace(":", ", ")) | {
        k for k in sectors if _norm(k) not in town.by_sector}
    missing -= {address[1]} if problem and len(address) > 1 else set()
    warnings += [f"{s.name}: names places not on this map: {', '.join(sorted(missing))}"] if missing else []
    learned = s.learned or ""
    role = re.match(rf"\s*{re.escape(s.name)} is (?:a|an|the) (.+?)(?=\s+(?:who|that|and)\b|[,.;]|$)", learned) \
        or re.match(rf"\s*{re.escape(s.name)}是(?:一名|一位|一个)?(.+?)(?=[，。,.；;]|$)", learned)
    who = s.name + (f" (first name {s.first_name}, last name {s.last_name})" if s.first_name or s.last_name
                    else "")
    who += f", {s.age} years old" if s.age is not None else ""
    known = [pl.sector for pl in town.places if any(_norm(pl.sector) == _norm(k) for k in sectors)]
    lives = f"{s.name} lives at {address[1]}{f' ({address[-1]})' if len(address) > 2 else ''}, {address[0]}."
    knowledge = [s.currently, s.lifestyle, s.daily_plan_req, *(s.daily_req or []), lives if len(address) > 1
                 else None, f"{s.name} knows these places: {', '.join(known)}." if known else None, *p.whispers]
    entry = {
        "id": cid, "names": names or {"en": s.name}, "language": _language([s.learned, s.currently, s.lifestyle]),
        "aliases": [s.first_name] if s.first_name and alias_ok and s.first_name not in (names or {}).values() else [],
        "role": (role.group(1)[:80] if role and not NON_LATIN.search(role.group(1)) else "") or "resident",
        **({"role_zh": role.group(1)[:80]} if role and NON_LATIN.search(role.group(1)) else {}),
        "persona": f"{who}. {learned}".strip(),
        "traits": [t.strip() for t in re.split(r",|\band\b", s.innate or "") if t.strip()],
        "knowledge": list(dict.fromkeys(k.strip() for k in knowledge if k and k.strip())),
        "home": home.id if home else None, "workplace": work,
        "schedule": _schedule(slots, stand_in, "" if home or len(address) < 2 else address[1]),
    }
    return entry, home, bool(home or named)
