"""What a player's line asks: which kind of fact, about which of the world's things, and whether it
names something the world does not hold.

Answerability starts here (issue: an honest "I don't know"): a question about swords in a town
whose forge sells anchors names a thing the world lacks, and the honest reply says so instead of
offering the price of an anchor. Words are data (`voice/intents.yaml`), matched on the tokens of
`llmverse.lang.tokens()` so English and Chinese go through one path.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib.resources import files

import yaml

from llmverse.lang import COUNTED, MEASURE_WORDS, Language, detect_language, generation, tokens


@dataclass(frozen=True)
class Surface:
    """One way the world names an entity: 'iron anchor', '铁锚', 'smithy'."""

    entity: str  # "thing:anchor", "place:forge", "character:bram"
    text: str
    toks: tuple[str, ...]  # its tokens (English) or the text itself (Chinese)
    zh: bool


@dataclass
class Question:
    text: str
    language: Language
    toks: list[str]
    intents: set[str] = field(default_factory=set)  # price, hours, where, who, sells, self, plan, did, about
    entities: list[str] = field(default_factory=list)  # world entities named, longest match first
    unknown: list[str] = field(default_factory=list)  # content words the world has no word for
    smalltalk: bool = False  # a greeting, thanks or farewell with nothing else asked
    named: set[str] = field(default_factory=set)  # the question's words that name its entities
    addressed: bool = False  # speaks to the listener ("you", "你"): "when do you close?" is about them
    request: bool = False  # asks without a question mark ("Tell me about the castle.")
    needs: set[str] = field(default_factory=set)  # place tags that meet what the player needs ("food")
    detail: list[str] = field(default_factory=list)  # what is asked of a named entity that no fact tells
    # ("Who designed the Forge?", "Is the Forge wheelchair accessible?"): declined about the entity

    @property
    def wants(self) -> set[str]:
        """The fact kinds that would answer it."""
        return {k for i in self.intents for k in INTENTS()[i]["answered_by"]}


@lru_cache(maxsize=1)
def _data() -> dict:
    return yaml.safe_load(files("llmverse.voice").joinpath("intents.yaml").read_text(encoding="utf-8"))


def INTENTS() -> dict[str, dict]:  # noqa: N802 - a constant loaded lazily (jieba and yaml are slow to import)
    return _data()["intents"]


Matcher = tuple[str, str | re.Pattern]  # ("tok", token) | ("zh", text) | ("re", pattern)


def _matcher(word: str) -> Matcher:
    """A Chinese word matches as a substring, one English word as a token (stemmed), a phrase as words."""
    if re.search(r"[\u3400-\u9fff]", word):
        return ("zh", word) if len(word) > 1 else ("zh1", word)  # 卖 in 卖些, not the 钱 of 钱包
    if " " in word.strip():
        return ("re", re.compile(rf"\b{re.escape(word.strip())}\b", re.I))
    toks = tokens(word)
    return ("tok", toks[0] if toks else word.lower())


def _matches(m: Matcher, toks: set[str], text: str) -> bool:
    kind, what = m
    if kind == "zh":
        return what in text
    if kind == "zh1":  # one character: anywhere but inside a noun (钱 of 钱包 is a wallet, not money)
        return what in text and any(what in w and not (flag.startswith("n") and w != what)
                                    for w, flag in _pos(text))
    if kind == "re":
        return what.search(text) is not None
    return what in toks


@lru_cache(maxsize=1)
def _intent_matchers() -> dict[str, list[Matcher]]:
    return {name: [_matcher(w) for lang in ("en", "zh") for w in spec.get(lang, [])]
            for name, spec in INTENTS().items()}


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
def _smalltalk_words() -> frozenset[str]:
    return frozenset(t for lang in ("en", "zh") for w in _data()["smalltalk"][lang] for t in tokens(w))


@lru_cache(maxsize=1)
def _need_words() -> frozenset[str]:
    """过夜, hungry: a need that a place's tag meets, not a thing the world lacks."""
    return frozenset(t for spec in _data()["needs"].values() for lang in ("en", "zh") for w in spec.get(lang, [])
                     for t in [w, *tokens(w)])


@lru_cache(maxsize=1)
def _needs() -> dict[str, list[Matcher]]:
    return {tag: [_matcher(w) for lang in ("en", "zh") for w in spec.get(lang, [])]
            for tag, spec in _data()["needs"].items()}


@lru_cache(maxsize=1)
def _requests() -> list[Matcher]:
    return [_matcher(w) for lang in ("en", "zh") for w in _data()["requests"][lang]]


