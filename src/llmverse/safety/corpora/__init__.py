"""Public safety corpora: where each lives, its licence, whether it trains or is held out, and how to read it.

    rows = load("train", root)        # [Example(text, labels, source, language, kind)]
    held = load("heldout", root)      # other sources: never seen by training or threshold tuning

Every source is a public GitHub repository, read from a local copy under `root` (`fetched.py`).
Nothing is downloaded here and no raw text is shipped in the package: only the trained head
(`weights/head.npz`) is.

    sources.py           which corpus trains and which is held out (SOURCES, load, heldout_texts)
    harmful_requests.py  readers: red-team questions and prompts a character should refuse
    system_attacks.py    readers: prompt injection, jailbreaks, system-prompt extraction
    offensive.py         reader: COLDataset (Chinese offensive language)
    harmless.py          readers: ordinary requests and sensitive but answerable questions
    example.py           what a reader returns (Example) and what a source is (Source)
    fetched.py           where the fetched repositories are and how a file of one is read
"""

from llmverse.safety.corpora.example import Example, Kind, Role, Source
from llmverse.safety.corpora.fetched import DATA_ENV, CorpusMissing, data_root
from llmverse.safety.corpora.sources import PLAIN_REQUESTS, SOURCES, folded, heldout_texts, load

__all__ = ["DATA_ENV", "PLAIN_REQUESTS", "SOURCES", "CorpusMissing", "Example", "Kind", "Role", "Source", "data_root",
           "folded", "heldout_texts", "load"]
