"""kill -9 while a process commits talks (an utterance and the relationship it changes, one transaction):
every acknowledged utterance is in the log, the relationship counts exactly the talks the log holds,
and SQLite's integrity check passes."""

from __future__ import annotations

import random
import sqlite3
import time

import pytest

from enginekit import harbor, spawn
from llmverse.world.replay import verify

pytestmark = pytest.mark.timeout(300)

TALKER = """
import sys
from enginekit import harbor
from llmverse.characters.relations import rel_key, talk_change
world = harbor({url!r}, "Harbor Crash")
print("ready", flush=True)
for n in range(100000):
    ev = world.say("player1", "bram", f"thanks {{n}}", updates={{rel_key("bram", "player1"): talk_change(world, "thanks")}})
    print(ev.id, flush=True)  # acknowledged: the caller was told it happened
"""


@pytest.mark.parametrize("run", range(4))
def test_kill_9_while_committing_keeps_the_log_and_the_state_in_step(tmp_path, run):
    url = f"sqlite:///{tmp_path / 'crash.db'}"
    harbor(url, "Harbor Crash").store.dispose()
    rng = random.Random(run)
    acked: list[int] = []
    for _ in range(3):  # three processes in a row, each killed at a random moment
        proc = spawn(TALKER.format(url=url))
        assert proc.stdout.readline().strip() == "ready", proc.stderr.read()[-2000:]
        time.sleep(rng.uniform(0.05, 0.6))
        proc.kill()
        out, _ = proc.communicate()
        acked += [int(line) for line in out.split() if line.isdigit()]
    assert len(acked) > 10
    world = harbor(url, "Harbor Crash")
    said = world.events(kind="say", actor="player1")
    assert set(acked) <= {e.id for e in said}
    assert world.state_of("rel:bram:player1")["familiarity"] == len(said)
    assert verify(world) == []
    con = sqlite3.connect(tmp_path / "crash.db")
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    con.close()
