"""Random bilingual worlds: the many towns the NPC voice model trains on, so it learns to speak from
the facts it is handed rather than to recite one town.

Each world is a valid world file (the loader checks it like any author's): 5-8 places on a street grid,
their wares with prices, a worker per staffed place with an English or Chinese name, a persona drawn
from a temperament, knowledge lines and a day's schedule, every player-visible string in English and
Chinese. The pools are package data (`worldgen.yaml`); a seed makes the same world every time.
"""

from __future__ import annotations

import random
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any

import yaml

# Place slots on a 48 x 40 street grid: (x, y) of an 8 x 6 block; streets run between them.
_SLOTS = [(2, 2), (14, 2), (26, 2), (38, 2), (2, 14), (14, 14), (26, 14), (38, 14), (2, 27), (14, 27), (26, 27), (38, 27)]
_W, _H = 8, 6


@cache
def pools() -> dict[str, Any]:
    return yaml.safe_load(files("llmverse.train").joinpath("worldgen.yaml").read_text("utf-8"))


def _slug(text: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in text.lower()).strip("_")


def generate_world(seed: int) -> dict[str, Any]:
    """One world file (as the dict a YAML world file holds) drawn with `seed`."""
    p = pools()
    rng = random.Random(f"worldgen:{seed}")
    staffed = [k for k, v in p["kinds"].items() if v["roles"]]
    open_kinds = [k for k, v in p["kinds"].items() if not v["roles"]]
    kinds = rng.sample(staffed, rng.randint(4, 6)) + rng.sample(open_kinds, rng.randint(1, 2))
    slots = rng.sample(_SLOTS, len(kinds))
    places, things, characters = [], [], []
    used_names: set[str] = set()
    used_aliases: set[str] = set()
    for (x, y), kind in zip(slots, kinds):
        spec = p["kinds"][kind]
        en, zh = rng.choice(spec["names"])
        desc, desc_zh = rng.choice(spec["descriptions"])
        place: dict[str, Any] = {"id": kind, "names": {"en": en, "zh": zh}, "tags": list(spec["tags"]),
                                 "description": desc, "description_zh": desc_zh,
                                 "rect": {"x": x, "y": y, "w": _W, "h": _H}}
        hours = rng.choice(spec["hours"])
        if hours:
            place["hours"] = hours
        if spec.get("open_air"):
            place["open_air"] = True
        else:
            place["doors"] = [{"x": x + _W // 2, "y": y + _H - 1}]
        places.append(place)
        for i, (names, (lo, hi), (d_en, d_zh)) in enumerate(rng.sample(spec["wares"], min(len(spec["wares"]), rng.randint(1, 3)))):
            things.append({"id": f"{kind}_{_slug(names[0])}", "names": {"en": names[0], "zh": names[1]},
                           "price": rng.randint(lo, hi), "location": kind, "description": d_en,
                           "description_zh": d_zh, "_seller": kind})
        for names, (d_en, d_zh) in spec.get("exhibits", [])[:1]:
            things.append({"id": f"{kind}_{_slug(names[0])}", "names": {"en": names[0], "zh": names[1]},
                           "kind": "exhibit", "location": kind, "description": d_en, "description_zh": d_zh})
    place_names = {pl["id"]: pl["names"] for pl in places}
    for kind in [k for k in kinds if p["kinds"][k]["roles"]]:
        spec = p["kinds"][kind]
        role, role_zh = rng.choice(spec["roles"])
        name_en, name_zh = _person(rng, used_names)
        temper = rng.choice(sorted(p["temperaments"]))
        t = p["temperaments"][temper]
        cid = _slug(name_en.split()[0]) if _slug(name_en.split()[0]) not in {c["id"] for c in characters} else _slug(name_en)
        wares = [th for th in things if th.get("_seller") == kind]
        for th in wares:
            th["owner"] = cid
        here = place_names[kind]
        knowledge, knowledge_zh = _knowledge(rng, p, name_en, name_zh, here, wares)
        others = [pid for pid in place_names if pid != kind]
        lunch, evening = rng.choice(others), rng.choice(others)
        act = {k: rng.choice(v) for k, v in p["activities"].items()}
        start = rng.choice(["07:00", "07:30", "08:00", "08:30"])
        characters.append({
            "id": cid, "names": {"en": name_en, "zh": name_zh}, "role": role, "role_zh": role_zh,
            "language": "zh" if _is_chinese_name(name_en, p) else "en", "workplace": kind,
            "persona": f"A {t['traits'][0][0]} {role} {t['sketch'][0]}, at the {here['en']}.",
            "persona_zh": f"{here['zh']}的{role_zh}，{t['traits'][0][1]}，{t['sketch'][1]}。",
            "traits": [a for a, _ in t["traits"]], "knowledge": knowledge, "knowledge_zh": knowledge_zh,
            "schedule": [{"at": start, "place": kind, "activity": act["work"][0], "activity_zh": act["work"][1]},
                         {"at": "12:00", "place": lunch, "activity": act["lunch"][0], "activity_zh": act["lunch"][1]},
                         {"at": "13:00", "place": kind, "activity": act["work"][0], "activity_zh": act["work"][1]},
                         {"at": "18:00", "place": evening, "activity": act["evening"][0], "activity_zh": act["evening"][1]}],
            "aliases": [a for a in (f"the {role}", role_zh) if a not in used_aliases]})
        used_aliases.update((f"the {role}", role_zh))
    for th in things:
        th.pop("_seller", None)
    things = [th for th in things if th.get("kind") == "exhibit" or th.get("owner")]
    w_en, w_zh = p["world_names"][seed % len(p["world_names"])]
    suffix = "" if seed < len(p["world_names"]) else f" {seed // len(p['world_names']) + 1}"
    hour = rng.choice(["09:00", "10:00", "11:00", "14:00", "15:00"])
    return {"version": 1, "name": {"en": w_en + suffix, "zh": w_zh + suffix.strip()},
            "start_time": f"2026-0{rng.randint(3, 9)}-1{rng.randint(0, 9)}T{hour}",
            "map": {"width": 48, "height": 40, "tile_m": 2.0}, "places": places, "things": things,
            "characters": characters}


def _person(rng: random.Random, used: set[str]) -> tuple[str, str]:
    p = pools()
    for _ in range(50):
        if rng.random() < 0.5:
            en, zh = rng.choice(p["names_en"])
        else:
            (s_en, s_zh), (g_en, g_zh) = rng.choice(p["surnames_zh"]), rng.choice(p["given_zh"])
            en, zh = f"{s_en} {g_en}", s_zh + g_zh
        if en not in used:
            used.add(en)
            return en, zh
    raise RuntimeError("name pools exhausted")


def _is_chinese_name(name_en: str, p: dict[str, Any]) -> bool:
    return name_en.split()[0] in {s for s, _ in p["surnames_zh"]} and " " in name_en


def _knowledge(rng: random.Random, p: dict[str, Any], name: str, name_zh: str, here: dict[str, str],
               wares: list[dict[str, Any]]) -> tuple[list[str], list[str]]:
    lines = [ln for ln in p["knowledge"] if wares or "{thing}" not in ln[0]]
    en, zh = [], []
    for tmpl, tmpl_zh in rng.sample(lines, 2):
        n = rng.randint(2, 12)
        day, day_zh = rng.choice(p["days"])
        thing = rng.choice(wares)["names"] if wares else {"en": "", "zh": ""}
        slots = {"name": name, "thing": thing["en"], "place": here["en"], "n": n, "day": day}
        slots_zh = {"name": name_zh, "thing": thing["zh"], "place": here["zh"], "n_zh": p["numbers_zh"][n],
                    "day_zh": day_zh}
        line = tmpl.format(**slots)
        en.append(line[0].upper() + line[1:])
        zh.append(tmpl_zh.format(**slots_zh))
    return en, zh


def write_worlds(out: Path, seeds: range) -> list[Path]:
    """Write one world file per seed into `out` (`world-<seed>.yaml`); each is checked by the loader."""
    from llmverse.world.loader import load_world

    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for seed in seeds:
        path = out / f"world-{seed:03d}.yaml"
        path.write_text(yaml.safe_dump(generate_world(seed), allow_unicode=True, sort_keys=False), encoding="utf-8")
        load_world(path)  # a generator bug fails here, naming the file and field
        paths.append(path)
    return paths
