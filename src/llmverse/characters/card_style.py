"""A card's example dialogue and greetings: style examples, kept apart from the persona.

Cards carry example turns in `mes_example` ("<START>\\n{{user}}: ...\\n{{char}}: ...") and, in many
cards, inside `description` too. Put into the persona, the model imitates the transcript and writes
"Seraphina: ..." turns for both sides; as style examples the voice may show them as what the character
sounds like. So a description's dialogue lines leave the persona, and with `mes_example`, `first_mes`
and `alternate_greetings` go to `card_extras["style"]`: {"examples": [[speaker, line], ...],
"greetings": [...]}, speakers "char" and "user", macros expanded.
"""

from __future__ import annotations

import re
from typing import Any

_START = re.compile(r"^\s*<START>\s*$", re.I)
_MACRO_TURN = re.compile(r"^\s*(\{\{char\}\}|\{\{user\}\}|<bot>|<char>|<user>)\s*:\s*(.*)$", re.I)


def _speaker_re(names: list[str]) -> re.Pattern[str]:
    alternatives = "|".join(re.escape(n) for n in names if n)
    return re.compile(rf"^\s*({alternatives}|user|you|玩家)\s*[:：]\s*(.+)$", re.I)


def split_dialogue(text: str, names: list[str]) -> tuple[str, list[tuple[str, str]]]:
    """(the text without its dialogue, the dialogue turns as (speaker, line)). A dialogue line starts
    with a macro or a speaker's name and a colon ('{{char}}: ...', 'Seraphina: ...') or is '<START>'."""
    by_name = _speaker_re(names)
    char_names = {n.casefold() for n in names if n}
    kept, turns = [], []
    for line in (text or "").splitlines():
        if _START.match(line):
            continue
        m = _MACRO_TURN.match(line) or by_name.match(line)
        if m and m.group(2).strip():
            who = m.group(1).strip("{}<> ").casefold()
            turns.append(("char" if who in ("char", "bot") or who in char_names else "user", m.group(2).strip()))
        else:
            kept.append(line)
    return re.sub(r"\n{3,}", "\n\n", "\n".join(kept)).strip(), turns


def style_of(data: dict[str, Any], names: list[str], expand) -> tuple[dict[str, list], dict[str, str]]:
    """({"examples": ..., "greetings": ...}, the description, personality and scenario without their
    dialogue). `expand` turns card macros into names."""
    examples: list[list[str]] = []
    cleaned: dict[str, str] = {}
    for key in ("description", "personality", "scenario"):
        text, turns = split_dialogue(data.get(key) or "", names)
        cleaned[key] = text
        examples += [[who, expand(line)] for who, line in turns]
    _, turns = split_dialogue(data.get("mes_example") or "", names)
    examples += [[who, expand(line)] for who, line in turns]
    greetings = [expand(g) for g in [data.get("first_mes") or "", *(data.get("alternate_greetings") or [])]
                 if isinstance(g, str) and g.strip()]
    return {"examples": examples, "greetings": greetings}, cleaned


def style_examples(card_extras: dict[str, Any], limit: int = 4) -> list[str]:
    """The character's own example lines, for a prompt that shows how it speaks (never as turns)."""
    style = card_extras.get("style") or {}
    return [line for who, line in style.get("examples", []) if who == "char"][:limit]
