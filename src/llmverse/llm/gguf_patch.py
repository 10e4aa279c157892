"""A GGUF with some tensors replaced: how a LoRA fine-tune becomes a file llama.cpp loads.

llama.cpp's converter is not on the package index, but the `gguf` package reads and writes GGUF files;
a LoRA changes only a few projections, so the base GGUF with those tensors replaced (as Q8_0) is the
fine-tune, with the base's quantisation, tokenizer and metadata kept. Used by training (publishing a
fine-tune) and at run time (building the shipped NPC voice from its adapter, llm/tuned.py).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

GGUF_NAMES = {"q_proj": "attn_q", "k_proj": "attn_k", "v_proj": "attn_v", "o_proj": "attn_output"}


def open_reader(path: Path) -> Any:
    import gguf

    return gguf.GGUFReader(str(path))


def architecture(reader: Any) -> str:
    import gguf

    return str(reader.fields[gguf.Keys.General.ARCHITECTURE].contents())


def dequantized(reader: Any, name: str, shape: tuple[int, ...]) -> Any:
    """A tensor of the GGUF as float32 in `shape` (out, in); KeyError if the file has no such tensor."""
    import gguf

    t = next((t for t in reader.tensors if t.name == name), None)
    if t is None:
        raise KeyError(name)
    return gguf.quants.dequantize(t.data, t.tensor_type).reshape(shape)


def write_patched(reader: Any, new: dict[str, Any], out: Path, chat_template: str | None = None) -> None:
    """Write `out`: every tensor of `reader`'s file, those in `new` (float32) replaced as Q8_0, the
    metadata copied (the chat template replaced when given). Written beside `out` and renamed into
    place, so `out` is never a half-written model."""
    import gguf

    tmp = out.with_name(out.name + f".{os.getpid()}.part")
    writer = gguf.GGUFWriter(str(tmp), architecture(reader))
    for field in reader.fields.values():
        skip = ("GGUF.", gguf.Keys.Tokenizer.CHAT_TEMPLATE) if chat_template is not None else ("GGUF.",)
        if field.name == gguf.Keys.General.ARCHITECTURE or field.name.startswith(skip):
            continue
        kind = field.types[0]
        writer.add_key_value(field.name, field.contents(), kind,
                             sub_type=field.types[-1] if kind == gguf.GGUFValueType.ARRAY else None)
    if chat_template is not None:
        writer.add_chat_template(chat_template)
    q8 = gguf.GGMLQuantizationType.Q8_0
    data = {t.name: (gguf.quants.quantize(new[t.name], q8), q8) if t.name in new else (t.data, t.tensor_type)
            for t in reader.tensors}
    for name, (arr, kind) in data.items():
        writer.add_tensor_info(name, arr.shape, arr.dtype, arr.nbytes, kind)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_ti_data_to_file()
    for arr, _ in data.values():
        writer.write_tensor_data(arr, tensor_endianess=reader.endianess)
    writer.close()
    os.replace(tmp, out)
