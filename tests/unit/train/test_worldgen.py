"""The generated training worlds: valid world files, bilingual, varied, reproducible."""

from __future__ import annotations

from pathlib import Path

from llmverse.train.worldgen import generate_world, write_worlds
from llmverse.world.bilingual import missing_chinese
from llmverse.world.loader import load_world


def test_every_generated_world_loads_and_is_bilingual(tmp_path: Path) -> None:
    paths = write_worlds(tmp_path, range(0, 12))
    for path in paths:
        w = load_world(path)
        assert 5 <= len(w.places) <= 8 and w.characters and w.things
        assert not missing_chinese(w), path.name
        for c in w.characters:
            assert c.names.zh and c.persona_zh and len(c.knowledge) == len(c.knowledge_zh) == 2
            assert any(t.owner == c.id for t in w.things) or not [t for t in w.things if t.location == c.workplace
                                                                  and t.kind == "item"]


def test_worlds_differ_and_a_seed_makes_the_same_world() -> None:
    assert generate_world(7) == generate_world(7)
    worlds = [generate_world(s) for s in range(20)]
    names = {c["names"]["en"] for w in worlds for c in w["characters"]}
    wares = {t["names"]["en"] for w in worlds for t in w["things"]}
    assert len({w["name"]["en"] for w in worlds}) == 20
    assert len(names) >= 40 and len(wares) >= 25
    prices = {(t["names"]["en"], t["price"]) for w in worlds for t in w["things"] if "price" in t}
    assert len(prices) > len({n for n, _ in prices})  # the same ware costs different amounts in different towns


def test_no_generated_world_copies_an_evaluation_worlds_wares_or_people() -> None:
    """Place kinds are shared words (a market is a market); wares and people are not."""
    from llmverse.world.world import DEFAULT_WORLD

    held = [load_world(DEFAULT_WORLD), load_world(Path(DEFAULT_WORLD).parents[1] / "pine_hollow" / "world.yaml")]
    held_names = {n.lower() for w in held for it in (*w.things, *w.characters) for n in (it.names.en, it.names.zh or "")}
    for s in range(60):
        w = generate_world(s)
        mine = {n.lower() for key in ("things", "characters") for it in w[key] for n in (it["names"]["en"], it["names"]["zh"])}
        assert not mine & held_names, (s, mine & held_names)
