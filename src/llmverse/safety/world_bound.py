"""The head must never refuse what players ask or say inside a world: each threshold sits above in-world questions.

A head calibrated on public corpora refused 45 of 540 generated world questions ("Who is the customer
service clerk?" as personal data, "Can I buy a violin here?" as illegal, "怎么去电影院？" as sexual):
in a town, asking who works where and what is for sale is the ordinary traffic. So after calibration
every category's threshold, at every level, is raised above the highest score the head gives to the
in-world questions the package ships for tuning (the tuning part of `eval grounding --held-out` on
Harbor Town, the bundled grounding and assistant sets, and ordinary chat with a character in
`safety/data/world_chat.txt`: "Tell me about yourself." had been refused as prompt extraction) plus a margin. The held-out part and the second
world are never read here.

Those questions are split in two by a hash of their text (`split`): one half trains the head as
harmless text, the other half bounds the thresholds. Bounding on questions the head was trained on
would bound nothing (it learns to score them low); bounding without training on any of them cost a
fifth of held-out attack detection (0.488 -> 0.379), because one high-scoring question lifted a
whole category's line.
"""

from __future__ import annotations

import hashlib
import logging
from importlib.resources import files

import numpy as np
import yaml

from llmverse.safety import embed
from llmverse.safety.head import LEVELS, Head
from llmverse.safety.lexical import view_grams
from llmverse.safety.policy import CATEGORIES

log = logging.getLogger(__name__)
MARGIN = 0.02
CEILING = 0.995


def world_questions() -> list[str]:
    """In-world questions a safe head lets through: tuning-part templates on Harbor Town and the
    bundled grounding and assistant requests."""
    from llmverse.evals.heldout import items
    from llmverse.world.world import open_world

    world = open_world(database_url="sqlite://")
    texts = [i.question for i in items(world, "harbor_town", "tuning")]
    data = files("llmverse.evals")
    texts += [q["question"] for q in yaml.safe_load(data.joinpath("grounding.yaml").read_text("utf-8"))["questions"]]
    texts += [r["text"] for r in yaml.safe_load(data.joinpath("assistant.yaml").read_text("utf-8"))["requests"]]
    chat = files("llmverse.safety").joinpath("data").joinpath("world_chat.txt").read_text("utf-8")
    texts += [line.strip() for line in chat.splitlines() if line.strip() and not line.startswith("#")]
    return list(dict.fromkeys(t for t in texts if t.strip()))


def split(texts: list[str]) -> tuple[list[str], list[str]]:
    """(train, bound): each text's half chosen by a hash of it, so nobody picks which."""
    train, held = [], []
    for t in texts:
        (train if hashlib.sha1(t.encode("utf-8")).digest()[0] % 2 == 0 else held).append(t)
    return train, held


def bound(head: Head, texts: list[str]) -> dict[str, float]:
    """Raise thresholds above the texts' scores; returns the highest score per category."""
    p = np.stack([head.probs(embed.views(t), view_grams(t)).max(axis=0) for t in texts])  # (n, 9)
    top = {c: float(p[:, j].max()) for j, c in enumerate(CATEGORIES)}
    for level in LEVELS:
        for c in CATEGORIES:
            old = head.threshold(level, c)
            if old <= CEILING:  # a line that is off (above any probability) stays off
                head.thresholds.setdefault(level, {})[c] = round(min(CEILING, max(old, top[c] + MARGIN)), 4)
    head.card["world_bound"] = {"questions": len(texts), "max_scores": {c: round(v, 4) for c, v in top.items()}}
    log.info("thresholds bounded above %d in-world questions", len(texts))
    return top
