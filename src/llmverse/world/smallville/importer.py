"""The whole import: read the folder, lay out the map, place the things, make the characters.

The steps live in files.py, layout.py and personas.py; this joins them into one validated world.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import ValidationError

from llmverse.world.model import WorldFile
from llmverse.world.smallville.files import SmallvilleError, _Meta, _blocks, _maze, _personas, _validated
from llmverse.world.smallville.layout import TILE_M, SectorCoverage, _Place, _merge, _places, _tags
from llmverse.world.smallville.names import Namer, non_latin, slug
from llmverse.world.smallville.personas import _Town, _character

# GA's base towns start on this day (their personas plan for February 14, 2023); 08:00 rather than
# their midnight, so that a short run sees the town awake.
START = "2023-02-13T08:00"
MAZES = ("collision", "sector", "arena", "game_object")  # spawning locations are not used


@dataclass
class SmallvilleImport:
    """The world, what the map could not hold (by name), and how well sectors became places."""

    world: WorldFile
    warnings: list[str] = field(default_factory=list)
    coverage: list[SectorCoverage] = field(default_factory=list)


def _things(maze: dict[str, np.ndarray], objects: dict[int, list[str]], sectors: dict[int, str],
            arenas: dict[int, str], places: dict[str, _Place], warnings: list[str]) -> list[dict[str, Any]]:
    """One thing per object name per room of a place (its tiles are many: a shelf is 22 tiles)."""
    found: set[tuple[str, str, str]] = set()
    outside: set[str] = set()
    for y, x in zip(*np.nonzero(maze["game_object"])):
        obj, sector = objects[int(maze["game_object"][y, x])][-1], sectors.get(int(maze["sector"][y, x]), "")
        if sector in places:
            found.add((sector, arenas.get(int(maze["arena"][y, x]), ""), obj))
        else:
            outside.add(obj)
    if outside:
        warnings.append(f"objects outside any imported sector were left out: {', '.join(sorted(outside))}")
    things, ids, namer = [], set(), Namer("Thing")
    for sector, room, obj in sorted(found, key=lambda k: (places[k[0]].id, k[1], k[2])):
        twice = sum(1 for k in found if k[0] == sector and k[2] == obj) > 1  # then the room tells them apart
        names = namer.names(obj)
        text = f"{places[sector].id} {room if twice else ''} {names['en']}"
        things.append({"id": slug(text, "thing", ids), "names": names, "location": places[sector].id,
                       "description": f"The {obj} in {f'the {room} of {sector}' if room else sector}."})
    return things


def _latin_name(s) -> str | None:
    """A persona's name in Latin letters from first_name/last_name, when its `name` has none."""
    latin = " ".join(n for n in (s.first_name, s.last_name) if n and not non_latin(n))
    return latin or None


