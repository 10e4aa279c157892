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

from llmverse.lang import Language, detect_language, tokens
from llmverse.voice.asked import by_role, said
from llmverse.voice.words import (INTENTS, asking_words, asks, except_pattern, intent_matchers, intent_words, matches,
                                  need_matchers, need_words, of_listed_words, pos_tags, request_matchers,
                                  smalltalk_matchers, smalltalk_words)


@dataclass(frozen=True)
class Surface:
    """One way the world names an entity: 'iron anchor', '铁锚', 'smithy'."""

    entity: str  # "thing:anchor", "place:forge", "character:bram"
    text: str
    toks: tuple[str, ...]  # its tokens (English) or the text itself (Chinese)
    zh: bool
    role: bool = False  # a common noun for a person ("tour guide", "铁匠"), not their name


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
    by_role: list[str] = field(default_factory=list)  # people named only by a word of their role ("a guide")
    said: list[str] = field(default_factory=list)  # what is asked of its subjects, beyond their names
    # and the asking words ("shows" in "Are there shows at the Gull Inn?"): voice/asked.py
    said_thing: str | None = None  # the word of `said` that names a thing ("guide"), to name in a decline

    @property
    def wants(self) -> set[str]:
        """The fact kinds that would answer it."""
        return {k for i in self.intents for k in INTENTS()[i]["answered_by"]}


class Vocabulary:
    """The world's words: every surface form of every entity, and every token its text uses."""

    def __init__(self, surfaces: list[Surface], words: set[str]) -> None:
        self.surfaces = sorted(surfaces, key=lambda s: -len(s.text))  # longest first: 'iron anchor' before 'anchor'
        self.words = words
        # A word of a name that names one entity only ("schooner", "一晚" of 客房一晚) finds it alone.
        owners: dict[str, set[str]] = {}
        roles: dict[str, bool] = {}  # a word found only in role words ("tour" of "tour guide")
        for s in surfaces:
            # Chinese names by their character pairs too: jieba cuts 客房一晚 and 住一晚 differently.
            parts = [*tokens(s.text), *(s.text[i:i + 2] for i in range(len(s.text) - 1))] if s.zh else s.toks
            for t in parts:
                if len(t) > 1 and t not in asking_words() and t not in intent_words():
                    owners.setdefault(t, set()).add(s.entity)
                    roles[t] = roles.get(t, True) and s.role
        self.unique = {t: Surface(next(iter(es)), t, (t,), bool(re.search(r"[\u3400-\u9fff]", t)), roles[t])
                       for t, es in owners.items() if len(es) == 1}

    def entities_in(self, text: str, toks: list[str]) -> list[str]:
        """World entities the text names, each once, longest surface first; a shorter name inside a
        longer one already found does not count again ('lantern' inside 'Lantern Park')."""
        return list(dict.fromkeys(e for e, _ in self.hits(text, toks)))

    def hits(self, text: str, toks: list[str]) -> list[tuple[str, Surface]]:
        """(entity, the surface that named it) for each entity the text names, longest surface first,
        then those found by a word that belongs to one name only."""
        low, have = text.lower(), set(toks)
        found: list[tuple[str, Surface]] = []
        used_toks: set[str] = set()
        rest = text  # the Chinese not yet read as a name: 铁匠 counts again in 铁匠铺有铁匠吗
        for s in self.surfaces:
            if any(e == s.entity for e, _ in found):
                continue
            if s.zh:
                hit = s.text in rest if len(s.text) > 1 else s.text in have  # 茶 is not the 茶 of 茶壶
            elif len(s.toks) == 1:
                hit = s.toks[0] in have and s.toks[0] not in used_toks
            else:
                hit = all(t in have for t in s.toks) or s.text.lower() in low
                if hit and set(s.toks) <= used_toks:
                    continue
            if hit:
                found.append((s.entity, s))
                if s.zh:
                    rest = rest.replace(s.text, "\0")
                else:
                    used_toks.update(s.toks)
        pairs = [m[i:i + 2] for m in re.findall(r"[\u3400-\u9fff]+", rest) for i in range(len(m) - 1)]
        for t in [*toks, *pairs]:  # then the words that belong to one name only
            one = self.unique.get(t)
            if one is not None and all(e != one.entity for e, _ in found) and t not in used_toks \
                    and (not one.zh or t in rest):
                found.append((one.entity, one))
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
_MEASURE = frozenset("个份杯碗只件条本张双瓶把块斤盒包支袋")  # 一个, 两杯: what follows is counted, a thing
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
_ZH_TRADE_VERBS = frozenset("卖 有 买 要 修 租 借 找 收 换".split())  # what follows one is the thing traded
# "Who designed the Forge?": a who-question about how a place came to be, not who works there now.
_WHO_DID = re.compile(r"\bwho\s+(?:first\s+|originally\s+)?(built|designed|founded|established|made|created|"
                      r"constructed|painted|carved|wrote|drew|began|started|planned|named)\b", re.I)
