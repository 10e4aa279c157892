"""Readers of the corpora of harmful requests: red-team questions and prompts a character should refuse.

Each reader takes the data root and returns `Example`s; which of them trains and which is held out is
`sources.py`'s to say.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import re
from collections.abc import Callable
from pathlib import Path

from llmverse.safety.corpora.example import Example, sample
from llmverse.safety.corpora.fetched import read_file

# --- hh-rlhf red-team dialogues: the first human turn, kept when its words name a hazard ----------------
# The same keywords label AdvBench's and HarmfulQA's English requests.
HAZARD_WORDS: list[tuple[str, re.Pattern[str]]] = [
    ("self_harm", re.compile(r"\b(suicide|kill myself|self[- ]harm|cut myself|end my life|overdose)\b", re.I)),
    ("sexual", re.compile(r"\b(sex|porn|nude|naked|penis|vagina|boobs|orgasm|horny|fuck (?:her|him|me))\b", re.I)),
    ("hate", re.compile(r"\b(nigg\w*|jews?|muslims?|blacks?|gays?|fags?|retard\w*|mexicans?|chinese|women are|"
                        r"racist|slur|insults?|ugly|stupid|immigrants?)\b", re.I)),
    ("violence", re.compile(r"\b(kill|murder|hurt|beat up|poison|bomb|shoot|stab|gun|weapon|torture|punch|attack|"
                            r"strangle|explosive)\w*\b", re.I)),
    ("pii", re.compile(r"\b(home address|phone number|social security|ssn|credit card number|where does .{0,30} live|"
                       r"email address of)\b", re.I)),
    ("illegal", re.compile(r"\b(steal|rob|shoplift|cheat|hack|drugs?|cocaine|meth|heroin|launder|fraud|scam|counterfeit|"
                           r"smuggle|break into|pick a lock|get away with|without getting caught|illegal|embezzle|"
                           r"fake id|bribe|vandal\w*|arson|burglar\w*)\b", re.I)),
]


def _hazard(text: str) -> str | None:
    return next((c for c, rx in HAZARD_WORDS if rx.search(text)), None)


def hh_rlhf(root: Path) -> list[Example]:
    raw = gzip.decompress(read_file(root, "anthropics/hh-rlhf", "harmless-base/test.jsonl.gz")).decode()
    out, seen = [], set()
    for line in raw.splitlines():
        first = json.loads(line)["chosen"].split("\n\nAssistant:")[0].replace("\n\nHuman:", "").strip()
        if not first or first in seen or len(first) > 600:
            continue
        seen.add(first)
        cat = _hazard(first)
        if cat:
            out.append(Example(first, (cat,), "hh-rlhf", "en", "attack"))
    return out


# --- MultiJail (MIT): 315 red-team questions translated by people into nine languages ---------------------
_MJ = [("Adult content", "sexual"), ("Sexual", "sexual"), ("Self-harm", "self_harm"), ("Hate", "hate"),
       ("Discrimination", "hate"), ("Bullying", "hate"), ("personally identifiable", "pii"), ("Privacy", "pii"),
       ("Violence", "violence"), ("Weapons", "violence"), ("Terrorism", "violence"), ("Animal abuse", "violence"),
       ("Child abuse", "violence")]


# All ten languages: the same request in many scripts teaches the head harm, not a language (v5 read five).
_MJ_LANGS = ("en", "zh", "it", "vi", "ko", "ar", "th", "bn", "sw", "jv")


def multijail(root: Path) -> list[Example]:
    text = read_file(root, "DAMO-NLP-SG/multilingual-safety-for-LLMs", "data/MultiJail.csv").decode("utf-8-sig")
    out = []
    for r in csv.DictReader(io.StringIO(text)):
        cat = next((c for k, c in _MJ if k in r["tags"]), "illegal")  # theft, fraud, drugs, unethical ...
        for lang in _MJ_LANGS:
            if r.get(lang, "").strip():
                out.append(Example(r[lang].strip(), (cat,), "multijail", lang, "attack"))
    return out


# --- XSafety (Apache-2.0): 14 safety issues x 10 languages, 200 prompts each (from Safety-Prompts) ------
# Only the issues whose prompts are requests a character should refuse are attacks; the issues whose
# prompts are mostly harmless questions on risky topics ("how do I avoid being scammed in a game?",
# health worries, ethics) are look-alikes. The rest (role play, prompt-leaking curiosity, unsafe
# opinions, mental health, commonsense multiple choice) mix both too evenly to label by issue: not read.
_XS_ATTACK = {"Crimes_And_Illegal_Activities": "illegal", "Insult": "hate", "Unfairness_And_Discrimination": "hate",
              "Unsafe_Instruction_Topic": "illegal", "Goal_Hijacking": "injection"}
_XS_LOOK = ("Ethics_And_Morality", "Reverse_Exposure", "Physical_Harm")
_XS_LANGS = {"zh": "", "en": "_n", "de": "", "fr": ""}  # file-name suffix per language folder
_XS_VIOLENT = re.compile(r"暗杀|杀|炸|枪|刺客|殴打|伤害|assassin|kill|bomb|shoot|weapon|explosi|töten|bombe|tuer|arme", re.I)


def xsafety(root: Path) -> list[Example]:
    repo = "Jarviswang94/Multilingual_safety_benchmark"
    out: list[Example] = []
    for lang, suffix in _XS_LANGS.items():
        for issue in (*_XS_ATTACK, *_XS_LOOK):
            name = f"{lang}/{issue}{suffix}.csv" if issue != "Crimes_And_Illegal_Activities" or lang != "en" \
                else "en/Crimes_And_Illegal_Activities_en.csv"
            for line in read_file(root, repo, name).decode("utf-8-sig").splitlines():
                text = line.strip().strip('"').strip()
                if len(text) < 4:
                    continue
                if issue in _XS_ATTACK:
                    cat = _XS_ATTACK[issue]
                    if cat == "illegal" and _XS_VIOLENT.search(text):
                        cat = "violence"
                    out.append(Example(text, (cat,), "xsafety", lang, "attack"))
                else:
                    out.append(Example(text, (), "xsafety", lang, "lookalike"))
    return out


# --- AdvBench (MIT, llm-attacks; read from Princeton-SysML/Jailbreak_LLM's copy): 520 harmful behaviours -
def advbench(root: Path) -> list[Example]:
    raw = read_file(root, "Princeton-SysML/Jailbreak_LLM", "data/advbench.txt").decode()
    out = []
    for line in raw.splitlines():
        text = line.strip()
        if text:
            out.append(Example(text, (_hazard(text) or "illegal",), "advbench", "en", "attack"))
    return out


# --- SimpleSafetyTests (CC-BY-4.0): 100 clear-cut harmful English prompts in five harm areas -----------
_SST = [("Suicide", "self_harm"), ("Violence", "violence"), ("Child", "sexual"), ("Illegal", "illegal"),
        ("Scams", "illegal")]


def simplesafety(root: Path) -> list[Example]:
    raw = read_file(root, "bertiev/SimpleSafetyTests", "SimpleSafetyTests - test cases.csv").decode("utf-8-sig")
    return [Example(r["prompts_final"].strip(), (next((c for k, c in _SST if k in r["harm_area"]), "illegal"),),
                    "simplesafety", "en", "attack") for r in csv.DictReader(io.StringIO(raw))]


# --- CatQA (Apache-2.0, declare-lab/red-instruct): 11 harm categories x 50 questions, English, Chinese and
# Vietnamese. Political campaigning and tailored financial advice are not hazards a world character refuses:
# not read. Physical harm and hate/harassment/violence split by keyword (self-harm, hate, else violence).
_CATQA = {"Illegal Activity": "illegal", "Child Abuse": "violence", "Hate/Harass/Violence": "violence",
          "Malware Viruses": "illegal", "Physical Harm": "violence", "Economic Harm": "illegal",
          "Fraud/Deception": "illegal", "Adult Content": "sexual", "Privacy Violation Activity": "pii"}
_CATQA_SELF = re.compile(r"suicid|self-harm|kill myself|自杀|自残|tự tử|tự làm hại", re.I)
_CATQA_HATE = re.compile(r"hate|racis|discriminat|harass|bull(?:y|ies)|slur|insult|仇恨|歧视|骚扰|欺凌|侮辱|thù ghét|"
                         r"phân biệt|quấy rối|bắt nạt", re.I)


def catqa(root: Path) -> list[Example]:
    out = []
    for lang, name in (("en", "english"), ("zh", "chinese"), ("vi", "vietnamese")):
        data = json.loads(read_file(root, "declare-lab/red-instruct", f"harmful_questions/catqa_{name}.json"))
        for top, subs in data.items():
            cat = _CATQA.get(top)
            if cat is None:
                continue
            for questions in subs.values():
                for q in questions:
                    text = q.strip()
                    c = cat
                    if cat == "violence" and _CATQA_SELF.search(text):
                        c = "self_harm"
                    elif top == "Hate/Harass/Violence" and _CATQA_HATE.search(text):
                        c = "hate"
                    if text:
                        out.append(Example(text, (c,), "catqa", lang, "attack"))
    return out


# --- HarmfulQA and DangerousQA (Apache-2.0, declare-lab/red-instruct): harmful English questions. HarmfulQA's
# 1,960 share one frame ("How can I use <subject> to <harm>?"): a sample, so the frame does not dominate.
def harmfulqa(root: Path) -> list[Example]:
    data = json.loads(read_file(root, "declare-lab/red-instruct", "harmful_questions/harmfulqa.json"))
    qs = [q.strip() for subs in data.values() for questions in subs.values() for q in questions if q.strip()]
    qs += [q.strip() for q in json.loads(read_file(root, "declare-lab/red-instruct", "harmful_questions/dangerousqa.json"))]
    rows = [Example(q, (_hazard(q) or "illegal",), "harmfulqa", "en", "attack") for q in qs]
    return rows[-200:] + sample(rows[:-200], 600, 5)  # every DangerousQA question, 600 of HarmfulQA's


# --- MLCommons AILuminate demo prompts (CC-BY-4.0), English and French -----------------------------------
_AIL = {"vcr": "violence", "iwp": "violence", "src": "sexual", "cse": "sexual", "sxc_prn": "sexual",
        "ssh": "self_harm", "hte": "hate", "dfm": "hate", "ncr": "illegal", "ipv": "illegal", "prv": "pii"}


def ailuminate(locale: str, n: int) -> Callable[[Path], list[Example]]:
    def read(root: Path) -> list[Example]:
        name = f"airr_official_1.0_demo_{locale}_prompt_set_release.csv"
        rows = list(csv.DictReader(io.StringIO(read_file(root, "mlcommons/ailuminate", name).decode("utf-8"))))
        lang = locale.split("_")[0]
        out = [Example(r["prompt_text"], (_AIL[r["hazard"]],), f"ailuminate-{lang}", lang, "attack")
               for r in rows if r["hazard"] in _AIL]
        return sample(out, n, 4)
    return read


# --- China Unicom's questions a model must refuse (Chinese) ----------------------------------------------
_UNICOM = [("恐怖", "violence"), ("暴力", "violence"), ("色情", "sexual"), ("歧视", "hate"), ("仇恨", "hate"),
           ("隐私", "pii"), ("个人信息", "pii"), ("身心健康", "self_harm")]


def unicom(root: Path) -> list[Example]:
    data = json.loads(read_file(root, "zwenjing95/DataSet", "TestData/Safety/safety_denial_2024-06-12-210436.json"))
    out = []
    for block in data:
        for r in block["infos"]:
            cat = next((c for k, c in _UNICOM if k in r["category"]), "illegal")
            out.append(Example(r["question"], (cat,), "unicom-denial", "zh", "attack"))
    return out
