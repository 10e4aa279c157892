"""Character Cards (V1, V2, V3; JSON or PNG) to and from llmverse world characters.

Cards are how the community shares personas (SillyTavern, RisuAI, chub and others). llmverse keeps
what it understands in a world `Character` and the rest of the card, untouched, in `card_extras`:
the V2 spec forbids an editor to destroy fields it does not use, and a card that comes back out
should still have its greetings, example dialogue, lorebook keys and other apps' extensions.
Formats: character-card-spec-v2 (malfoyslastname) and character-card-spec-v3 (kwaroran); the
user's guide, with the field mapping, is docs/character-cards.md.
"""

from __future__ import annotations

import base64
import binascii
import copy
import hashlib
import json
import logging
import os
import re
import tempfile
import unicodedata
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, field_validator

from llmverse.characters.card_png import (  # noqa: F401  (re-exported: cards' public API)
    CARD_CHUNKS, PNG_SIGNATURE, TEXT_CHUNKS, CardError, _card_text_from_png, placeholder_png, png_chunks,
    png_with_cards)
from llmverse.characters.card_style import style_of
from llmverse.world.model import Character

log = logging.getLogger(__name__)

V1, V2, V3 = "chara_card_v1", "chara_card_v2", "chara_card_v3"
EXT = "llmverse"  # our key in data.extensions (the V2 spec asks apps to namespace what they store)
# Card fields that become the Character; every other `data` field is kept verbatim in the extras.
MAPPED = ("name", "nickname", "description", "personality", "scenario", "character_book")
V1_FIELDS = ("name", "description", "personality", "scenario", "first_mes", "mes_example")
V2_DEFAULTS: dict[str, Any] = {
    "name": "", "description": "", "personality": "", "scenario": "", "first_mes": "", "mes_example": "",
    "creator_notes": "", "system_prompt": "", "post_history_instructions": "", "alternate_greetings": [],
    "tags": [], "creator": "", "character_version": "", "extensions": {}}
V3_ONLY = ("nickname", "creator_notes_multilingual", "source", "group_only_greetings", "creation_date",
           "modification_date", "assets")
V2_FALLBACK_NOTE = ("[This is the Character Card V2 copy of a V3 card; open the file in a V3-aware app "
                    "for everything in it.]")
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_CHAR_MACRO = re.compile(r"\{\{char\}\}|<bot>|<char>", re.IGNORECASE)
_USER_MACRO = re.compile(r"\{\{user\}\}|<user>", re.IGNORECASE)


# --- the card at the file boundary: check the types of what we read, let the rest pass ---------

Text = Annotated[str, BeforeValidator(lambda v: "" if v is None else v)]  # some V1 tools write null


class _Loose(BaseModel):
    model_config = ConfigDict(extra="allow")


class _BookEntry(_Loose):
    keys: list[str] = []
    content: Text
    enabled: bool = True
    insertion_order: float = 0


class _Book(_Loose):
    entries: list[_BookEntry] = []


