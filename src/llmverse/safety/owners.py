"""Who owns a contact detail, told by the owner's shape where the rails do not know the name: a person, or a
place, a brand, an event, a service (`pii_requests` asks this of the name slot of a request).

Chinese owners (the clause before 的) are people when they end in a person noun (铁匠, 我朋友) or have a name's
shape (布拉姆, 林薇, 老陈, 黄磊 by any common surname), but for a shop's name (汤记) and an everyday word (金鹰);
a full name whose given name is one ending in 国 or 亭 (张建国, 王雨亭) is a person's although a place's name
ends so too, unless it is a word of the world's (a pavilion called 林风亭) or its given part no given name
(陶然亭, 黄鹤亭, 江心亭, 吴越国: `_GIVEN_ENDING`).

Latin owners ("kestrel的电话", "What is the phone number of Jenny Park?") are read alike in Chinese and in
English. Account names are typed at registration in lower case (`server.accounts.NAME`); a Latin owner is
  - a person when the rails know the name (a character, an account told or found by `Rails.look_up_people`),
    or by its shape: one lower-case word of an account name's shape ("kestrel", "moonfox_7"), a common given
    name ("Jack", `data/given_names_en.txt`), two or more words beginning with a given name or a title ("John
    Smith", "Jenny Park", "Mr Park", "Lois Lane": surnames are place words too), a pinyin name or surname ("Li
    Na", "Chen");
  - no person when it is one of the world's places or things by any of its names, follows "the" ("the hill"),
    is or holds an acronym (KFC), ends in a place, street, event or service word ("hotel", "police", "Lantern
    Park"), holds a number word ("Seven Eleven"), or is a given name before a word only places end in ("Grace
    Hill School", "Ivy Street");
  - else a person: one capitalised word ("Priya", "Kestrel", and "Starbucks": a virtual world has none) or two
    or more words whatever the first ("Priya Sharma", "Kenji Sato"). Only a lower-case word after "for" in
    English is undecided ("the phone number for takeout": what the line is for, `People._slots`) and looked up
    among the accounts.
A name in lower case as accounts are named gets the same answer whether or not its account exists.
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib.resources import files

from llmverse.safety import zh_names
from llmverse.safety.zh_names import TRANSLIT, chinese_name

# Places whose phone number, address or e-mail anyone may ask for: a possessive on one of these is no person's.
PLACE_EN = (r"(?:shop|store|inn|tavern|pub|bar|caf[eé]|restaurant|bakery|museum|library|school|hospital|clinic|hotel|"
            r"market|forge|bank|office|station|hall|church|temple|park|harbou?r|port|stall|company|business|guild|"
            r"theat(?:er|re)|gallery|pharmacy|salon|gym|factory|farm|mill|workshop|lighthouse|embassy|council|agency|"
            r"studio|shelter|cent(?:er|re)|venue|club|firm|house)")
# What characters invite to and players ask the way to: an event's address is where it is held.
EVENT_EN = (r"(?:party|parties|festival|concert|wedding|gathering|meeting|celebration|picnic|feast|banquet|dinner|"
            r"lunch|supper|breakfast|brunch|fair|ceremony|show|dance|ball|reception|event|performance|recital|"
            r"lecture|reunion|get-together|barbecue|bbq|tournament|contest|competition|parade|exhibition|match|game)")
# Titles, pronouns, function words and everyday words (an account may be named so): never a person by name.
NOT_A_NAME = {"old", "young", "little", "big", "mr", "mrs", "ms", "miss", "dr", "sir", "lady", "the", "uncle", "aunt",
              "auntie", "granny", "grandpa", "grandma", "captain", "father", "mother", "brother", "sister",
              "i", "me", "my", "mine", "you", "your", "yours", "he", "him", "his", "she", "her", "hers", "it", "its",
              "we", "us", "our", "they", "them", "their", "there", "here", "where", "what", "who", "whom", "whose",
              "which", "when", "why", "how", "this", "that", "these", "those", "a", "an", "and", "or", "but", "of",
              "to", "in", "on", "at", "for", "with", "from", "by", "is", "are", "was", "be", "do", "does", "did",
              "not", "no", "yes", "ok", "hi", "hello", "everyone", "everybody", "someone", "somebody", "anyone",
              "anybody", "nobody", "something", "anything", "nothing", "everything", "somewhere", "anywhere",
              "everywhere", "nowhere", "each", "every", "all", "both", "any", "some", "other", "others", "another",
              "people", "person", "player", "players", "guest", "user", "admin", "town", "city", "home", "house",
              "world", "friend", "man", "woman", "boy", "girl", "name", "live", "lives", "address", "phone", "number",
              "你", "您", "我", "他", "她", "它", "我们", "你们", "他们", "她们", "大家", "谁", "这", "那", "哪",
              "这里", "那里", "哪里", "什么", "玩家", "朋友", "人", "家"}
# Where a Chinese clause ends; a space ends none before 的 ("kestrel 的电话", "John Smith的电话").
ZH_PUNCT = "，。？！、；：,.?!;:"
ZH_CLAUSE_END = re.compile(rf"[{ZH_PUNCT}\s]")
ZH_PUNCT_END = re.compile(rf"[{ZH_PUNCT}]")

# --- English owners of a place word -------------------------------------------------------------------
# A place word that also says whose line a person's detail is ("everyone's office phone numbers", "kestrel's
# office email", "the players' studio addresses"): before a detail, not a possessive, it names no place.
_PERSONS_LINE = re.compile(r"(?:office|work|business|club|studio|school|company|firm|agency|bank)$", re.I)
# Who owns what the place word qualifies: a crowd of people, a pronoun, or a name's possessive.
_CROWD_OWNER = re.compile(r"\b(?:every(?:one|body)|any(?:one|body)|some(?:one|body)|guests?|people|persons?|visitors?|"
                          r"players?|customers?|staff|members?|attendees?|workers?|employees?|residents?|villagers?|"
                          r"kids?|children|friends?|users?|m[ae]n|wom[ae]n|girls?|boys?)(?:'s|’s|'|’)?\s+$", re.I)
_ONE_OWNER = re.compile(r"(?:\b(?:his|her|their|my|your|our)|\w(?:'s|’s|s'))\s+$", re.I)


def a_persons_line(before: str, m: re.Match[str]) -> bool:
    """Is a place word before a detail ("office phone numbers") a person's line, by who is named before it?
    A crowd's ("everyone's office phone numbers", "the players' party addresses") always; a pronoun's or a
    name's ("his office email", "kestrel's office email") when the word is no place's possessive and is one a
    person has a line at (office, work, club, studio); "his shop's phone number", "Old Chen's teahouse phone
    number", "Nell's lunch party address" stay the place's or the event's."""
    if _CROWD_OWNER.search(before):
        return True
    return not m.group("poss") and _PERSONS_LINE.search(m.group("place")) is not None and \
        _ONE_OWNER.search(before) is not None


