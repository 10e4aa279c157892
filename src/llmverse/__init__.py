"""llmverse: LLM-driven inhabitants, stories and guides for virtual worlds.

    from llmverse import open_world, open_gateway, settings, Character
    world = open_world()                         # bundled Harbor Town, SQLite
    bram = Character(world, "bram", open_gateway(settings()))
    reply = "".join(bram.respond("visitor", "How much is an anchor?"))  # streamed piece by piece
"""

from llmverse.characters.character import Character, Reply
from llmverse.config import Settings, open_backend, open_gateway, settings
from llmverse.errors import BackendUnavailable, InvalidMessage, LlmverseError, WorldFileError
from llmverse.world.world import World, open_world

__all__ = [
    "BackendUnavailable", "Character", "InvalidMessage", "LlmverseError", "Reply", "Settings", "World",
    "WorldFileError", "open_backend", "open_gateway", "open_world", "settings",
]
__version__ = "0.1.0"
