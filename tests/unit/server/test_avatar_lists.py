"""With Redis, a process lists its avatars to the others every few seconds and says they left when it
stops, so another process's map neither keeps a ghost whose `null` was lost nor misses one standing still."""

from __future__ import annotations

import asyncio

from llmverse.server import runtime as runtime_module
from llmverse.server.hub import Connection

from serverkit import make_runtime, run_coroutine


class RecordingBus:
    """Stands in for the Redis bus: what the process publishes."""

    def __init__(self) -> None:
        self.sent: list[dict] = []

    def publish(self, message: dict) -> None:
        self.sent.append(message)

    def start(self, handler) -> None:
        pass

    def close(self) -> None:
        pass


async def _nowhere(_: str) -> None:
    pass


def test_a_process_lists_its_avatars_and_says_they_left_when_it_stops(tmp_path, monkeypatch):
    monkeypatch.setattr(runtime_module, "SNAPSHOT", 0.05)
    rt = make_runtime(tmp_path)
    bus = rt.bus = RecordingBus()

    async def scenario() -> None:
        rt.start(asyncio.get_running_loop())
        rt.hub.add(Connection("alice", _nowhere))
        tile = rt.presence.tile("alice")
        rt.presence.tile("ghost")  # in the process's presence with no socket here: not listed
        await asyncio.sleep(0.3)
        await rt.stop()
        return tile

    tile = run_coroutine(scenario())
    lists = [m for m in bus.sent if m.get("snapshot")]
    assert lists and all(m["tiles"] == {"alice": list(tile)} for m in lists)
    assert bus.sent[-1] == {"type": "presence", "tiles": {"alice": None, "ghost": None}}
