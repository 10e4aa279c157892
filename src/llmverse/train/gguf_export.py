"""A LoRA fine-tune written as a GGUF for llama.cpp, by patching the base model's GGUF.

llama.cpp's own converter is not on the package index; the `gguf` package reads and writes GGUF
files, and LoRA only changed a few projections, so the base GGUF with those tensors replaced is the
fine-tune, with the base's quantisation and tokenizer kept.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from llmverse.llm.transformers_backend import JINJA
from llmverse.train.errors import CheckpointError

GGUF_NAMES = {"q_proj": "attn_q", "k_proj": "attn_k", "v_proj": "attn_v", "o_proj": "attn_output"}


class GgufExportError(CheckpointError):
    """The fine-tune cannot be written as a GGUF by patching its base GGUF."""


def export_gguf(base: Path, model_dir: Path, out: Path, targets: list[str],
                chat_template: str = JINJA) -> dict[str, Any]:
    """Write `out`: the base GGUF with the LoRA-changed tensors replaced by the merged ones (Q8_0) and
    the chat template in its metadata, every other tensor copied byte for byte (still Q4_K etc.).

    llama.cpp's converter (convert_hf_to_gguf.py) is not installable from the package index, but the
    `gguf` package can read and write GGUF files: since LoRA only changed the attention projections,
    patching those into the base is enough, and keeps the base's own quantisation and tokenizer.
    Each replaced tensor is checked against the base's (same shape, close values) so a layout
    mismatch (e.g. an architecture whose converter permutes Q/K) fails here instead of in llama.cpp.
    """
    import numpy as np
    from safetensors.numpy import load_file

    import gguf

    unknown = [t for t in targets if t not in GGUF_NAMES]
    if unknown:
        raise GgufExportError(base, f"no GGUF tensor name known for LoRA targets {unknown}")
    weights = load_file(str(model_dir / "model.safetensors"))
    reader = gguf.GGUFReader(str(base))
    arch = str(reader.fields[gguf.Keys.General.ARCHITECTURE].contents())
    if arch == "llama":  # llama.cpp's converter permutes Q/K rows for llama-style RoPE
        raise GgufExportError(base, "llama-architecture GGUFs store Q/K permuted: use llama.cpp's converter")
    new: dict[str, np.ndarray] = {}
    for key, w in weights.items():
        parts = key.split(".")  # model.layers.{i}.self_attn.{q_proj}.weight
        if len(parts) == 6 and parts[1] == "layers" and parts[4] in targets and parts[5] == "weight":
            new[f"blk.{parts[2]}.{GGUF_NAMES[parts[4]]}.weight"] = w.astype(np.float32)
    found = {t.name: t for t in reader.tensors}
    worst = 0.0
    for name, w in new.items():
        if name not in found:
            raise GgufExportError(base, f"has no tensor {name}")
        old = gguf.quants.dequantize(found[name].data, found[name].tensor_type).reshape(w.shape)
        worst = max(worst, float(np.linalg.norm(w - old) / max(np.linalg.norm(old), 1e-9)))
    if not new or worst > 0.5:
        raise GgufExportError(base, f"merged weights do not line up with the GGUF's (relative change {worst:.2f})")
    writer = gguf.GGUFWriter(str(out), arch)
    for field in reader.fields.values():
        skip = ("GGUF.", gguf.Keys.Tokenizer.CHAT_TEMPLATE)  # written by the writer / replaced below
        if field.name == gguf.Keys.General.ARCHITECTURE or field.name.startswith(skip):
            continue
        kind = field.types[0]
        writer.add_key_value(field.name, field.contents(), kind,
                             sub_type=field.types[-1] if kind == gguf.GGUFValueType.ARRAY else None)
    writer.add_chat_template(chat_template)
    data = {t.name: (gguf.quants.quantize(new[t.name], gguf.GGMLQuantizationType.Q8_0), gguf.GGMLQuantizationType.Q8_0)
            if t.name in new else (t.data, t.tensor_type) for t in reader.tensors}
    for name, (arr, kind) in data.items():
        writer.add_tensor_info(name, arr.shape, arr.dtype, arr.nbytes, kind)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_ti_data_to_file()
    for arr, _ in data.values():
        writer.write_tensor_data(arr, tensor_endianess=reader.endianess)
    writer.close()
    return {"file": out.name, "bytes": out.stat().st_size, "replaced_tensors": len(new),
            "replaced_as": "Q8_0", "max_relative_change": round(worst, 4)}
