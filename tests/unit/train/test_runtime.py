from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from llmverse.train import runtime
from llmverse.train.errors import CheckpointError


def test_model_dir_checks_say_what_is_missing(tmp_path: Path, tiny_base: Path) -> None:
    assert runtime.check_model_dir(tiny_base) == tiny_base
    with pytest.raises(CheckpointError, match="no such directory"):
        runtime.check_model_dir(tmp_path / "nowhere")
    (tmp_path / "file.bin").write_bytes(b"x")
    with pytest.raises(CheckpointError, match="is a file"):
        runtime.check_model_dir(tmp_path / "file.bin")
    with pytest.raises(CheckpointError, match="no config.json"):
        runtime.check_model_dir(tmp_path)
    (tmp_path / "checkpoint-5").mkdir()
    with pytest.raises(CheckpointError, match="--resume"):
        runtime.check_model_dir(tmp_path)
    partial = tmp_path / "partial"
    partial.mkdir()
    shutil.copy(tiny_base / "config.json", partial)
    with pytest.raises(CheckpointError, match="no weights"):
        runtime.check_model_dir(partial)
    shutil.copy(tiny_base / "model.safetensors", partial)
    with pytest.raises(CheckpointError, match="no tokenizer"):
        runtime.check_model_dir(partial)


def test_prepare_out_guards_resume(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with pytest.raises(CheckpointError, match="nothing|no checkpoint"):
        runtime.prepare_out(out, resume=True)
    assert runtime.prepare_out(out, resume=False) is None and out.is_dir()
    for n in (2, 10, 9):
        (out / f"checkpoint-{n}").mkdir()
    assert runtime.prepare_out(out, resume=True) == out / "checkpoint-10"  # numerically newest
    with pytest.raises(CheckpointError, match="earlier run"):
        runtime.prepare_out(out, resume=False)


def test_publish_replaces_a_model_marker_last(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "config.json").write_text("old", encoding="utf-8")
    (out / "model.safetensors").write_text("old weights", encoding="utf-8")
    (out / "checkpoint-3").mkdir()
    staged = runtime.staging(out)
    (staged / "config.json").write_text("new", encoding="utf-8")
    (staged / "model.safetensors").write_text("new weights", encoding="utf-8")
    order: list[str] = []
    real_replace = runtime.os.replace

    def spy(src: Path, dst: Path) -> None:
        order.append(Path(dst).name)
        assert (Path(dst).name == "config.json") or not (out / "config.json").exists()
        real_replace(src, dst)

    runtime.os.replace = spy  # type: ignore[assignment]
    try:
        runtime.publish(staged, out)
    finally:
        runtime.os.replace = real_replace  # type: ignore[assignment]
    assert order[-1] == "config.json"
    assert (out / "model.safetensors").read_text(encoding="utf-8") == "new weights"
    assert not staged.exists() and (out / "checkpoint-3").is_dir()
    runtime.drop_checkpoints(out)
    assert not (out / "checkpoint-3").exists() and (out / "config.json").read_text(encoding="utf-8") == "new"
