"""Shared test support: `tests/support` (stand-ins such as a hashing embedder) is importable everywhere."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent / "support"))

# Hermetic safety rails: rules only, unless a test loads a head itself (the shipped one through
# `head.packaged_path()`, or one it trains): neither a head trained earlier on this machine nor the
# shipped head's next retraining may change what unrelated tests see.
import os  # noqa: E402

os.environ["LLMVERSE_SAFETY_HEAD"] = str(Path(__file__).parent / "no-trained-safety-head.npz")
os.environ["LLMVERSE_ROUTER_MODEL"] = str(Path(__file__).parent / "no-trained-router-model")
