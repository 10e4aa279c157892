"""Event fan-out: every event a server process writes reaches the players of every process.

The world writes events through its Store; `PublishingStore` publishes each one right after its
transaction commits (`Store.published`), whichever layer wrote it (a character's reply, the simulation, a player's visit), so nothing
has to remember to announce what it did. One process: `LocalBus` hands messages straight to the hub.
Several processes behind one address: `RedisBus` publishes to a Redis channel per world and every
process (the writer too) receives from it, so all see the same order.

Besides events the bus carries non-durable messages (characters' tiles after a step, players'
avatars): kind "tick" and "presence"; they are never stored.
"""

from __future__ import annotations

import json
import logging
import threading
import uuid
from collections.abc import Callable
from typing import Any, Protocol

from llmverse.world.store import Event, Store

log = logging.getLogger(__name__)
Handler = Callable[[dict[str, Any]], None]
ORIGIN = uuid.uuid4().hex[:12]  # this process; a message from elsewhere may have changed world state


def event_json(ev: Event) -> dict[str, Any]:
    return {"id": ev.id, "kind": ev.kind, "actor": ev.actor, "target": ev.target,
            "time": ev.world_time.isoformat(timespec="minutes"), "data": ev.data}


class Bus(Protocol):
    def publish(self, message: dict[str, Any]) -> None: ...
    def start(self, handler: Handler) -> None: ...
    def close(self) -> None: ...


class LocalBus:
    """One process: publishing is delivering."""

    def __init__(self) -> None:
        self._handler: Handler | None = None

    def publish(self, message: dict[str, Any]) -> None:
        if self._handler is not None:
            self._handler({**message, "origin": ORIGIN})

    def start(self, handler: Handler) -> None:
        self._handler = handler

    def close(self) -> None:
        self._handler = None


class RedisBus:
    """Redis pub/sub on `llmverse:<world>:events`; a thread listens and calls the handler."""

    def __init__(self, url: str, world: str) -> None:
        import redis

        self.channel = f"llmverse:{world}:events"
        self._redis = redis.Redis.from_url(url)
        self._pubsub = self._redis.pubsub(ignore_subscribe_messages=True)
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()

    def publish(self, message: dict[str, Any]) -> None:
        self._redis.publish(self.channel, json.dumps({**message, "origin": ORIGIN}, ensure_ascii=False))

    def start(self, handler: Handler) -> None:
        self._pubsub.subscribe(self.channel)

        def listen() -> None:
            while not self._stop.is_set():
                try:
                    msg = self._pubsub.get_message(timeout=0.5)
                except Exception as exc:  # Redis went away: log, wait, keep listening
                    log.error("fan-out: Redis read failed: %s", exc)
                    self._stop.wait(1.0)
                    continue
                if msg and msg.get("type") == "message":
                    try:
                        handler(json.loads(msg["data"]))
                    except Exception:
                        log.exception("fan-out: a message could not be handled")

        self._thread = threading.Thread(target=listen, name="fanout", daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2)
        try:
            self._pubsub.close()
            self._redis.close()
        except Exception:  # closing a connection that already broke
            pass


def open_bus(redis_url: str | None, world: str) -> Bus:
    return RedisBus(redis_url, world) if redis_url else LocalBus()


class PublishingStore(Store):
    """A Store that publishes every event once its transaction has committed (`Store.published` is
    called once per committed event, whichever action wrote it)."""

    def __init__(self, url: str, bus: Bus | None = None) -> None:
        super().__init__(url)
        self.bus = bus

    def published(self, event: Event) -> None:
        if self.bus is None:
            return
        try:
            self.bus.publish({"type": "event", "event": event_json(event)})
        except Exception as exc:  # the event is stored; a fan-out failure only delays others' view
            log.error("fan-out of event %d failed: %s", event.id, exc)
