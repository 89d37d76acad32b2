"""Building the FAISS index over a version's vectors (ids = their row numbers).

The vectors are the passages' sentence windows (index/builder/windows.py), as
raw float32 rows in `vectors.f32`, their count and dimension in `dense.json`.
Up to `exact_max_vectors` the index is exact (IndexFlatIP). Above it the
index type is `index.large_index` (chosen from the scale benchmark, see
docs/performance.md); the files backend re-scores its candidates exactly from
the stored vectors (index/backends/files/dense.py).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import faiss
import numpy as np

from settings import IndexSettings

INDEX_FILE = "dense.faiss"
META_FILE = "dense.json"
VECTORS_FILE = "vectors.f32"
ADD_BATCH = 50_000


def choose_kind(count: int, cfg: IndexSettings) -> str:
    return "flat" if count <= cfg.exact_max_vectors else cfg.large_index


def open_vectors(folder: Path, count: int, dim: int) -> np.ndarray:
    """The stored vectors, memory-mapped read-only (count x dim float32)."""
    if count == 0 or dim == 0:
        return np.zeros((0, dim), dtype=np.float32)
    return np.memmap(folder / VECTORS_FILE, dtype=np.float32, mode="r", shape=(count, dim))


def new_index(kind: str, dim: int, count: int, cfg: IndexSettings) -> faiss.Index:
    ip = faiss.METRIC_INNER_PRODUCT
    if kind == "flat":
        return faiss.IndexIDMap2(faiss.IndexFlatIP(dim))
    if kind == "hnsw":
        index = faiss.IndexHNSWFlat(dim, cfg.hnsw_m, ip)
    elif kind == "hnsw_sq8":
        index = faiss.IndexHNSWSQ(dim, faiss.ScalarQuantizer.QT_8bit, cfg.hnsw_m, ip)
    elif kind == "ivf_sq8":
        nlist = max(16, int(4 * math.sqrt(count)))
        return faiss.IndexIVFScalarQuantizer(faiss.IndexFlatIP(dim), dim, nlist, faiss.ScalarQuantizer.QT_8bit, ip)
    else:
        raise ValueError(f"unknown index type {kind!r}")
    index.hnsw.efConstruction = cfg.hnsw_ef_construction
    return faiss.IndexIDMap2(index)


def _train(index: faiss.Index, vectors: np.ndarray) -> None:
    if index.is_trained:
        return
    sample = min(len(vectors), 100_000)
    rows = np.sort(np.random.default_rng(0).choice(len(vectors), size=sample, replace=False))
    index.train(np.ascontiguousarray(vectors[rows], dtype=np.float32))


def build_dense_index(vectors: np.ndarray, cfg: IndexSettings, folder: Path, kind: str | None = None) -> str:
    """Index `vectors` (row i has id i), adding in batches from a memory map; return the index type."""
    count, dim = vectors.shape
    kind = kind or choose_kind(count, cfg)
    index = new_index(kind, dim, count, cfg)
    if count:
        _train(index, vectors)
        for start in range(0, count, ADD_BATCH):
            batch = np.ascontiguousarray(vectors[start : start + ADD_BATCH], dtype=np.float32)
            index.add_with_ids(batch, np.arange(start, start + len(batch), dtype=np.int64))
    faiss.write_index(index, str(folder / INDEX_FILE))
    (folder / META_FILE).write_text(json.dumps({"kind": kind, "count": count, "dim": dim}), encoding="utf-8")
    return kind
