"""Shared test support: `tests/support` (stand-ins such as a hashing embedder) is importable everywhere."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent / "support"))

# Hermetic safety rails: a classifier trained earlier on this machine (`llmverse safety train`, in the
# user cache) must not change what the tests see; tests of the classifier train their own.
import os  # noqa: E402

os.environ["LLMVERSE_SAFETY_MODEL"] = str(Path(__file__).parent / "no-trained-safety-model")
os.environ["LLMVERSE_ROUTER_MODEL"] = str(Path(__file__).parent / "no-trained-router-model")
