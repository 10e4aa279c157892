"""What a player reads when a rail acts: in the player's language, in character when a character speaks.

A refusal names no rule and repeats nothing of the request: it says no, stays in persona and offers
what the speaker can do. Self-harm gets a safe-messaging line (care, and where help is) instead. The
lines are locale data (`voice/locales/<lang>.yaml`, section `refusals`).
"""

from __future__ import annotations

from dataclasses import dataclass

from llmverse.lang import Language
from llmverse.voice.locale import section


@dataclass(frozen=True)
class Speaker:
    """Who answers: a character (names, role) or, with no name, the world's assistant."""

    name: str | None = None
    name_zh: str | None = None
    role: str | None = None
    role_zh: str | None = None


def line(kind: str, language: Language, speaker: Speaker | None = None) -> str:
    """The player-facing line for a rail decision of `kind` (hazard, self_harm, pii_request, persona, ...)."""
    table = section("refusals", language)
    name = None if speaker is None else (speaker.name_zh or speaker.name if language == "zh" else speaker.name)
    if kind == "persona" and not name:
        kind = "persona_assistant"
    role = "" if speaker is None else ((speaker.role_zh or speaker.role) if language == "zh" else speaker.role) or ""
    text = table[kind].format(name=name or "", role=role)
    if name and kind not in ("self_harm", "persona"):
        text = table["gesture"].format(name=name) + text
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