def _smalltalk() -> list[Matcher]:
    return [_matcher(w) for lang in ("en", "zh") for w in _data()["smalltalk"][lang]]


class Vocabulary:
    """The world's words: every surface form of every entity, and every token its text uses."""

    def __init__(self, surfaces: list[Surface], words: set[str]) -> None:
        self.surfaces = sorted(surfaces, key=lambda s: -len(s.text))  # longest first: 'iron anchor' before 'anchor'
        self.words = words
        # A word of a name that names one entity only ("schooner", "一晚" of 客房一晚) finds it alone.
        owners: dict[str, set[str]] = {}
        for s in surfaces:
            # Chinese names by their character pairs too: jieba cuts 客房一晚 and 住一晚 differently.
            parts = [*tokens(s.text), *(s.text[i:i + 2] for i in range(len(s.text) - 1))] if s.zh else s.toks
            for t in parts:
                # 一杯 of 一杯咖啡 counts a cup, it names nothing: "茶馆的茶多少钱一杯？" is not about coffee
                if len(t) > 1 and t not in _asking() and t not in _intent_words() and not _COUNTED.fullmatch(t):
                    owners.setdefault(t, set()).add(s.entity)
        self.unique = {t: next(iter(es)) for t, es in owners.items() if len(es) == 1}
        # A one-character noun that ends one thing's Chinese name only: 花 for 鲜花 (the tulips), 茶 for 绿茶.
        ends: dict[str, set[str]] = {}
        for s in surfaces:
            if s.zh and len(s.text) > 1 and s.entity.startswith("thing:"):
                ends.setdefault(s.text[-1], set()).add(s.entity)
        self.last_char = {ch: next(iter(es)) for ch, es in ends.items() if len(es) == 1}

    def entities_in(self, text: str, toks: list[str]) -> list[str]:
        """World entities the text names, each once, longest surface first; a shorter name inside a
        longer one already found does not count again ('lantern' inside 'Lantern Park')."""
        low, have = text.lower(), set(toks)
        found: list[str] = []
        used_toks: set[str] = set()
        used_zh: list[str] = []
        spans: set[int] = set()  # where the Chinese names found so far stand in the text
        for s in self.surfaces:
            if s.entity in found:
                continue
            if s.zh:
                hit = s.text in text if len(s.text) > 1 else s.text in have  # 茶 is not the 茶 of 茶壶
                # 铁匠 inside 铁匠铺 is the forge's name; said again on its own ("铁匠铺有铁匠吗？") it is the smith
                if hit and any(s.text in u for u in used_zh) and not any(
                        not spans.issuperset(range(m.start(), m.end())) for m in re.finditer(re.escape(s.text), text)):
                    continue
            elif len(s.toks) == 1:
                hit = s.toks[0] in have and s.toks[0] not in used_toks
            else:
                hit = all(t in have for t in s.toks) or s.text.lower() in low
                if hit and set(s.toks) <= used_toks:
                    continue
            if hit:
                found.append(s.entity)
                if s.zh:
                    used_zh.append(s.text)
                    spans.update(i for m in re.finditer(re.escape(s.text), text) for i in range(m.start(), m.end()))
                else:
                    used_toks.update(s.toks)
        pairs = [m[i:i + 2] for m in re.findall(r"[\u3400-\u9fff]+", text) for i in range(len(m) - 1)]
        for t in [*toks, *pairs]:  # then the words that belong to one name only
            entity = self.unique.get(t)
            if entity is not None and entity not in found and t not in used_toks \
                    and not any(t in u for u in used_zh):
                found.append(entity)
        buying = re.search(r"买|卖|哪儿|哪里|在哪|多少钱|价", text)  # "出什么事了？" names no 故事
        for word, flag in _pos(text) if buying else ():  # a lone noun ending one thing's name ("哪儿能买到花？")
            entity = self.last_char.get(word) if len(word) == 1 and flag.startswith("n") else None
            if entity is not None and entity not in found and not spans.issuperset(
                    i for m in re.finditer(re.escape(word), text) for i in range(m.start(), m.end())):
                found.append(entity)
        return found


# A word the world lacks counts only where it names a thing: "swords" in "Do you sell swords?", not
# "remember" in "Do you remember me?". English by the word before it, Chinese by jieba's noun tags.
_BEFORE_A_THING = frozenset("""a an the any some sell sells selling buy rent have has got there of for to your my his her
    their our no many much that this these those need want find about with stock make makes serve serves fix
    repair carry carries offer nearest take bring accept accepts use allow allows hire book order borrow lend
    recommend know visit meet play watch""".split())