# --- Chinese owners ------------------------------------------------------------------------------------
# A person noun ending the owner: a role, kin, a pronoun, a crowd ("每个玩家", "大家"). Not 谁: "这是谁的电话？"
# asks whose a number is.
_ZH_PERSON_NOUN = re.compile(r"(?:[人者匠师员夫民友们他她叔姨舅伯婶姑嫂哥姐弟妹]|先生|女士|小姐|太太|夫人|老板娘?|店主|掌柜|"
                             r"主人|同学|同事|邻居|伙伴|同伴|搭档|对象|孩子|小孩|宝宝|儿子|女儿|妻子|丈夫|老婆|老公|妈妈?|"
                             r"爸爸?|母亲|父亲|爷爷|奶奶|外婆|外公|大爷|大妈|大娘|老头|老太太?|女孩|男孩|姑娘|小伙子?|玩家|"
                             r"大家|守卫|卫兵|警卫|警察|向导|导游|医生|学生|船长|村长|镇长|市长|馆长|校长|队长|水手|歌手|选手|"
                             r"游客|顾客|访客|旅客|房客|乘客|客户|住户|用户|员工)$")
# A name by its shape: a transliteration (布拉姆, 玛拉, 内尔, 汤姆·贝克; every character one the standard
# transliteration table uses, `zh_names.TRANSLIT`) or a Chinese name (a common surname and one or two characters;
# 老陈, 小敏); `a_person` casts the wider net of `zh_names.chinese_name` (every common surname, jieba for words).
# Surnames that also begin everyday nouns (白龙, 石头, 方舟, 黄金, 马车) are left out: a thing's true name is no secret.
_ZH_SURNAME = (r"王李张刘陈杨赵周吴徐孙胡朱郭何罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛阎余潘杜戴"
               r"汪任姜范姚谭廖邹熊陆郝孔崔康邱秦顾侯邵孟段尹黎乔贺赖龚林高")
