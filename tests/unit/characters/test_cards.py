"""Character Card V1/V2/V3 import and export (JSON and PNG), and adding a card to a world file.

PNG files written by llmverse are checked here with a separate, minimal chunk reader (CRC, order,
image data), and cards written by Pillow (fixtures made by tests/fixtures/cards/make_pillow_cards.py)
show that cards from other tools are read.
"""

import base64
import copy
import difflib
import json
import shutil
import struct
import zlib
from pathlib import Path

import pytest

import llmverse
from llmverse.characters.cards import (V2_FALLBACK_NOTE, CardError, card_from_character, placeholder_png,
                                       read_card, write_card)
from llmverse.characters.world_edit import (add_character_to_world_file, export_world_character,
                                            import_card_to_world, read_sidecar)
from llmverse.world.loader import load_world
from llmverse.world.model import Character

FIX = Path(__file__).parents[2] / "fixtures" / "cards"
HARBOR = Path(llmverse.__file__).parent / "worlds" / "harbor_town" / "world.yaml"
SIG = b"\x89PNG\r\n\x1a\n"
V2_KEYS = {"name": str, "description": str, "personality": str, "scenario": str, "first_mes": str,
           "mes_example": str, "creator_notes": str, "system_prompt": str, "post_history_instructions": str,
           "alternate_greetings": list, "tags": list, "creator": str, "character_version": str,
           "extensions": dict}


# --- an independent PNG reader for checking what llmverse writes -----------------------------------

def chunks_of(raw: bytes) -> list[tuple[bytes, bytes]]:
    assert raw[:8] == SIG
    pos, out = 8, []
    while pos < len(raw):
        (length,) = struct.unpack(">I", raw[pos:pos + 4])
        kind, body = raw[pos + 4:pos + 8], raw[pos + 8:pos + 8 + length]
        (crc,) = struct.unpack(">I", raw[pos + 8 + length:pos + 12 + length])
        assert crc == zlib.crc32(kind + body), f"bad CRC in {kind!r}"
        out.append((kind, body))
        pos += 12 + length
    assert out[0][0] == b"IHDR" and out[-1][0] == b"IEND" and pos == len(raw)
    return out


def text_cards(raw: bytes) -> dict[str, dict]:
    found = {}
    for kind, body in chunks_of(raw):
        if kind == b"tEXt":
            key, _, value = body.partition(b"\0")
            found[key.decode()] = json.loads(base64.b64decode(value).decode("utf-8"))
    return found


def image_chunks(raw: bytes) -> list[tuple[bytes, bytes]]:
    return [(k, b) for k, b in chunks_of(raw) if k in (b"IHDR", b"PLTE", b"IDAT")]


def chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def assert_valid_card(card: dict, version: int) -> None:
    assert card["spec"] == f"chara_card_v{version}" and card["spec_version"] == f"{version}.0"
    for key, kind in V2_KEYS.items():
        assert isinstance(card["data"][key], kind), key
    if version == 3:
        assert isinstance(card["data"]["group_only_greetings"], list)
    else:
        assert not {"nickname", "group_only_greetings", "creator_notes_multilingual"} & card["data"].keys()
        assert card["name"] == card["data"]["name"]  # V1 mirror for old readers


def fixture_data(name: str) -> dict:
    return json.loads((FIX / name).read_text(encoding="utf-8"))["data"]


def without_ours(data: dict) -> dict:
    data = copy.deepcopy(data)
    del data["extensions"]["llmverse"]
    return data


# --- import ---------------------------------------------------------------------------------------

def test_v2_card_maps_to_a_character_and_keeps_the_rest():
    card = read_card(FIX / "v2_lorebook.json")
    c = card.character
    assert card.spec == "chara_card_v2"
    assert (c.id, c.names.en, c.names.zh, c.language) == ("captain_isla_reyes", "Captain Isla Reyes", None, "en")
    assert c.role == "harbour pilot"  # from the 'role: ...' tag
    assert c.traits == ["weathered", "dry-humoured", "protective", "impatient with fools"]
    assert c.persona.startswith("Captain Isla Reyes is a retired sea captain")  # {{char}} expanded
    assert "Scenario: the player has just stepped off a ferry" in c.persona
    # Enabled lorebook entries, by insertion_order; the disabled one is not knowledge.
    assert c.knowledge == ["Captain Isla Reyes lost her first boat on the Widow's Teeth reef.",
                           "The lighthouse lens was replaced after the storm of '89."]
    fields = card.card_extras["fields"]
    assert fields["first_mes"].startswith("*Isla squints")
    assert len(fields["alternate_greetings"]) == 2
    assert fields["mes_example"].startswith("<START>\n{{user}}")  # macros kept as written
    assert fields["system_prompt"] and fields["post_history_instructions"] and fields["creator_notes"]
    assert fields["x_unknown_field"] == {"kept": True}
    assert fields["extensions"]["someapp/voice"] == "alto"
    assert card.card_extras["original"]["character_book"]["entries"][1]["keys"] == ["reef", "Widow's Teeth"]