# "Can I swim at the harbour?": the word after "can I" is what the player wants to do there.
# Not when an object follows ("Can I purchase an iron anchor?": the anchor is what is asked about).
_MAY_I = re.compile(r"\b(?:can|may|could)\s+(?:i|we)\s+([A-Za-z][A-Za-z'-]*)"
                    r"(?!\s+(?:a|an|the|some|any|this|that|these|those|one|two|my|your|me|it|them)\b)", re.I)
# "Do you bake birthday cakes?": what follows the verb of a yes/no question put to someone.
_DO_YOU = re.compile(r"\b(?:do|does|can|could|will|would|did)\s+(?:you|they|he|she)\s+[A-Za-z'-]+\s+"
                     r"((?:[A-Za-z][A-Za-z'-]*\s*){1,3})", re.I)
_MEASURE = frozenset(MEASURE_WORDS)
_COUNTED = COUNTED  # 一个, 两杯: what follows is counted, a thing
# "镇长是谁？", "谁是镇长？", "博物馆可以拍照吗？": what jieba may not tag as a noun still names what is asked.
# jieba tags an unfamiliar noun as anything (象棋 'v', 打字机 'l'), so where the sentence puts the thing
# bought or asked after is read from the words around it: 买到X, 卖不卖X, X有货吗.
_ZH_ASKED = re.compile(r"([\u3400-\u9fff]{2,6})是谁|谁是([\u3400-\u9fff]{2,6})|(?:可以|能)([\u3400-\u9fff]{2,4})吗|"
                       r"(?:有|卖|做|修|收)([\u3400-\u9fff]{2,6})吗|谁(?:做|造|画|写|建)的([\u3400-\u9fff]{2,6})|"
                       r"([\u3400-\u9fff]{2,6}?)(?:有吗|还有吗|卖不卖|能买吗|贵不贵|有没有|有货|有卖)")
_ZH_OBJECT = re.compile(r"(?:买到|买得到|卖不卖|有没有卖|找个|找一个|要个|租个|借个)([\u3400-\u9fff]{2,5}?)"
                        r"(?:吗|呢|吧|多少|怎么|几|好吗|行吗|[？?。！!，,]|$)|"
                        r"[一两几][个份杯碗只件条本张双瓶把块斤盒包支袋]([\u3400-\u9fff]{1,5}?)"
                        r"(?:吗|呢|吧|多少|怎么|几|好吗|行吗|可以|要|[？?。！!，,]|$)")
# What a thing is like, never a thing itself: jieba tags 新鲜 a place name ('ns'), so "有什么新鲜面包？" read
# 新鲜 as a thing the baker lacks ("抱歉，这里没有新鲜").
_ZH_QUALITIES = frozenset("新鲜 新 旧 热 冷 凉 热乎 热乎乎 大 小 好 最好 招牌 拿手 特色 刚出炉 现做 正宗 地道 好吃 好喝 "
                          "美味 可口 漂亮 干净 便宜 最新 今天 今日 当天".split())
_ZH_TRADE_VERBS = frozenset("卖 有 买 要 修 租 借 找 收 换".split())  # what follows one is the thing traded
# "Who designed the Forge?": a who-question about how a place came to be, not who works there now.
_WHO_DID = re.compile(r"\bwho\s+(?:first\s+|originally\s+)?(built|designed|founded|established|made|created|"
                      r"constructed|painted|carved|wrote|drew|began|started|planned|named)\b", re.I)
_VISIT_AT = re.compile(r"\b(?:can|could|may|should)\s+(?:i|we)\s+(?:go|come|visit|drop by|stop by|pop in)\b.*"
                       r"\b(?:morning|afternoon|evening|night|tonight|noon|midnight|o'clock|\d{1,2}(?::\d\d)?\s*(?:am|pm)?)\b|"
                       r"(?:早上|上午|中午|下午|晚上|傍晚|夜里|\d{1,2}点).{0,6}(?:能|可以)(?:去|来|进)", re.I)
_WOULD_LIKE = re.compile(r"\b(?:i'd|i would|we'd|we would|would you|you'd) like\b", re.I)
_CLOSE_BY = re.compile(r"\bclose (?:by|to (?:here|me|us))\b|\bclose-by\b", re.I)
_CAME_TO_BE = re.compile(r"\b(?:built|founded|established|made|created|constructed|opened first|set up|started)\b|"
                         r"建|造|盖|开业|成立|创办|落成", re.I)
