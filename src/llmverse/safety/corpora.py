"""Public safety corpora: where each lives, its licence, whether it trains or is held out, and how to read it.

    rows = load("train", root)        # [Example(text, labels, source, language, kind)]
    held = load("heldout", root)      # other sources: never seen by training or threshold tuning

Every source is a public GitHub repository, read from a local copy under `root` (the search tool's
`fetch` puts a bare git directory at `root/owner+name/repo`; a plain clone at `root/owner/name` works
too). Nothing is downloaded here and no raw text is shipped in the package: only the trained head
(`weights/head.npz`) is. Training and held-out sources never share a repository, except COLDataset,
whose own `test` split is held out (say so when quoting it). Sources kept for independent evaluation
by others (JADE-DB, deepset prompt-injections, garak, verazuo/jailbreak_llms, GPTFuzz, Tensor Trust,
XSTest, KdConv, HarmBench, the big list of naughty strings) are read nowhere.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import os
import random
import re
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from llmverse.errors import LlmverseError

Role = Literal["train", "heldout"]
Kind = Literal["attack", "benign", "lookalike"]  # lookalike: benign text that looks risky
DATA_ENV = "LLMVERSE_SAFETY_DATA"


class CorpusMissing(LlmverseError):
    """A public corpus is not on this machine."""


@dataclass(frozen=True)
class Example:
    text: str
    labels: tuple[str, ...]  # categories (policy.CATEGORIES); () for harmless text
    source: str
    language: str  # "en", "zh", "fr"
    kind: Kind

    @property
    def category(self) -> str:
        return self.labels[0] if self.labels else "benign"


@dataclass(frozen=True)
class Source:
    name: str
    repo: str  # owner/name on GitHub
    licence: str
    role: Role
    read: Callable[[Path], list[Example]]


def data_root() -> Path:
    return Path(os.environ.get(DATA_ENV) or "/work/.mirror")


def _file(root: Path, repo: str, path: str) -> bytes:
    bare = root / repo.replace("/", "+") / "repo"
    if bare.is_dir():
        try:
            return subprocess.run(["git", "--git-dir", str(bare), "show", f"HEAD:{path}"], check=True,
                                  capture_output=True).stdout
        except subprocess.CalledProcessError as exc:
            raise CorpusMissing(f"{repo}: no {path} in {bare}") from exc
    plain = root / repo / path
    if plain.is_file():
        return plain.read_bytes()
    raise CorpusMissing(f"{repo} is not under {root}: fetch it (docs/safety.md) or set ${DATA_ENV}")


def _sample(rows: list[Example], n: int, seed: int = 0) -> list[Example]:
    if len(rows) <= n:
        return rows
    return random.Random(seed).sample(rows, n)


# --- hh-rlhf red-team dialogues: the first human turn, kept when its words name a hazard ----------------
_HH_CATS: list[tuple[str, re.Pattern[str]]] = [
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


def _hh(root: Path) -> list[Example]:
    raw = gzip.decompress(_file(root, "anthropics/hh-rlhf", "harmless-base/test.jsonl.gz")).decode()
    out, seen = [], set()
    for line in raw.splitlines():
        first = json.loads(line)["chosen"].split("\n\nAssistant:")[0].replace("\n\nHuman:", "").strip()
        if not first or first in seen or len(first) > 600:
            continue
        seen.add(first)
        cat = next((c for c, rx in _HH_CATS if rx.search(first)), None)
        if cat:
            out.append(Example(first, (cat,), "hh-rlhf", "en", "attack"))
    return out


# --- COLDataset: Chinese offensive language (race, gender, region), train and test splits ---------------
def _cold(split: str, n: int) -> Callable[[Path], list[Example]]:
    def read(root: Path) -> list[Example]:
        text = _file(root, "thu-coai/COLDataset", f"COLDataset/{split}.csv").decode("utf-8-sig")
        rows = list(csv.DictReader(io.StringIO(text)))
        off = [Example(r["TEXT"], ("hate",), f"cold-{split}", "zh", "attack") for r in rows if r["label"] == "1"]
        ok = [Example(r["TEXT"], (), f"cold-{split}", "zh", "lookalike") for r in rows if r["label"] == "0"]
        return _sample(off, n // 2, 1) + _sample(ok, n // 2, 2)
    return read


# --- Alpaca instructions (English, and the Chinese translation): ordinary requests -----------------------
_ALPACA_EN = "history/原始英文数据/alpaca_data-{}-英文.json"
_ALPACA_ZH = "history/翻译后的中文数据/alpaca_data-{}-中文-已完成.json"


def _alpaca(lang: str, n: int) -> Callable[[Path], list[Example]]:
    def read(root: Path) -> list[Example]:
        pattern, parts = (_ALPACA_EN, ("0-3252", "3252-6382")) if lang == "en" else (_ALPACA_ZH, ("0-3252", "3252-6382"))
        rows: list[Example] = []
        for part in parts:
            for r in json.loads(_file(root, "hikariming/alpaca_chinese_dataset", pattern.format(part))):
                text = (r["instruction"] + ("\n" + r["input"] if r.get("input") else "")).strip()
                if 3 <= len(text) <= 600:
                    rows.append(Example(text, (), f"alpaca-{lang}", lang, "benign"))
        return _sample(rows, n, 3)
    return read


# --- promptshield's attack database (MIT): injections, jailbreaks, extraction, and hard negatives ---------
_PS_CATS = {"jailbreak": "jailbreak", "policy_bypass": "jailbreak", "persona_replacement": "jailbreak",
            "control_plans": "injection", "crescendo": "jailbreak", "many_shot": "jailbreak",
            "direct_injection": "injection", "indirect_injection": "injection", "context_confusion": "injection",
            "encoding": "injection", "encoding_obfuscation": "injection", "output_manipulation": "injection",
            "payload_injection": "injection", "token_smuggling": "injection", "prompt_extraction": "extraction",
            "system_extraction": "extraction"}


def _promptshield(root: Path) -> list[Example]:
    repo, base = "Neural-alchemy/promptshield", "openclay/shields/attack_db"
    out: list[Example] = []
    listing = subprocess.run(["git", "--git-dir", str(root / repo.replace("/", "+") / "repo"), "ls-tree", "-r",
                              "--name-only", "HEAD", base], capture_output=True, text=True).stdout.split()
    for path in listing:
        if not path.endswith(".json"):
            continue
        folder = path.split("/")[-2]
        for r in json.loads(_file(root, repo, path)):
            text = r.get("text") or ""
            if not text:
                continue
            lang = "zh" if re.search(r"[\u4e00-\u9fff]", text) else "en"
            if folder == "benign":
                out.append(Example(text, (), "promptshield", lang, "lookalike"))
            elif folder in _PS_CATS:
                out.append(Example(text, (_PS_CATS[folder],), "promptshield", lang, "attack"))
    return out


# --- MultiJail (MIT): 315 red-team questions translated by people into nine languages ---------------------
_MJ = [("Adult content", "sexual"), ("Sexual", "sexual"), ("Self-harm", "self_harm"), ("Hate", "hate"),
       ("Discrimination", "hate"), ("Bullying", "hate"), ("personally identifiable", "pii"), ("Privacy", "pii"),
       ("Violence", "violence"), ("Weapons", "violence"), ("Terrorism", "violence"), ("Animal abuse", "violence"),
       ("Child abuse", "violence")]


# All ten languages: the same request in many scripts teaches the head harm, not a language (v5 read five).
_MJ_LANGS = ("en", "zh", "it", "vi", "ko", "ar", "th", "bn", "sw", "jv")


def _multijail(root: Path) -> list[Example]:
    text = _file(root, "DAMO-NLP-SG/multilingual-safety-for-LLMs", "data/MultiJail.csv").decode("utf-8-sig")
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


def _xsafety(root: Path) -> list[Example]:
    repo = "Jarviswang94/Multilingual_safety_benchmark"
    out: list[Example] = []
    for lang, suffix in _XS_LANGS.items():
        for issue in (*_XS_ATTACK, *_XS_LOOK):
            name = f"{lang}/{issue}{suffix}.csv" if issue != "Crimes_And_Illegal_Activities" or lang != "en" \
                else "en/Crimes_And_Illegal_Activities_en.csv"
            for line in _file(root, repo, name).decode("utf-8-sig").splitlines():
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
def _advbench(root: Path) -> list[Example]:
    raw = _file(root, "Princeton-SysML/Jailbreak_LLM", "data/advbench.txt").decode()
    out = []
    for line in raw.splitlines():
        text = line.strip()
        if text:
            cat = next((c for c, rx in _HH_CATS if rx.search(text)), "illegal")
            out.append(Example(text, (cat,), "advbench", "en", "attack"))
    return out


# --- SimpleSafetyTests (CC-BY-4.0): 100 clear-cut harmful English prompts in five harm areas -----------
_SST = [("Suicide", "self_harm"), ("Violence", "violence"), ("Child", "sexual"), ("Illegal", "illegal"),
        ("Scams", "illegal")]


def _simplesafety(root: Path) -> list[Example]:
    raw = _file(root, "bertiev/SimpleSafetyTests", "SimpleSafetyTests - test cases.csv").decode("utf-8-sig")
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


def _catqa(root: Path) -> list[Example]:
    out = []
    for lang, name in (("en", "english"), ("zh", "chinese"), ("vi", "vietnamese")):
        data = json.loads(_file(root, "declare-lab/red-instruct", f"harmful_questions/catqa_{name}.json"))
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
def _harmfulqa(root: Path) -> list[Example]:
    data = json.loads(_file(root, "declare-lab/red-instruct", "harmful_questions/harmfulqa.json"))
    qs = [q.strip() for subs in data.values() for questions in subs.values() for q in questions if q.strip()]
    qs += [q.strip() for q in json.loads(_file(root, "declare-lab/red-instruct", "harmful_questions/dangerousqa.json"))]
    rows = [Example(q, (next((c for c, rx in _HH_CATS if rx.search(q)), "illegal"),), "harmfulqa", "en", "attack")
            for q in qs]
    return rows[-200:] + _sample(rows[:-200], 600, 5)  # every DangerousQA question, 600 of HarmfulQA's


# --- held out: MLCommons AILuminate demo prompts (CC-BY-4.0), English and French -------------------------
_AIL = {"vcr": "violence", "iwp": "violence", "src": "sexual", "cse": "sexual", "sxc_prn": "sexual",
        "ssh": "self_harm", "hte": "hate", "dfm": "hate", "ncr": "illegal", "ipv": "illegal", "prv": "pii"}


def _ailuminate(locale: str, n: int) -> Callable[[Path], list[Example]]:
    def read(root: Path) -> list[Example]:
        name = f"airr_official_1.0_demo_{locale}_prompt_set_release.csv"
        rows = list(csv.DictReader(io.StringIO(_file(root, "mlcommons/ailuminate", name).decode("utf-8"))))
        lang = locale.split("_")[0]
        out = [Example(r["prompt_text"], (_AIL[r["hazard"]],), f"ailuminate-{lang}", lang, "attack")
               for r in rows if r["hazard"] in _AIL]
        return _sample(out, n, 4)
    return read


# --- held out: China Unicom's questions a model must refuse (Chinese) -------------------------------------
_UNICOM = [("恐怖", "violence"), ("暴力", "violence"), ("色情", "sexual"), ("歧视", "hate"), ("仇恨", "hate"),
           ("隐私", "pii"), ("个人信息", "pii"), ("身心健康", "self_harm")]


def _unicom(root: Path) -> list[Example]:
    data = json.loads(_file(root, "zwenjing95/DataSet", "TestData/Safety/safety_denial_2024-06-12-210436.json"))
    out = []
    for block in data:
        for r in block["infos"]:
            cat = next((c for k, c in _UNICOM if k in r["category"]), "illegal")
            out.append(Example(r["question"], (cat,), "unicom-denial", "zh", "attack"))
    return out


# --- held out: CValues responsibility prompts (Apache-2.0): sensitive but answerable Chinese questions ----
def _cvalues(root: Path) -> list[Example]:
    raw = _file(root, "X-PLUG/CValues", "dataset/cvalues_responsibility_prompts.jsonl").decode()
    return [Example(json.loads(line)["prompt"], (), "cvalues", "zh", "lookalike") for line in raw.splitlines() if line]


# --- held out: Self-Instruct's user-oriented instructions (Apache-2.0): ordinary English requests ---------
def _self_instruct(root: Path) -> list[Example]:
    raw = _file(root, "yizhongw/self-instruct", "human_eval/user_oriented_instructions.jsonl").decode()
    out = []
    for line in raw.splitlines():
        r = json.loads(line)
        inst = r["instruction"]
        first = r["instances"][0]["input"] if r.get("instances") else ""
        text = (inst + ("\n" + first if first else "")).strip()
        out.append(Example(text[:1500], (), "self-instruct", "en", "benign"))
    return out


# --- held out: promptmap's attack rules (GPL-3.0, read only): injection, jailbreak, extraction, harm ------
_PM = {"distraction": ("injection",), "prompt_stealing": ("extraction",), "jailbreak": ("jailbreak",),
       "harmful": ("illegal",), "hate": ("hate",), "social_bias": ("hate",)}


def _promptmap(root: Path) -> list[Example]:
    import yaml

    repo = "utkusen/promptmap"
    listing = subprocess.run(["git", "--git-dir", str(root / repo.replace("/", "+") / "repo"), "ls-tree", "-r",
                              "--name-only", "HEAD", "rules"], capture_output=True, text=True).stdout.split()
    out = []
    for path in listing:
        folder = path.split("/")[1] if path.count("/") >= 2 else ""
        if path.endswith(".yaml") and folder in _PM:
            rule = yaml.safe_load(_file(root, repo, path))
            text = str(rule.get("prompt", "")).strip()
            lang = "zh" if re.search(r"[\u4e00-\u9fff]", text) else "en"
            out.append(Example(text, _PM[folder], "promptmap", lang, "attack"))
    return out


SOURCES: tuple[Source, ...] = (
    Source("hh-rlhf", "anthropics/hh-rlhf", "MIT", "train", _hh),
    Source("cold-train", "thu-coai/COLDataset", "Apache-2.0", "train", _cold("train", 3000)),
    Source("alpaca-en", "hikariming/alpaca_chinese_dataset", "CC BY-NC 4.0 (Alpaca)", "train", _alpaca("en", 2500)),
    Source("alpaca-zh", "hikariming/alpaca_chinese_dataset", "CC BY-NC 4.0 (Alpaca)", "train", _alpaca("zh", 2500)),
    Source("promptshield", "Neural-alchemy/promptshield", "MIT", "train", _promptshield),
    Source("multijail", "DAMO-NLP-SG/multilingual-safety-for-LLMs", "MIT", "train", _multijail),
    Source("xsafety", "Jarviswang94/Multilingual_safety_benchmark", "Apache-2.0", "train", _xsafety),
    Source("advbench", "Princeton-SysML/Jailbreak_LLM", "MIT (AdvBench, llm-attacks)", "train", _advbench),
    Source("simplesafety", "bertiev/SimpleSafetyTests", "CC-BY-4.0", "train", _simplesafety),
    Source("catqa", "declare-lab/red-instruct", "Apache-2.0", "train", _catqa),
    Source("harmfulqa", "declare-lab/red-instruct", "Apache-2.0", "train", _harmfulqa),
    Source("ailuminate-en", "mlcommons/ailuminate", "CC-BY-4.0", "heldout", _ailuminate("en_us", 1100)),
    Source("ailuminate-fr", "mlcommons/ailuminate", "CC-BY-4.0", "heldout", _ailuminate("fr_fr", 300)),
    Source("unicom-denial", "zwenjing95/DataSet", "none stated (evaluation only)", "heldout", _unicom),
    Source("cold-test", "thu-coai/COLDataset", "Apache-2.0", "heldout", _cold("test", 1000)),
    Source("cvalues", "X-PLUG/CValues", "Apache-2.0", "heldout", _cvalues),
    Source("self-instruct", "yizhongw/self-instruct", "Apache-2.0", "heldout", _self_instruct),
    Source("promptmap", "utkusen/promptmap", "GPL-3.0 (read, not shipped)", "heldout", _promptmap),
)


# Held-out sources whose attacks are plain harmful requests, with no jailbreak wrapper (issue 15's
# "plain harmful requests" target); COLD's are offensive statements, promptmap's are attacks on the system.
PLAIN_REQUESTS = ("ailuminate-en", "ailuminate-fr", "unicom-denial")


def folded(text: str) -> str:
    """Text compared across sources: case and spacing folded."""
    return " ".join(text.split()).casefold()


def heldout_texts(root: Path | None = None) -> set[str]:
    """Every held-out text present on this machine, folded: training drops a message equal to one
    (4 of 17,433 were). A held-out source that is not here is skipped."""
    root = root or data_root()
    out: set[str] = set()
    for s in SOURCES:
        if s.role == "heldout":
            try:
                out.update(folded(e.text) for e in s.read(root))
            except (CorpusMissing, OSError):
                continue
    return out


def load(role: Role, root: Path | None = None, *, only: set[str] | None = None) -> list[Example]:
    """Every example of the sources with this role; a source missing from `root` raises `CorpusMissing`."""
    root = root or data_root()
    out: list[Example] = []
    for s in SOURCES:
        if s.role == role and (only is None or s.name in only):
            out.extend(s.read(root))
    return out
