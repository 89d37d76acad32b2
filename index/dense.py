"""FAISS inner-product search over normalized vectors, with explicit int64 ids.

Exact search (IndexFlatIP) up to `exact_max_passages`; HNSW above it. A filtered
query over a subset small enough to scan is answered exactly from the stored
vectors, so it returns k hits whenever k matching passages exist; larger subsets
use FAISS's ID selector inside the search, not a filter after it.
"""

from __future__ import annotations

from pathlib import Path

import faiss
import numpy as np

from settings import IndexSettings

INDEX_FILE = "dense.faiss"
VECTORS_FILE = "vectors.npy"
IDS_FILE = "ids.npy"
EXACT_SUBSET = 50_000  # a filtered subset up to this size is scanned exactly


def _new_index(dim: int, count: int, cfg: IndexSettings) -> tuple[faiss.Index, str]:
    if count <= cfg.exact_max_passages:
        return faiss.IndexIDMap2(faiss.IndexFlatIP(dim)), "flat"
    hnsw = faiss.IndexHNSWFlat(dim, cfg.hnsw_m, faiss.METRIC_INNER_PRODUCT)
    hnsw.hnsw.efConstruction = 2 * cfg.hnsw_m
    return faiss.IndexIDMap2(hnsw), "hnsw"


class DenseIndex:
    def __init__(self, index: faiss.Index, vectors: np.ndarray, ids: np.ndarray, cfg: IndexSettings):
        self.index = index
        self.vectors = vectors
        self.ids = ids
        self.row_of = {int(i): row for row, i in enumerate(ids)}
        self.cfg = cfg
        self.kind = "hnsw" if isinstance(faiss.downcast_index(index.index), faiss.IndexHNSWFlat) else "flat"

    @classmethod
    def build(cls, vectors: np.ndarray, ids: np.ndarray, cfg: IndexSettings, folder: Path) -> DenseIndex:
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        ids = np.asarray(ids, dtype=np.int64)
        index, _ = _new_index(vectors.shape[1], len(vectors), cfg)
        if len(vectors):
            index.add_with_ids(vectors, ids)
        folder.mkdir(parents=True, exist_ok=True)
        faiss.write_index(index, str(folder / INDEX_FILE))
        np.save(folder / VECTORS_FILE, vectors)
        np.save(folder / IDS_FILE, ids)
        return cls(index, vectors, ids, cfg)

    @classmethod
    def load(cls, folder: Path, cfg: IndexSettings) -> DenseIndex:
        index = faiss.read_index(str(folder / INDEX_FILE))
        vectors = np.load(folder / VECTORS_FILE, mmap_mode="r")
        ids = np.load(folder / IDS_FILE)
        return cls(index, vectors, ids, cfg)

    def __len__(self) -> int:
        return len(self.ids)

    def search(self, query: np.ndarray, n: int, allowed_rows: np.ndarray | None = None) -> list[tuple[int, float]]:
        """Best rows for a query vector, optionally only among `allowed_rows`."""
        n = min(n, len(self.ids) if allowed_rows is None else len(allowed_rows))
        if n <= 0:
            return []
        if allowed_rows is not None and len(allowed_rows) <= EXACT_SUBSET:
            return self._exact(query, n, allowed_rows)
        params = None
        if self.kind == "hnsw":
            params = faiss.SearchParametersHNSW(efSearch=max(self.cfg.hnsw_ef_search, n))
        if allowed_rows is not None:
            selector = faiss.IDSelectorBatch(self.ids[allowed_rows])
            params = params or faiss.SearchParameters()
            params.sel = selector
        scores, ids = self.index.search(query.reshape(1, -1).astype(np.float32), n, params=params)
        return [(self.row_of[int(i)], float(s)) for s, i in zip(scores[0], ids[0], strict=True) if i != -1]

    def _exact(self, query: np.ndarray, n: int, rows: np.ndarray) -> list[tuple[int, float]]:
        sims = np.asarray(self.vectors[rows]) @ query.astype(np.float32)
        best = np.argpartition(-sims, n - 1)[:n] if len(sims) > n else np.arange(len(sims))
        best = best[np.argsort(-sims[best], kind="stable")]
        return [(int(rows[i]), float(sims[i])) for i in best]
