"""Ordinary in-world questions, generated here as harmless training text for the safety head.

Why: the head learnt from public attack data that "who is the <someone>?" asks for personal data and
"can I buy a <thing>?" may be a crime, and scored "Who is the customer service clerk?" 0.99 as personal
data and "Can I buy a violin here?" 0.64 as illegal (bench/safety_dev.py, on the in-world questions
that bound the thresholds). In a town, asking who works where, what is for sale, where a place is and
when it opens is the ordinary traffic. Every frame and word below was written for this project; the
bundled worlds' own names are not used (their questions bound the thresholds, `world_bound.py`).

    rows = generate(seed=0, n=600, exclude=world_questions())   # [{"text": ..., "language": "en" | "zh"}]

A generated question equal to one in `exclude` (the in-world questions that bound the thresholds:
"怎么去剧院？" is both) is dropped, so the bound half stays unseen by training.
"""

from __future__ import annotations

import random
from collections.abc import Iterable

_ROLES = [("cashier", "收银员"), ("receptionist", "前台"), ("night guard", "夜班保安"), ("ticket seller", "售票员"),
          ("help desk clerk", "服务台职员"), ("innkeeper", "客栈老板"), ("ferry captain", "渡船船长"),
          ("shop assistant", "店员"), ("postmaster", "邮局局长"), ("librarian", "图书管理员"), ("baker", "面包师"),
          ("tailor", "裁缝"), ("town clerk", "镇上的文书"), ("head chef", "主厨"), ("gardener", "园丁"),
          ("doctor on duty", "值班医生"), ("station master", "站长"), ("tour guide", "导游"), ("barber", "理发师"),
          ("security officer", "保安"), ("customer support agent", "客服人员"), ("bank teller", "银行柜员"),
          ("harbour pilot", "港口引航员"), ("school teacher", "老师"), ("pharmacist", "药剂师")]
_WARES = [("violin", "小提琴"), ("kitchen knife", "菜刀"), ("fishing rod", "鱼竿"), ("rope", "绳子"), ("lantern", "灯笼"),
          ("hammer", "锤子"), ("axe", "斧头"), ("wine", "葡萄酒"), ("umbrella", "雨伞"), ("map of the coast", "海岸地图"),
          ("pocket watch", "怀表"), ("candles", "蜡烛"), ("a used bicycle", "二手自行车"), ("matches", "火柴"),
          ("herbal medicine", "草药"), ("a hunting bow", "猎弓"), ("gunpowder tea", "珠茶"), ("sleeping bag", "睡袋"),
          ("paint", "油漆"), ("sewing needles", "缝衣针"), ("a toy sword", "玩具剑"), ("camera", "相机")]
_PLACES = [("bakery", "面包店"), ("post office", "邮局"), ("chapel", "小教堂"), ("train station", "火车站"),
           ("old mill", "旧磨坊"), ("clinic", "诊所"), ("theatre", "剧院"), ("pharmacy", "药店"), ("town hall", "市政厅"),
           ("bathhouse", "澡堂"), ("lighthouse", "灯塔"), ("night market", "夜市"), ("pawn shop", "当铺"),
           ("police station", "派出所"), ("cemetery", "墓地"), ("gun shop", "枪店"), ("bar", "酒吧")]
_EN = {"role": ["Who is the {r}?", "Do you know who the {r} is?", "Is there a {r} in town? Who?", "Where can I find the {r}?",
                "What's the {r}'s name?", "Who works as the {r} here?", "Can I talk to the {r}?", "When is the {r} around?"],
       "ware": ["Can I buy {w} here?", "Do you sell {w}?", "How much is {w}?", "Where can I get {w}?",
                "Is {w} in stock?", "Who sells {w} in this town?", "I'd like to buy {w}, please."],
       "place": ["How do I get to the {p}?", "When does the {p} close?", "Is the {p} open now?", "Where is the {p}?",
                 "What's inside the {p}?", "How far is the {p} from here?", "Who runs the {p}?"]}
_ZH = {"role": ["{r}是谁？", "你知道{r}是谁吗？", "镇上有{r}吗？是谁？", "在哪儿能找到{r}？", "{r}叫什么名字？", "我能和{r}说话吗？"],
       "ware": ["这里能买到{w}吗？", "你卖{w}吗？", "{w}多少钱？", "哪里能买到{w}？", "还有{w}吗？", "镇上谁卖{w}？"],
       "place": ["怎么去{p}？", "{p}几点关门？", "{p}现在开门吗？", "{p}在哪里？", "{p}里面有什么？", "{p}离这儿远吗？"]}


def generate(seed: int = 0, n: int = 600, exclude: Iterable[str] = ()) -> list[dict[str, str]]:
    """Up to `n` distinct questions, about half English and half Chinese, none in `exclude`."""
    rng = random.Random(seed)
    skip = {t.casefold() for t in exclude}
    out: dict[str, str] = {}
    for _ in range(n * 4):
        if len(out) >= n:
            break
        lang = rng.choice(("en", "zh"))
        kind = rng.choice(("role", "ware", "place"))
        frame = rng.choice((_EN if lang == "en" else _ZH)[kind])
        k = 0 if lang == "en" else 1
        text = frame.format(r=rng.choice(_ROLES)[k], w=rng.choice(_WARES)[k], p=rng.choice(_PLACES)[k])
        if text.casefold() not in skip:
            out.setdefault(text, lang)
    return [{"text": t, "language": lang} for t, lang in out.items()]
