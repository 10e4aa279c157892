"""`llmverse --help` answers at once (issue 16: it took 6 s): the command line imports no world, database,
model or tokeniser code until a command runs. Measured in a fresh interpreter; the time itself is a
figure for bench/ (`bench/players.py` does not measure it), not an assertion here."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = ("sqlalchemy", "torch", "transformers", "llama_cpp", "sentence_transformers", "jieba", "numpy",
         "llmverse.world", "llmverse.characters", "llmverse.llm", "llmverse.safety", "llmverse.content",
         "llmverse.server", "llmverse.assistant")


def _loaded(code: str) -> list[str]:
    probe = code + f"\nimport json, sys\nprint(json.dumps(sorted(m for m in sys.modules if m.startswith({HEAVY!r}))))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_the_command_modules_import_nothing_heavy_at_import_time():
    before = set(_loaded("import llmverse"))
    assert set(_loaded("import llmverse, llmverse.cli")) == before  # the commands import their work when run


def test_help_loads_no_world_database_or_model_code():
    assert _loaded("import sys; sys.argv = ['llmverse', '--help']\n"
                   "from llmverse.cli import app\ntry:\n    app()\nexcept SystemExit:\n    pass") == []
