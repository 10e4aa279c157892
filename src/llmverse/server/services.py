"""What a player can ask of the world's voices: talk to a character, ask the assistant.

This is the one place the server (WebSocket and OpenAI-compatible API alike) reaches characters and
the assistant, so the same memory, relationships and checks apply however a player comes in.
Safety: one `Rails` per process (the world's policy, the audit log in the world's store, a per-player
token and request budget) is handed to every Character and Assistant made here; they check the input
before any model call and every piece before it is yielded.

Each call returns an iterator of text pieces (what the scheduler streams) and fills an `Outcome`
when the stream ends: the whole text, the ids of the events it wrote (what the client is told is
stored), and for the assistant the route to draw.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from llmverse.characters.character import Character, check_message
from llmverse.errors import InvalidMessage
from llmverse.safety.budget import Budget
from llmverse.safety.rails import Rails, policy_for

if TYPE_CHECKING:
    from llmverse.characters.recall import MemorySystem
    from llmverse.llm.gateway import Gateway
    from llmverse.world.world import World

log = logging.getLogger(__name__)
ASSISTANT = "assistant"


@dataclass
class Outcome:
    text: str = ""
    events: list[int] = field(default_factory=list)  # ids of the events the exchange wrote
    route: dict[str, Any] | None = None  # the assistant's route: path and waypoints to draw
    usage: dict[str, int] = field(default_factory=dict)  # prompt_tokens, completion_tokens


class Services:
    def __init__(self, world: World, gateway: Gateway, memory: MemorySystem | None = None,
                 rails: Rails | None = None) -> None:
        self.world, self.gateway, self.memory = world, gateway, memory
        if rails is None:
            policy = policy_for(world)
            rails = Rails.for_world(world, policy=policy, budget=Budget(policy.limits))
        self.rails = rails

    def talk(self, player: str, character_id: str, text: str, out: Outcome) -> Iterator[str]:
        """A character's reply, sentence by sentence as each passes the world's checks.

        A Character per request: replies to different players may run at once (concurrency > 1),
        and `Character.last` is per reply; its state (memory, relationships) lives in the world."""
        check_message(text)
        self.rails.know_people(player)  # a player's name is a person's: "Where does <player> live?" is refused
        before = self._newest(player, character_id)
        character = Character(self.world, character_id, self.gateway, memory=self.memory, rails=self.rails)
        for piece in character.respond(player, text):
            out.text += piece
            yield piece
        reply = character.last
        if reply is not None and reply.usage is not None:
            out.usage = {"prompt_tokens": reply.usage.prompt_tokens,
                         "completion_tokens": reply.usage.completion_tokens}
        out.events = self._written(player, character_id, before)

    def ask(self, player: str, text: str, out: Outcome, *, start: tuple[int, int] | None = None,
            language: str | None = None) -> Iterator[str]:
        """The assistant's answer, streamed; a found route is put in `out.route` for the map."""
        from llmverse.assistant import Assistant, Route

        if not text.strip():
            raise InvalidMessage("the question is blank")
        self.rails.know_people(player)
        before = self._newest(player, ASSISTANT)
        assistant = Assistant(self.world, self.gateway, rails=self.rails)
        for piece in assistant.ask(player, text, start=start, language=language):  # type: ignore[arg-type]
            out.text += piece
            yield piece
        reply = assistant.last
        if reply is not None and isinstance(reply.route, Route):
            r = reply.route
            out.route = {"destination": r.destination, "name": r.destination_name, "path": r.path,
                         "waypoints": r.waypoints, "distance_m": r.distance_m, "minutes": r.minutes}
        out.events = self._written(player, ASSISTANT, before)

    def _newest(self, player: str, other: str) -> int:
        last = self.world.events(kind="say", between=(player, other), last=1)
        return last[-1].id if last else 0

    def _written(self, player: str, other: str, before: int) -> list[int]:
        """The ids of the says this exchange wrote: the newest two between them, if newer than
        `before` (one request per player runs at a time, so nothing of theirs can come between; an
        exchange that wrote nothing acknowledges nothing, never the previous exchange's events)."""
        pair = self.world.events(kind="say", between=(player, other), last=2)
        return [e.id for e in pair if e.id > before]
