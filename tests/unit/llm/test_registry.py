import pytest

from llmverse.errors import LlmverseError
from llmverse.llm.registry import BUNDLED, DEFAULT_MODEL, bundled_path


def test_default_is_registered():
    assert DEFAULT_MODEL in BUNDLED and "gemma3-270m" in BUNDLED


def test_unknown_model_lists_choices():
    with pytest.raises(LlmverseError, match="smollm2-135m"):
        bundled_path("gpt-17")