_CAME_TO_BE = re.compile(r"\b(?:built|founded|established|made|created|constructed|opened first|set up|started)\b|"
                         r"建|造|盖|开业|成立|创办|落成", re.I)
# "Is the Forge wheelchair accessible?": a yes/no question about a named place or thing that asks
# none of the kinds of fact the world holds asks about a detail it may not hold.
_YES_NO = re.compile(r"^\s*(?:is|are|was|were|does|do|did|has|have|can|could|will)\b.*\?\s*$", re.I | re.S)
# Words that end a noun phrase begun after one of those ("the nearest bank in town": nearest, bank).
_PHRASE_END = frozenset("""in on at for to of from with by near around here there please is are and or but
    do does can could will would you i me it""".split())


_AFTER_A_NOUN = frozenset("left right over around lying today now again too still yet here there".split())


def _ends_noun_phrase(word: str, k: int) -> bool:
    """Past a noun phrase's end: a connecting word, or after its first word an adverb or a word that
    trails a noun ("any rope left", "swords cheaply", "rope lying around"; "bowling alley" stays)."""
    low = word.lower()
    return low in _PHRASE_END or (k > 0 and (low in _AFTER_A_NOUN or low.endswith(("ly", "ing"))))


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
    pos = pos_tags(text)
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


def _without_particle(word: str, text: str) -> str:
    """水 of 来一杯水吧: jieba reads 水吧 (a juice bar) where the sentence ends on the particle 吧."""
    if len(word) > 1 and word[-1] in "吧呢啊呀嘛" and re.search(re.escape(word) + r"\s*(?:[。！？!?，,]|$)", text):
        return word[:-1]
    return word


def ends_a_phrase(word: str) -> bool:
    """A word that cannot continue a noun phrase ("the gift shop at the museum": at)."""
    low = word.lower()
    return low in _PHRASE_END or low in asking_words() or any(t in intent_words() for t in tokens(low))


def _of_known_words(token: str) -> bool:
    """营业时间 is 营业 + 时间: a word made of two asking or intent words asks, it names nothing."""
    known = asking_words() | intent_words()
    return any(token[:k] in known and token[k:] in known for k in range(1, len(token)))