_ZH_NAME = re.compile(rf"[{TRANSLIT}·]+|[{_ZH_SURNAME}][\u4e00-\u9fff]{{1,2}}|[老小阿][{_ZH_SURNAME}{TRANSLIT}]")
# What may precede a name in the owner's clause: "告诉我内尔的联系方式", "你知道布拉姆的电话吗".
_ZH_ASKING_LEAD = re.compile(r"^.*?(?:告诉我|发给我|给我|发我|我要|想要|知道|请问|查一?下|找到|弄到|搞到|打听|有没有|能不能给我?|问一?下)")
# Given names that end in a character places' names end in too (张建国, 李卫国, 刘爱国, 王雨亭): the given name's
# first character, written for this file. Places end so after other words (陶然亭, 黄鹤亭, 江心亭, 湖心亭, 吴越国),
# and villages seldom (张家村, 李家庄, 王店).
_GIVEN_ENDING = {"国": "建卫爱振兴安保治定立强富庆忠护胜耀光荣华经辅宏鸿志伟海", "亭": "雨玉婉文美秀丽慧佳雅静凤春晓秋月芳"}


def names(owner: str) -> list[str]:
    """The owner's clause without what asks for it, a home aside (布拉姆家) and split at 和/与/跟/及."""
    core = _ZH_ASKING_LEAD.sub("", owner).removesuffix("家")
    return [part for part in re.split(r"[和与跟及]", core) if part]


def a_full_name(part: str, world: frozenset[str] = frozenset()) -> bool:
    """Is `part` a surname and a given name ending in a place's last character (张建国, 李卫国, 欧阳建国, 王雨亭),
    and no word of the world's (`world`: a pavilion named 林风亭)?"""
    surname = next((c for c in zh_names.COMPOUND_SURNAMES if part.startswith(c)), part[:1])
    given = part[len(surname):]
    return len(given) == 2 and given[0] in _GIVEN_ENDING.get(given[-1], "") and part not in world and \
        zh_names.is_surname(surname) and chinese_name(part)


def a_person(owner: str) -> bool:
    """Is a Chinese owner shown to be a person: ends in a person noun, or is a name by its shape (黄磊, 欧阳娜娜
    by any common surname) and no shop's (汤记, 陈记, 黄记: a shop's number is the world's to give) nor a
    creature's or a brand's (金鹰, `zh_names.everyday_word`)?"""
    return _ZH_PERSON_NOUN.search(owner) is not None or \
        any(not zh_names.shop_name(part) and (_ZH_NAME.fullmatch(part) or chinese_name(part)) for part in names(owner))


