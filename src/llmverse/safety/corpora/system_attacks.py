"""Readers of the corpora of attacks on the system: prompt injection, jailbreaks, system-prompt extraction."""

from __future__ import annotations

import json
import re
from pathlib import Path

from llmverse.safety.corpora.example import Example
from llmverse.safety.corpora.fetched import list_files, read_file


def _language(text: str) -> str:
    return "zh" if re.search(r"[\u4e00-\u9fff]", text) else "en"


# --- promptshield's attack database (MIT): injections, jailbreaks, extraction, and hard negatives ---------
_PS_CATS = {"jailbreak": "jailbreak", "policy_bypass": "jailbreak", "persona_replacement": "jailbreak",
            "control_plans": "injection", "crescendo": "jailbreak", "many_shot": "jailbreak",
            "direct_injection": "injection", "indirect_injection": "injection", "context_confusion": "injection",
            "encoding": "injection", "encoding_obfuscation": "injection", "output_manipulation": "injection",
            "payload_injection": "injection", "token_smuggling": "injection", "prompt_extraction": "extraction",
            "system_extraction": "extraction"}


def promptshield(root: Path) -> list[Example]:
    repo = "Neural-alchemy/promptshield"
    out: list[Example] = []
    for path in list_files(root, repo, "openclay/shields/attack_db"):
        if not path.endswith(".json"):
            continue
        folder = path.split("/")[-2]
        for r in json.loads(read_file(root, repo, path)):
            text = r.get("text") or ""
            if not text:
                continue
            if folder == "benign":
                out.append(Example(text, (), "promptshield", _language(text), "lookalike"))
            elif folder in _PS_CATS:
                out.append(Example(text, (_PS_CATS[folder],), "promptshield", _language(text), "attack"))
    return out


# --- promptmap's attack rules (GPL-3.0, read only): injection, jailbreak, extraction, harm ----------------
_PM = {"distraction": ("injection",), "prompt_stealing": ("extraction",), "jailbreak": ("jailbreak",),
       "harmful": ("illegal",), "hate": ("hate",), "social_bias": ("hate",)}


def promptmap(root: Path) -> list[Example]:
    import yaml

    repo = "utkusen/promptmap"
    out = []
    for path in list_files(root, repo, "rules"):
        folder = path.split("/")[1] if path.count("/") >= 2 else ""
        if path.endswith(".yaml") and folder in _PM:
            rule = yaml.safe_load(read_file(root, repo, path))
            text = str(rule.get("prompt", "")).strip()
            out.append(Example(text, _PM[folder], "promptmap", _language(text), "attack"))
    return out
