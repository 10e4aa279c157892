"""Why the world refused an action, in the actor's language: one table of reasons, English and Chinese.

`ActionRefused.reason` stays English (logs, tests, callers written before languages); `in_language`
gives the reason in any language the table holds, and the world records the refusal in the actor's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from llmverse.errors import LlmverseError

if TYPE_CHECKING:
    from llmverse.world.model import Names

# code -> (English, Chinese); {name}-style slots are filled with the name in that language.
REASONS: dict[str, tuple[str, str]] = {
    "no_one": ("no one called '{who}' lives here", "这里没有叫“{who}”的人"),
    "no_place": ("there is no place called '{place}'", "这里没有叫“{place}”的地方"),
    "no_thing": ("there is no '{thing}'", "没有“{thing}”这样东西"),
    "already_there": ("{who} is already at the {place}", "{who}已经在{place}了"),
    "closed": ("the {place} is closed now (open {hours})", "{place}现在关门了（开放时间 {hours}）"),
    "no_way": ("there is no way to walk to the {place} from here", "从这里走不到{place}"),
    "not_yours": ("the {thing} is not yours to give", "{thing}不是你的，不能送人"),
    "not_here": ("{who} is not here", "{who}不在这里"),
    "thing_not_here": ("the {thing} is not here", "{thing}不在这里"),
    "exhibit": ("the {thing} is an exhibit: look, don't touch", "{thing}是展品：只能看，不能碰"),
    "walk_there": ("characters walk there: use move", "角色要走过去：请用 move"),
    "no_rating": ("there is no {kind} '{item}' to rate", "没有可以评分的{kind}“{item}”"),
    "not_for_sale": ("the {thing} is not for sale", "{thing}不出售"),
    "already_yours": ("the {thing} is already yours", "{thing}已经是你的了"),
    "elsewhere": ("the {thing} is at the {place}, not here", "{thing}在{place}，不在这里"),
    "in_hands": ("the {thing} is in someone's hands, not here", "{thing}在别人手里，不在这里"),
    "empty_speech": ("there is nothing to say", "没有要说的话"),
    "too_long": ("that is too long to say at once ({n} characters; at most {limit})",
                 "一次说的话太长了（{n} 个字符，最多 {limit}）"),
    "bad_name": ("'{who}' cannot act here: a name is 1 to 64 characters",
                 "“{who}”不能在这里行动：名字须为 1 到 64 个字符"),
    "bad_data": ("what was said carries data the world cannot keep ({problem})",
                 "这句话附带的数据无法保存（{problem}）"),
}
LANGUAGES = ("en", "zh")


class ActionRefused(LlmverseError):
    """The world refused an action; `reason` is what the actor perceives (English), `in_language`
    the same in another language, `localized` in the actor's own once the world has recorded it."""

    def __init__(self, reason: str, *, code: str = "refused", reasons: dict[str, str] | None = None) -> None:
        self.reason = reason
        self.code = code
        self.reasons = {"en": reason, **(reasons or {})}
        self.localized = reason
        super().__init__(reason)

    def in_language(self, language: str) -> str:
        return self.reasons.get(language, self.reason)


def refused(code: str, **slots: str | Names | int) -> ActionRefused:
    """An ActionRefused for `code`; a slot given as `Names` is written in each language's name."""
    texts = {}
    for i, lang in enumerate(LANGUAGES):
        filled = {k: _name(v, lang) for k, v in slots.items()}
        texts[lang] = REASONS[code][i].format(**filled)
    return ActionRefused(texts["en"], code=code, reasons=texts)


def _name(value: object, language: str) -> str:
    if hasattr(value, "en"):
        return (getattr(value, language, None) or value.en) if language != "en" else value.en
    return str(value)