def test_v3_card_nickname_becomes_an_alias_and_v3_fields_are_kept():
    card = read_card(FIX / "v3_nickname.json")
    c = card.character
    assert card.spec == "chara_card_v3"
    assert c.aliases == ["Teddy"] and c.role == "visitor" and c.traits == []
    assert "shy with strangers" in c.persona  # prose personality joins the persona
    fields = card.card_extras["fields"]
    assert fields["creator_notes_multilingual"]["zh"] == "给用户的中文说明。"
    assert fields["group_only_greetings"] == ["*{{char}} waves shyly at the group.*"]
    assert fields["source"] == ["https://example.org/cards/theodora"]
    assert fields["assets"][0]["uri"] == "ccdefault:"


def test_chinese_named_card():
    c = read_card(FIX / "zh_name.json").character
    assert c.names.en == c.names.zh == "林小雨"
    assert c.id.startswith("char_") and c.id == read_card(FIX / "zh_name.json").character.id  # stable
    assert c.language == "zh" and c.traits == ["温柔", "细心", "爱笑"]
    assert c.role == c.role_zh == "茶馆老板"
    assert c.persona.startswith("林小雨是海边茶馆的老板娘") and "场景：玩家在一个下雨的午后" in c.persona
    assert c.knowledge == ["茶馆最受欢迎的是自家烘焙的乌龙茶。"]


def test_v1_flat_card_and_options():
    card = read_card(FIX / "v1_flat.json", default_role="fisherman", character_id="tom")
    assert card.spec == "chara_card_v1"
    assert (card.character.id, card.character.role, card.character.traits) == ("tom", "fisherman",
                                                                              ["talkative", "stubborn"])
    assert card.card_extras["fields"]["talkativeness"] == "0.8"


@pytest.mark.parametrize("name", ["pillow_v2.png", "pillow_itxt.png"])
def test_reads_png_cards_written_by_pillow(name):
    card = read_card(FIX / name)
    assert card.character.names.en == "Marguerite Voss"
    assert card.character.role == "lighthouse keeper"
    assert image_chunks(card.avatar_png) == image_chunks((FIX / name).read_bytes())


def test_v3_png_prefers_the_ccv3_chunk():
    card = read_card(FIX / "pillow_v3.png")
    assert card.spec == "chara_card_v3"
    assert card.character.names.en == "Marguerite Voss" and card.character.aliases == ["Meg"]


# --- export and round trips ------------------------------------------------------------------------

@pytest.mark.parametrize("name,version,suffix", [
    ("v2_lorebook.json", 2, ".json"), ("v2_lorebook.json", 2, ".png"),
    ("v3_nickname.json", 3, ".json"), ("v3_nickname.json", 3, ".png"),
    ("zh_name.json", 2, ".png"), ("zh_name.json", 3, ".json"), ("pillow_v2.png", 2, ".png"),
])
def test_import_export_import_gives_the_same_persona(tmp_path, name, version, suffix):
    first = read_card(FIX / name)
    out = write_card(first, tmp_path / f"card{suffix}", version=version)
    raw = out.read_bytes()
    if suffix == ".png":
        cards = text_cards(raw)
        card = cards["ccv3" if version == 3 else "chara"]
    else:
        card = json.loads(raw)
    assert_valid_card(card, version)
    again = read_card(out)
    assert again.character == first.character
    if f"chara_card_v{version}" == first.spec:
        assert again.card_extras == first.card_extras  # nothing lost in a same-version round trip


def test_exported_v2_card_gives_back_the_card_as_written(tmp_path):
    out = write_card(read_card(FIX / "v2_lorebook.json"), tmp_path / "isla.json")
    written = json.loads(out.read_text(encoding="utf-8"))
    assert without_ours(written["data"]) == fixture_data("v2_lorebook.json")
    assert written["data"]["extensions"]["llmverse"]["id"] == "captain_isla_reyes"


