"""Chinese personal names by their shape, for the rails' questions that only a name makes private.

Chinese writes names without spaces or capitals, so "张伟住在哪？" (a person's home) and "集市在哪里？" (a
place) differ only in what stands before the verb. A name here is a common surname and one or two characters
(张伟, 欧阳娜娜), an 老/小/阿 before a surname (老王, 小李), or a run of transliteration characters (玛拉,
汤姆·贝克), and is no everyday word (金, 熊, 孔 are surnames too). jieba's dictionary tells some words (金鱼,
黄金, 集市 are nouns, 向导 a verb, 海南 a place), but it tags many creatures and nouns as names (熊猫, 孔雀, 王子,
马车夫, 布丁 are "nr", measured 2026-12-07), so a noun's last character (王子, 雷神), a creature ending two (金鹰)
and a hand list tell those. `pii_requests.People` asks this of the span in the name slot of "X住在哪",
"X的家在哪里" once it is no character, place, thing or pronoun of the world, after `strip_person_words` took off
a kin word before it and a title after it ("我邻居张伟", "张伟老师", "陈老板": a character's surname with a title is
that character).
"""

from __future__ import annotations

import io
import logging
import re
import sys
from functools import lru_cache

log = logging.getLogger(__name__)

# About the hundred and ten most common single-character surnames (written for this file, roughly by how
# many carry them), and the compound ones still met.
SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何林高罗郑梁谢宋唐许韩邓冯曹彭曾肖田董潘袁蔡蒋余于杜叶程魏苏"
            "吕丁任卢姚沈钟姜崔谭陆范汪廖石金韦贾夏付方邹熊白孟秦邱侯江尹薛闫段雷黎史龙陶贺顾毛郝龚邵万钱覃"
            "武戴孔汤庞樊兰殷施洪严易常温康牛乔赖傅萧阎"
            "葛关岳俞聂祝柳邢章裴卓屈饶骆纪")  # the last fifteen were missing at first (岳云鹏, 葛优, 关晓彤, 俞敏洪)
COMPOUND_SURNAMES = ("欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "慕容", "令狐", "公孙", "长孙", "宇文", "司徒",
                     "夏侯", "尉迟", "端木", "轩辕", "独孤", "南宫", "西门", "百里", "呼延", "澹台", "申屠", "闻人",
                     "万俟", "钟离", "太史", "第五")
# Every character the standard table uses to write foreign names (布拉姆, 玛拉, 内尔, 汤姆·贝克).
TRANSLIT = (r"阿埃艾爱安昂奥澳巴拜班邦保鲍贝本比彼宾波伯勃博布查达戴丹道德登迪蒂丁杜顿多厄恩尔法菲芬丰弗福盖甘冈戈格根古"
            r"哈海汉豪赫亨胡华怀惠霍基吉加贾杰捷金京卡凯坎康考柯科克肯库奎昆拉莱赖兰朗劳勒雷蕾里丽利莉林琳伦罗洛露"
            r"卢鲁吕马玛迈麦曼芒梅门蒙米敏明摩莫默姆穆纳娜奈南内妮尼宁纽努诺欧帕潘庞佩彭皮平珀普奇齐琪乔钦琼丘萨"
            r"塞赛桑瑟森沙莎尚绍舍申施什史斯松苏索塔泰坦汤唐特滕廷通图托瓦娃万旺威韦维薇温沃乌伍西希谢辛休雅亚扬"
            r"耶伊依因英尤约泽扎詹兹佐卓茨黛丝茜朴义文")
_SHAPE = re.compile(rf"(?:{'|'.join(COMPOUND_SURNAMES)}|[{SURNAMES}])[\u4e00-\u9fff]{{1,2}}|[老小阿][{SURNAMES}]|"
                    rf"[{TRANSLIT}]{{2,6}}(?:·[{TRANSLIT}]{{1,6}})*")
