"""The words of directions in English and Chinese: a phrase table, kept apart from the geometry that
fills it, so a translator edits one file and the route code stays readable."""

from __future__ import annotations

from typing import Any

COMPASS = ["east", "northeast", "north", "northwest", "west", "southwest", "south", "southeast"]
TEXT: dict[str, dict[str, Any]] = {
    "en": {
        "compass": {c: c for c in COMPASS}, "sep": " ", "comma": ", ", "stop": ".", "and": " and ",
        "list": ", ", "or": " or ", "at": "at {t}", "tomorrow": "tomorrow at {t}",
        "from": "From {name}, head {compass} for {d} m", "depart": "Head {compass} for {d} m",
        "straight": "Continue straight for {d} m", "slight_left": "Bear left and walk {d} m",
        "slight_right": "Bear right and walk {d} m", "left": "Turn left and walk {d} m",
        "right": "Turn right and walk {d} m", "around": "Turn around and walk {d} m",
        "pass_left": "passing {name} on your left", "pass_right": "passing {name} on your right",
        "pass_through": "through {name}", "pass_ahead": "towards {name}",
        "arrive_left": "{name} is on your left.", "arrive_right": "{name} is on your right.",
        "arrive_ahead": "{name} is straight ahead.", "here": "You are already at {name}.",
        "total": "{d} m in all, {t}.", "under_minute": "under a minute's walk",
        "minute": "about a minute's walk", "minutes": "about {n} minutes' walk",
        "open": "{name} is open until {closes}.",
        "closes_first": "{name} closes at {closes}, before you get there; it opens again {opens}.",
        "opens_first": "{name} is closed now but opens {opens}, before you get there.",
        "closed": "{name} is closed now; it opens {opens}.",
        "fact_thing": "{who} is at {name}.", "fact_feature": "{who} is in {name}.",
        "fact_person": "{who} is at {name} now.", "fact_walking": "{who} is on the way to {name}.",
        "fact_workplace": "{who} works at {name}.", "fact_home": "{who} lives at {name}.",
        "empty": "Where would you like to go? Name a place, for example {examples}.",
        "too_long": "That is a long message; just tell me the place you want to go to.",
        "no_start": "I don't know where you are starting from ('{start}'): give a place or a walkable tile.",
        "unreachable": "I know {name}, but there is no walkable way there from where you are.",
        "unknown": "I don't know a place called '{query}' here. ",
        "did_you_mean": "Did you mean {names}?", "known": "Places I know: {names}.",
    },
    "zh": {
        "compass": dict(zip(COMPASS, ["东", "东北", "北", "西北", "西", "西南", "南", "东南"])),
        "sep": "", "comma": "，", "stop": "。", "and": "，", "list": "、", "or": "或", "at": "{t}", "tomorrow": "明天{t}",
        "from": "从{name}出发，向{compass}走{d}米", "depart": "向{compass}走{d}米",
        "straight": "继续直走{d}米", "slight_left": "稍向左转，走{d}米", "slight_right": "稍向右转，走{d}米",
        "left": "向左转，走{d}米", "right": "向右转，走{d}米", "around": "掉头，走{d}米",
        "pass_left": "经过左手边的{name}", "pass_right": "经过右手边的{name}", "pass_through": "穿过{name}",
        "pass_ahead": "朝{name}方向走",
        "arrive_left": "{name}就在你的左手边。", "arrive_right": "{name}就在你的右手边。",
        "arrive_ahead": "{name}就在正前方。", "here": "你已经在{name}了。",
        "total": "全程约{d}米，{t}。", "under_minute": "步行不到1分钟", "minute": "步行约1分钟",
        "minutes": "步行约{n}分钟",
        "open": "{name}营业到{closes}。",
        "closes_first": "{name}{closes}关门，你到之前就关了；{opens}再开门。",
        "opens_first": "{name}现在关着，{opens}开门，你到时已经开了。",
        "closed": "{name}现在关着，{opens}开门。",
        "fact_thing": "{who}在{name}。", "fact_feature": "{who}在{name}里。",
        "fact_person": "{who}现在在{name}。", "fact_walking": "{who}正在去{name}的路上。",
        "fact_workplace": "{who}在{name}工作。", "fact_home": "{who}住在{name}。",
        "empty": "你想去哪里？说一个地方，比如{examples}。",
        "too_long": "内容太长了，请直接告诉我你想去的地方。",
        "no_start": "我不知道你从哪里出发（“{start}”）：请给出一个地点或一个可以走的格子。",
        "unreachable": "我知道{name}，但从你所在的地方走不到那里。",
        "unknown": "这里没有叫“{query}”的地方。",
        "did_you_mean": "你是不是想去{names}？", "known": "我知道的地方有：{names}。",
    },
}