# "Is the Forge wheelchair accessible?": a yes/no question about a named place or thing that asks
# none of the kinds of fact the world holds asks about a detail it may not hold.
_YES_NO = re.compile(r"^\s*(?:is|are|was|were|does|do|did|has|have|can|could|will)\b.*\?\s*$", re.I | re.S)
_YES_NO_ZH = re.compile(r"(?:吗|(?<![什怎这那多])么|嘛)\s*[？?]?\s*$|(?:有没有|是不是|能不能|可不可以|会不会|要不要)")
# Words that end a noun phrase begun after one of those ("the nearest bank in town": nearest, bank).
_PHRASE_END = frozenset("""in on at for to of from with by near around here there please is are and or but
    do does can could will would you i me it""".split())


_AFTER_A_NOUN = frozenset("left right over around lying today now again too still yet here there".split())


def _ends_noun_phrase(word: str, k: int) -> bool:
    """Past a noun phrase's end: a connecting word, or after its first word an adverb or a word that
    trails a noun ("any rope left", "swords cheaply", "rope lying around"; "bowling alley" stays)."""
    low = word.lower()
    return low in _PHRASE_END or (k > 0 and (low in _AFTER_A_NOUN or low.endswith(("ly", "ing"))))


def _pos(text: str) -> tuple[tuple[str, str], ...]:
    """jieba's words and part-of-speech tags for the Chinese in `text` (recut once a world taught it names)."""
    return _pos_cut(text, generation())


@lru_cache(maxsize=256)
def _pos_cut(text: str, _generation: int) -> tuple[tuple[str, str], ...]:
    if not re.search(r"[\u3400-\u9fff]", text):
        return ()
    from llmverse.lang import _jieba
    from jieba import posseg

    _jieba()  # quiet logging, loaded once
    return tuple((p.word, p.flag) for p in posseg.cut(text))


def _things_named(text: str) -> set[str]:
    """The tokens of `text` that stand where a thing is named."""
    out: set[str] = set()
    words = re.findall(r"[A-Za-z\u00c0-\u00ff][A-Za-z\u00c0-\u00ff'-]*", text)
    for i, w in enumerate(words):
        before = words[i - 1].lower() if i else ""
        opens = i == 1 and before in ("is", "are", "any", "got") and text.rstrip().endswith("?")  # "Is breakfast included?"
        if before in _BEFORE_A_THING or opens:
            for k, nxt in enumerate(words[i:i + 3]):  # the noun phrase: "the nearest bank", "a silver ring"
                if _ends_noun_phrase(nxt, k):
                    break
                out.update(tokens(nxt))
                if nxt[:1].isupper():  # a name ends it: "the Forge keep" is the Forge
                    break
    for m in _MAY_I.finditer(text):
        out.update(tokens(m.group(1)))
    for m in _DO_YOU.finditer(text):
        for k, w in enumerate(m.group(1).split()):
            if _ends_noun_phrase(w, k):
                break
            out.update(tokens(w))
    for i, w in enumerate(words):  # a name the world lacks: "books by Dickens" (not the first word, not "I")
        if i and w[:1].isupper() and w != "I" and not re.search(r"[.!?]\s*$", text[:text.find(w)]):
            out.update(tokens(w))
    pos = _pos(text)
    for i, (word, flag) in enumerate(pos):
        # a noun, a verbal noun (牙刷 is tagged vn), or whatever follows a measure word or 有没有 ("拿个X")
        prev, prev_flag = pos[i - 1] if i else ("", "")
        after = prev_flag == "q" or (prev_flag == "m" and prev[-1:] in _MEASURE) or prev in ("有没有", "买点", "买些")
        if flag.startswith("n") or flag == "vn" or (after and flag not in ("x", "y", "uj", "r", "p")):
            word = _without_particle(word, text)
            out.add(word)
            out.update(tokens(word))
    for m in (*_ZH_ASKED.finditer(text), *_ZH_OBJECT.finditer(text)):
        asked = next(g for g in m.groups() if g)
        out.add(asked)
        out.update(tokens(asked))
    return out


def _describes(token: str, text: str) -> bool:
    """Is this cut a noun or an adjective in the sentence (人多, 新鲜, 停车场), not a verb or a fragment
    (认识 in 你认识玛拉吗, 能住, 不是 of 是不是, 有书)? By jieba's tags of the words it spans."""
    flags, at = [], 0
    for word, flag in _pos(text):
        start = text.find(word, at)
        at = start + len(word)
        span = text.find(token)
        if span >= 0 and start < span + len(token) and span < at:
            flags.append(flag)
    return bool(flags) and any(f[0] in "na" for f in flags) and not any(f[0] in "vlrdcpyu" for f in flags)


