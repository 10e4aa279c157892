"""The shipped NPC adapter: merged into its base GGUF at first use; a missing or corrupt adapter is a
clear error naming the file, and the default model falls back instead of crashing."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pytest

from llmverse.errors import LlmverseError
from llmverse.llm import tuned
from llmverse.llm.tuned import TunedModel, build


@pytest.fixture
def tiny_base(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> np.ndarray:
    """A one-tensor GGUF standing in for the bundled base."""
    import gguf

    q = np.random.default_rng(0).normal(size=(8, 64)).astype(np.float32)
    path = tmp_path / "base.gguf"
    w = gguf.GGUFWriter(str(path), "gemma3")
    w.add_tensor("blk.0.attn_q.weight", q)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    monkeypatch.setattr("llmverse.llm.registry.bundled_path", lambda name: path)
    return q


def test_the_adapter_is_merged_into_a_copy_of_the_base(tmp_path: Path, tiny_base: np.ndarray) -> None:
    import gguf

    rng = np.random.default_rng(1)
    a, b = rng.normal(size=(2, 64)).astype(np.float32), rng.normal(size=(8, 2)).astype(np.float32)
    np.savez(tmp_path / "adapter.npz", scale=np.float32(0.5), **{"blk.0.attn_q.weight.lora_a": a,
                                                                 "blk.0.attn_q.weight.lora_b": b})
    out = build(TunedModel("t", "x"), adapter=tmp_path / "adapter.npz", out_dir=tmp_path / "cache")
    t = next(t for t in gguf.GGUFReader(str(out)).tensors if t.name == "blk.0.attn_q.weight")
    got = gguf.quants.dequantize(t.data, t.tensor_type).reshape(8, 64)
    assert np.abs(got - (tiny_base + 0.5 * b @ a)).max() < 0.05  # Q8_0 rounding only
    assert np.abs(got - tiny_base).max() > 0.5  # the adapter changed it
    assert build(TunedModel("t", "x"), adapter=tmp_path / "adapter.npz", out_dir=tmp_path / "cache") == out  # cached


def test_a_missing_or_corrupt_adapter_names_the_file_and_the_fix(tmp_path: Path, tiny_base: np.ndarray) -> None:
    with pytest.raises(LlmverseError, match=r"missing: .*nope.npz does not exist.*make models"):
        build(TunedModel("t", "x"), adapter=tmp_path / "nope.npz", out_dir=tmp_path)
    (tmp_path / "bad.npz").write_bytes(b"PK\x03\x04 not a zip at all")
    with pytest.raises(LlmverseError, match=r"bad.npz is corrupt.*make models"):
        build(TunedModel("t", "x"), adapter=tmp_path / "bad.npz", out_dir=tmp_path)
    np.savez(tmp_path / "odd.npz", scale=np.float32(1), **{"blk.9.attn_q.weight.lora_a": np.ones((2, 64), np.float32),
                                                           "blk.9.attn_q.weight.lora_b": np.ones((8, 2), np.float32)})
    with pytest.raises(LlmverseError, match=r"does not fit.*blk.9.attn_q"):
        build(TunedModel("t", "x"), adapter=tmp_path / "odd.npz", out_dir=tmp_path)


@pytest.mark.slow
def test_a_broken_shipped_adapter_falls_back_to_the_previous_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                     caplog: pytest.LogCaptureFixture) -> None:
    pytest.importorskip("llama_cpp")
    from llmverse.config import open_backend
    from llmverse.llm.registry import FALLBACK_MODEL, is_installed

    if not is_installed(FALLBACK_MODEL) or not is_installed("gemma3-270m"):
        pytest.skip("bundled models not installed")
    (tmp_path / "gemma3-npc").mkdir()
    (tmp_path / "gemma3-npc" / "adapter.npz").write_bytes(b"garbage")
    monkeypatch.setattr(tuned, "adapter_dir", lambda name: tmp_path / name)
    with caplog.at_level(logging.ERROR):
        backend = open_backend("gemma3-npc", threads=1)
    assert backend.name == f"llamacpp:{FALLBACK_MODEL}"
    assert "gemma3-npc cannot be used" in caplog.text and "adapter.npz is corrupt" in caplog.text
