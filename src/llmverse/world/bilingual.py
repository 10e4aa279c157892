"""Where a world file lacks Chinese for text a player sees (principle 5: two languages everywhere).

A missing translation is not an error (the other language stands in, logged where it is used), but
`llmverse world check` warns about each one, so an author can see what a Chinese-speaking player
would read in English.
"""

from __future__ import annotations

from llmverse.world.model import WorldFile


def missing_chinese(world: WorldFile) -> list[str]:
    """One line per player-visible field that has English and no Chinese, by its path in the file."""
    out: list[str] = []
    if not world.name.zh:
        out.append("name.zh")
    for i, p in enumerate(world.places):
        if not p.names.zh:
            out.append(f"places.{i}.names.zh ({p.id})")
        if p.description and not p.description_zh:
            out.append(f"places.{i}.description_zh ({p.id})")
    for i, t in enumerate(world.things):
        if not t.names.zh:
            out.append(f"things.{i}.names.zh ({t.id})")
        if t.description and not t.description_zh:
            out.append(f"things.{i}.description_zh ({t.id})")
    for i, c in enumerate(world.characters):
        if not c.names.zh:
            out.append(f"characters.{i}.names.zh ({c.id})")
        if not c.role_zh:
            out.append(f"characters.{i}.role_zh ({c.id})")
        if not c.persona_zh:
            out.append(f"characters.{i}.persona_zh ({c.id})")
        if c.knowledge and not c.knowledge_zh:
            out.append(f"characters.{i}.knowledge_zh ({c.id})")
        for k, s in enumerate(c.schedule):
            if s.activity and not s.activity_zh:
                out.append(f"characters.{i}.schedule.{k}.activity_zh ({c.id})")
    for i, b in enumerate(world.map.blocked):
        if b.name and not b.name.zh:
            out.append(f"map.blocked.{i}.name.zh")
    return out
