"""Add an imported character to a world file, keeping the author's comments and layout.

The file is edited as text, not re-dumped: the new character is inserted after the last line of the
`characters` list, and every other byte stays as the author wrote it (a YAML round-trip dumper would
still re-indent and re-wrap lines it did not need to touch). The edited text must pass `load_world`
before it replaces the file, through a temporary file and a rename, so a world file is never half
written. What a card holds beyond the character goes to a sidecar `cards/<id>.json` (and the card's
picture to `cards/<id>.png`) beside the world file, from where `export_world_character` restores it.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, Field

from llmverse.characters.cards import V2, CardError, CardPersona, atomic_write, read_card, write_card
from llmverse.errors import WorldFileError
from llmverse.world.loader import load_world
from llmverse.world.model import Character, WorldFile

SIDECAR_FORMAT = "llmverse-card-extras"


class WorldEditReport(BaseModel):
    """What an import did to the world file, for the CLI to print."""

    world: Path
    character_id: str
    notes: list[str] = Field(default=[], description="What was left out of the character, and why.")
    sidecar: Path | None = Field(default=None, description="Where the card's extras were kept.")


def import_card_to_world(card_path: str | Path, world_path: str | Path, *, character_id: str | None = None,
                         role: str = "visitor", home: str | None = None,
                         workplace: str | None = None) -> WorldEditReport:
    """`llmverse import card FILE --world FILE`: read the card, add its character and keep its extras."""
    card = read_card(card_path, default_role=role, character_id=character_id)
    update = {k: v for k, v in (("home", home), ("workplace", workplace)) if v is not None}
    character = card.character.model_copy(update=update)
    return add_character_to_world_file(world_path, character, extras=card.card_extras,
                                       avatar_png=card.avatar_png, spec=card.spec)


def add_character_to_world_file(world_path: str | Path, character: Character, *,
                                extras: dict[str, Any] | None = None, avatar_png: bytes | None = None,
                                spec: str | None = None) -> WorldEditReport:
    """Append `character` to the world file's `characters`; refuse a duplicate id; leave out (and
    report) home, workplace, schedule entries and aliases this world cannot hold."""
    world_path = Path(world_path)
    world = load_world(world_path)  # a file broken before we touch it is reported as it is
    if any(c.id == character.id for c in world.characters):
        raise CardError(world_path, "characters.id", f"a character with id '{character.id}' is already in "
                        f"this world: import under another id (e.g. --id {character.id}_2) or remove the old one")
    character, notes = _fit(character, world)
    item = character.model_dump(mode="json", exclude_defaults=True)
    text = world_path.read_text(encoding="utf-8")
    tmp = _checked_temp(world_path, insert_character(text, item), item)
    try:
        json_path, png_path = sidecar_paths(world_path, character.id)
        if extras:
            json_path.parent.mkdir(exist_ok=True)
            doc = {"format": SIDECAR_FORMAT, "version": 1, "character_id": character.id,
                   "spec": spec or V2, "card_extras": extras}
            atomic_write(json_path, (json.dumps(doc, ensure_ascii=False, indent=2) + "\n").encode("utf-8"))
            if avatar_png:
                atomic_write(png_path, avatar_png)
        for stale in ([json_path, png_path] if not extras else [png_path] if not avatar_png else []):
            stale.unlink(missing_ok=True)  # left by an earlier character with this id
        shutil.copymode(world_path, tmp)
        os.replace(tmp, world_path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return WorldEditReport(world=world_path, character_id=character.id, notes=notes,
                           sidecar=json_path if extras else None)


def export_world_character(world_path: str | Path, character_id: str, out_path: str | Path, *,
                           version: Literal[2, 3] | None = None, png: bool | None = None) -> Path:
    """Write a world character as a card, with what its sidecar kept from the card it came from."""
    world_path = Path(world_path)
    world = load_world(world_path)
    character = next((c for c in world.characters if c.id == character_id), None)
    if character is None:
        ids = ", ".join(c.id for c in world.characters) or "none"
        raise CardError(world_path, "characters", f"no character with id '{character_id}' (the world has: {ids})")
    extras, spec, avatar = read_sidecar(world_path, character_id)
    persona = CardPersona(character=character, card_extras=extras, spec=spec, avatar_png=avatar)
    return write_card(persona, out_path, version=version, png=png)


def sidecar_paths(world_path: str | Path, character_id: str) -> tuple[Path, Path]:
    """(extras JSON, picture PNG) for a character of this world."""
    folder = Path(world_path).parent / "cards"
    return folder / f"{character_id}.json", folder / f"{character_id}.png"


def read_sidecar(world_path: str | Path, character_id: str) -> tuple[dict[str, Any], Any, bytes | None]:
    """(card extras, spec, picture) kept for this character; empty when it did not come from a card."""
    json_path, png_path = sidecar_paths(world_path, character_id)
    if not json_path.exists():
        return {}, V2, None
    try:
        doc = json.loads(json_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise CardError(json_path, "(json)", f"unreadable card extras: {exc}") from exc
    if not isinstance(doc, dict) or doc.get("format") != SIDECAR_FORMAT or not isinstance(doc.get("card_extras"), dict):
        raise CardError(json_path, "format", f"not an llmverse card-extras file (expected format '{SIDECAR_FORMAT}')")
    avatar = png_path.read_bytes() if png_path.exists() else None
    return doc["card_extras"], doc.get("spec", V2), avatar


def _fit(character: Character, world: WorldFile) -> tuple[Character, list[str]]:
    """Drop references this world cannot resolve and aliases that already name someone else."""
    places = {p.id for p in world.places}
    notes, update = [], {}
    for key in ("home", "workplace"):
        ref = getattr(character, key)
        if ref is not None and ref not in places:
            update[key] = None
            notes.append(f"{key} '{ref}' left out: this world has no such place")
    schedule = [s for s in character.schedule if s.place in places]
    if len(schedule) < len(character.schedule):
        lost = sorted({s.place for s in character.schedule} - places)
        update["schedule"] = schedule
        notes.append(f"schedule entries at unknown places left out: {', '.join(lost)}")
    taken = {w.casefold() for c in world.characters for w in (c.id, c.names.en, c.names.zh, *c.aliases) if w}
    aliases = [a for a in character.aliases if a.casefold() not in taken]
    if len(aliases) < len(character.aliases):
        update["aliases"] = aliases
        clash = [a for a in character.aliases if a not in aliases]
        notes.append(f"aliases already used by other characters left out: {', '.join(clash)}")
    return character.model_copy(update=update), notes


def _checked_temp(world_path: Path, text: str, item: dict) -> str:
    """Write `text` beside the world and load it as a world; the temp file's path if all is well."""
    fd, tmp = tempfile.mkstemp(dir=world_path.parent, prefix=f".{world_path.name}.", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
        f.write(text)
    try:
        load_world(tmp)
        if yaml.safe_load(text)["characters"][-1] != item:
            raise CardError(world_path, "characters", "the inserted text did not read back as the character "
                            "(please report this); the world file was left unchanged")
    except WorldFileError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise CardError(world_path, exc.field, f"with '{item['id']}' added the world would not load, so the file "
                        f"was left unchanged: {exc.problem}") from exc
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return tmp


# --- YAML text surgery ---------------------------------------------------------------------------

class _Dumper(yaml.SafeDumper):
    """Block style, lists indented under their key, multi-line text as literal blocks."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        return super().increase_indent(flow, False)


_Dumper.add_representer(str, lambda d, s: d.represent_scalar("tag:yaml.org,2002:str", s,
                                                             style="|" if "\n" in s else None))


def insert_character(text: str, item: dict) -> str:
    """`text` with `item` added as the last entry of its `characters` list, nothing else changed
    (except a flow-style or empty list, which becomes a block list)."""
    root = yaml.compose(text, Loader=yaml.SafeLoader)
    node = next((v for k, v in root.value if k.value == "characters"), None)
    nl = "\r\n" if "\r\n" in text else "\n"
    if node is None:
        sep = "" if not text or text.endswith(("\n", "\r")) else nl
        return text + sep + "characters:" + nl + _block([item], 2, nl)
    if isinstance(node, yaml.SequenceNode) and not node.flow_style and node.value:
        pos = _after(text, node.value[-1])
        sep = "" if pos == 0 or text[pos - 1] in "\r\n" else nl
        return text[:pos] + sep + _block([item], node.start_mark.column, nl) + text[pos:]
    # `characters: []`, `characters:` (empty) or a flow list: write its items as a block list.
    start, end = node.start_mark.index, node.end_mark.index
    items = (yaml.safe_load(text[start:end]) or []) + [item]
    head = text[:start].rstrip(" ")
    text = head + text[end:]
    cut = text.find("\n", len(head))
    cut = len(text) if cut < 0 else cut + 1
    sep = "" if text[cut - 1:cut] == "\n" else nl
    return text[:cut] + sep + _block(items, 2, nl) + text[cut:]


def _after(text: str, node: yaml.Node) -> int:
    """Where the line after `node` starts: the end of its last line, comments on it included."""
    while isinstance(node, (yaml.MappingNode, yaml.SequenceNode)) and not node.flow_style and node.value:
        node = node.value[-1][1] if isinstance(node, yaml.MappingNode) else node.value[-1]
    pos = node.end_mark.index  # exact for scalars and flow collections; block scalars end at a line start
    line_start = text.rfind("\n", 0, pos) + 1
    if not text[line_start:pos].strip():
        return line_start
    end = text.find("\n", pos)
    return len(text) if end < 0 else end + 1


def _block(items: list, column: int, nl: str) -> str:
    dumped = yaml.dump(items, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=100)
    return "".join(" " * column + line + nl if line.strip() else nl for line in dumped.splitlines())
