"""Import the town of Generative Agents (Park et al. 2023, "Smallville") as an llmverse world file.

Smallville's map is tile layers exported from Tiled (`matrix/maze/*_maze.csv`, each one line of
width x height block numbers), legends naming the blocks (`matrix/special_blocks/*_blocks.csv`, the
name is the last column) and `matrix/maze_meta_info.json`; its people are `personas/<Name>/
[bootstrap_memory/]scratch.json` (+ `spatial_memory.json`) and the "whispers" seeded as their first
memories (`agent_history_init_n*.csv`). docs/smallville-import.md gives the mapping and its losses.

Sectors (buildings) become places, arenas (rooms) do not: players and schedules name buildings, an
llmverse place cannot nest, and a house cut into rooms would be five places that mean one home.
Every place is open-air because Smallville's walls are already in its collision layer, which becomes
`map.blocked` tile for tile: walking is exactly Smallville's, and a place's rectangle only says which
tiles count as "in" it.

Every malformed file raises `SmallvilleError` naming the file and the row or field, before anything
is built; references the map does not hold are collected as warnings, by name.
"""

from llmverse.world.smallville.files import SmallvilleError, Spatial
from llmverse.world.smallville.importer import MAZES, START, SmallvilleImport, import_smallville
from llmverse.world.smallville.layout import TILE_M, Rect, SectorCoverage
from llmverse.world.smallville.personas import Slots
from llmverse.world.smallville.writer import write_world

__all__ = ["MAZES", "START", "TILE_M", "Rect", "SectorCoverage", "Slots", "SmallvilleError", "SmallvilleImport",
           "Spatial", "import_smallville", "write_world"]
