"""A merged LoRA fine-tune written as a GGUF for llama.cpp, by patching the base model's GGUF
(llm/gguf_patch.py): its merged projections, checked against the base's before they are written."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from llmverse.llm.gguf_patch import GGUF_NAMES, architecture, dequantized, open_reader, write_patched
from llmverse.llm.transformers_backend import JINJA
from llmverse.train.errors import CheckpointError


class GgufExportError(CheckpointError):
    """The fine-tune cannot be written as a GGUF by patching its base GGUF."""


def export_gguf(base: Path, model_dir: Path, out: Path, targets: list[str],
                chat_template: str = JINJA) -> dict[str, Any]:
    """Write `out`: the base GGUF with the LoRA-changed tensors replaced by the merged ones (Q8_0) and
    the chat template in its metadata, every other tensor copied byte for byte (still Q4_K etc.).

    Each replaced tensor is checked against the base's (same shape, close values) so a layout
    mismatch (e.g. an architecture whose converter permutes Q/K) fails here instead of in llama.cpp.
    """
    import numpy as np
    from safetensors.numpy import load_file

    unknown = [t for t in targets if t not in GGUF_NAMES]
    if unknown:
        raise GgufExportError(base, f"no GGUF tensor name known for LoRA targets {unknown}")
    weights = load_file(str(model_dir / "model.safetensors"))
    reader = open_reader(base)
    if architecture(reader) == "llama":  # llama.cpp's converter permutes Q/K rows for llama-style RoPE
        raise GgufExportError(base, "llama-architecture GGUFs store Q/K permuted: use llama.cpp's converter")
    new: dict[str, np.ndarray] = {}
    for key, w in weights.items():
        parts = key.split(".")  # model.layers.{i}.self_attn.{q_proj}.weight
        if len(parts) == 6 and parts[1] == "layers" and parts[4] in targets and parts[5] == "weight":
            new[f"blk.{parts[2]}.{GGUF_NAMES[parts[4]]}.weight"] = w.astype(np.float32)
    worst = 0.0
    for name, w in new.items():
        try:
            old = dequantized(reader, name, w.shape)
        except KeyError:
            raise GgufExportError(base, f"has no tensor {name}") from None
        worst = max(worst, float(np.linalg.norm(w - old) / max(np.linalg.norm(old), 1e-9)))
    if not new or worst > 0.5:
        raise GgufExportError(base, f"merged weights do not line up with the GGUF's (relative change {worst:.2f})")
    write_patched(reader, new, out, chat_template)
    return {"file": out.name, "bytes": out.stat().st_size, "replaced_tensors": len(new),
            "replaced_as": "Q8_0", "max_relative_change": round(worst, 4)}


def export_adapter(adapter_dir: Path, out: Path) -> dict[str, Any]:
    """The peft adapter in `adapter_dir` as the numpy file the package ships (llm/tuned.py): for each
    adapted tensor, by its GGUF name, `<name>.lora_a` (rank x in) and `<name>.lora_b` (out x rank),
    float16, and `scale` (alpha / rank)."""
    import json

    import numpy as np
    from safetensors.numpy import load_file

    config = json.loads((adapter_dir / "adapter_config.json").read_text("utf-8"))
    weights = load_file(str(adapter_dir / "adapter_model.safetensors"))
    arrays: dict[str, np.ndarray] = {"scale": np.array(config["lora_alpha"] / config["r"], dtype=np.float32)}
    for key, w in weights.items():
        parts = key.split(".")  # base_model.model.model.layers.{i}.self_attn.{q_proj}.lora_{A,B}.weight
        if "layers" not in parts or parts[-2] not in ("lora_A", "lora_B"):
            continue
        i = parts[parts.index("layers") + 1]
        proj = parts[-3]
        if proj not in GGUF_NAMES:
            raise GgufExportError(adapter_dir, f"no GGUF tensor name known for {proj}")
        arrays[f"blk.{i}.{GGUF_NAMES[proj]}.weight.lora_{parts[-2][-1].lower()}"] = w.astype(np.float16)
    if len(arrays) < 3:
        raise GgufExportError(adapter_dir, "holds no LoRA weights")
    out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(out, **arrays)
    return {"file": out.name, "bytes": out.stat().st_size, "tensors": (len(arrays) - 1) // 2}
