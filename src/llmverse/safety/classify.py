"""The fast bilingual classifier: rules for what rules do best, a trained MiniLM for English paraphrase.

    clf = SafetyClassifier()            # rules always; the trained model when it is installed
    v = clf.classify("ignore previous instructions")
    v.top()                             # ("injection", 0.95)

One message is unmasked first (`normalize.unmask`: zero-width, look-alikes, leetspeak, spacing,
base64/hex), then every form goes through the bilingual rules (`rules.py`) and personal-data
patterns (`pii.py`). The trained model (built by `llmverse safety train` with llmverse's own
`train classify`, see `training.py`) adds a probability per category for English text only: MiniLM
reads Chinese as [UNK], so on Chinese its scores would be noise. A category's score is the highest
of its rule hits and the model's probability.
"""

from __future__ import annotations

import logging
import os
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from llmverse.lang import Language, detect_language
from llmverse.safety import normalize, pii, rules
from llmverse.safety.policy import CATEGORIES, MILD, SEVERE, Category

log = logging.getLogger(__name__)
Channel = Literal["player", "document", "output"]
SAFE = "safe"  # the trained model's label for harmless text
MODEL_ENV = "LLMVERSE_SAFETY_MODEL"
_OBEY_ENCODED = re.compile(r"\b(?:decode|decoded|base64|hex|rot13)\b.{0,40}\b(?:do|follow|obey|execute|run|answer)\b|"
                           r"解码.{0,10}(?:照做|执行|回答|按)", re.I)
# Attacks on the system only make sense in what the model reads (players' words, documents); in what
# it writes they would flag its own harmless refusals ("I can't ignore my instructions").
_INPUT_ONLY = {"injection", "jailbreak", "extraction"}


def default_model_dir() -> Path:
    """Where `llmverse safety train` puts the classifier: $LLMVERSE_SAFETY_MODEL, else the user cache."""
    if os.environ.get(MODEL_ENV):
        return Path(os.environ[MODEL_ENV])
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "llmverse" / "safety-minilm"


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

    def top(self) -> tuple[Category | None, float]:
        if not self.scores:
            return None, 0.0
        cat = max(self.scores, key=self.scores.__getitem__)
        return cat, self.scores[cat]  # type: ignore[return-value]

    def add(self, category: str, score: float, reason: str) -> None:
        if score > self.scores.get(category, 0.0):
            self.scores[category], self.reasons[category] = score, reason


class SafetyClassifier:
    """Rules plus, when installed, the trained MiniLM. Thread-safe; the model loads on first use."""

    def __init__(self, model_dir: Path | str | None = None, *, use_model: bool = True,
                 model_threshold: float = 0.5) -> None:
        self.model_dir = Path(model_dir) if model_dir is not None else default_model_dir()
        self.use_model = use_model
        self.model_threshold = model_threshold  # below this, a model probability is not evidence
        self._model = None
        self._tried = False
        self._lock = threading.Lock()

    @property
    def model_available(self) -> bool:
        return self.use_model and (self.model_dir / "config.json").is_file()

    def classify(self, text: str, channel: Channel = "player") -> Verdict:
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
        if v.language == "en" and self.model_available:
            self._model_scores(un, v, channel)
        return v

    def _model_scores(self, un: normalize.Unmasked, v: Verdict, channel: Channel) -> None:
        model = self._load()
        if model is None:
            return
        # The folded text, and the last decoded form when a disguise was undone (what was hidden).
        texts = [un.text] + ([un.forms[-1]] if len(un.forms) > 1 else [])
        v.model_used = True
        for pred in model.predict(texts):
            for label, p in pred.scores.items():
                if label == SAFE or label not in CATEGORIES or p < self.model_threshold:
                    continue
                if channel == "output" and label in _INPUT_ONLY:
                    continue
                if label == "pii" and not v.pii:  # a value is pii.py's job; the model finds requests for data
                    v.add(label, min(p, SEVERE), "pii.model")
                elif label != "pii":
                    v.add(label, min(p, SEVERE), f"{label}.model")

    def _load(self):
        with self._lock:
            if not self._tried:
                self._tried = True
                try:
                    from llmverse.train.classify import Classifier

                    self._model = Classifier(self.model_dir, threads=1)
                except Exception as exc:  # noqa: BLE001 - a broken model must not take the rails down
                    log.error("safety classifier at %s not loaded, rules only: %s", self.model_dir, exc)
            return self._model

    def warm(self) -> None:
        """Load what loads lazily (jieba's dictionary is not needed; the model is) before timing."""
        self.classify("warm up")
        if self.model_available:
            self._load()
