"""Chinese personal names by their shape, for the rails' questions that only a name makes private.

Chinese writes names without spaces or capitals, so "张伟住在哪？" (a person's home) and "集市在哪里？" (a
place) differ only in what stands before the verb. A name here is a common surname and one or two characters
(张伟, 欧阳娜娜), an 老/小/阿 before a surname (老王, 小李), or a run of transliteration characters (玛拉,
汤姆·贝克), and is no everyday word (金, 熊, 孔 are surnames too). jieba's dictionary tells some words (金鱼,
黄金, 集市 are nouns, 向导 a verb, 海南 a place), but it tags many creatures as names (熊猫, 孔雀, 杜鹃, 白鹭, 马儿
are "nr", measured 2026-12-07), so those are listed here by hand. `pii_requests.People` asks this of the span
in the name slot of "X住在哪", "X的家在哪里" once it is no character, place, thing or pronoun of the world.
"""

from __future__ import annotations

import logging
import re
from functools import lru_cache

log = logging.getLogger(__name__)

# About the hundred and ten most common single-character surnames (written for this file, roughly by how
# many carry them), and the compound ones still met.
SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何林高罗郑梁谢宋唐许韩邓冯曹彭曾肖田董潘袁蔡蒋余于杜叶程魏苏"
            "吕丁任卢姚沈钟姜崔谭陆范汪廖石金韦贾夏付方邹熊白孟秦邱侯江尹薛闫段雷黎史龙陶贺顾毛郝龚邵万钱覃"
            "武戴孔汤庞樊兰殷施洪严易常温康牛乔赖傅萧阎")
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
# Everyday words of a surname's shape that jieba's dictionary calls names or does not hold: creatures and
# things one may ask the home of ("熊猫住在哪里？"), written for this file.
EVERYDAY = frozenset("""熊猫 熊仔 孔雀 杜鹃 白鹭 白鹤 白鸽 白兔 白虎 白马 白猫 白狗 黄鹂 黄莺 黄狗 黄猫 黄牛 黄蜂 黄鼠狼 马儿 马匹
马驹 马夫 马蜂 牛郎 牛羊 牛蛙 石狮 朱雀 龙王 龙虾 龙猫 金龟 金蝉 金丝雀 金毛 毛驴 毛虫 田鼠 田螺 田鸡 江豚 江鸥 叶子
乔木 温泉 钱龟 万物 常客 高人 高手 方丈 史官 白龙 黄龙 金龙 石龙 龙虎 白熊 白雪""".split())
# jieba's tags for personal names (nr), transliterated ones (nrt) and those it guessed (nrfg)
_NAME_TAGS = frozenset(("nr", "nrt", "nrfg"))


@lru_cache(maxsize=1)
def _word_tags() -> dict[str, str]:
    """jieba's dictionary, word to part of speech, loaded on the first name-shaped word (~0.8 s, once);
    {} without jieba: the shape and `EVERYDAY` decide then."""
    try:
        import jieba.posseg as pseg

        from llmverse.lang import _jieba
    except ImportError:
        log.info("jieba is not installed: Chinese names are told from words by their shape alone")
        return {}
    _jieba()  # quiet start-up, as for keyword search
    return pseg.dt.word_tag_tab  # loaded with the POS tokenizer; read only


def everyday_word(word: str) -> bool:
    """Is `word` an everyday word: listed in `EVERYDAY`, or in jieba's dictionary as no name (金鱼, 向导)?"""
    if word in EVERYDAY:
        return True
    tag = _word_tags().get(word)
    return tag is not None and tag not in _NAME_TAGS


def chinese_name(word: str) -> bool:
    """Is `word` shaped as a Chinese or transliterated personal name and no everyday word?"""
    return _SHAPE.fullmatch(word) is not None and not everyday_word(word)