def import_smallville(folder: str | Path, *, name: str | None = None,
                      personas: str | Path | None = None) -> SmallvilleImport:
    """Read a Smallville town (a folder holding `matrix/`, with `personas/` and the
    `agent_history_init_n*.csv` whispers beside it) into a validated llmverse world.

    `personas` points elsewhere for GA's own layout (`storage/<simulation>/personas`). Raises
    `SmallvilleError` on any malformed file, or when no persona's home or plan is on this map.
    """
    root = Path(folder)
    matrix, people_dir = root / "matrix", Path(personas) if personas else root / "personas"
    if not matrix.is_dir():
        raise SmallvilleError(root, "", "no matrix/ folder here: point at the town's folder (the one "
                              "holding matrix/maze, matrix/special_blocks and matrix/maze_meta_info.json)")
    if personas and not people_dir.is_dir():
        raise SmallvilleError(people_dir, "", "no such folder of personas")
    meta = _validated(_Meta, matrix / "maze_meta_info.json")
    blocks = matrix / "special_blocks"
    legend = {"sector": _blocks(blocks / "sector_blocks.csv", 3),
              "arena": _blocks(blocks / "arena_blocks.csv", 4),
              "game_object": _blocks(blocks / "game_object_blocks.csv", 4)}
    worlds = _blocks(blocks / "world_blocks.csv", 2) if (blocks / "world_blocks.csv").exists() else {}
    town_name = next(iter(worlds.values()))[-1] if worlds else (meta.world_name or "Smallville")
    w, h = meta.maze_width, meta.maze_height
    maze = {k: _maze(matrix / "maze" / f"{k}_maze.csv", w, h, legend.get(k)) for k in MAZES}
    people = _personas(people_dir, root)

    warnings = [] if people else [f"no personas in {people_dir}: the world has no characters"]
    walk = maze["collision"] == 0
    sectors = {n: row[-1] for n, row in legend["sector"].items()}
    arenas = {n: row[-1] for n, row in legend["arena"].items()}
    places, coverage = _places(maze["sector"], sectors, maze["arena"], arenas, walk, warnings)
    if not places:
        raise SmallvilleError(matrix / "maze" / "sector_maze.csv", "", "no sector has a walkable tile that "
                              "can be reached: there is no place to import")
    for number in np.unique(maze["arena"][walk & (maze["arena"] != 0)]).tolist():
        lies = [sectors[a] for a in np.unique(maze["sector"][walk & (maze["arena"] == number)]).tolist() if a]
        if lies and legend["arena"][number][-2] not in lies:
            warnings.append(f"room '{arenas[number]}' is listed under '{legend['arena'][number][-2]}' but lies "
                            f"in '{lies[0]}': it counts as a room of '{lies[0]}'")
    # A room found in one place only, and listed under it, names it ("the pub", "the park").
    rooms = [r.casefold() for p in places for r in p.rooms]
    taken = {p.sector.casefold() for p in places} | {p.id for p in places}
    listed = {(row[-2].casefold(), row[-1].casefold()) for row in legend["arena"].values()}
    aliases = {p.id: [r for r in p.rooms if rooms.count(r.casefold()) == 1 and r.casefold() not in taken
                      and (p.sector.casefold(), r.casefold()) in listed] for p in places}
    town = _Town(town_name, places, aliases, set(sectors.values()) | {
        k for pp in people for world in pp.spatial.values() for k in world})

    characters, resolved, ids, people_names = [], [], set(), Namer("Resident")
    firsts = [pp.scratch.first_name.casefold() for pp in people if pp.scratch.first_name]
    for pp in people:
        alias_ok = firsts.count((pp.scratch.first_name or "").casefold()) == 1
        names = people_names.names(pp.scratch.name, _latin_name(pp.scratch))
        if "zh" in names and names["en"] != _latin_name(pp.scratch):
            warnings.append(f"{pp.scratch.name}: no name in Latin letters: '{names['en']}' stands in (names.en)")
        entry, home, ok = _character(pp, slug(pp.scratch.name, "person", ids, names["en"]), town, alias_ok,
                                     warnings, names)
        characters.append(entry)
        resolved.append(ok)
        if home:
            home.residents.append(pp.scratch.name)
    if people and not any(resolved):
        raise SmallvilleError(people_dir, "", "no persona's home or plan names a place on this map ("
                              f"{', '.join(p.sector for p in places)}): are these personas from another town?")

    data = {
        "name": {"en": name or town_name[:1].upper() + town_name[1:]}, "start_time": START,
        "map": {"width": w, "height": h, "tile_m": TILE_M, "blocked": _merge(~walk)},
        "places": [{
            "id": p.id, "names": p.names or {"en": p.sector}, "aliases": aliases[p.id],
            "description": " ".join(filter(None, [
                f"Rooms: {', '.join(p.rooms)}." if len(p.rooms) > 1 else "",
                f"Home of {' and '.join(p.residents)}." if p.residents else ""])),
            "tags": list(dict.fromkeys(_tags(" ".join([p.sector, *p.rooms])) + ["home"] * bool(p.residents))),
            "rect": dict(zip("xywh", p.rect)), "open_air": True, "doors": p.doors,
        } for p in places],
        "things": _things(maze, legend["game_object"], sectors, arenas, {p.sector: p for p in places},
                          warnings),
        "characters": characters,
    }
    try:
        world = WorldFile.model_validate(data)
    except ValidationError as exc:  # a bug here, not in the folder: say so rather than write it
        err = exc.errors()[0]
        raise SmallvilleError(root, "(import)", f"the imported world breaks a world-file rule at "
                              f"{'.'.join(map(str, err['loc']))}: {err['msg']}; please report this") from exc
    return SmallvilleImport(world, warnings, coverage)
