"""`llmverse chat` against a model server that is not there (issue 16: four log lines a turn, none
saying what to do): the player hears the character's in-character line, the terminal gets one log
line per failed call, no traceback. Run as a newcomer runs it: the installed command, a real port."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

from llmverse.safety.head import packaged_path

LLMVERSE = Path(sys.executable).with_name("llmverse")


def _closed_port() -> int:
    """A port nothing listens on: the kernel's free one, bound and let go."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_each_failed_turn_is_one_line_and_the_character_still_answers(tmp_path):
    url = f"http://127.0.0.1:{_closed_port()}/v1"
    # The shipped safety head, as a newcomer has it (the tests' rules-only rails warn once at start).
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "LLMVERSE_TIMEOUT": "5", "LLMVERSE_SAFETY_HEAD": str(packaged_path())}
    r = subprocess.run([str(LLMVERSE), "chat", "bram", "--model", url, "--db", f"sqlite:///{tmp_path / 'w.db'}"],
                       input="How much is the anchor?\nAnd the hook?\n/quit\n", capture_output=True, text=True,
                       env=env, timeout=120)
    assert r.returncode == 0, r.stderr
    replies = [line for line in r.stdout.splitlines() if line.startswith("Bram>")]
    assert len(replies) == 2 and all(len(line) > len("Bram> ") + 10 for line in replies), r.stdout
    logged = r.stderr.splitlines()
    assert len(logged) == 2, r.stderr  # one per turn: the retries are debug, the voice does not repeat it
    for line in logged:
        assert line.startswith("ERROR llmverse.llm.gateway: stream from ") and "after 3 attempt(s)" in line
        assert f"cannot reach {url}: Connection refused" in line and "LLMVERSE_TIMEOUT" in line
    assert "Traceback" not in r.stderr + r.stdout
