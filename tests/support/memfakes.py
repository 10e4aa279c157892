"""Stand-ins for the memory tests (a module with a unique name: tests/ has no packages).

`HashEmbedder` is a real embedder in the only sense retrieval cares about (texts to unit vectors, where
texts sharing words point the same way), built from hashed word counts so tests need no model. Tests
about what MiniLM itself does (Chinese) load the real bundled model and skip without it.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from datetime import datetime

import numpy as np

T0 = datetime(2026, 5, 1, 8, 0)


class HashEmbedder:
    dim = 384

    def __init__(self) -> None:
        self.calls = 0  # embed() calls, to check batching

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        self.calls += 1
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, t in enumerate(texts):
            for w in re.findall(r"\w+", t.lower()):
                h = int.from_bytes(hashlib.blake2b(w.encode(), digest_size=8).digest(), "little")
                out[i, h % self.dim] += 1.0 if (h >> 32) & 1 else -1.0
            norm = np.linalg.norm(out[i])
            out[i] = out[i] / norm if norm else np.eye(self.dim, dtype=np.float32)[0]
        return out

    def embed_one(self, text: str) -> np.ndarray:
        return self.embed([text])[0]
