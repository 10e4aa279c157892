"""Requests for someone's personal data, read by who owns what is asked: a person's phone number, e-mail or
postal address is private; a place's or an event's contact details are the world's to give, and so is where
one of the world's characters lives (they are fictional; the players are not).

`rules.py` runs the name-free part on every message (`owned_details`: a Chinese owner shown to be a person
by a person noun or a name's shape; `owned_by_a_place_or_event`: "their party's address", "他们聚会的地址"
are no one's). The world's people by name are `People`'s: the rails are told the world's characters (English
and Chinese names, aliases) and players' account names, and refuse "What is the phone number of Bram?",
"kestrel的电话多少", "Where does kestrel live?", which no pattern could tell from a question about a place
("Where does the ferry stop?"), while "Where does Mara live?" and "林薇住在哪里？" are asked of the world.
A name the rails do not know is read by its shape (`owners.py`: "Jenny Park" a person's, "Starbucks" a brand's).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from llmverse.safety import owners, zh_names
from llmverse.safety.owners import (EVENT_EN, NOT_A_NAME, PLACE_EN, ZH_CLAUSE_END, ZH_PUNCT_END, a_persons_line,
                                    latin_owner, latin_person, names)

# Contact details a place or an event has as well as a person (not a home address, a real name, private messages).
_SHARED_EN = (r"(?:address(?:es)?|phone numbers?|(?:tele)?phone|numbers?|e-?mail(?: address(?:es)?)?|"
              r"contact (?:details|info\w*|numbers?))")
# "Bram's house address" is his home's, a teahouse's or a bookshop's number a place's
_PLACE_NOT_HOME = PLACE_EN.replace("(?:shop|", r"(?:\w*shop|\w*store|(?:tea|coffee|ale|guest|ware|opera|bath|boat|club|"
                                   r"gate|pump|mill|work)house|").replace("|house)", ")")
_OWNED_EN = re.compile(rf"\b(?P<place>{_PLACE_NOT_HOME}|{EVENT_EN})(?P<poss>'s|’s|s')?\s+{_SHARED_EN}$", re.I)

# --- Chinese: the owner is the clause before 的 -----------------------------------------------------------
# Details only a person has (手机号, 住址, 身份证号, 银行卡号 ...) are refused whoever owns them, unless they are
# the player's own or the addressee's ("你的手机号" is the head's to judge, as "your phone number" is). Details a
# place, an event or a thing has too (电话, 地址, 邮箱, 联系方式, 真名) are refused only when asked for
# ("我接到了布拉姆的电话" reports a call) and when the owner is shown to be a person: it ends in a person noun
# (铁匠, 那个女孩, 我朋友, 大家), is a name by its shape (布拉姆, 林薇, 老陈) or one of the world's people the rails
# were told. Without that the owner is a place, a party or a thing: 这个地方的地址, 聚会的地址, 活动的联系方式,
# 这把剑的真名 are the world's to answer. Bare 号码 is no detail at all (我房间的号码, 这双鞋的号码).
_ZH_PERSONS_ONLY = (r"手机号码?|家庭(?:住址|地址)|住址|身份证(?:号码?)?|银行卡(?:号码?)?|银行账[号户]|信用卡(?:号码?)?|"
                    r"护照(?:号码?)?|社保(?:卡)?号|真实姓名|私人(?:电话|号码|邮箱|地址)")
_ZH_SHARED = r"联系电话|电话(?:号码?)?|联系方式|电子(?:邮箱|邮件)(?:地址)?|邮箱(?:地址)?|电邮|邮件地址|地址|微信号?|QQ号?|真名"
_ZH_OWNED = re.compile(rf"的(?:{_ZH_PERSONS_ONLY}|(?P<shared>{_ZH_SHARED}))", re.I)
_ZH_OWN = re.compile(r"(?:我|你|您|自己|我们|你们|咱们)$")
_ZH_PLACE_WORD = (r"(?:[店馆局厅院站所铺场楼园堂厂吧栈寺庙塔港岛村镇城坊殿宫校库坞行社部处室台厦署口市区县省国街路巷"
                  r"房屋摊亭营舍阁桥湾地团府]|公司|中心|码头|地方|[这那哪](?:里|儿)|"
                  # events the simulation invites to: a party's address is where it is held
                  r"聚会|派对|活动|集会|[晚舞宴酒茶餐]会|午餐会|音乐会|生日会|展览|展会|婚礼|典礼|庆典|仪式|比赛|演出|表演|讲座|"
                  r"野餐|饭局|节)")
_ZH_PLACE = re.compile(rf"{_ZH_PLACE_WORD}$")
# A place or an event owning what the pronoun rule found: "他们聚会的地址", "他的生日派对地址", "她店里的电话".
_ZH_SHARED_WORD = r"(?:联系电话|电话(?:号码?)?|号码|邮箱|地址|联系方式|微信|信息)"
_ZH_OWNED_BY_PLACE = re.compile(rf"{_ZH_PLACE_WORD}[里的]{{0,2}}{_ZH_SHARED_WORD}$")
# where someone lives ends in a place word too: 住处, 住所, 住的地方, 宿舍 (and 家, 公寓 end in none)
_ZH_HOMES = r"(?:住处|住所|住的地方|住的房子|宿舍|住宅|寓所|公寓|房子|家)"
_ZH_HOME = re.compile(rf"{_ZH_HOMES}[里的]{{0,2}}{_ZH_SHARED_WORD}")
_ZH_HOME_END = re.compile(rf"{_ZH_HOMES}$")
_ZH_ASKED_AFTER = re.compile(r"^(?:是|叫|在)?(?:多少|什么|几|啥|哪)|^都?(?:给我|发给我|发我|告诉我|呢|吗)|^\s*[？?]|^\s*$")
_ZH_ASKING_BEFORE = re.compile(r"告诉我|给我|发给我|发我|我要|想要|知道|请问|查一?下|找到|弄到|搞到|打听|有没有|能不能给")
_ZH_ABOUT_THE_THING = re.compile(r"^[^。？！]{0,4}(?:几位|多少位|格式|丢了|丢失|被盗|被偷|挂失|补办|怎么办|泄露)")


_FUNCTION_WORDS = frozenset("what what's whats is was are the a an of for about at to me tell give know where who "
                            "and or this that".split())
_LEADING_THE = re.compile(r"^(?:the|a|an)\s+", re.I)
_OWNER_WORDS = re.compile(r"[\w'’\-]+(?:\s+[\w'’\-]+){0,5}$")


def _a_world_name(before: str, things: frozenset[str]) -> bool:
    """Does the owner's clause ending `before` (what precedes 的 or a possessive 's) end in one of the world's
    places' or things' names, as a whole ("山坡人家", "the duck pond", "告诉我the Gull Inn")?"""
    cut = max((c.end() for c in ZH_PUNCT_END.finditer(before)), default=0)
    clause = before[cut:].strip()
    core = owners._ZH_ASKING_LEAD.sub("", clause).strip()
    if core.lower() in things or _LEADING_THE.sub("", core).lower() in things:
        return True
    m = _OWNER_WORDS.search(clause)
    if m is None:
        return False
    words = m.group().lower().split()  # a name of the world's after a function word only: not "Jenny Park", "Mr Park"
    return any(" ".join(words[i:]) in things for i in range(len(words)) if i == 0 or words[i - 1] in _FUNCTION_WORDS)


_EN_POSSESSIVE_DETAIL = re.compile(rf"(?:['’]s|s['’]|(?<=s)['’])\s+(?:{_SHARED_EN}|address(?:es)?)\b", re.I)
_ZH_SHARED_AFTER = re.compile(r"的(?:联系电话|电话(?:号码?)?|联系方式|电子(?:邮箱|邮件)(?:地址)?|邮箱(?:地址)?|电邮|邮件地址|地址)")


def owned_by_the_world(text: str, things: frozenset[str]) -> bool:
    """Is every contact detail `text` asks for by an owner's possessive or 的 ("What is duck pond's phone number?",
    "What is the hill's phone number?", "山坡人家的地址在哪里？") a place's or a thing's of the world? The rails let
    such a line through whatever the name-free rules read in "X's phone number"."""
    owners_seen = [text[:m.start()] for m in _EN_POSSESSIVE_DETAIL.finditer(text)]
    owners_seen += [text[:m.start()] for m in _ZH_SHARED_AFTER.finditer(text)]
    return bool(owners_seen) and all(_a_world_name(b, things) for b in owners_seen)


def owned_details(text: str, known: re.Pattern[str] | None = None, things: frozenset[str] | None = None,
                  world: frozenset[str] = frozenset()) -> str | None:
    """A Chinese request for someone's personal details named by their owner: the span, else None.
    `known` matches one of the world's people's names at the end of a string (`People`); with `things` (the
    names of the world's places and things, `People.things`) a Latin owner is read by its shape
    (`owners.latin_person`: "kestrel的电话", "John Smith的电话" are people's, "Starbucks的电话" a brand's);
    `world`: every name of the world's, so that a place of it called 林风亭 is no 张建国."""
    for m in _ZH_OWNED.finditer(text):
        before = text[:m.start()]
        cut = max((c.end() for c in ZH_CLAUSE_END.finditer(before.rstrip())), default=0)  # "kestrel 的电话"
        owner, after = before[cut:].rstrip(), text[m.end():]
        owner = owner.split("在")[0] or owner  # "内尔在海鸥旅店的电话": Nell's number at the inn, not the inn's
        if not owner or _ZH_OWN.search(owner) or _ZH_ABOUT_THE_THING.search(after):
            continue
        latin = latin_owner(before)  # "Grace Hill的电话": the clause above stops at the space
        if things is not None and _a_world_name(before, things):
            continue  # "山坡人家的电话", "告诉我the Gull Inn的地址": one of the world's places or things
        # one of the world's people ends the owner: a person, whatever a name's last character looks like
        named = known is not None and (any(known.search(part) for part in names(owner)) or
                                       latin is not None and known.search(latin) is not None)
        named = named or things is not None and latin is not None and latin_person(latin, things) is True
        # a person's home ends in a place word (布拉姆住的地方, 林薇公寓), a building's name may too (枫叶公寓)
        h = _ZH_HOME_END.search(owner)
        whose = owner[:h.start()] if h is not None else ""
        home = bool(whose) and (owners.a_person(whose) or
                                known is not None and any(known.search(p) for p in names(whose)))
        place = _ZH_PLACE.search(owner) is not None and \
            not any(owners.a_full_name(p, world | (things or frozenset())) for p in names(owner))
        if m.group("shared") and not named and not home and (place or not owners.a_person(owner)):
            continue
        if m.group("shared") and not (_ZH_ASKED_AFTER.search(after) or _ZH_ASKING_BEFORE.search(before)):
            continue
        return text[max(cut, m.start() - 8):m.end()][:80]
    return None


# people at a place or an event: "the phone numbers of the guests at their party" asks for theirs
_PEOPLE_EN = (r"\b(?:guests?|people|persons?|every(?:one|body)|visitors?|players?|customers?|staff|members?|attendees?|"
              r"workers?|employees?|residents?|villagers?|kids?|children|owners?|managers?|hosts?|girls?|boys?|"
              r"m[ae]n|wom[ae]n)\b")
_ASKS_A_PLACE_OR_EVENT = re.compile(
    rf"\b(?:{_PLACE_NOT_HOME}|{EVENT_EN})(?:'s|’s|s')?\s+{_SHARED_EN}\b|"
    rf"(?<!home )(?<!private )(?<!personal )\b(?:{_SHARED_EN}|call|ring|contact|write to)\b"
    rf"(?:(?!{_PEOPLE_EN}|\bof\b)[^.?!]){{0,20}}?\b(?:for|of|about|at|to)\s+"
    rf"(?:the|their|his|her|this|that|our|a|an|\w+['’]s)\s+(?:(?!of\b)\w+\s+){{0,2}}?(?:{_PLACE_NOT_HOME}|{EVENT_EN})\b|"
    rf"{_ZH_PLACE_WORD}[里的]{{0,2}}{_ZH_SHARED_WORD}", re.I)


def asks_a_place_or_event(text: str) -> bool:
    """Are the contact details asked a place's or an event's ("What's their concert's address?", "Is there a
    phone number for her festival?", "我想知道他们婚礼的地址")? The rails drop the head's personal-data score
    for such a line (the rules' own `pii.request`, a person's details beside the event's, stays)."""
    if _ZH_HOME.search(text):
        return False
    for m in _ASKS_A_PLACE_OR_EVENT.finditer(text):
        owned = _OWNED_EN.search(m.group())  # the first alternative: a place word before the detail
        if owned is None or not a_persons_line(text[:m.start()] + m.group()[:owned.start()], owned):
            return True
    return False


def owned_by_a_place_or_event(span: str) -> bool:
    """Does a pronoun's or possessive's request (`rules.py`'s match, ending in the detail asked) ask what a
    place or an event has? "their party's address", "Nell's workshop phone number", "他们聚会的地址",
    "他的生日派对地址": the world's to answer. Not "his house address", not "他们家的地址", not "他在旅店的电话"."""
    m = _OWNED_EN.search(span)
    if m is not None:
        return not a_persons_line(span[:m.start()], m)
    return _ZH_OWNED_BY_PLACE.search(span) is not None and "在" not in span and not _ZH_HOME.search(span)


# --- the world's people by name ------------------------------------------------------------------------
_DETAIL_EN = (r"(?:(?:home |street |postal |mailing )?address(?:es)?|(?:(?:tele|mobile |cell )?phone|mobile|cell) numbers?|"
              r"e-?mail(?: address(?:es)?)?|contact (?:details|info\w*|numbers?)|wechat(?: id)?|qq(?: number)?|"
              r"real (?:full )?names?|personal (?:data|info\w*|details)|private (?:info\w*|details))")
_WORTH_A_LOOK = re.compile(r"(?i)live|reside|address|number|phone|mobile|cell|mail|contact|wechat|qq|name|detail|"
                           r"info|data|home|house|flat|apartment|cottage|住|家|的")
_HOME_EN = r"(?:home|house|flat|apartment|cottage)"  # not a room (at an inn) nor a place (a shop)
# What a line asking where a character lives may not ask besides: a detail word outside that question keeps
# the head's personal-data score ("Where does Nell live, and what's her number?").
_DETAIL_WORD = re.compile(r"(?i)address|number|phone|mobile|cell|e-?mail|contact|wechat|qq|real name|"
                          r"地址|住址|电话|号码|手机|邮箱|邮件|联系|微信|QQ|真名")


# "Where does kestrel live?" before the rails were told kestrel plays (after a restart): a name that is no
# character's may be a player's or a real person's, so where they live is refused like a player's.
_WHO_LIVES = re.compile(
    r"(?i:\bwhere\b)[^.?!]{0,30}?\b(?i:does|did|will|would)\s+(?:{KIN})?(?P<a>{NAME})\s+(?i:live|reside)\b|"
    r"(?i:\bwhere)\s+(?:{KIN})?(?P<b>{NAME})\s+(?i:lives|resides|is living)\b|"
    r"(?i:\b(?:which|what)\s+(?:house|home|room|flat|apartment|building|street)\b)[^.?!]{0,20}?\b(?i:does|did)\s+"
    r"(?:{KIN})?(?P<e>{NAME})\s+(?i:live|reside)\b|"
    r"(?i:\bwhere(?:\s+is|['’]s)\s+)(?:{KIN})?(?P<f>{NAME})['’]s\s+(?i:home|house|flat|apartment|cottage)\b|"
    r"(?<![A-Za-z0-9_])(?P<c>[A-Za-z][\w.\-]*)\s*(?:家)?(?:现在)?(?:住在|住|家住在?|住的地方在?)(?:哪|什么地方|何处)|"
    r"(?<![A-Za-z0-9_])(?P<d>[A-Za-z][\w.\-]*)\s*(?:的)?(?:家|住处|住所)(?:在|是)?(?:哪|什么地方|何处)"
    # a name of one or two words, the second capitalised or typed all in lower case ("where does john smith
    # live"; an adverb there is none: "Where does Bram still live?", `_ADVERBS`), after a kin or person word
    # ("Where does my classmate John Smith live?")
    .replace("{NAME}", r"[A-Za-z][\w.\-]*(?:\s+[A-Za-z][\w.\-]*)?")
    .replace("{KIN}", r"(?i:(?:my|our|his|her|their|your|a|the)\s+(?:class|school|team|flat|room|house)?mates?\s+|"
                      r"(?:my|our|his|her|their|your|a|the)\s+(?:neighbou?rs?|friends?|colleagues?|co-?workers?|cousins?|"
                      r"teachers?|boss|landlord|landlady|tenants?|(?:girl|boy)friend|ex|brother|sister|uncle|aunt|"
                      r"students?|doctor|pal|buddy)\s+)"))
# The name slot of a request for someone's details: "the phone number of kestrel", "a number for Jenny Park",
# "kestrel's e-mail", "kestrel's home". A name of up to four words, those after the first capitalised; not the
# count of a "number of" ("the number of rooms") nor a possessive's ("the address of Bram's forge").
_NAME_SLOT = re.compile(
    rf"\b(?i:{_DETAIL_EN}\s+(?:of|(?P<for>for)|to (?:reach|call|text))|"
    rf"numbers?\s+(?:(?P<for2>for)|to (?:reach|call|text)))\s+"
    rf"(?P<a>[A-Za-z][A-Za-z0-9_\-]*(?:\s+[A-Z][A-Za-z0-9_\-]*){{0,3}})|"
    rf"(?<![A-Za-z0-9_'’])(?P<b>[A-Za-z][A-Za-z0-9_]*)(?:['’]s|s['’])\s+"
    rf"(?i:{_DETAIL_EN}|wechat|qq|phone|mobile|cell|number|{_HOME_EN})\b")
# What may follow a name that ends the slot ("the phone number of kestrel please", "... of Jenny Park at the inn")
_NAME_ENDS = re.compile(r"\s*(?:[?.!,;:)\"”]|$)|\s+(?:please|pls|plz|in|at|on|from|and|or|so|if|too|again|now|today|"
                        r"who|that|is|was|has|for|to|with|by|because|since|when|while|then|thanks?)\b", re.I)
_ADVERBS = frozenset("still now currently actually usually really exactly even mostly normally today then originally "
                     "nowadays presently truly ever once later these days".split())
# The same in Chinese, whose name slot is the clause before the phrase: "张伟住在哪？", "王芳家在哪里",
# "你知道张伟住哪儿吗" (`_names` takes off what asks, a 家, and splits at 和).
_ZH_WHERE_LIVES = re.compile(r"(?:的)?(?:家|住处|住所)(?:在|是)?(?:哪|什么地方|何处)|"
                             r"(?:家)?(?:现在)?(?:住在|住|家住在?|住的地方在?)(?:哪|什么地方|何处)|在哪(?:里|儿)?住")


def _name_list(n: str, join: str) -> str:
    return rf"{n}(?:\s*(?:{join})\s*{n})*"


class People:
    """The world's people by name, characters apart from players, and the requests only a name can show.

    Where someone lives is asked two ways. "Where does Nell live?", "Which house does Otto live in?",
    "布拉姆住在哪里？", "林薇的家在哪？" ask for a place in the world: a character's home is a world fact like any
    other (the characters are fictional), so `characters_homes` finds these and the rails let them through;
    a player's is a real person's and is refused. "What's the address of Bram's house?", "Nell's home address",
    "告诉我林薇的家庭住址", "内尔的住址" ask for a postal address: refused for characters too, as are anyone's phone
    number, e-mail, WeChat or QQ (`request`). A name that is both a character's and a player's is the character's
    (an account named mara cannot close "Where does Mara live?" to everyone); where someone no character is
    named lives is refused (they may be a player the rails were not told of, or a real person).
    The patterns run only over the names a line holds (found as substrings first): thousands of names cost
    a line no more than a few."""

    def __init__(self, characters: Iterable[str] = (), players: Iterable[str] = (), words: Iterable[str] = (),
                 things: Iterable[str] = ()) -> None:
        def clean(names: Iterable[str]) -> frozenset[str]:
            return frozenset(n.strip().lower() for n in names if n and len(n.strip()) > 1
                             and n.strip().lower() not in NOT_A_NAME)

        self.characters = clean(characters)
        # a player's account name that is a character's name or alias stays the character's: "Where does Mara
        # live?" is asked of the world whoever signs up as mara
        self.players = clean(players) - self.characters
        # the world's other names (places, things, landmarks, roles): no unknown person's in "X住在哪"
        self.words = frozenset(w.strip().lower() for w in words if w and w.strip())
        # the world's places', things' and landmarks' names: a Latin owner ending in one is no stranger
        # ("Forge的电话", "告诉我the Gull Inn的地址"); not the characters' (roles, surnames: "Chen的电话" asks a
        # person's), nor each word of a name ("Grace Hill的电话" on a world with a Hill School)
        self.things = frozenset(t.strip().lower() for t in things if t and t.strip())
        self.names = self.characters | self.players
        # the characters' Chinese surnames (陈 of 陈美 and 老陈, 贝克 of 汤姆·贝克): "陈老板住在哪里？" asks of one
        self.surnames = frozenset(s for s in map(zh_names.surname_of, (n for n in self.characters if not n.isascii()))
                                  if s)
        self._detail = self._en_home = self._zh_home = self._known = self._one = None
        self._compiled = False
        self._subs: dict[frozenset[str], People] = {}  # the same rails over the names a line holds

    def _compile(self) -> People:
        """The patterns over these names, built at first use: a line is read by the People of the names it
        holds (`_here`), so the whole world's People (rebuilt as each account is made or player speaks) is
        rarely compiled at all; compiling it on every new name cost seconds at a thousand names, each time."""
        if self._compiled or not self.names:
            return self
        alt = "|".join(re.escape(n) for n in sorted(self.names, key=len, reverse=True))
        # Latin words end a Latin name (Chinese runs on); an article or a possessive before it makes it a noun
        # ("the party's address" with a player called party).
        n = rf"(?<![A-Za-z0-9_'’])(?<!\bthe )(?<!\ba )(?<!\ban )(?<!\bthis )(?<!\bthat )(?<!\bour )(?<!\btheir )" \
            rf"(?<!\bhis )(?<!\bher )(?<!\bmy )(?<!\byour )(?:{alt})(?![A-Za-z0-9_])"
        # the name itself, not its possessive ("the address of Bram's forge" is the forge's) nor the start of a
        # place's name ("the address of Grace Hill School")
        np = rf"{n}(?!['’]s\b|s['’]|\s+(?-i:[A-Z])|\s+{PLACE_EN}\b)"
        self._one = re.compile(n, re.I)  # each name in a span: is any of them a player's?
        self._known = re.compile(rf"(?<![A-Za-z])(?:{alt})$", re.I)  # ending a Chinese owner's clause
        # anyone's contact details or postal address
        self._detail = re.compile(
            rf"\b(?:{_DETAIL_EN}|numbers?)\s+(?:of|for|to (?:reach|call|text))\s+{np}|"
            rf"{n}(?:['’]s|s['’])\s+(?:{_DETAIL_EN}|wechat|qq|"
            rf"(?:phone|mobile|cell|number)(?=\s*(?:[?.!,]|$|please|so|to|for)))|"  # "Can I have Bram's number?"
            rf"\baddress\b[^.?!]{{0,60}}{n}(?:['’]s|s['’])\s+{_HOME_EN}\b|"
            rf"{n}(?:['’]s|s['’])\s+{_HOME_EN}\b[^.?!]{{0,60}}\baddress\b", re.I)
        # where they live: a place in the world for a character, private for a player
        self._en_home = re.compile(
            rf"\bwhere\b[^.?!]{{0,30}}?\b(?:does|did|do|will|would)\s+{_name_list(n, ',|and|&')}\s+(?:live|reside)\b|"
            rf"\bwhere\s+{_name_list(n, ',|and|&')}\s+(?:lives?|resides?|(?:is|are) living)\b|"
            rf"\b(?:which|what)\s+(?:house|home|room|flat|apartment|building|street)\b[^.?!]{{0,20}}"
            rf"{_name_list(n, ',|and|&')}\s+(?:lives?|resides?)\b|"
            rf"\b(?:where|location)\b[^.?!]{{0,60}}{n}(?:['’]s|s['’])\s+{_HOME_EN}\b|"
            rf"{n}(?:['’]s|s['’])\s+{_HOME_EN}\b[^.?!]{{0,60}}\b(?:where|location)\b", re.I)
        zn = _name_list(n, "和|与|跟|及|、")
        self._zh_home = re.compile(
            rf"{zn}(?:家)?(?:现在)?(?:住在|住|家住在?|住的地方在?)(?:哪|什么地方|何处)|"
            rf"{zn}(?:的)?(?:家|住处|住所)(?:在|是)?(?:哪|什么地方|何处)|{zn}在哪(?:里|儿)?住", re.I)
        self._compiled = True
        return self

    def __bool__(self) -> bool:
        return bool(self.names)

    def with_names(self, *, characters: Iterable[str] = (), players: Iterable[str] = ()) -> People:
        return People(self.characters | set(characters), self.players | set(players), self.words, self.things)

    def _here(self, text: str) -> People | None:
        """People over the names `text` holds (as substrings, so a name inside a word counts), else None."""
        low = text.lower()
        present = frozenset(n for n in self.names if n in low)
        if not present:
            return None
        if present == self.names:
            return self._compile()
        sub = self._subs.get(present)
        if sub is None:
            sub = People(present & self.characters, present & self.players)
            if len(self._subs) >= 512:
                self._subs.clear()
            self._subs[present] = sub
        return sub._compile()

    def _homes(self, text: str) -> list[re.Match[str]]:
        if self._en_home is None or self._zh_home is None:
            return []
        return [*self._en_home.finditer(text), *self._zh_home.finditer(text)]

    def _a_players(self, span: str) -> bool:
        assert self._one is not None
        return any(m.group().lower() in self.players for m in self._one.finditer(span))

    def _someone_elses_home(self, text: str) -> str | None:
        """Where someone lives who is named but is no character ("Where does kestrel live?" after a restart,
        "Where does John Smith live?", "张伟住在哪？", "王芳家在哪里"): the span, else None. Pronouns and
        everyday words are no names, nor the world's places and things; a Chinese name is one by its shape
        (`zh_names.chinese_name`: a common surname and one or two characters, a transliteration)."""
        for m in _WHO_LIVES.finditer(text):
            who = next(g for g in m.groups() if g is not None)
            words = who.lower().split()
            if len(words) > 1 and (words[1] in _ADVERBS or who.split()[1][0].islower() and who != who.lower()):
                words = words[:1]  # "Where does Bram still live?", "Where does Bram now live?"
            if words[0] in NOT_A_NAME or " ".join(words) in self.characters or " ".join(words) in self.words or \
                    all(w in self.characters or w in NOT_A_NAME for w in words):
                continue
            return m.group()[:80]
        for m in _ZH_WHERE_LIVES.finditer(text):
            before = text[:m.start()]
            cut = max((c.end() for c in ZH_CLAUSE_END.finditer(before)), default=0)
            for who in names(before[cut:].removesuffix("的")):
                if owners.unknown_chinese_name(who, self.characters | self.words, self.surnames):
                    return text[cut:m.end()][:80]
        return None

    def request(self, text: str) -> str | None:
        """The span of a request for private details, else None: anyone's contact details or postal address,
        where a player lives (a line asking where someone lives that names a player anywhere), where someone
        lives who is named and is no character."""
        if not _WORTH_A_LOOK.search(text):
            return None  # most lines ask nothing of the kind
        here = self._here(text)
        if here is not None and here._detail is not None:
            m = here._detail.search(text)
            if m is not None:
                return m.group()[:80]
            # a player's home, or a home question with a player named anywhere ("玛拉住在哪里？kestrel呢？")
            homes = here._homes(text)
            if homes and here._a_players(text):
                return homes[0].group()[:80]
        elsewhere = self._someone_elses_home(text)
        if elsewhere is not None:
            return elsewhere
        owned = owned_details(text, here._known if here is not None else None, self.things, self.words)
        if owned is not None:
            return owned
        # an unknown name's details in English, by the name's shape as in Chinese ("the phone number of kestrel",
        # "... of Jenny Park"; not "... of Starbucks"): a person's whether or not an account holds the name
        return next((m.group()[:80] for m, _, person in self._slots(text) if person), None)

    def _slots(self, text: str) -> list[tuple[re.Match[str], str, bool | None]]:
        """The name slots of English requests for someone's details holding a name no one the rails know has,
        each with whether the name's shape shows a person (`owners.latin_person`). After "for" a word in lower
        case may say what the line is for as well as whose it is ("the phone number for takeout", "an address
        for parcels"), so it is left to the look-up as a capitalised word is."""
        out = []
        for m in _NAME_SLOT.finditer(text):
            who = m.group("a") or m.group("b")
            if m.group("a") is not None and not _NAME_ENDS.match(text, m.end()) or who.lower() in self.names:
                continue  # "the address of Grace Hill school", "... of Bram's forge"; a known name is `_detail`'s
            if m.group("b") is not None and _a_world_name(text[:m.start("b")] + who, self.things) or \
                    re.search(r"(?i)\bthe\s+$", text[:m.start("b" if m.group("b") is not None else "a")]):
                continue  # "duck pond's phone number", "the hill's phone number": a thing's
            person = latin_person(who, self.things)
            if person and (m.group("for") or m.group("for2")) and owners.account_shaped(who) and \
                    who not in owners.given_names():
                person = None
            out.append((m, who, person))
        return out

    def candidates(self, text: str) -> list[str]:
        """Names the rails do not know in the name slot of a request for someone's details whose shape does not
        tell a person from a brand or a place: one capitalised word that is no given name ("the phone number of
        Kestrel", "Kestrel的电话"). At most three, for the rails to look up among the accounts; a name of an
        account's shape in lower case ("kestrel") is a person's by its shape and needs no look-up."""
        if not _WORTH_A_LOOK.search(text):
            return []
        found = [who for _, who, person in self._slots(text) if person is None]
        for m in _ZH_OWNED.finditer(text):
            latin = latin_owner(text[:m.start()])
            found += [latin] if latin is not None and latin_person(latin, self.things) is None else []
        out = []
        for name in dict.fromkeys(n.lower() for n in found):
            if owners.account_shaped(name) and name not in self.names and name not in self.words:
                out.append(name)
        return out[:3]

    def characters_homes(self, text: str) -> list[str]:
        """The spans asking where characters (and only characters) live: "Where does Nell live?", "布拉姆住在哪里？".
        A world fact, not personal data; `request` still decides whether the line asks something private too."""
        if not _WORTH_A_LOOK.search(text):
            return []
        here = self._here(text)
        if here is None:
            return []
        return [h.group() for h in here._homes(text) if not here._a_players(h.group())]


def only_where_characters_live(text: str, homes: list[str], rule_spans: Iterable[str]) -> bool:
    """Is where characters live (`People.characters_homes`) all the personal data `text` asks for? Every span
    the name-free rules refused ("家住哪" in "玛拉家住哪？") lies inside one of those questions, and no detail
    word is left outside them (for the head's score: "Where does Nell live, and what's her number?")."""
    if not homes or not all(any(s in h for h in homes) for s in rule_spans):
        return False
    rest = text
    for h in homes:
        rest = rest.replace(h, " ")
    return _DETAIL_WORD.search(rest) is None
