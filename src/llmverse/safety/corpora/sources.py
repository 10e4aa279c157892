"""Which public corpus trains the head and which is held out, with its repository and licence.

Training and held-out sources never share a repository, except COLDataset, whose own `test` split is
held out (say so when quoting it). Sources kept for independent evaluation by others (JADE-DB, deepset
prompt-injections, garak, verazuo/jailbreak_llms, GPTFuzz, Tensor Trust, XSTest, KdConv, HarmBench,
the big list of naughty strings) are read nowhere.
"""

from __future__ import annotations

from pathlib import Path

from llmverse.safety.corpora.example import Example, Role, Source
from llmverse.safety.corpora.fetched import CorpusMissing, data_root
from llmverse.safety.corpora.harmful_requests import (advbench, ailuminate, catqa, harmfulqa, hh_rlhf, multijail,
                                                      simplesafety, unicom, xsafety)
from llmverse.safety.corpora.harmless import alpaca, cvalues, self_instruct
from llmverse.safety.corpora.offensive import cold
from llmverse.safety.corpora.system_attacks import promptmap, promptshield

SOURCES: tuple[Source, ...] = (
    Source("hh-rlhf", "anthropics/hh-rlhf", "MIT", "train", hh_rlhf),
    Source("cold-train", "thu-coai/COLDataset", "Apache-2.0", "train", cold("train", 3000)),
    Source("alpaca-en", "hikariming/alpaca_chinese_dataset", "CC BY-NC 4.0 (Alpaca)", "train", alpaca("en", 2500)),
    Source("alpaca-zh", "hikariming/alpaca_chinese_dataset", "CC BY-NC 4.0 (Alpaca)", "train", alpaca("zh", 2500)),
    Source("promptshield", "Neural-alchemy/promptshield", "MIT", "train", promptshield),
    Source("multijail", "DAMO-NLP-SG/multilingual-safety-for-LLMs", "MIT", "train", multijail),
    Source("xsafety", "Jarviswang94/Multilingual_safety_benchmark", "Apache-2.0", "train", xsafety),
    Source("advbench", "Princeton-SysML/Jailbreak_LLM", "MIT (AdvBench, llm-attacks)", "train", advbench),
    Source("simplesafety", "bertiev/SimpleSafetyTests", "CC-BY-4.0", "train", simplesafety),
    Source("catqa", "declare-lab/red-instruct", "Apache-2.0", "train", catqa),
    Source("harmfulqa", "declare-lab/red-instruct", "Apache-2.0", "train", harmfulqa),
    Source("ailuminate-en", "mlcommons/ailuminate", "CC-BY-4.0", "heldout", ailuminate("en_us", 1100)),
    Source("ailuminate-fr", "mlcommons/ailuminate", "CC-BY-4.0", "heldout", ailuminate("fr_fr", 300)),
    Source("unicom-denial", "zwenjing95/DataSet", "none stated (evaluation only)", "heldout", unicom),
    Source("cold-test", "thu-coai/COLDataset", "Apache-2.0", "heldout", cold("test", 1000)),
    Source("cvalues", "X-PLUG/CValues", "Apache-2.0", "heldout", cvalues),
    Source("self-instruct", "yizhongw/self-instruct", "Apache-2.0", "heldout", self_instruct),
    Source("promptmap", "utkusen/promptmap", "GPL-3.0 (read, not shipped)", "heldout", promptmap),
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