def _without_particle(word: str, text: str) -> str:
    """水 of 来一杯水吧: jieba reads 水吧 (a juice bar) where the sentence ends on the particle 吧."""
    if len(word) > 1 and word[-1] in "吧呢啊呀嘛" and re.search(re.escape(word) + r"\s*(?:[。！？!?，,]|$)", text):
        return word[:-1]
    return word


def ends_a_phrase(word: str) -> bool:
    """A word that cannot continue a noun phrase ("the gift shop at the museum": at)."""
    low = word.lower()
    return low in _PHRASE_END or low in _asking() or any(t in _intent_words() for t in tokens(low))


def _of_known_words(token: str) -> bool:
    """营业时间 is 营业 + 时间: a word made of two asking or intent words asks, it names nothing."""
    known = _asking() | _intent_words()
    return any(token[:k] in known and token[k:] in known for k in range(1, len(token)))


def parse(text: str, vocabulary: Vocabulary, language: Language | None = None) -> Question:
    """Read one line: its language, what it asks, what it names, and what it names that the world lacks."""
    lang = language or detect_language(text)
    toks = tokens(text)
    have = set(toks)
    q = Question(text, lang, toks)
    # "I'd like to know where ..." asks no "what is it like": the phrase is taken out before intents are read
    plain = _WOULD_LIKE.sub(" ", text)
    said = set(tokens(plain)) if plain != text else have
    for name, matchers in _intent_matchers().items():
        if any(_matches(m, said, plain) for m in matchers):
            q.intents.add(name)
    if "history" in q.intents and _CAME_TO_BE.search(text):  # "When was the Forge built?" asks no opening hours
        q.intents.discard("hours")
    elif "history" in q.intents and "hours" in q.intents:  # "When was the Forge open yesterday?"
        q.intents.discard("history")
    if "where" in q.intents and _CLOSE_BY.search(text):  # "Is the Forge close by?" asks no closing time
        q.intents.discard("hours")
    q.entities = vocabulary.entities_in(text, toks)
    if not q.intents & {"hours", "where", "history"} and _VISIT_AT.search(text) \
            and any(e.startswith("place:") for e in q.entities):
        q.intents.add("hours")  # "Can I go to the museum in the morning?": is it open then
    named = {t for s in vocabulary.surfaces if s.entity in q.entities for t in s.toks}
    q.named = named & have
    # jieba's search mode and its tagger cut differently (卖剑 | 卖 剑): both cuts are candidates.
    pos = _pos(text)
    cuts = [w for i, (w, flag) in enumerate(pos)  # 卖|剑, not 问|一下
            if len(w) > 1 or (flag.startswith("n") and i and pos[i - 1][0] in _ZH_TRADE_VERBS)]
    named_things = _things_named(text)
    # Chinese has no spaces: jieba may glue a name's last character to the next word (杂货店主|是 cut as
    # 杂货店, 主是). A cut that overlaps where the question names one of the world's entities is no word it lacks.
    covered = {i for s in vocabulary.surfaces if s.zh and s.entity in q.entities
               for m in re.finditer(re.escape(s.text), text) for i in range(m.start(), m.end())}
    # What a measure word counts is a thing, however jieba cut it (一把手|套 for 一把 手套).
    counted = [m.group(2) for m in _ZH_OBJECT.finditer(text) if m.group(2) and len(m.group(2)) > 1]
    unknown = [t for t in dict.fromkeys(_without_particle(t, text) for t in [*toks, *cuts, *counted])
               if t not in vocabulary.words and t not in _asking() and t not in _intent_words()
               and t not in _smalltalk_words() and t not in _need_words() and t not in named and not t.isdigit()
               and t not in _ZH_QUALITIES
               and (len(t) > 1 or re.fullmatch(r"[\u3400-\u9fff]", t))
               and not any(t in s.text or (len(s.text) > 1 and s.text in t) for s in vocabulary.surfaces if s.zh)
               and not _overlaps(t, text, covered)]
    # 人多 (人 + 多) is made of two asking words yet asks nothing: a detail when no intent is asked (有没有 asks)
    lacked = [t for t in unknown if not _YES_NO_ZH.fullmatch(t)] + [t for t in toks if t in _ZH_QUALITIES]
    asks = [t for t in unknown if _of_known_words(t)]  # 负责人 = 负责 + 人: and 责人, jieba's other cut of it
    unknown = [t for t in unknown if t not in asks and not any(t in a for a in asks)]
    # jieba's search mode cuts 自行车 into 自行, 行车 and 自行车: the longest stands for them.
    things = [t for t in unknown if t in named_things]
    unknown = [t for t in unknown if not any(t != u and t in u for u in unknown)]
    q.unknown = [t for t in things if not any(t != u and t in u for u in things)]
    if lang == "en" and q.entities and not q.unknown and "did" not in q.intents:
        made = {t for m in _WHO_DID.finditer(text) for t in tokens(m.group(1))}
        q.detail = [t for t in unknown if t in made]
        if not q.detail and unknown and not q.intents and _YES_NO.match(text):
            q.detail = unknown
    elif lang == "zh" and q.entities and not q.unknown and lacked and not q.intents and _YES_NO_ZH.search(text):
        q.detail = [t for t in lacked if not any(t != u and t in u for u in lacked) and _describes(t, text)]  # "铁匠铺周末人多吗？": a yes/no question of a real place asking nothing the world holds
    if len(q.unknown) > 1 and q.language == "en":  # "silver ring", "nearest bank": the head noun is last
        q.unknown = [q.unknown[-1], *q.unknown[:-1]]
    elif len(q.unknown) > 1:  # 能租自行车: the noun (自行车) is what is missing, not the verb jieba glued (能租)
        nouns = {w for w, flag in _pos(text) if flag.startswith("n") or flag == "vn"}
        q.unknown.sort(key=lambda t: (t not in nouns, -len(t)))
    greets = any(_matches(m, have, text) for m in _smalltalk())
    q.addressed = bool(re.search(r"\b(?:you|your|yours)\b|你|您", text, re.I))
    q.request = any(_matches(m, have, text) for m in _requests())
    q.needs = {tag for tag, ms in _needs().items() if any(_matches(m, have, text) for m in ms)}
    q.smalltalk = greets and not q.entities and not (q.intents - {"about", "self"}) and not q.unknown
    return q


