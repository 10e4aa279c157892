"""The words of directions and recommendations, in every language with a locale file.

The text itself is data (`voice/locales/<lang>.yaml`: `directions`, `reasons`, `interests`), loaded
through the one phrase loader, so a translator edits one file and the route code stays readable; this
module only gives the tables the shapes the route and recommendation code index.
"""

from __future__ import annotations

from typing import Any

from llmverse.voice.locale import languages, section

COMPASS = ["east", "northeast", "north", "northwest", "west", "southwest", "south", "southeast"]
TEXT: dict[str, dict[str, Any]] = {lang: section("directions", lang) for lang in languages()}
REASONS: dict[str, dict[str, str]] = {lang: section("reasons", lang) for lang in languages()}


def _interests() -> dict[str, tuple[str, str, tuple[str, ...]]]:
    """tag -> (English label, Chinese label, the words that mean it in every language). A tag a world
    uses that is not here still matches its own English word; a translator adds the rest."""
    out = {}
    tables = {lang: section("interests", lang) for lang in languages()}
    for tag, en in tables["en"].items():
        zh = tables.get("zh", {}).get(tag, en)
        words = tuple(w for t in tables.values() for w in t.get(tag, {}).get("words", []))
        out[tag] = (en["label"], zh["label"], tuple(dict.fromkeys(words)))
    return out


INTERESTS: dict[str, tuple[str, str, tuple[str, ...]]] = _interests()
