"""Readers of the corpora of harmless text: ordinary requests, and sensitive but answerable questions."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from llmverse.safety.corpora.example import Example, sample
from llmverse.safety.corpora.fetched import read_file

# --- Alpaca instructions (English, and the Chinese translation): ordinary requests -----------------------
_ALPACA = {"en": "history/原始英文数据/alpaca_data-{}-英文.json", "zh": "history/翻译后的中文数据/alpaca_data-{}-中文-已完成.json"}
_ALPACA_PARTS = ("0-3252", "3252-6382")


def alpaca(lang: str, n: int) -> Callable[[Path], list[Example]]:
    def read(root: Path) -> list[Example]:
        rows: list[Example] = []
        for part in _ALPACA_PARTS:
            for r in json.loads(read_file(root, "hikariming/alpaca_chinese_dataset", _ALPACA[lang].format(part))):
                text = (r["instruction"] + ("\n" + r["input"] if r.get("input") else "")).strip()
                if 3 <= len(text) <= 600:
                    rows.append(Example(text, (), f"alpaca-{lang}", lang, "benign"))
        return sample(rows, n, 3)
    return read


# --- CValues responsibility prompts (Apache-2.0): sensitive but answerable Chinese questions -------------
def cvalues(root: Path) -> list[Example]:
    raw = read_file(root, "X-PLUG/CValues", "dataset/cvalues_responsibility_prompts.jsonl").decode()
    return [Example(json.loads(line)["prompt"], (), "cvalues", "zh", "lookalike") for line in raw.splitlines() if line]


# --- Self-Instruct's user-oriented instructions (Apache-2.0): ordinary English requests ------------------
def self_instruct(root: Path) -> list[Example]:
    raw = read_file(root, "yizhongw/self-instruct", "human_eval/user_oriented_instructions.jsonl").decode()
    out = []
    for line in raw.splitlines():
        r = json.loads(line)
        inst = r["instruction"]
        first = r["instances"][0]["input"] if r.get("instances") else ""
        text = (inst + ("\n" + first if first else "")).strip()
        out.append(Example(text[:1500], (), "self-instruct", "en", "benign"))
    return out