def test_v3_card_through_v2_keeps_its_v3_fields(tmp_path):
    first = read_card(FIX / "v3_nickname.json")
    v2 = write_card(first, tmp_path / "teddy.json", version=2)
    assert_valid_card(json.loads(v2.read_text(encoding="utf-8")), 2)
    back = write_card(read_card(v2), tmp_path / "teddy3.json", version=3)
    data = json.loads(back.read_text(encoding="utf-8"))["data"]
    assert without_ours(data) == fixture_data("v3_nickname.json")
    assert read_card(back).character == first.character


def test_v3_png_carries_a_v2_fallback(tmp_path):
    out = write_card(read_card(FIX / "v3_nickname.json"), tmp_path / "teddy.png")
    cards = text_cards(out.read_bytes())
    assert cards["ccv3"]["spec"] == "chara_card_v3" and cards["chara"]["spec"] == "chara_card_v2"
    assert cards["chara"]["data"]["creator_notes"].startswith(V2_FALLBACK_NOTE)
    assert read_card(out).spec == "chara_card_v3"


def test_png_keeps_the_picture_or_makes_a_valid_one(tmp_path):
    kept = write_card(read_card(FIX / "pillow_v2.png"), tmp_path / "meg.png")
    assert image_chunks(kept.read_bytes()) == image_chunks((FIX / "pillow_v2.png").read_bytes())
    made = write_card(read_card(FIX / "v1_flat.json"), tmp_path / "tom.png")
    ihdr, idat = image_chunks(made.read_bytes())
    width, height, depth, colour = struct.unpack(">IIBB", ihdr[1][:10])
    assert (width, height, depth, colour) == (64, 64, 8, 2)
    assert len(zlib.decompress(idat[1])) == height * (1 + width * 3)
    assert json.loads(base64.b64decode(dict(chunks_of(made.read_bytes()))[b"tEXt"].split(b"\0")[1]))


def test_world_character_round_trips_through_a_card(tmp_path):
    lin = Character.model_validate({
        "id": "lin", "names": {"en": "Lin Wei", "zh": "林薇"}, "aliases": ["Ms Lin", "小林"],
        "role": "clerk", "role_zh": "客服专员", "persona": "Patient clerk, helps with permits.",
        "traits": ["patient", "precise"], "knowledge": ["Lost items are kept for thirty days."],
        "workplace": "town_hall", "schedule": [{"at": "08:00", "place": "town_hall", "activity": "work"}],
        "language": "zh"})
    card = card_from_character(lin, version=2)
    assert_valid_card(card, 2)
    assert card["data"]["character_book"]["entries"][0]["constant"] is True
    for version, suffix in ((2, ".png"), (3, ".json")):
        out = tmp_path / f"lin{suffix}"
        write_card(read_card_from(card, tmp_path), out, version=version)
        assert read_card(out).character == lin


def read_card_from(card: dict, tmp_path: Path):
    path = tmp_path / "from_world.json"
    path.write_text(json.dumps(card, ensure_ascii=False), encoding="utf-8")
    return read_card(path)


def test_edits_made_in_llmverse_are_exported(tmp_path):
    card = read_card(FIX / "v2_lorebook.json")
    reef, _lens = card.character.knowledge
    card.character = card.character.model_copy(update={
        "persona": "A harbour pilot who knows every reef.", "traits": ["calm"],
        "knowledge": [reef, "The ferry runs twice a day."]})
    out = write_card(card, tmp_path / "edited.json")
    again = read_card(out)
    assert (again.character.persona, again.character.traits) == ("A harbour pilot who knows every reef.", ["calm"])
    assert again.character.knowledge == [reef, "The ferry runs twice a day."]
    entries = json.loads(out.read_text(encoding="utf-8"))["data"]["character_book"]["entries"]
    assert entries[0]["keys"] == ["reef", "Widow's Teeth"] and entries[0]["id"] == 7  # reused entry
    assert entries[1]["keys"] == [] and entries[1]["constant"] is True  # a new line is always known
    assert [e["content"] for e in entries if not e["enabled"]] == ["A rumour of sunken gold that Isla thinks is nonsense."]
    assert again.card_extras["fields"]["first_mes"] == card.card_extras["fields"]["first_mes"]


# --- bad cards ------------------------------------------------------------------------------------