# the characters a name-shaped word can begin with: most of jieba's 349k words are passed over by this alone
_FIRST = frozenset(SURNAMES + TRANSLIT + "老小阿" + "".join(c[0] for c in COMPOUND_SURNAMES))
# Everyday words of a surname's shape that jieba's dictionary calls names or does not hold: creatures and
# things one may ask the home of ("熊猫住在哪里？"), written for this file. jieba's "nr" is no proof of a name:
# it tags 王子, 马车夫, 布丁, 武功, 文明, 胡同, 顾问, 洪水 so, and its frequencies do not part them from names
# (王子 685, 李娜 438, 老王 190, 布丁 14, 丽莎 35; measured 2026-12-07): what ends a word (`_NOUN_ENDS`,
# `_CREATURE_ENDS`) and this list do.
EVERYDAY = frozenset("""熊猫 熊仔 孔雀 杜鹃 白鹭 白鹤 白鸽 白兔 白虎 白马 白猫 白狗 黄鹂 黄莺 黄狗 黄猫 黄牛 黄蜂 黄鼠狼 马儿 马匹
马驹 马夫 马蜂 牛郎 牛羊 牛蛙 石狮 朱雀 龙王 龙虾 龙猫 金龟 金蝉 金丝雀 金毛 毛驴 毛虫 田鼠 田螺 田鸡 江豚 江鸥 叶子
乔木 温泉 钱龟 万物 常客 高人 高手 方丈 史官 白龙 黄龙 金龙 石龙 龙虎 白熊 白雪 布丁 考拉 泰迪 泰迪熊 孟婆 雷神 王子
马车夫 武功 文明 陆军 雷达 胡同 顾问 王爷 王公 王府 王宫 高峰 石英 金殿 高潮 洪水 顾客 谢谢 多谢 白领 康复 伯伯 范畴 周转
陈述 陈列 陈设 小康 胡说 胡闹 白宫 金刚 高僧 许可 朱红 杜绝 沙丘 白莲 白石 兰花 史诗 保姆 王八 马背 毛巾 胡萝卜 高薪
金黄 林子 白发 杨柳 白云 田园 田野 熊掌 李子 史实 古文 张嘴 张口 张开 张贴 查明 周旋 周密 高耸 金字塔 沙发 巴士 坦克
吉他 沙拉 马达 卡通 克拉 萨克斯 芒果 雷诺 奥特曼 圣诞老人 米老鼠 唐老鸭""".split())
# A last character that makes the word a noun, not a given name: 王子, 雷神, 孟婆, 马车夫, 胡子 (孔子 and 孟子
# are no one's neighbours either)
_NOUN_ENDS = frozenset("子儿夫神仙鬼怪妖魔精婆")
# A creature ending a two-character word: 金鹰, 白象, 黄狗 (a creature or a brand, no given name)
_CREATURE_ENDS = frozenset("鹰狮豹熊羊鹿鸭鸡鱼猫狗兔象蛇龟猴猪鼠蜂蛙")
# A shop's or a firm's name: 汤记, 黄记, 陈记, 老王号 (their number and address are the world's to give)
_SHOP_ENDS = frozenset("记号行店坊楼铺馆斋堂阁厂社")
# jieba's tags for personal names (nr), transliterated ones (nrt) and those it guessed (nrfg)
_NAME_TAGS = frozenset(("nr", "nrt", "nrfg"))
# What stands around a name in the name slot: "我邻居张伟", "那个叫张伟的人" before it, a title or kin word after
# it ("张伟老师", "陈老板", "周医生", "谭师傅"; 老陈, 小李 before a surname).
_LEADING = re.compile(r"^(?:(?:我|你|他|她|我们|你们|他们|她们)的?)?(?:邻居|同学|同事|朋友|好友|室友|舍友|老乡|网友|"
                      r"上司|领导|老板|客户|房东|房客|男朋友|女朋友|男友|女友|前男友|前女友|表[哥姐弟妹]|堂[哥姐弟妹]|"
                      r"哥哥|姐姐|弟弟|妹妹|叔叔|阿姨|老师|学生)|^(?:那个|这个|有个|一个|某个)?叫")
_CALLED = re.compile(r"的?(?:人|男人|女人|男生|女生|男孩|女孩|家伙|孩子|小孩|老人|同学)$")
TITLES = ("老板娘", "老板", "老师", "医生", "大夫", "护士", "师傅", "师父", "爷爷", "奶奶", "外公", "外婆", "叔叔", "阿姨",
          "伯伯", "伯母", "婶婶", "大爷", "大妈", "大娘", "大叔", "大婶", "大哥", "大姐", "大嫂", "哥哥", "姐姐", "先生",
          "女士", "小姐", "太太", "夫人", "同学", "同事", "老头", "老太太", "老太", "掌柜", "镇长", "村长", "校长", "局长",
          "馆长", "经理", "主任", "教授", "博士", "律师", "警官", "队长", "船长", "总", "工", "叔", "伯", "姨", "姐", "哥",
          "嫂", "婶")