def parse(text: str, vocabulary: Vocabulary, language: Language | None = None) -> Question:
    """Read one line: its language, what it asks, what it names, and what it names that the world lacks."""
    lang = language or detect_language(text)
    toks = tokens(text)
    have = set(toks)
    q = Question(text, lang, toks)
    for name, matchers in intent_matchers().items():
        # A phrase that uses an intent's word in another sense does not ask it ("close by" is no closing time).
        t = except_pattern(name).sub(" ", text) if except_pattern(name) else text
        if any(matches(m, set(tokens(t)) if t != text else have, t) for m in matchers):
            q.intents.add(name)
    if "history" in q.intents and _CAME_TO_BE.search(text):  # "When was the Forge built?" asks no opening hours
        q.intents.discard("hours")
    elif "history" in q.intents and "hours" in q.intents:  # "When was the Forge open yesterday?"
        q.intents.discard("history")
    hits = vocabulary.hits(text, toks)
    q.entities = list(dict.fromkeys(e for e, _ in hits))
    people = by_role(hits)
    if people and any(not e.startswith("character:") for e in q.entities):  # "Does the Market have a guide?"
        q.by_role, q.entities = people, [e for e in q.entities if e not in people]
    named = {t for s in vocabulary.surfaces if s.entity in q.entities for t in s.toks}
    # What the names leave of the line: a word jieba glued across a name's end (铺里 of 草药铺里,
    # 膏贵 of 薄荷膏贵吗) names nothing the world lacks.
    rest = text
    for _, s in hits:
        rest = rest.replace(s.text, "\0") if s.zh and len(s.text) > 1 else rest
    q.named = named & have | {s.text for e, s in hits if s.zh and e in q.entities and len(s.text) > 1}
    # jieba's search mode and its tagger cut differently (卖剑 | 卖 剑): both cuts are candidates.
    pos = pos_tags(text)
    cuts = [w for i, (w, flag) in enumerate(pos)  # 卖|剑, not 问|一下
            if len(w) > 1 or (flag.startswith("n") and i and pos[i - 1][0] in _ZH_TRADE_VERBS)]
    named_things = _things_named(text)
    # What a measure word counts is a thing, however jieba cut it (一把手|套 for 一把 手套).
    counted = [m.group(2) for m in _ZH_OBJECT.finditer(text) if m.group(2) and len(m.group(2)) > 1]
    unknown = [t for t in dict.fromkeys(_without_particle(t, text) for t in [*toks, *cuts, *counted])
               if t not in vocabulary.words and t not in asking_words() and t not in intent_words()
               and t not in smalltalk_words() and t not in need_words() and t not in named and not t.isdigit()
               and (len(t) > 1 or re.fullmatch(r"[\u3400-\u9fff]", t))
               and not any(t in s.text or (len(s.text) > 1 and s.text in t) for s in vocabulary.surfaces if s.zh)
               and (not re.search(r"[\u3400-\u9fff]", t) or t in rest)]
    unknown = [t for t in unknown if not _of_known_words(t)]
    # jieba's search mode cuts 自行车 into 自行, 行车 and 自行车: the longest stands for them.
    things = [t for t in unknown if t in named_things]
    unknown = [t for t in unknown if not any(t != u and t in u for u in unknown)]
    q.unknown = [t for t in things if not any(t != u and t in u for u in things)]
    if lang == "en" and q.entities and not q.unknown and "did" not in q.intents:
        made = {t for m in _WHO_DID.finditer(text) for t in tokens(m.group(1))}
        q.detail = [t for t in unknown if t in made]
        if not q.detail and unknown and not q.intents and _YES_NO.match(text):
            q.detail = unknown
    if len(q.unknown) > 1 and q.language == "en":  # "silver ring", "nearest bank": the head noun is last
        q.unknown = [q.unknown[-1], *q.unknown[:-1]]
    elif len(q.unknown) > 1:  # 能租自行车: the noun (自行车) is what is missing, not the verb jieba glued (能租)
        nouns = {w for w, flag in pos_tags(text) if flag.startswith("n") or flag == "vn"}
        q.unknown.sort(key=lambda t: (t not in nouns, -len(t)))
    q.said = [t for t in said(text, toks, hits, q.by_role, asks(text, have)) if not of_listed_words(t)]
    nouns = named_things | {w for w, flag in pos_tags(text) if flag.startswith("n") or flag == "vn"}
    q.said_thing = next((t for t in reversed(q.said) if t in nouns), None)
    greets = any(matches(m, have, text) for m in smalltalk_matchers())
    q.addressed = bool(re.search(r"\b(?:you|your|yours)\b|你|您", text, re.I))
    q.request = any(matches(m, have, text) for m in request_matchers())
    q.needs = {tag for tag, ms in need_matchers().items() if any(matches(m, have, text) for m in ms)}
    q.smalltalk = greets and not q.entities and not (q.intents - {"about", "self"}) and not q.unknown
    return q


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