def v2(**data):
    return json.dumps({"spec": "chara_card_v2", "spec_version": "2.0", "data": data}).encode()


def png_with_text(key: bytes, value: bytes) -> bytes:
    chunks = chunks_of(placeholder_png("x"))
    return SIG + b"".join(chunk(k, b) for k, b in chunks[:-1]) + chunk(b"tEXt", key + b"\0" + value) + chunk(b"IEND", b"")


PILLOW = (FIX / "pillow_v2.png").read_bytes()


@pytest.mark.parametrize("content,field,words", [
    (b"{name: 'no quotes'", "(json)", "not JSON"),
    (b"[1, 2]", "(root)", "JSON object"),
    (json.dumps({"spec": "chara_card_v9", "data": {"name": "X"}}).encode(), "spec", "chara_card_v9"),
    (json.dumps({"data": {"name": "X"}}).encode(), "spec", "missing"),
    (json.dumps({"spec": "chara_card_v2", "data": "X"}).encode(), "data", "not an object"),
    (v2(description="no name"), "data.name", "missing"),
    (v2(name="   "), "data.name", "empty"),
    (json.dumps({"description": "V1 without a name"}).encode(), "name", "missing"),
    (v2(name="X", description=42), "data.description", "string"),
    (v2(name="X", character_book={"entries": [{"keys": ["a"]}]}), "data.character_book.entries.0.content", "missing"),
    (placeholder_png("no card"), "chara", "no 'chara'"),
    (png_with_text(b"chara", b"***not base64***"), "chara", "base64"),
    (png_with_text(b"chara", base64.b64encode(b"not json at all")), "chara", "not JSON"),
    (png_with_text(b"ccv3", base64.b64encode(b'{"spec": "chara_card_v3", "data": {}}')), "data.name", "missing"),
    (PILLOW[:-40], "(png)", "truncated"),
    (PILLOW.replace(b"chara\x00eyJ", b"chara\x00eyK"), "chara", "CRC"),
])
def test_bad_cards_name_the_file_and_field(tmp_path, content, field, words):
    path = tmp_path / "bad_card.png"
    path.write_bytes(content)
    with pytest.raises(CardError) as info:
        read_card(path)
    assert info.value.field == field
    assert "bad_card.png" in str(info.value) and f"'{field}'" in str(info.value)
    assert words in info.value.problem


def test_bad_id_or_llmverse_extension_names_the_field(tmp_path):
    with pytest.raises(CardError) as info:
        read_card(FIX / "v1_flat.json", character_id="Old Tom")
    assert info.value.field == "(character) id" and "not an id" in info.value.problem
    path = tmp_path / "ext.json"
    path.write_bytes(v2(name="X", extensions={"llmverse": {"schedule": [{"at": "25:00", "place": "inn"}]}}))
    with pytest.raises(CardError) as info:
        read_card(path)
    assert info.value.field == "data.extensions.llmverse.schedule.0.at"


# --- adding to a world file -------------------------------------------------------------------------

@pytest.fixture
def world(tmp_path):
    path = tmp_path / "world.yaml"
    shutil.copy(FIX / "tiny_world.yaml", path)
    return path


def only_insertions(before: str, after: str) -> list[str]:
    """The lines added; fails if any line of `before` was changed or removed."""
    a, b = before.splitlines(), after.splitlines()
    ops = difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes()
    assert all(tag in ("equal", "insert") for tag, *_ in ops), ops
    return [line for tag, _, _, j1, j2 in ops if tag == "insert" for line in b[j1:j2]]


def test_import_appends_to_the_world_and_keeps_the_authors_text(world):
    before = world.read_text(encoding="utf-8")
    report = import_card_to_world(FIX / "v2_lorebook.json", world, home="lighthouse", workplace="quay")
    after = world.read_text(encoding="utf-8")
    added = only_insertions(before, after)
    assert added[0] == "  - id: captain_isla_reyes"
    assert after.index("# end of characters") > after.index("captain_isla_reyes")
    loaded = load_world(world)
    assert [c.id for c in loaded.characters] == ["ann", "captain_isla_reyes"]
    isla = loaded.characters[1]
    assert (isla.workplace, isla.home) == ("quay", None)
    assert isla.persona == read_card(FIX / "v2_lorebook.json").character.persona
    assert any("lighthouse" in note for note in report.notes)
    extras, spec, avatar = read_sidecar(world, "captain_isla_reyes")
    assert extras == read_card(FIX / "v2_lorebook.json").card_extras and spec == "chara_card_v2"
    assert avatar is None and report.sidecar.name == "captain_isla_reyes.json"
    assert sorted(p.name for p in world.parent.iterdir()) == ["cards", "world.yaml"]  # no temp files left


