"""llmverse: LLM-driven inhabitants, stories and guides for virtual worlds.

    from llmverse import open_world, open_gateway, settings, Character
    world = open_world()                         # bundled Harbor Town, SQLite
    bram = Character(world, "bram", open_gateway(settings()))
    reply = "".join(bram.respond("visitor", "How much is an anchor?"))  # streamed piece by piece
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# The public names load on first use (PEP 562), so `llmverse --help` imports no model, database or
# tokeniser code until a command runs.
_HOME = {
    "Character": "llmverse.characters.character", "Reply": "llmverse.characters.character",
    "Settings": "llmverse.config", "open_backend": "llmverse.config", "open_gateway": "llmverse.config",
    "settings": "llmverse.config",
    "BackendUnavailable": "llmverse.errors", "InvalidMessage": "llmverse.errors", "LlmverseError": "llmverse.errors",
    "WorldFileError": "llmverse.errors",
    "World": "llmverse.world.world", "open_world": "llmverse.world.world",
}
__all__ = sorted(_HOME)
__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    if name not in _HOME:
        raise AttributeError(f"module 'llmverse' has no attribute {name!r}")
    value = getattr(importlib.import_module(_HOME[name]), name)
    globals()[name] = value  # once imported, a plain attribute
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_HOME])


if TYPE_CHECKING:
    from llmverse.characters.character import Character, Reply
    from llmverse.config import Settings, open_backend, open_gateway, settings
    from llmverse.errors import BackendUnavailable, InvalidMessage, LlmverseError, WorldFileError
    from llmverse.world.world import World, open_world
