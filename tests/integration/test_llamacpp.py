"""The real bundled SmolLM2 through llama.cpp: properties that must hold, never exact wording."""

import json

import pytest

from llmverse.llm.base import Message
from llmverse.llm.gateway import Gateway

llama_cpp = pytest.importorskip("llama_cpp")
pytestmark = pytest.mark.slow

SCHEMA = {
    "type": "object",
    "properties": {"action": {"type": "string", "enum": ["move", "say", "wait"]},
                   "target": {"type": "string"}},
    "required": ["action", "target"],
}


@pytest.fixture(scope="module")
def gateway():
    from llmverse.llm.llamacpp import LlamaCppBackend

    return Gateway(LlamaCppBackend("smollm2-135m", threads=2))


def test_json_schema_output_is_valid_20_of_20(gateway):
    valid = 0
    for i in range(20):
        msgs = [Message("system", "You are Bram the blacksmith. Choose your next action as JSON."),
                Message("user", f"It is {8 + i % 10}:00. A customer waits at the forge.")]
        out = gateway.complete(msgs, schema=SCHEMA, max_tokens=60)
        data = json.loads(out.text)
        valid += data["action"] in {"move", "say", "wait"} and isinstance(data["target"], str)
    assert valid == 20


def test_streams_text_and_records_usage(gateway):
    pieces = list(gateway.stream([Message("user", "Say hello in one short sentence.")], max_tokens=30))
    assert len(pieces) > 1 and "".join(pieces).strip()
    assert gateway.history[-1].time_to_first_token is not None
