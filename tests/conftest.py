"""Shared test support: `tests/support` (stand-ins such as a hashing embedder) is importable everywhere."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent / "support"))