# Interests: a place tag and the words players use for it, in both languages. A tag a world uses that
# is not here still matches its own English word; a translator adds the Chinese.
INTERESTS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    # tag: (English label, Chinese label, words that mean it, both languages)
    "history": ("history", "历史", ("history", "historic", "old", "past", "heritage", "museum", "chronicle", "records",
                                    "archive", "archives", "founding", "历史", "古", "老", "博物馆", "文物", "镇志",
                                    "档案", "编年")),
    "culture": ("culture", "文化", ("culture", "art", "exhibit", "exhibition", "文化", "艺术", "展览", "展品")),
    "boats": ("boats", "船", ("boat", "ship", "sail", "sailing", "sailor", "船", "帆", "航海", "水手")),
    "fishing": ("fishing", "钓鱼", ("fish", "fishing", "angling", "catch", "钓鱼", "渔", "鱼", "捕鱼")),
    "food": ("food", "美食", ("food", "eat", "eating", "hungry", "meal", "lunch", "dinner", "supper", "breakfast",
                               "stew", "drink", "tea", "吃", "美食", "饭", "饿", "午饭", "晚饭", "小吃", "喝")),
    "shopping": ("shopping", "购物", ("shop", "shopping", "buy", "souvenir", "gift", "market", "购物", "买",
                                       "纪念品", "礼物", "逛街")),
    "crafts": ("crafts", "手工艺", ("craft", "crafts", "handmade", "forge", "smith", "metal", "iron", "手工",
                                     "工艺", "打铁", "铁匠", "锻造")),
    "books": ("books", "书", ("book", "books", "read", "reading", "story", "stories", "library", "书", "读书",
                               "阅读", "故事", "图书")),
    "quiet": ("quiet places", "安静的地方", ("quiet", "calm", "peace", "peaceful", "安静", "清静", "宁静")),
    "nature": ("nature", "自然", ("nature", "tree", "trees", "garden", "outdoors", "walk", "park", "自然", "树",
                                   "花园", "散步", "公园", "户外")),
    "rest": ("rest", "休息", ("rest", "relax", "relaxing", "sleep", "tired", "break", "休息", "放松", "睡", "累")),
    "services": ("town services", "镇上的事务", ("permit", "lost", "office", "paperwork", "许可", "失物", "办事")),
}
REASONS: dict[str, dict[str, str]] = {
    "en": {
        "interest": "matches your interest in {what}", "like": "like {name}, which you enjoyed",
        "event_now": "{who}: {activity}, now", "event_soon": "{who}: {activity}, from {t}",
        "popular": "popular: {n} visitors went", "popular_one": "a visitor went", "near": "close by",
        "open_until": "open until {t}", "opens_at": "opens at {t}", "open_air": "open all day", "walk": "{walk}",
        "sep": "; ", "comma": ", ",
        "head": "Here is what I'd suggest{when}:", "when": " for the {part} ({t})",
        "none": "Nothing is open and within reach{when} that I could suggest; ask me about a place instead.",
        "line": "{i}. {name} — {reason}.",
    },
    "zh": {
        "interest": "符合你对{what}的兴趣", "like": "和你喜欢的{name}相似",
        "event_now": "{who}现在在那里", "event_soon": "{who}{t}起在那里",
        "popular": "很受欢迎：{n}位游客去过", "popular_one": "有游客去过", "near": "就在附近",
        "open_until": "营业到{t}", "opens_at": "{t}开门", "open_air": "全天开放", "walk": "{walk}", "sep": "；", "comma": "，",
        "head": "{when}我推荐：", "when": "{part}（{t}）",
        "none": "{when}没有开放又能走到的地方可以推荐；可以问我某个地方的情况。",
        "line": "{i}. {name}——{reason}。",
    },
}
