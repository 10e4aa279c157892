"""The WebSocket protocol: JSON frames, validated by pydantic at the boundary.

Client to server (each may carry an `id` the replies echo):
    {"type": "join", "token": "..."}                          first frame: who I am
    {"type": "move", "to": [x, y]}                            walk to a tile
    {"type": "say", "to": "bram", "text": "..."}              talk to a character near me
    {"type": "ask", "text": "...", "lang": "en"|"zh"}         ask the assistant
    {"type": "cancel", "ref": "<id of a say or ask>"}         drop a request
    {"type": "ping"}
Server to client:
    welcome, moved, queued {position}, start, token {text}, route {path, waypoints}, end {text, events},
    event {event}, tick {now, characters}, players {tiles}, pong, and
    error {reason, detail, retry_after?}: the connection stays usable after every error but a failed join.

A frame over 16 KiB, one that is not a JSON object, of an unknown type or with bad fields gets an
error frame naming the reason; nothing of it reaches the world.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError


class ProtocolError(Exception):
    """A frame the server will not act on; `reason` is a stable code, `detail` says more."""

    def __init__(self, reason: str, detail: str, ref: str | None = None) -> None:
        self.reason, self.detail, self.ref = reason, detail, ref
        super().__init__(f"{reason}: {detail}")


class _Frame(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str | None = Field(default=None, max_length=64)


class Join(_Frame):
    type: Literal["join"]
    token: str = Field(max_length=200)


class MoveTo(_Frame):
    type: Literal["move"]
    to: tuple[int, int]


class SayTo(_Frame):
    type: Literal["say"]
    to: str = Field(max_length=64)
    text: str = Field(min_length=1, max_length=2000)


class Ask(_Frame):
    type: Literal["ask"]
    text: str = Field(min_length=1, max_length=1000)
    lang: Literal["en", "zh"] | None = None


class Cancel(_Frame):
    type: Literal["cancel"]
    ref: str = Field(max_length=64)


class Ping(_Frame):
    type: Literal["ping"]


ClientFrame = Annotated[Join | MoveTo | SayTo | Ask | Cancel | Ping, Field(discriminator="type")]
_FRAMES: TypeAdapter[ClientFrame] = TypeAdapter(ClientFrame)
TYPES = ("join", "move", "say", "ask", "cancel", "ping")


def parse(raw: str | bytes | None, max_bytes: int) -> ClientFrame:
    """One client frame, or ProtocolError with the reason."""
    if raw is None:
        raise ProtocolError("malformed", "binary frames are not accepted; send JSON text")
    size = len(raw.encode() if isinstance(raw, str) else raw)
    if size > max_bytes:
        raise ProtocolError("too_large", f"the frame has {size} bytes; the limit is {max_bytes}")
    if isinstance(raw, bytes):
        raise ProtocolError("malformed", "binary frames are not accepted; send JSON text")
    try:
        data: Any = json.loads(raw)
    except ValueError as exc:
        raise ProtocolError("malformed", f"not JSON: {exc.msg} at character {exc.pos}") from exc
    if not isinstance(data, dict):
        raise ProtocolError("malformed", "a frame is a JSON object with a 'type'")
    ref = data.get("id") if isinstance(data.get("id"), str) else None
    if data.get("type") not in TYPES:
        raise ProtocolError("unknown_type", f"unknown type {str(data.get('type'))[:40]!r}; one of {', '.join(TYPES)}",
                            ref)
    try:
        return _FRAMES.validate_python(data)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'][1:]) or 'frame'}: {e['msg']}"
                             for e in exc.errors()[:3])
        raise ProtocolError("invalid", problems, ref) from exc
