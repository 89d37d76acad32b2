"""FAISS inner-product search over normalized vectors, ids = passage row numbers.

An approximate index (above `exact_max_vectors`) proposes `rerank` candidates,
re-scored exactly from the stored float vectors (memory-mapped), so the final
order is exact among the candidates.

A filtered query over a subset small enough to scan is answered exactly from the
stored vectors, so it returns k hits whenever k matching passages exist; larger
subsets use a FAISS ID selector inside the search, not a filter after it.
"""

from __future__ import annotations

import json
from pathlib import Path

import faiss
import numpy as np

from index.builder.dense import INDEX_FILE, META_FILE, VECTORS_FILE, build_dense_index, open_vectors
from settings import IndexSettings


class DenseIndex:
    def __init__(self, index: faiss.Index, vectors: np.ndarray, cfg: IndexSettings, kind: str):
        self.index = index
        self.vectors = vectors
        self.cfg = cfg
        self.kind = kind

    @classmethod
    def build(cls, vectors: np.ndarray, cfg: IndexSettings, folder: Path, kind: str | None = None) -> DenseIndex:
        """Store `vectors` in `folder`, build their index and open it."""
        np.ascontiguousarray(vectors, dtype=np.float32).tofile(folder / VECTORS_FILE)
        build_dense_index(open_vectors(folder, *vectors.shape), cfg, folder, kind)
        return cls.load(folder, cfg)

    @classmethod
    def load(cls, folder: Path, cfg: IndexSettings) -> DenseIndex:
        meta = json.loads((folder / META_FILE).read_text(encoding="utf-8"))
        index = faiss.read_index(str(folder / INDEX_FILE))
        return cls(index, open_vectors(folder, meta["count"], meta["dim"]), cfg, meta["kind"])

    def __len__(self) -> int:
        return len(self.vectors)

    def search(self, query: np.ndarray, n: int, allowed_rows: np.ndarray | None = None) -> list[tuple[int, float]]:
        """Best rows for a query vector, optionally only among `allowed_rows`."""
        n = min(n, len(self) if allowed_rows is None else len(allowed_rows))
        if n <= 0:
            return []
        query = np.asarray(query, dtype=np.float32)
        if allowed_rows is not None and len(allowed_rows) <= self.cfg.exact_filter_max:
            return self.exact(query, n, allowed_rows)
        wanted = n if self.kind == "flat" else max(n, self.cfg.rerank)
        scores, ids = self.index.search(query.reshape(1, -1), wanted, params=self._params(wanted, allowed_rows))
        found = ids[0][ids[0] != -1]
        if self.kind == "flat":
            return [(int(i), float(s)) for s, i in zip(scores[0], ids[0], strict=True) if i != -1]
        return self.exact(query, n, np.sort(found))

    def _params(self, wanted: int, allowed_rows: np.ndarray | None) -> faiss.SearchParameters | None:
        selector = None
        if allowed_rows is not None:
            mask = np.zeros(len(self), dtype=bool)
            mask[allowed_rows] = True
            self._bitmap = np.packbits(mask, bitorder="little")  # kept alive for the search
            selector = faiss.IDSelectorBitmap(len(self), faiss.swig_ptr(self._bitmap))
        if self.kind.startswith("hnsw"):
            params = faiss.SearchParametersHNSW(efSearch=max(self.cfg.hnsw_ef_search, wanted))
        elif self.kind.startswith("ivf"):
            params = faiss.SearchParametersIVF(nprobe=self.cfg.ivf_nprobe)
        else:
            params = faiss.SearchParameters() if selector is not None else None
        if selector is not None:
            params.sel = selector
        return params

    def exact(self, query: np.ndarray, n: int, rows: np.ndarray) -> list[tuple[int, float]]:
        """Exact inner products for the given rows (sorted rows read the memory map in order)."""
        if len(rows) == 0:
            return []
        if len(self.vectors) <= self.cfg.exact_max_vectors:
            sims = (np.asarray(self.vectors) @ query)[rows]  # a small index: one sequential product beats gathering rows
        else:
            sims = np.asarray(self.vectors[rows]) @ query
        best = np.argpartition(-sims, n - 1)[:n] if len(sims) > n else np.arange(len(sims))
        best = best[np.argsort(-sims[best], kind="stable")]
        return [(int(rows[i]), float(sims[i])) for i in best]
