"""WebSocket frames: every bad frame is refused with a reason code."""

import pytest

from llmverse.server.protocol import Ask, MoveTo, ProtocolError, SayTo, parse

LIMIT = 16 * 1024


@pytest.mark.parametrize("raw, reason", [
    ("x" * (LIMIT + 1), "too_large"),
    ('{"type": "say", "to": "bram", "text": "' + "é" * 9000 + '"}', "too_large"),  # bytes, not characters
    ("{not json", "malformed"),
    ("[1, 2]", "malformed"),
    (None, "malformed"),
    (b'{"type": "ping"}', "malformed"),
    ('{"type": "teleport"}', "unknown_type"),
    ('{"text": "no type"}', "unknown_type"),
    ('{"type": "move", "to": [1]}', "invalid"),
    ('{"type": "say", "to": "bram", "text": ""}', "invalid"),
    ('{"type": "say", "to": "bram", "text": "hi", "extra": 1}', "invalid"),
    ('{"type": "ask", "text": "hi", "lang": "fr"}', "invalid"),
])
def test_bad_frames_get_a_reason(raw, reason):
    with pytest.raises(ProtocolError) as e:
        parse(raw, LIMIT)
    assert e.value.reason == reason and e.value.detail


def test_the_id_is_echoed_on_errors_when_there_is_one():
    with pytest.raises(ProtocolError) as e:
        parse('{"type": "move", "to": "here", "id": "m7"}', LIMIT)
    assert e.value.ref == "m7"


def test_good_frames_parse_to_their_types():
    assert isinstance(parse('{"type": "move", "to": [3, 4]}', LIMIT), MoveTo)
    say = parse('{"type": "say", "to": "bram", "text": "你好", "id": "s1"}', LIMIT)
    assert isinstance(say, SayTo) and say.id == "s1" and say.text == "你好"
    assert isinstance(parse('{"type": "ask", "text": "museum?", "lang": "zh"}', LIMIT), Ask)