_TITLE = re.compile(rf"(?:{'|'.join(sorted(TITLES, key=len, reverse=True))})$")
_FAMILIAR = re.compile(rf"^[老小阿](?={'|'.join(COMPOUND_SURNAMES)}|[{SURNAMES}]$)")  # 老陈, 小李, 阿黄


def is_surname(word: str) -> bool:
    return (len(word) == 1 and word in SURNAMES) or word in COMPOUND_SURNAMES


def strip_person_words(who: str) -> tuple[str, str]:
    """The name in a name slot and the title with it: "我邻居张伟" → (张伟, ""), "张伟老师" → (张伟, 老师),
    "陈老板" → (陈, 老板), "老陈" → (陈, 老), "那个叫张伟的人" → (张伟, ""), "老板" → ("", 老板)."""
    called = who.startswith(("叫", "那个叫", "这个叫", "有个叫", "一个叫", "某个叫"))
    name = _LEADING.sub("", who, count=1)
    if called:
        name = _CALLED.sub("", name)
    title = ""
    t = _TITLE.search(name)
    if t is not None:
        name, title = name[:t.start()], t.group()
    f = _FAMILIAR.match(name)
    if f is not None and not title:
        name, title = name[f.end():], f.group()
    return name, title


def surname_of(name: str) -> str | None:
    """A character's surname by their Chinese name or an alias: 陈 of 陈美, 老陈 and 陈老板, 欧阳 of 欧阳娜娜,
    贝克 of 汤姆·贝克; None for 小敏, 阿美."""
    if re.search(r"[·・•]", name):
        return re.split(r"[·・•]", name)[-1] or None
    core, _ = strip_person_words(name)
    for compound in COMPOUND_SURNAMES:
        if core.startswith(compound):
            return compound
    return core[0] if core and core[0] in SURNAMES and len(core) <= 3 else None


@lru_cache(maxsize=1)
def _word_tags() -> dict[str, str]:
    """jieba's dictionary, word to part of speech, for the words of a name's shape only (~49k of 349k), read from
    its file on the first name-shaped word; {} without jieba: the shape and the hand lists decide then.
    Loading jieba's POS tokenizer for this held all 349k words: +118 MB in each server process and 2.5 s on the
    first Chinese where-lives line; this keeps what `chinese_name` can ask (see `docs/safety.md` for figures)."""
    try:
        import jieba
    except ImportError:
        log.info("jieba is not installed: Chinese names are told from words by their shape alone")
        return {}
    tags: dict[str, str] = {}
    with jieba.get_dict_file() as raw, io.TextIOWrapper(raw, encoding="utf-8") as lines:  # "word frequency tag"
        for line in lines:
            if line[:1] in _FIRST:
                word, *rest = line.split()
                if len(rest) == 2 and _SHAPE.fullmatch(word):
                    tags[word] = sys.intern(rest[1])
    return tags


def everyday_word(word: str) -> bool:
    """Is `word` an everyday word: listed in `EVERYDAY`, ending as a noun does (王子, 马车夫, 金鹰), or in jieba's
    dictionary as no name (金鱼, 向导)?"""
    if word in EVERYDAY or (len(word) > 1 and word[-1] in _NOUN_ENDS) or \
            (len(word) == 2 and word[-1] in _CREATURE_ENDS):
        return True
    tag = _word_tags().get(word)
    return tag is not None and tag not in _NAME_TAGS


def shop_name(word: str) -> bool:
    """Does `word` end as a shop's or a firm's name does (汤记, 黄记)?"""
    return len(word) > 1 and word[-1] in _SHOP_ENDS


def chinese_name(word: str) -> bool:
    """Is `word` shaped as a Chinese or transliterated personal name and no everyday word nor a shop's name?"""
    return _SHAPE.fullmatch(word) is not None and not shop_name(word) and not everyday_word(word)