def unknown_chinese_name(who: str, known: frozenset[str], surnames: frozenset[str]) -> bool:
    """Is `who` (a name slot's words) a person by name who is none of the world's (`known`: its characters and
    words, lower case): "张伟", "我邻居张伟", "张伟老师", "金老板" where no character is a 金? A character's surname
    with a title or 老/小 is that character (陈老板, 周医生, 老陈 where a 陈 lives: `surnames`); a word of the
    world's, a pronoun, a role or an everyday word is no one."""
    def of_the_world(word: str) -> bool:
        return word.lower() in known or word in NOT_A_NAME

    if not who or of_the_world(who) or zh_names.everyday_word(who):
        return False
    name, title = zh_names.strip_person_words(who)
    if not name or of_the_world(name):
        return False
    if title and zh_names.is_surname(name):
        return name not in surnames
    return chinese_name(name)


# --- Latin owners ------------------------------------------------------------------------------------
# A Latin owner before 的 ("kestrel的电话", "告诉我Gull Inn的地址"): up to five words ("map of the bay", "the
# doctor's"), the clause cut at punctuation only.
_LATIN_OWNER = re.compile(r"(?<![A-Za-z0-9_\-'’])[A-Za-z][A-Za-z0-9_\-'’]*(?: [A-Za-z][A-Za-z0-9_\-'’]*){0,4}$")
# Latin words that own a contact detail and are no one's name: places, events, services, what has an address
# online ("hotel的电话", "email的地址", "support的邮箱", "the phone number for deliveries"). Not a general English
# word list: the English names Chinese speakers go by are Webster's words (Grace, Jack, Ruby, Lily: of the 12,037
# words both Webster's 2nd in lower case and MiniLM's vocabulary hold, measured 2026-12-07).
_ORG_EN = (r"(?:police|support|service|help(?:desk|line)?|hotline|team|admin(?:istrator)?|reception|desk|government|"
           r"department|dept|city|town|village|county|province|state|country|embassy|consulate|airport|airline|"
           r"university|college|academy|institute|organi[sz]ation|association|union|foundation|charity|committee|"
           r"e-?mail|mail|mailbox|website|web|site|homepage|page|url|ip|server|wi-?fi|network|app|game|"
           r"platform|group|channel|forum|blog|brand|corp|inc|ltd|co|street|road|lane|avenue|row|court|square|plaza|"
           r"bridge|pier|dock|beach|garden|downtown|uptown|"
           # what a line is for: "the number for deliveries", "an address for bookings", "a number to call taxis"
           r"deliver(?:y|ies)|bookings?|reservations?|orders?|enquir(?:y|ies)|inquir(?:y|ies)|complaints?|"
           r"emergenc(?:y|ies)|ambulance|fire|taxi|cab|ferry|ferries|bus|tickets?|info(?:rmation)?|security|"
           r"sales|billing|payments?|appointments?|tours?|tourism|rentals?|hire|returns|lost|today|tonight)")
_OWNER_WORD_EN = re.compile(rf"(?:{PLACE_EN}|{EVENT_EN}|{_ORG_EN}|[a-z]*(?:shop|store|house|hall|room|office|market|"
                            rf"station|port|park))s?", re.I)
# Words only places end in (no common surname, unlike Park, Hall, Church, Lane, Court, Newport): after a given
# name they make a place's name ("Grace Hill School", "Ivy Street", "Victoria Station").
_PLACE_ONLY = re.compile(r"(?:shop|store|inn|tavern|pub|caf[eé]|restaurant|bakery|museum|library|school|hospital|"
                         r"clinic|hotel|market|station|office|theat(?:er|re)|gallery|pharmacy|salon|gym|factory|"
                         r"studio|cent(?:er|re)|club|company|embassy|council|agency|street|road|avenue|square|plaza|"
                         r"airport|university|college|academy|institute|stadium|zoo|mall|cinema|harbou?r|pier|"
                         r"[a-z]*(?:shop|store|house))s?", re.I)
