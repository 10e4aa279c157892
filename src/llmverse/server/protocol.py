"""The WebSocket protocol: JSON frames, validated by pydantic at the boundary.

Client to server (each may carry an `id` the replies echo):
    {"type": "join", "token": "...", "lang": "en"|"zh"}       first frame: who I am (lang: refusals' language)
    {"type": "move", "to": [x, y], "lang": "en"|"zh"}         walk to a tile
    {"type": "say", "to": "bram", "text": "..."}              talk to a character near me
    {"type": "ask", "text": "...", "lang": "en"|"zh"}         ask the assistant
    {"type": "cancel", "ref": "<id of a say or ask>"}         drop a request
    {"type": "ping"}
Server to client:
    welcome, moved, queued {position}, start, token {text}, route {path, waypoints}, end {text, events},
    event {event}, tick {now, characters}, players {tiles}, pong, and
    error {reason, detail, retry_after?}: the connection stays usable after every error but a failed join.

A frame over 16 KiB, one that is not a JSON object, nested deeper than 32 levels, with an integer of
more than 20 digits, of an unknown type or with bad fields gets an error frame naming the reason;
nothing of it reaches the world. (Frames over the server's 1 MiB WebSocket limit are never read:
the connection closes with code 1009, see docs/server.md.)
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

MAX_DEPTH = 32  # nesting of arrays and objects; a real frame needs 3
MAX_DIGITS = 20  # an integer literal longer than this is refused before Python converts it
COORD = 1 << 16  # tile coordinates lie in [-COORD, COORD]


class ProtocolError(Exception):
    """A frame the server will not act on; `reason` is a stable code, `detail` says more."""

    def __init__(self, reason: str, detail: str, ref: str | None = None) -> None:
        self.reason, self.detail, self.ref = reason, detail, ref
        super().__init__(f"{reason}: {detail}")


def _said(text: str) -> str:
    """What a player said, as it is kept: byte for byte, but for whitespace at either end (spaces, tabs,
    newlines, the ideographic space U+3000, NBSP: `str.strip`). An input box's Enter or a paste adds
    it; it carries no words, and the blank check, the safety rails, the character and the log must all
    read one text. Zero-width and joining characters are no whitespace and are kept (docs/server.md)."""
    if not text.strip():
        raise ValueError("the text is blank")
    if any(ord(ch) < 32 and ch not in "\t\n\r" for ch in text):
        raise ValueError("the text holds control characters")
    return text.strip()


Said = Annotated[str, AfterValidator(_said)]
Coord = Annotated[int, Field(ge=-COORD, le=COORD)]


class _Frame(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str | None = Field(default=None, max_length=64)


Lang = Literal["en", "zh"]


class Join(_Frame):
    type: Literal["join"]
    token: str = Field(max_length=200)
    lang: Lang | None = None  # the language refusals are given in, until a frame says another


class MoveTo(_Frame):
    type: Literal["move"]
    to: tuple[Coord, Coord]
    lang: Lang | None = None


class SayTo(_Frame):
    type: Literal["say"]
    to: str = Field(max_length=64)
    text: Said = Field(min_length=1, max_length=2000)


class Ask(_Frame):
    type: Literal["ask"]
    text: Said = Field(min_length=1, max_length=1000)
    lang: Lang | None = None


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
    if raw.count("[") + raw.count("{") > MAX_DEPTH and _depth(raw) > MAX_DEPTH:
        raise ProtocolError("malformed", f"the frame nests deeper than {MAX_DEPTH} levels")
    try:
        data: Any = json.loads(raw, parse_int=_integer)
    except _LongNumber as exc:
        raise ProtocolError("malformed", f"a number has more than {MAX_DIGITS} digits") from exc
    except json.JSONDecodeError as exc:
        raise ProtocolError("malformed", f"not JSON: {exc.msg} at character {exc.pos}") from exc
    except (ValueError, RecursionError) as exc:  # what the checks above missed: still an error frame
        raise ProtocolError("malformed", f"not JSON: {str(exc)[:80]}") from exc
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


class _LongNumber(ValueError):
    pass


def _integer(literal: str) -> int:
    """json.loads' integer hook: Python would convert a 4,000-digit literal (slowly) or fail oddly."""
    if len(literal.lstrip("-")) > MAX_DIGITS:
        raise _LongNumber(literal[:24])
    return int(literal)


def _depth(raw: str) -> int:
    """How deeply brackets nest outside strings (a cheap scan, so json.loads never recurses deep)."""
    depth = most = 0
    in_string = escaped = False
    for ch in raw:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            most = max(most, depth)
        elif ch in "]}":
            depth -= 1
    return most