def test_an_alias_taken_by_someone_else_is_left_out(world):
    report = import_card_to_world(FIX / "v3_nickname.json", world)
    assert load_world(world).characters[1].aliases == []
    assert any("Teddy" in note for note in report.notes)


def test_world_export_gives_back_the_imported_card(world, tmp_path):
    import_card_to_world(FIX / "v2_lorebook.json", world, workplace="quay")
    out = export_world_character(world, "captain_isla_reyes", tmp_path / "out.json")
    data = json.loads(out.read_text(encoding="utf-8"))["data"]
    assert without_ours(data) == fixture_data("v2_lorebook.json")
    assert data["extensions"]["llmverse"]["workplace"] == "quay"
    assert read_card(out).character == load_world(world).characters[1]
    import_card_to_world(FIX / "pillow_v3.png", world)
    png = export_world_character(world, "marguerite_voss", tmp_path / "meg.png")
    assert image_chunks(png.read_bytes()) == image_chunks((FIX / "pillow_v3.png").read_bytes())
    assert text_cards(png.read_bytes())["ccv3"]["data"]["nickname"] == "Meg"


def test_duplicate_id_is_refused_and_nothing_changes(world):
    import_card_to_world(FIX / "v2_lorebook.json", world)
    before, sidecar = world.read_bytes(), (world.parent / "cards" / "captain_isla_reyes.json").read_bytes()
    with pytest.raises(CardError) as info:
        import_card_to_world(FIX / "v2_lorebook.json", world)
    assert info.value.field == "characters.id" and "'captain_isla_reyes' is already" in str(info.value)
    assert world.read_bytes() == before
    assert (world.parent / "cards" / "captain_isla_reyes.json").read_bytes() == sidecar
    import_card_to_world(FIX / "v2_lorebook.json", world, character_id="isla")  # another id is fine
    assert [c.id for c in load_world(world).characters] == ["ann", "captain_isla_reyes", "isla"]


def test_a_character_the_world_rejects_leaves_no_trace(world):
    before = world.read_bytes()
    card = read_card(FIX / "v2_lorebook.json")
    clash = card.character.model_copy(update={"names": card.character.names.model_copy(update={"en": "the innkeeper"})})
    with pytest.raises(CardError) as info:
        add_character_to_world_file(world, clash, extras=card.card_extras)
    assert "would not load" in str(info.value) and "the innkeeper" in str(info.value)
    assert world.read_bytes() == before
    assert sorted(p.name for p in world.parent.iterdir()) == ["world.yaml"]


def test_a_bad_card_adds_nothing(world, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_bytes(v2(description="nameless"))
    before = world.read_bytes()
    with pytest.raises(CardError):
        import_card_to_world(bad, world)
    assert world.read_bytes() == before and not (world.parent / "cards").exists()


@pytest.mark.parametrize("section", ["", "characters: []\n", "characters: []  # none yet\n", "characters: [{id: bob, names: {en: Bob}, "
                                     "role: cook, persona: Cooks.}]   # Bob\n"])
def test_worlds_without_a_block_character_list(tmp_path, section):
    text = (FIX / "tiny_world.yaml").read_text(encoding="utf-8").split("characters:")[0]
    path = tmp_path / "world.yaml"
    path.write_text(text.replace("places:", "things: []\nplaces:") + section, encoding="utf-8")
    import_card_to_world(FIX / "zh_name.json", path)
    ids = [c.id for c in load_world(path).characters]
    assert ids[-1].startswith("char_") and len(ids) == (2 if "bob" in section else 1)
    assert "# the sea" in path.read_text(encoding="utf-8")


def test_adding_to_harbor_town_keeps_it_intact(tmp_path):
    path = tmp_path / "world.yaml"
    shutil.copy(HARBOR, path)
    before = path.read_text(encoding="utf-8")
    import_card_to_world(FIX / "zh_name.json", path, workplace="inn")
    only_insertions(before, path.read_text(encoding="utf-8"))
    w = load_world(path)
    assert len(w.characters) == len(load_world(HARBOR).characters) + 1
    assert w.characters[-1].names.zh == "林小雨" and w.characters[-1].workplace == "inn"