_ACRONYM = re.compile(r"[A-Z]{2,5}")  # KFC, IBM, QQ: a firm's or a service's
_ACCOUNT = re.compile(r"[a-z][a-z0-9_]{1,31}")  # `server.accounts.NAME`: what an account may be called
_TITLES = frozenset(("mr", "mrs", "ms", "miss", "mx", "dr", "prof"))
# Pinyin: a syllable's initial and final, and the surnames a name written so begins with ("Li Na", "Zhang Wei")
_PINYIN = re.compile(r"(?:(?:zh|ch|sh|[bpmfdtnlgkhjqxrzcsyw])?(?:iang|iong|uang|ang|eng|ing|ong|uai|uan|ian|iao|ai|ei|"
                     r"ao|ou|an|en|in|un|ia|ie|iu|ua|uo|ui|ue|ve|er|a|o|e|i|u|v)){1,3}", re.I)
_PINYIN_SURNAMES = frozenset("wang li zhang liu chen yang huang zhao wu zhou xu sun ma zhu hu guo he gao lin luo "
                             "zheng liang xie song tang han feng deng cao peng zeng xiao tian dong pan yuan cai jiang "
                             "yu du ye cheng wei su lu lv ding ren yao shen zhong cui tan fan liao shi jin jia xia fu "
                             "fang zou xiong bai meng qin qiu hou yin xue yan duan lei long tao gu mao hao gong shao "
                             "qian kong ouyang".split())
# Number words name shops and brands ("Seven Eleven", "Three Rivers Cafe"), not people
_NUMBER_WORDS = frozenset("one two three four five six seven eight nine ten eleven twelve thirteen fifteen twenty "
                          "thirty forty fifty hundred thousand first second third".split())


@lru_cache(maxsize=1)
def given_names() -> frozenset[str]:
    """Common English given names, lower case (`safety/data/given_names_en.txt`)."""
    text = files("llmverse.safety").joinpath("data").joinpath("given_names_en.txt").read_text("utf-8")
    return frozenset(w for line in text.splitlines() if not line.startswith("#") for w in line.split())


def latin_owner(before: str) -> str | None:
    """The Latin words ending the owner's clause before 的 (a space before 的 ends no clause), else None."""
    cut = max((c.end() for c in ZH_PUNCT_END.finditer(before)), default=0)
    owner = before[cut:].rstrip()
    m = _LATIN_OWNER.search(owner.split("在")[0] or owner)
    return m.group() if m is not None else None


def _pinyin_name(low: list[str]) -> bool:
    return len(low) in (2, 3) and low[0] in _PINYIN_SURNAMES and all(_PINYIN.fullmatch(w) for w in low)


def latin_person(latin: str, things: frozenset[str]) -> bool:
    """Is a Latin owner no one the rails know a person by its shape (True) or no person (False)? `things`: the
    world's places' and things' names, lower case (see the module's docstring for the policy). A name is a
    person's unless something shows it is not: a name of the world's, a name after "the", an acronym, a place,
    owner or function word at its end, a number word ("Seven Eleven"); a brand ("Starbucks") is refused with
    the people (a virtual world has none)."""
    words = latin.split()
    low = [w.lower() for w in words]
    if " ".join(low) in things or low[0] == "the":
        return False  # "the hill", "the Gull Inn": a thing's
    if len(low) > 1 and (low[0] in _TITLES or low[0] in given_names() or _pinyin_name(low)):
        # "John Hall", "Mr Park", "Lois Lane": a person, unless a place ends it ("Grace Hill School")
        return not (_PLACE_ONLY.fullmatch(low[-1]) or any(" ".join(low[i:]) in things for i in range(1, len(low) - 1)))
    return not (any(" ".join(low[i:]) in things for i in range(len(low))) or low[-1] in NOT_A_NAME or
                any(_ACRONYM.fullmatch(w) for w in words) or _OWNER_WORD_EN.fullmatch(low[-1]) or
                any(w in _NUMBER_WORDS for w in low))


def account_shaped(name: str) -> bool:
    """Could `name` (lower case) be an account's name?"""
    return _ACCOUNT.fullmatch(name) is not None
