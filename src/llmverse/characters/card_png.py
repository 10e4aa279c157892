"""PNG chunks for Character Cards: find the card text in a PNG, and put cards into one.

A PNG card is an ordinary image with the card as a base64 JSON `tEXt` chunk (`chara` for V2,
`ccv3` for V3). Only the byte level is here; cards.py decodes the card JSON and maps it to a
Character. `CardError` lives here, in the lower of the two modules, so that both raise it without an
import cycle; cards.py re-exports it.
"""

from __future__ import annotations

import base64
import hashlib
import json
import struct
import zlib
from pathlib import Path

from llmverse.errors import LlmverseError

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
CARD_CHUNKS = (b"chara", b"ccv3")
TEXT_CHUNKS = (b"tEXt", b"zTXt", b"iTXt")


class CardError(LlmverseError):
    """A card could not be read, written or added to a world; names the file and the field at fault."""

    def __init__(self, file: str | Path, field: str, problem: str) -> None:
        self.file, self.field, self.problem = str(file), field, problem
        super().__init__(f"{file}: field '{field}': {problem}")


# --- PNG chunks (spec: length, type, body, CRC-32 of type + body) --------------------------------

def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png_chunks(raw: bytes, source: str | Path = "<png>") -> list[tuple[bytes, bytes, bool]]:
    """(type, body, CRC ok) for each chunk up to IEND; CardError if the file is not a whole PNG."""
    if not raw.startswith(PNG_SIGNATURE):
        raise CardError(source, "(png)", "not a PNG file (bad signature)")
    pos, out = len(PNG_SIGNATURE), []
    while not out or out[-1][0] != b"IEND":
        if pos + 12 > len(raw):
            raise CardError(source, "(png)", f"the file ends at byte {len(raw)} before its IEND chunk: truncated")
        length, kind = struct.unpack(">I4s", raw[pos:pos + 8])
        end = pos + 12 + length
        if end > len(raw):
            raise CardError(source, "(png)", f"chunk {kind.decode('latin-1')!r} at byte {pos} is cut short: truncated")
        body = raw[pos + 8:end - 4]
        out.append((kind, body, struct.unpack(">I", raw[end - 4:end])[0] == zlib.crc32(kind + body)))
        pos = end
    if out[0][0] != b"IHDR":
        raise CardError(source, "(png)", "the first chunk is not IHDR: not a valid PNG")
    return out


def _card_text_from_png(raw: bytes, source: str | Path) -> tuple[str, str, bytes]:
    """(chunk keyword, its text, the image without card chunks); ccv3 wins over chara (V3 spec)."""
    found: dict[str, tuple[bytes, bytes]] = {}
    image = []
    for kind, body, crc_ok in png_chunks(raw, source):
        keyword = body.partition(b"\0")[0] if kind in TEXT_CHUNKS else b""
        if keyword in CARD_CHUNKS:
            if not crc_ok:
                raise CardError(source, keyword.decode(), "the chunk's CRC is wrong: the file is damaged")
            found[keyword.decode()] = (kind, body)
        else:
            image.append((kind, body))
    key = "ccv3" if "ccv3" in found else "chara" if "chara" in found else None
    if key is None:
        raise CardError(source, "chara", "no 'chara' (V2) or 'ccv3' (V3) text chunk: this PNG holds no card")
    kind, body = found[key]
    try:  # tEXt per the specs; zTXt/iTXt accepted because some image libraries write those
        rest = body.partition(b"\0")[2]
        if kind == b"tEXt":
            text = rest.decode("latin-1")
        elif kind == b"zTXt":
            text = zlib.decompress(rest[1:]).decode("latin-1")
        else:
            flag, rest = rest[0], rest[2:]
            payload = rest.split(b"\0", 2)[2]
            text = (zlib.decompress(payload) if flag else payload).decode("utf-8")
    except (zlib.error, IndexError, UnicodeDecodeError) as exc:
        raise CardError(source, key, f"unreadable {kind.decode()} chunk: {exc}") from exc
    return key, text, PNG_SIGNATURE + b"".join(_chunk(k, b) for k, b in image)


def png_with_cards(image: bytes, cards: dict[str, dict]) -> bytes:
    """`image` with its old card chunks replaced by one base64 tEXt chunk per card, before IEND."""
    kept = [(k, b) for k, b, _ in png_chunks(image, "<avatar>")
            if not (k in TEXT_CHUNKS and b.partition(b"\0")[0] in CARD_CHUNKS)]
    texts = [_chunk(b"tEXt", key.encode() + b"\0" + base64.b64encode(json.dumps(card, ensure_ascii=False)
                                                                      .encode("utf-8"))) for key, card in cards.items()]
    return PNG_SIGNATURE + b"".join(_chunk(k, b) for k, b in kept[:-1]) + b"".join(texts) + _chunk(*kept[-1])


def placeholder_png(seed: str, size: int = 64) -> bytes:
    """A plain square (colour from `seed`) for cards that had no picture: apps expect one."""
    rgb = bytes(64 + c // 2 for c in hashlib.sha1(seed.encode("utf-8")).digest()[:3])
    rows = (b"\0" + rgb * size) * size  # filter byte 0 (None) before each row of 8-bit RGB
    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return PNG_SIGNATURE + _chunk(b"IHDR", header) + _chunk(b"IDAT", zlib.compress(rows, 9)) + _chunk(b"IEND", b"")