_GLUE = set("是的在有吗呢了和与也都就")  # what jieba glues to a name's end: 杂货店主|是 cut as 主是


def _overlaps(word: str, text: str, covered: set[int]) -> bool:
    """Is `word` a cut across a name the question uses and a function character after it (主是 of
    杂货店主是)? Not one that adds a word of its own (馆员 of 图书馆员: the Library has no librarian)."""
    for m in re.finditer(re.escape(word), text):
        span = range(m.start(), m.end())
        if covered.intersection(span) and all(text[i] in _GLUE for i in span if i not in covered):
            return True
    return False


def surface_phrase(question: str, token: str, unknown: Sequence[str] = (), known: Collection[str] = ()) -> str:
    """What the player called the missing thing, as they wrote it and lower-cased: the word for the
    token ("swords" for "sword") with the words beside it that the world lacks too ("bowling alley",
    "train station") and a word of the world's after it that makes the name ("gift shop": the world
    knows shops, not this one; not "rope left" or "swords cheaply").
    Chinese is returned as the token itself (jieba already cut the whole word)."""
    found = list(re.finditer(r"[A-Za-z\u00c0-\u00ff][A-Za-z\u00c0-\u00ff'-]*", question))
    low = [m.group().lower() for m in found]
    at = next((i for i, w in enumerate(low) if w.startswith(token)), None)
    if at is None:
        return token
    others = [u for u in unknown if u != token]

    def lacking(w: str) -> bool:  # a word the world lacks too, a noun's: not "nearest", "left", "cheaply"
        return any(w.startswith(u) for u in others) and not re.search(r"(?:est|ly)$", w) and w not in _AFTER_A_NOUN

    def continues(i: int) -> bool:  # the next word of the same name: adjacent, lower-case, a world word
        gap = question[found[i - 1].end():found[i].start()]
        return gap.strip() == "" and found[i].group()[:1].islower() and not ends_a_phrase(low[i]) \
            and not _ends_noun_phrase(low[i], 1) and not low[i].endswith("ed") \
            and bool(tokens(low[i])) and all(t in known for t in tokens(low[i]))

    start, end = at, at + 1
    while start > 0 and lacking(low[start - 1]):
        start -= 1
    while end < len(low) and lacking(low[end]):
        end += 1
    while end < len(low) and end - at < 3 and continues(end):
        end += 1
    return " ".join(low[start:end])
