"""Check what a generated text asserts against the world and the events it cites.

`world/grounding.py` asks whether a name exists; content needs more, because a gazette can name only
real people and still be false ("Bram bought an anchor" when he bought bread). So each sentence is
taken apart into claims and each claim is checked against the cited events:

  name      a capitalised or Chinese name the world does not hold            -> invented
  character / place / thing   a world entity: it must take part in a cited event (or be given:
            the subject of a story, the reporter), a thing may also be at a cited place
  action    a verb (bought, gave, arrived, talked, invited, 买, 送给, 来到, 聊 ...): a cited event of
            that kind, by a character the sentence names, of the thing or place it names
  time      "12:20", "at noon", "下午3点": the time of a cited event (or in the facts given)
  price     "5 coins", "5个铜币": the price of the cited purchase or of the thing named
  number    any other number: in the facts given
  quote     words in quotation marks: said in a cited event

A sentence is grounded when every claim holds; the generators drop (or regenerate) the rest, and the
documents record precision = supported claims / claims, before and after the check.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from llmverse.content.documents import Claim, Sentence
from llmverse.content.facts import EventLog
from llmverse.content.mentions import Mention, Names
from llmverse.lang import _jieba
from llmverse.lang import split_sentences
from llmverse.world.grounding import Lexicon, numbers_in
from llmverse.world.store import Event
from llmverse.world.world import World

# Verbs by the event kinds that make them true (English regexes at word starts; Chinese substrings).
_ACTIONS: dict[str, tuple[frozenset[str], str]] = {
    "buy": (frozenset({"buy"}), r"\b(?:buy|buys|buying|bought|purchas\w*)\b|买了|购买|买下"),
    "give": (frozenset({"give"}), r"\b(?:gave|gives|giving|handed|gifted)\b|送给|交给|送出"),
    "arrive": (frozenset({"arrive"}), r"\b(?:arriv\w*|reached)\b|来到|到了|抵达|到达"),
    "move": (frozenset({"move", "arrive"}), r"\b(?:set off|headed|walked|went)\b|动身|前往|走向"),
    "say": (frozenset({"say"}), r"\b(?:talk\w*|spoke|chatted|told|said|says|met)\b|聊|交谈|谈话|说：|说道|告诉|见了"),
    "invite": (frozenset({"invite"}), r"\b(?:invit\w*|hosts?|hosted|hosting)\b|邀请|请大家"),
    "alarm": (frozenset({"alarm"}), r"\b(?:alarm\w*|fire|blaze)\b|警报|起火|失火|火灾"),
}
_ACTION_RX = {k: re.compile(rx, re.I) for k, (_, rx) in _ACTIONS.items()}
_QUOTE = re.compile(r"\"([^\"]+)\"|“([^”]+)”|「([^」]+)」")
_CLOCK = re.compile(r"(?<!\d)([01]?\d|2[0-3])[:：]([0-5]\d)(?!\d)")
_AMPM = re.compile(r"(?<!\d)(1[0-2]|0?[1-9])\s*(?:o'clock\s*)?(a\.m\.|p\.m\.|a\.?m\b|p\.?m\b)", re.I)
_OCLOCK = re.compile(r"(?<!\d)(1[0-2]|0?[1-9])\s*o'clock", re.I)
_WORD_TIMES = {"noon": 12 * 60, "midday": 12 * 60, "midnight": 0, "正午": 12 * 60, "中午": 12 * 60, "午夜": 0}
_ZH_CLOCK = re.compile(r"(上午|早上|中午|下午|傍晚|晚上)?(\d{1,2})点(半|(\d{1,2})分)?")
_PRICE = re.compile(r"(\d+(?:\.\d+)?)\s*(?:coins?\b|copper|个铜币|枚铜币|铜币)", re.I)
_SENTENCE_START = re.compile(r"(?:^|[.!?…:;\"“*()\n]\s*)$")
_COMMON_CAPITALS = frozenset("i i'm i'll i've i'd ok mr mrs ms miss sir madam monday tuesday wednesday thursday "
                             "friday saturday sunday today tonight english chinese".split())
# "<character>, a kind blacksmith who" / ": A baker" / " is the guide": the noun before who/at/, ...
_ROLE = re.compile(r"\s*(?:,|:|\s+is|\s+was)\s+(?:a|an|the)\s+(?:[a-z'’-]+\s+){0,3}?([a-z'’-]+)"
                   r"(?=\s+(?:who|that|which|with|at|in|of|from|and|for)\b|\s*[,.;:!?]|\s*$)", re.I)
# Number words a sentence may state (not "one": "no one", "one of them" are idiom, not counts).
_NUMBER_WORDS = {w: i for i, w in enumerate("zero _ two three four five six seven eight nine ten eleven twelve "
                                             "thirteen fourteen fifteen sixteen seventeen eighteen nineteen twenty".split())
                 if w != "_"} | {"thirty": 30, "forty": 40, "fifty": 50, "hundred": 100, "thousand": 1000}
_ZH_SURNAMES = set("王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段钱汤尹黎易常武乔贺赖龚文")


@dataclass
class Support:
    """What a text may rest on: the events it cites, entities it may name without an event (the
    subject of a story, the reporter), and the facts it was given (numbers and words in them count)."""

    events: list[Event]
    allowed: set[str] = field(default_factory=set)
    text: str = ""
    actions: bool = True  # False where a text states no happenings (a description): verbs are not claims




@lru_cache(maxsize=1)
def _dictionary() -> frozenset[str]:
    """Webster's 2nd (the `english-words` wheel ships it; nothing is downloaded), as written: a word
    found only capitalised ("Lena", "John") is a name, one found in lower case ("Captain") is not."""
    from english_words import get_english_words_set

    return frozenset(get_english_words_set(["web2"], alpha=True))


def common_word(word: str) -> bool:
    """Whether a capitalised word at the start of a sentence is an ordinary word (so not a name)."""
    low = word.lower()
    words = _dictionary()
    stems = {low, low[:-1] if low.endswith("s") else low, low[:-2] if low.endswith(("es", "ed")) else low,
             low[:-3] + "y" if low.endswith("ies") else low, low[:-3] if low.endswith("ing") else low,
             low[:-1] if low.endswith("d") else low, low[:-2] if low.endswith("ly") else low}
    return low in _COMMON_CAPITALS or any(x in words for x in stems)


def _minutes(h: int, m: int) -> int:
    return h * 60 + m


class Grounder:
    """Claims of a sentence and their support; one per world (it holds the world's names)."""

    def __init__(self, world: World, names: Names | None = None, log: EventLog | None = None) -> None:
        self.world = world
        self.names = names or Names(world)
        self.log = log or EventLog(world)
        self.lexicon = Lexicon(world.file)
        self.capitals = set(re.findall(r"\b[A-Z][\w'’-]*", world.file.model_dump_json()))

    def check_text(self, text: str, support: Support) -> list[Sentence]:
        return [self.check(s, support) for s in split_sentences(text)]

    def check(self, sentence: str, support: Support) -> Sentence:
        claims: list[Claim] = []
        sources: set[int] = set()
        rest = self._quotes(sentence, support, claims, sources)
        mentions = [m for m in self.names.find(rest) if m.kind != "world"]
        claims += self._invented(rest, mentions, support)
        self._entities(mentions, support, claims, sources)
        self._roles(rest, mentions, claims)
        acted: list[Event] = []
        if support.actions:
            acted = self._actions(rest, mentions, support, claims, sources)
        self._times(rest, support, claims, sources, acted)
        self._numbers(rest, mentions, support, claims, sources)
        return Sentence(text=sentence, sources=sorted(sources), claims=claims)

    # --- claims ----------------------------------------------------------------------------
    def _quotes(self, sentence: str, support: Support, claims: list[Claim], sources: set[int]) -> str:
        said = [(e, _flat(e.data.get("text", ""))) for e in support.events if e.kind == "say"]
        for m in _QUOTE.finditer(sentence):
            q = _flat(next(g for g in m.groups() if g is not None))
            hit = next((e for e, text in said if q and q in text), None)
            if hit is not None:
                sources.add(hit.id)
            claims.append(Claim(kind="quote", text=q[:80], ok=hit is not None,
                                why=f"said in event {hit.id}" if hit else "no cited event has anyone say this"))
        return _QUOTE.sub(" ", sentence)

    def _invented(self, text: str, mentions: list[Mention], support: Support) -> list[Claim]:
        found = self.lexicon.check(text, supported_text=support.text)
        names = list(dict.fromkeys(found.invented_names + self._capitalised(text, mentions, support)
                                   + self._zh_person_names(_mask_zh(text, mentions), support)))
        where = self.world.file.name.en
        return [Claim(kind="name", text=n, ok=False, why=f"'{n}' is no one and nowhere in {where}") for n in names]

    def _capitalised(self, text: str, mentions: list[Mention], support: Support) -> list[str]:
        """Capitalised words inside a sentence that are no world name: the Lexicon knows every word
        of the world file, so "Mr Smith" passes it (Bram's alias is "smith"); here only words the
        world writes with a capital count."""
        masked = text
        for m in sorted(mentions, key=lambda m: -m.start):
            masked = masked[:m.start] + "x" * (m.end - m.start) + masked[m.end:]
        allowed = self.capitals | set(re.findall(r"\b[A-Z][\w'’-]*", support.text))
        out = []
        for m in re.finditer(r"\b[A-Z][a-zA-Z'’-]*", masked):
            word = re.sub(r"['’]s$", "", m.group())
            if word in allowed or word.lower() in _COMMON_CAPITALS:
                continue
            label = masked[m.end():m.end() + 1] == ":"  # "Bristle: a small boat" introduces something
            if _SENTENCE_START.search(masked[:m.start()]) and common_word(word) and not label:
                continue  # a capital after a full stop is grammar, unless the word is only ever a name
            out.append(word)
        return out

    def _zh_person_names(self, text: str, support: Support) -> list[str]:
        """Chinese person names jieba sees that no world entity has: transliterations (nrt) and
        surname-led names (nr); both only where the world's own names were masked out first."""
        if not re.search(r"[\u3400-\u9fff]", text):
            return []
        import jieba.posseg as pseg  # loads with jieba (lang._jieba); not at import time

        _jieba()
        out = []
        for word, flag in pseg.lcut(text):
            if len(word) < 2 or word in support.text or any(word in n for n in self.lexicon.zh_names):
                continue
            if flag == "nrt" or (flag == "nr" and len(word) <= 3 and word[0] in _ZH_SURNAMES):
                out.append(word)
        return out

    def _entities(self, mentions: list[Mention], support: Support, claims: list[Claim], sources: set[int]) -> None:
        seen: set[str] = set()
        for m in mentions:
            if m.key in seen:
                continue
            seen.add(m.key)
            if m.key in support.allowed or self._belongs(m, support.allowed):
                claims.append(Claim(kind=m.kind, text=m.text, ok=True, why="given"))
                continue
            backing = [e for e in support.events if m.key in self._keys_of(e, support)]
            sources.update(e.id for e in backing)
            name = self.names.display(m.key)
            claims.append(Claim(kind=m.kind, text=m.text, ok=bool(backing),
                                why=f"in event {backing[0].id}" if backing else
                                f"{name} has no part in the events this rests on"))

    def _roles(self, text: str, mentions: list[Mention], claims: list[Claim]) -> None:
        """"Bram, a baker" / "Nell: a young girl" / "Mara is the guide": the noun must be the world's word
        for them (role, persona, traits, aliases), or the sentence makes them someone they are not."""
        for m in mentions:
            if m.kind != "character":
                continue
            said = _ROLE.match(text[m.end:])
            if said is None:
                continue
            noun = said.group(1).lower()
            c = self.world.characters[m.id]
            own = set(re.findall(r"[a-z]+", " ".join([c.role, c.persona, *c.traits, *c.aliases]).lower()))
            ok = noun in own or noun.rstrip("s") in own
            claims.append(Claim(kind="role", text=re.sub(r"^(?:is|was)\s+", "", said.group(0).strip(" ,:")), ok=ok,
                                why=f"{c.names.en} is the {c.role}" + ("" if ok else f", not a {noun}")))

    def _belongs(self, m: Mention, allowed: set[str]) -> bool:
        """A thing owned by, or kept at, an entity the text may name (Bram's anchors, the museum's bell)."""
        t = self.world.things.get(m.id) if m.kind == "thing" else None
        return t is not None and (f"character:{t.owner}" in allowed or f"place:{t.location}" in allowed)

    def _keys_of(self, e: Event, support: Support) -> set[str]:
        """Entity keys an event involves: participants, places (incl. where the actor stood), things,
        and things kept at those places or owned by those people."""
        w = self.world
        keys = {f"character:{c}" for c in (e.actor, e.target) if c in w.characters}
        places = {p for p in (e.target, e.data.get("place"), e.data.get("from")) if p in w.places}
        here, _ = self.log.place_of(e.actor, e) if e.id in self.log.by_id else (None, None)
        if here:
            places.add(here)
        keys |= {f"place:{p}" for p in places}
        if e.data.get("thing") in w.things:
            keys.add(f"thing:{e.data['thing']}")
        shared = self.log.by_id.get(e.data.get("shares", -1))
        if shared is not None:
            keys.add(f"character:{shared.actor}")
        owners = {k.split(":")[1] for k in keys | support.allowed if k.startswith("character:")}
        at = places | {k.split(":")[1] for k in support.allowed if k.startswith("place:")}
        keys |= {f"thing:{t.id}" for t in w.things.values() if t.location in at or t.owner in owners}
        return keys

    def _actions(self, text: str, mentions: list[Mention], support: Support, claims: list[Claim],
                 sources: set[int]) -> list[Event]:
        """Action claims; returns the events that make them true (a time in the sentence is theirs)."""
        people = {m.id for m in mentions if m.kind == "character"}
        things = {m.id for m in mentions if m.kind == "thing"}
        places = {m.id for m in mentions if m.kind == "place"}
        acted: list[Event] = []
        for action, rx in _ACTION_RX.items():
            m = rx.search(text)
            if m is None:
                continue
            kinds = _ACTIONS[action][0]
            fits = [e for e in support.events if e.kind in kinds and self._fits(e, people, things, places)]
            sources.update(e.id for e in fits)
            acted += fits
            claims.append(Claim(kind="action", text=m.group(), ok=bool(fits),
                                why=f"event {fits[0].id} ({fits[0].kind})" if fits else
                                f"no cited event where {_who(people)} {action}s {_what(things | places)}".strip()))
        return acted

    def _fits(self, e: Event, people: set[str], things: set[str], places: set[str]) -> bool:
        if people and not ({e.actor, e.target} & people if e.kind == "say" else e.actor in people):
            return e.kind == "give" and e.target in people and (not things or e.data.get("thing") in things)
        if things and e.kind in ("buy", "give") and e.data.get("thing") not in things:
            return False
        if places and e.kind in ("arrive", "move", "alarm") and e.target not in places:
            return False
        if places and e.kind == "invite" and e.data.get("place") not in places:
            return False
        return True

    def _times(self, text: str, support: Support, claims: list[Claim], sources: set[int],
               acted: list[Event]) -> None:
        """A time must be the time of a cited event; of the one that did what the sentence says,
        when it says someone did something ("At 12:10 Nell bought fish" needs her purchase at 12:10)."""
        known: dict[int, int] = {}  # minute of day -> event id
        for e in acted or support.events:
            known.setdefault(_minutes(e.world_time.hour, e.world_time.minute), e.id)
            if isinstance(e.data.get("at"), str) and len(e.data["at"]) >= 16:
                h, mi = e.data["at"][11:16].split(":")
                known.setdefault(_minutes(int(h), int(mi)), e.id)
        given = {_minutes(int(h), int(m)) for h, m in _CLOCK.findall(support.text)}
        for said, readings, exact in _times_in(text):
            hits = [i for t, i in known.items() for r in readings if (t == r if exact else r <= t < r + 60)]
            ok = bool(hits) or bool(given & set(readings))
            sources.update(hits[:1])
            claims.append(Claim(kind="time", text=said, ok=ok, why=f"time of event {hits[0]}" if hits else
                                "in the facts given" if ok else
                                f"no cited event at {said} (cited: {_list_times(known)})"))

    def _numbers(self, text: str, mentions: list[Mention], support: Support, claims: list[Claim],
                 sources: set[int]) -> None:
        given = numbers_in(support.text)
        spans = [m.span() for rx in (_CLOCK, _AMPM, _OCLOCK, _ZH_CLOCK) for m in rx.finditer(text)]
        for m in _PRICE.finditer(text):
            spans.append(m.span())
            value = float(m.group(1))
            buys = [e for e in support.events if e.kind == "buy" and float(e.data.get("price", -1)) == value]
            priced = [t for t in mentions if t.kind == "thing" and self.world.things[t.id].price == value]
            ok = bool(buys or priced) or f"{value:g}" in given
            sources.update(e.id for e in buys[:1])
            claims.append(Claim(kind="price", text=m.group(), ok=ok,
                                why=f"price in event {buys[0].id}" if buys else "the thing's price" if priced else
                                "in the facts given" if ok else "no cited purchase or thing has this price"))
        for m in re.finditer(r"\d+(?:\.\d+)?|\b(?:" + "|".join(_NUMBER_WORDS) + r")\b", text, re.I):
            if any(a <= m.start() < b for a, b in spans):
                continue
            said = n = m.group()
            if n.lower() in _NUMBER_WORDS:
                if re.search(rf"\b{n}\b", support.text, re.I):
                    continue  # "two days" where the facts say "two days"
                n = str(_NUMBER_WORDS[n.lower()])
            value = n.rstrip("0").rstrip(".") if "." in n else n
            in_events = any(str(v) == value or f"{v:g}" == value for e in support.events
                            for v in e.data.values() if isinstance(v, (int, float)) and not isinstance(v, bool))
            ok = value in given or in_events
            claims.append(Claim(kind="number", text=said, ok=ok, why="in the facts given" if ok else "a number no fact gives"))


def _times_in(text: str) -> list[tuple[str, list[int], bool]]:
    """(as written, minutes of day it may mean, exact to the minute?) for every time of day in a text;
    "at 3 o'clock" may mean 03:00 or 15:00, and holds when either does."""
    out, used = [], []
    for m in _CLOCK.finditer(text):
        out.append((m.group(), [_minutes(int(m.group(1)), int(m.group(2)))], True))
        used.append(m.span())
    for m in _AMPM.finditer(text):
        h = int(m.group(1)) % 12 + (12 if m.group(2).lower().startswith("p") else 0)
        out.append((m.group(), [h * 60], False))
        used.append(m.span())
    for m in _OCLOCK.finditer(text):
        if not any(a <= m.start() < b for a, b in used):
            h = int(m.group(1)) % 12
            out.append((m.group(), [h * 60, (h + 12) * 60], False))
    for m in _ZH_CLOCK.finditer(text):
        h = int(m.group(2)) + (12 if m.group(1) in ("下午", "傍晚", "晚上") and int(m.group(2)) < 12 else 0)
        minute = 30 if m.group(3) == "半" else int(m.group(4) or 0)
        out.append((m.group(), [h * 60 + minute], m.group(3) is not None))
    for word, minute in _WORD_TIMES.items():
        if re.search(rf"\b{word}\b" if word.isascii() else word, text, re.I):
            out.append((word, [minute], False))
    return out


def _mask_zh(text: str, mentions: list[Mention]) -> str:
    """The text with the world's own names blanked out, so jieba cannot read them as strangers."""
    for m in sorted(mentions, key=lambda m: -m.start):
        text = text[:m.start] + "，" + text[m.end:]
    return text


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().casefold()


def _who(people: set[str]) -> str:
    return " or ".join(sorted(people)) or "anyone"


def _what(keys: set[str]) -> str:
    return " ".join(sorted(keys))


def _list_times(known: dict[int, int]) -> str:
    return ", ".join(f"{t // 60:02d}:{t % 60:02d}" for t in sorted(known)[:6]) or "none"
