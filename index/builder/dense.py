"""Building the FAISS index over a version's vectors (ids = passage row numbers).

Up to `exact_max_passages` the index is exact (IndexFlatIP). Above it the
index type is `index.large_index` (chosen from the scale benchmark, see
docs/performance.md); the files backend re-scores its candidates exactly from
the stored vectors (index/backends/files/dense.py).
"""

from __future__ import annotations

import math
from pathlib import Path

import faiss
import numpy as np

from settings import IndexSettings

INDEX_FILE = "dense.faiss"
KIND_FILE = "dense.kind"
VECTORS_FILE = "vectors.npy"
ADD_BATCH = 50_000


def choose_kind(count: int, cfg: IndexSettings) -> str:
    return "flat" if count <= cfg.exact_max_passages else cfg.large_index


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
    (folder / KIND_FILE).write_text(kind, encoding="utf-8")
    return kind
