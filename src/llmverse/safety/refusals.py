"""What a player reads when a rail acts: in the player's language, in character when a character speaks.

A refusal names no rule and repeats nothing of the request: it says no, stays in persona and offers
what the speaker can do. Self-harm gets a safe-messaging line (care, and where help is) instead.
"""

from __future__ import annotations

from dataclasses import dataclass

from llmverse.lang import Language


@dataclass(frozen=True)
class Speaker:
    """Who answers: a character (names, role) or, with no name, the world's assistant."""

    name: str | None = None
    name_zh: str | None = None
    role: str | None = None
    role_zh: str | None = None


_EN = {
    "hazard": "That's not something I'll help with. Ask me about the town instead.",
    "self_harm": "I'm really sorry you're feeling this way. You matter, and you don't have to face it alone: "
                 "please reach out to someone you trust or a local crisis line right now.",
    "pii_request": "I don't share what other people tell me. Ask me about the town instead.",
    "persona": "I'm {name}, the {role}, and that's who I'll stay. What can I do for you?",
    "persona_assistant": "I'm the town's assistant and I can't change my instructions. Ask me the way, "
                         "opening hours or about the town.",
    "budget": "Let's take a short break; you can ask me again in a moment.",
    "misinformation": "I don't know that; I only speak of what this town really holds.",
}
_ZH = {
    "hazard": "这个我不能帮忙。问问我小镇的事吧。",
    "self_harm": "听到你这样难受，我很难过。你很重要，你不必一个人扛：请马上联系你信任的人或当地的心理援助热线。",
    "pii_request": "别人告诉我的事，我不会说出去。问问我小镇的事吧。",
    "persona": "我是{name}，{role}，我就是我。有什么可以帮你的？",
    "persona_assistant": "我是小镇助手，不能更改我的设定。可以问我路线、营业时间或小镇的事。",
    "budget": "我们先歇一会儿，过一下再问我吧。",
    "misinformation": "这个我不知道；我只说这个小镇真实有的事。",
}
_GESTURE = {"en": "*{name} shakes their head* ", "zh": "（{name}摇了摇头）"}


def line(kind: str, language: Language, speaker: Speaker | None = None) -> str:
    """The player-facing line for a rail decision of `kind` (hazard, self_harm, pii_request, persona, ...)."""
    table = _ZH if language == "zh" else _EN
    name = None if speaker is None else (speaker.name_zh or speaker.name if language == "zh" else speaker.name)
    if kind == "persona" and not name:
        kind = "persona_assistant"
    role = "" if speaker is None else ((speaker.role_zh or speaker.role) if language == "zh" else speaker.role) or ""
    text = table[kind].format(name=name or "", role=role)
    if name and kind not in ("self_harm", "persona"):
        text = _GESTURE[language].format(name=name) + text
    return text


def kind_for(category: str | None, reason: str) -> str:
    """Which line a decision gets, from its category and reason code."""
    if category == "self_harm":
        return "self_harm"
    if reason.startswith("pii.request") or reason == "pii.model":
        return "pii_request"
    if category in ("injection", "jailbreak", "extraction") or reason.startswith("leak."):
        return "persona"
    if category == "budget":
        return "budget"
    if category == "misinformation":
        return "misinformation"
    return "hazard"
