"""The hub: a slow client's full outbox drops world broadcasts but never its own replies."""

from __future__ import annotations

import json

from llmverse.server.hub import OUTBOX, Connection


async def _nowhere(_: str) -> None:
    pass


def test_a_full_outbox_drops_broadcasts_but_still_takes_direct_frames():
    conn = Connection("alice", _nowhere)
    for i in range(OUTBOX + 10):
        conn.send({"type": "event", "n": i}, broadcast=True)
    assert conn.outbox.qsize() == OUTBOX and conn.dropped == 10
    conn.send({"type": "end", "id": "r1"})  # a reply to the player's own request
    conn.send({"type": "error", "id": "r2"})
    assert conn.outbox.qsize() == OUTBOX + 2
    waiting = [json.loads(conn.outbox.get_nowait()) for _ in range(OUTBOX + 2)]
    assert [f["type"] for f in waiting[-2:]] == ["end", "error"]