class _CardData(_Loose):
    name: str
    nickname: str | None = None
    description: Text = ""
    personality: Text = ""
    scenario: Text = ""
    first_mes: Text = ""
    mes_example: Text = ""
    tags: list[str] | None = None
    alternate_greetings: list[str] | None = None
    extensions: dict[str, Any] | None = None
    character_book: _Book | None = None
    creator_notes_multilingual: dict[str, str] | None = None

    @field_validator("name")
    @classmethod
    def _named(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("is empty: a card needs the character's name")
        return v


class CardPersona(BaseModel):
    """A character read from a card: what a world uses, plus the rest of the card for export."""

    character: Character = Field(description="The world character made from the card.")
    card_extras: dict[str, Any] = Field(default_factory=dict, description=(
        "What llmverse does not use, kept so export gives it back: 'fields' (greetings, example "
        "dialogue, prompts, notes, tags, other apps' extensions, V3 extras, unknown fields), "
        "'original' (the card's name, nickname, description, personality, scenario and lorebook as "
        "written), 'derived' (the character fields as imported, to tell later edits apart) and "
        "'root' (unknown top-level keys)."))
    spec: Literal["chara_card_v1", "chara_card_v2", "chara_card_v3"] = V2
    avatar_png: bytes | None = Field(default=None, description="A PNG card's image, card chunks removed.")


# --- reading -----------------------------------------------------------------------------------

def read_card(path: str | Path, *, default_role: str = "visitor",
              character_id: str | None = None) -> CardPersona:
    """Read a JSON or PNG card (told apart by content, not name); CardError names file and field."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise CardError(path, "(file)", f"cannot read it: {exc.strerror or exc}") from exc
    avatar = None
    if raw.startswith(PNG_SIGNATURE):
        key, text, avatar = _card_text_from_png(raw, path)
        obj = _decode_chunk(text, path, key)
    else:
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise CardError(path, "(file)", "neither a PNG nor UTF-8 JSON text") from exc
        obj = _parse_json(text, path, "(json)")
    return parse_card(obj, source=path, default_role=default_role, character_id=character_id,
                      avatar_png=avatar)


def parse_card(obj: Any, *, source: str | Path = "<card>", default_role: str = "visitor",
               character_id: str | None = None, avatar_png: bytes | None = None) -> CardPersona:
    """Turn a decoded card object (V1 flat, V2 or V3) into a CardPersona."""
    spec, data, root, prefix = _unwrap(obj, source)
    try:
        _CardData.model_validate(data)
    except ValidationError as exc:
        raise _field_error(exc, source, prefix) from exc
    data = copy.deepcopy(data)
    ext = dict(data.get("extensions") or {})
    ours = ext.pop(EXT, None) or {}
    if not isinstance(ours, dict):
        raise CardError(source, f"{prefix}extensions.{EXT}", "not an object (llmverse writes one there)")
    for key, value in (ours.get("ccv3") or {}).items():  # V3 fields a V2 export of ours set aside
        data.setdefault(key, value)
    fields = {k: v for k, v in data.items() if k not in MAPPED and k != "extensions"}
    if "extensions" in data:
        fields["extensions"] = ext
    character = _character(data, ours, default_role, character_id, source, prefix)
    extras: dict[str, Any] = {
        "style": _style(data, character),
        "fields": fields,
        "original": {k: data[k] for k in MAPPED if k in data},
        "derived": character.model_dump(mode="json", include={"names", "aliases", "persona", "traits", "knowledge"}),
    }
    if root:
        extras["root"] = root
    return CardPersona(character=character, card_extras=extras, spec=spec, avatar_png=avatar_png)


def _unwrap(obj: Any, source: str | Path) -> tuple[str, dict, dict, str]:
    """(spec, data, unknown root keys, field prefix for messages)."""
    if not isinstance(obj, dict):
        raise CardError(source, "(root)", "a card is a JSON object ({...})")
    spec = obj.get("spec")
    if spec in (V2, V3):
        data = obj.get("data")
        if not isinstance(data, dict):
            raise CardError(source, "data", f"missing or not an object: a {spec} card keeps its fields there")
        version = str(obj.get("spec_version", ""))
        if version and not version.startswith(spec[-1]):
            log.warning("%s: spec %s with spec_version %s; reading it as %s", source, spec, version, spec)
        skip = {"spec", "spec_version", "data", *V1_FIELDS}  # V1 fields at the root are mirrors of data's
        return spec, data, {k: v for k, v in obj.items() if k not in skip}, "data."
    if spec in (None, V1) and ("name" in obj or "data" not in obj):
        return V1, {k: v for k, v in obj.items() if k != "spec"}, {}, ""
    if spec is None:
        raise CardError(source, "spec", "missing: a card with 'data' needs spec 'chara_card_v2' or 'chara_card_v3'")
    raise CardError(source, "spec", f"unknown spec {spec!r}: expected 'chara_card_v2' or 'chara_card_v3' "
                    "(or a V1 card with 'name' at the top level)")


def _field_error(exc: ValidationError, source: str | Path, prefix: str) -> CardError:
    err = exc.errors()[0]
    field = prefix + ".".join(str(p) for p in err["loc"])
    problem = "missing (required)" if err["type"] == "missing" else err["msg"].removeprefix("Value error, ")
    return CardError(source, field, problem)


def _character(data: dict, ours: dict, default_role: str, character_id: str | None,
               source: str | Path, prefix: str) -> Character:
    """The mapping card -> Character (table in docs/character-cards.md)."""
    name = data["name"].strip()
    nickname = (data.get("nickname") or "").strip()
    language = ours.get("language") or _language(data, name)
    user = "玩家" if language == "zh" else "the player"

    def expand(text: str | None) -> str:  # card macros mean nothing in a world prompt
        return _USER_MACRO.sub(user, _CHAR_MACRO.sub(nickname or name, text or "")).strip()

    names = ours.get("names")
    if not (isinstance(names, dict) and name in (names.get("en"), names.get("zh"))):
        names = {"en": name, "zh": name} if _CJK.search(name) else {"en": name}
    # Example dialogue inside the description is a style example, not who the character is.
    _, cleaned = style_of(data, [name, nickname], expand)
    description, personality, scenario = (expand(cleaned[k]) for k in ("description", "personality", "scenario"))
    traits = ours.get("traits")
    if not (isinstance(traits, list) and (data.get("personality") or "").strip() == ", ".join(traits)):
        traits = _trait_list(personality)
    parts = [description] + ([personality] if traits is None else [])
    if scenario:
        parts.append(("场景：" if language == "zh" else "Scenario: ") + scenario)
    book = data.get("character_book") or {}
    entries = sorted((e for e in book.get("entries") or [] if e.get("enabled", True)),
                     key=lambda e: e.get("insertion_order") or 0)
    taken = {names["en"].casefold(), (names.get("zh") or "").casefold()}
    more = ours.get("aliases") if isinstance(ours.get("aliases"), list) else []
    aliases = [a for a in dict.fromkeys([nickname, *more]) if a and str(a).casefold() not in taken]
    fields: dict[str, Any] = {
        "id": character_id or ours.get("id") or card_id(name, nickname),
        "names": names, "aliases": aliases, "persona": "\n\n".join(p for p in parts if p),
        "role": ours.get("role") or _role_from_tags(data.get("tags") or []) or default_role,
        "traits": traits or [], "language": language,
        "knowledge": [line for line in (expand(e.get("content")) for e in entries) if line],
    }
    if _CJK.search(fields["role"]):  # the world's role is meant in English; keep a Chinese one in role_zh too
        fields["role_zh"] = fields["role"]
    fields.update({k: ours[k] for k in ("role_zh", "home", "workplace", "schedule") if ours.get(k) is not None})
    try:
        return Character.model_validate(fields)
    except ValidationError as exc:
        key = exc.errors()[0]["loc"][0]
        where = f"{prefix}extensions.{EXT}." if key in ours else "(character) "
        raise _field_error(exc, source, where) from exc


def _style(data: dict, character: Character) -> dict[str, list]:
    """Example dialogue and greetings (card_style.py), macros expanded as in the persona."""
    name, nickname = data["name"].strip(), (data.get("nickname") or "").strip()
    user = "玩家" if character.language == "zh" else "the player"

    def expand(text: str | None) -> str:
        return _USER_MACRO.sub(user, _CHAR_MACRO.sub(nickname or name, text or "")).strip()

    return style_of(data, [name, nickname], expand)[0]


def card_id(name: str, nickname: str = "") -> str:
    """A world id from the name: 'Captain Isla Reyes' -> 'captain_isla_reyes'. A name with no Latin
    letters (李小雨) gets 'char_' + 6 hex digits of its hash: stable, so re-imports agree."""
    for text in (name, nickname):
        slug = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
        slug = re.sub(r"[^a-z0-9]+", "_", slug).strip("_")[:40].rstrip("_")
        if slug:
            return slug if slug[0].isalpha() else f"c_{slug}"
    return "char_" + hashlib.sha1(name.encode("utf-8")).hexdigest()[:6]


def _trait_list(text: str) -> list[str] | None:
    """'brave, stubborn, kind.' -> traits; prose (a sentence, a paragraph) -> None (it joins the persona)."""
    body = text.strip().rstrip(".。")
    if not body:
        return []
    if "\n" in body or re.search(r"[.!?:。！？：]", body):
        return None
    parts = [p.strip() for p in re.split(r"[,;，；、]", body)]
    short = all(p and len(p.split()) <= 4 and len(p) <= (4 if _CJK.search(p) else 32) for p in parts)
    return list(dict.fromkeys(parts)) if short else None


def _language(data: dict, name: str) -> Literal["en", "zh"]:
    """'zh' when Chinese dominates the card's own words (a Chinese name alone does not make it zh)."""
    text = " ".join(str(data.get(k) or "") for k in ("description", "personality", "first_mes")).strip() or name
    cjk, latin = len(_CJK.findall(text)), len(re.findall(r"[A-Za-z]", text))
    return "zh" if cjk * 4 > latin else "en"  # one hanzi carries about a word: ~4 Latin letters


def _role_from_tags(tags: list[str]) -> str | None:
    for tag in tags:
        m = re.fullmatch(r"\s*role\s*[:=]\s*(.+?)\s*", tag, re.IGNORECASE)
        if m:
            return m.group(1)
    return None


# --- writing -----------------------------------------------------------------------------------

def card_from_character(character: Character, *, extras: dict[str, Any] | None = None,
                        version: Literal[2, 3] = 2) -> dict[str, Any]:
    """A V2 or V3 card object. Fields still as imported come back exactly as the card had them;
    fields edited in llmverse since are written from the character."""
    extras = extras or {}
    original, derived = extras.get("original", {}), extras.get("derived", {})
    now = character.model_dump(mode="json")

    def unchanged(*keys: str) -> bool:
        return bool(derived) and all(derived.get(k) == now[k] for k in keys)

    data = copy.deepcopy(V2_DEFAULTS) | ({"group_only_greetings": []} if version == 3 else {})
    for key, value in copy.deepcopy(extras.get("fields", {})).items():
        data[key] = value if value is not None or key not in data else data[key]
    data["name"] = original["name"] if unchanged("names") and "name" in original else character.names.en
    if unchanged("persona", "traits"):
        data.update({k: original.get(k) or "" for k in ("description", "personality", "scenario")})
    else:
        data.update(description=character.persona, personality=", ".join(character.traits), scenario="")
    book = _book(character.knowledge, original.get("character_book"), derived.get("knowledge"),
                 unchanged("knowledge"))
    if book is not None:
        data["character_book"] = book
    if original.get("nickname"):  # kept even if the world dropped the alias: it is the card's {{char}}
        data["nickname"] = original["nickname"]
    ours: dict[str, Any] = character.model_dump(mode="json", exclude_defaults=True, include={
        "id", "names", "aliases", "role", "role_zh", "language", "traits", "home", "workplace", "schedule"})
    ours["language"] = character.language
    if version == 2:
        stash = {k: data.pop(k) for k in V3_ONLY if k in data}
        if stash:
            ours["ccv3"] = stash  # V2 has no place for these; our own import puts them back
    data["extensions"] = {**(data.get("extensions") or {}), EXT: ours}
    card: dict[str, Any] = {"spec": V3 if version == 3 else V2, "spec_version": "3.0" if version == 3 else "2.0",
                            "data": data}
    if version == 2:  # V1-only readers look at the top level
        card.update({k: data[k] for k in V1_FIELDS})
    return card | copy.deepcopy(extras.get("root", {}))


def _book(knowledge: list[str], book: dict | None, derived: list[str] | None, unchanged: bool) -> dict | None:
    """The lorebook: the card's own when knowledge is unedited; else one entry per knowledge line,
    reusing the original entry (its keys, comment, ...) for lines that were already there."""
    if unchanged and book is not None:
        return copy.deepcopy(book)
    if not knowledge and book is None:
        return None
    book = copy.deepcopy(book) if book else {"extensions": {}, "entries": []}
    old = book.get("entries") or []
    enabled = sorted((e for e in old if e.get("enabled", True) and (e.get("content") or "").strip()),
                     key=lambda e: e.get("insertion_order") or 0)
    reuse = dict(zip(derived or [], enabled))
    entries = []
    for i, line in enumerate(knowledge):
        # A new line has no trigger words, so it is 'constant' (always known), as in llmverse.
        entry = copy.deepcopy(reuse.get(line)) or {"keys": [], "content": line, "extensions": {},
                                                   "enabled": True, "constant": True}
        entries.append(entry | {"insertion_order": i})
    book["entries"] = entries + [e for e in old if not e.get("enabled", True)]
    book.setdefault("extensions", {})
    return book


def write_card(persona: CardPersona, path: str | Path, *, version: Literal[2, 3] | None = None,
               png: bool | None = None) -> Path:
    """Write a V2 or V3 card (default: the version it was read as; V1 becomes V2) as JSON or PNG
    (default: by the file suffix). A V3 PNG also carries a V2 `chara` chunk for older apps."""
    path = Path(path)
    version = version or (3 if persona.spec == V3 else 2)
    png = path.suffix.lower() == ".png" if png is None else png
    card = card_from_character(persona.character, extras=persona.card_extras, version=version)
    if not png:
        atomic_write(path, (json.dumps(card, ensure_ascii=False, indent=2) + "\n").encode("utf-8"))
        return path
    texts = {"chara": card}
    if version == 3:
        fallback = card_from_character(persona.character, extras=persona.card_extras, version=2)
        fallback["data"]["creator_notes"] = f"{V2_FALLBACK_NOTE}\n\n{fallback['data']['creator_notes']}".strip()
        texts = {"ccv3": card, "chara": fallback}
    image = persona.avatar_png or placeholder_png(persona.character.names.en)
    atomic_write(path, png_with_cards(image, texts))
    return path


def atomic_write(path: Path, payload: bytes) -> None:
    """Write to a temporary file beside `path`, then rename: readers never see half a file."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(payload)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _decode_chunk(text: str, source: str | Path, key: str) -> Any:
    if text.lstrip().startswith("{"):  # a few tools store the JSON itself, not base64
        return _parse_json(text, source, key)
    try:
        blob = base64.b64decode("".join(text.split()), validate=True)
        return _parse_json(blob.decode("utf-8-sig"), source, key)
    except (binascii.Error, ValueError) as exc:  # UnicodeDecodeError is a ValueError
        raise CardError(source, key, f"not base64-encoded UTF-8 JSON: {exc}") from exc


def _parse_json(text: str, source: str | Path, field: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise CardError(source, field, f"not JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})") from exc
